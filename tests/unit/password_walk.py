"""Find every object that holds a given secret string, by walking what the garbage collector knows.

Used by the unit tests (CPython) and, read as text and run in the page, by the browser tests
(Pyodide), so it imports only the standard library. The walk starts from every object the
collector tracks and follows ``gc.get_referents`` (so it also reaches the tuples and dicts the
collector stops tracking): anything a Python script on the page could reach is covered. Frames
and running coroutines (the test's own locals) are left out, and so is whatever ``ignore`` names (the caller's
namespace, when it keeps the needle in a global).

>>> import secrets
>>> needle = "pw-" + secrets.token_hex(8)
>>> class Box:
...     pass
>>> box = Box(); box.kept = ("alice", needle)
>>> holders(needle, ignore=[globals()])
['tuple']
>>> del box
>>> holders(needle, ignore=[globals()])
[]
"""

from __future__ import annotations

import gc
import types
from collections.abc import Iterable


def holders(needle: str, ignore: Iterable[object] = ()) -> list[str]:
    """The type names of the objects whose referents include a string containing ``needle``."""
    gc.collect()
    stack: list[object] = gc.get_objects()
    seen: set[int] = {id(obj) for obj in ignore}
    found: list[str] = []
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, types.FrameType) or (isinstance(obj, types.CoroutineType) and obj.cr_running):
            continue  # the walk's callers (a suspended coroutine is walked: it may keep the needle)
        for ref in gc.get_referents(obj):
            if isinstance(ref, str):
                if needle in ref:
                    found.append(type(obj).__qualname__)
            elif not isinstance(ref, (int, float, bytes, type(None))):
                stack.append(ref)
    return found
