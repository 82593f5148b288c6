"""The page's image tools for avatars (``plugins/avatars/plugin.py::ImageTools``): whether the
browser decodes some bytes as an image (``createImageBitmap`` on a Blob of them: nothing is put in
the page before this says yes), and the canvas that crops and scales the user's own picture."""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import JsProxy, to_js  # type: ignore[import-not-found]

from ..core.errors import ConverseError
from ..plugins.avatars.stanzas import IMAGE_TYPES, MAX_BASE64, sniff_type

#: The sides (px) of a published avatar: a square between these.
SMALLEST, LARGEST = 96, 192


def _blob(data: bytes, type_: str) -> Any:
    return js.Blob.new(to_js([to_js(data)]), js.Object.fromEntries(to_js([["type", type_]])))


class BrowserImages:
    """``ImageTools`` backed by the browser's decoders and an ``OffscreenCanvas``."""

    async def decodes(self, type_: str, data: bytes) -> bool:
        if type_ not in IMAGE_TYPES:
            return False
        try:
            bitmap = await js.createImageBitmap(_blob(data, type_))
        except Exception:
            return False
        ok = int(bitmap.width) > 0 and int(bitmap.height) > 0
        bitmap.close()
        return ok

    async def prepare(self, source: Any) -> tuple[bytes, int, int]:
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            source = _blob(data, sniff_type(data) or "application/octet-stream")
        elif not isinstance(source, JsProxy) or not hasattr(source, "arrayBuffer"):
            raise ConverseError("avatars.set: expected an image (a Blob, a File or bytes)")
        try:
            bitmap = await js.createImageBitmap(source)
        except Exception:
            raise ConverseError("avatars.set: the browser cannot read this as an image") from None
        try:
            width, height = int(bitmap.width), int(bitmap.height)
            side = min(width, height)
            out = max(SMALLEST, min(LARGEST, side))
            while True:
                canvas = js.OffscreenCanvas.new(out, out)
                context = canvas.getContext("2d")
                context.imageSmoothingQuality = "high"
                context.drawImage(bitmap, (width - side) // 2, (height - side) // 2, side, side, 0, 0, out, out)
                blob = await canvas.convertToBlob(js.Object.fromEntries(to_js([["type", "image/png"]])))
                png = bytes((await blob.arrayBuffer()).to_bytes())
                if len(png) * 4 // 3 <= MAX_BASE64 or out <= SMALLEST:
                    return png, out, out
                out = max(SMALLEST, out * 2 // 3)  # a busy photo: fewer pixels keep it small
        finally:
            bitmap.close()
