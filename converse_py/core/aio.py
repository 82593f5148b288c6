"""The event loop in use: Pyodide's WebLoop in the page, asyncio's loop under CPython."""

from __future__ import annotations

import asyncio
from typing import Any


def loop() -> asyncio.AbstractEventLoop:
    """The running loop, or the policy's loop when called outside a coroutine (JS callbacks)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.get_event_loop_policy().get_event_loop()


def new_future() -> asyncio.Future[Any]:
    """A future on ``loop()``."""
    return loop().create_future()
