"""Code loaded after start: a zip of Python modules fetched and unpacked into Pyodide's file
system (``pyodide.unpackArchive``), e.g. OMEMO's core (plugins/omemo/loader.py).

Python (in the page)::

    folder = await unpack_archive("/static/omemo.zip", "/home/pyodide/lazy/omemo")
"""

from __future__ import annotations

import js  # type: ignore[import-not-found]
import pyodide_js  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]


async def unpack_archive(url: str, folder: str) -> str:
    """Fetch the zip at ``url`` and unpack it into ``folder``; returns ``folder``. Raises OSError
    when it cannot be fetched."""
    response = await js.fetch(url)
    if not response.ok:
        raise OSError(f"code could not be loaded: HTTP {response.status} from {url}")
    buffer = await response.arrayBuffer()
    pyodide_js.unpackArchive(buffer, "zip", js.Object.fromEntries(to_js([["extractDir", folder]])))
    return folder
