"""The page as a ``Platform``: JSON over ``fetch`` and the browser console."""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]


class BrowserPlatform:
    """Host services backed by the browser."""

    async def fetch_json(self, url: str) -> Any:
        response = await js.fetch(url, js.Object.fromEntries([["credentials", "same-origin"]]))
        if not response.ok:
            raise OSError(f"HTTP {response.status} from {url}")
        data = await response.json()
        return data.to_py() if hasattr(data, "to_py") else data

    def warn(self, message: str) -> None:
        js.console.warn(message)

    def error(self, message: str) -> None:
        js.console.error(message)
