"""Loading OMEMO's protocol core only when a chat first needs it.

The page's first download (``static/converse_py.zip``) holds only the light part of this folder
(the plugin, ``pep``, ``store``, ``crypto``, ``errors``, this module): the core (ratchet, X3DH,
XEdDSA, elements, the service) is built into ``static/omemo.zip`` by tools/build.py. The first
``load_core`` in the page downloads that archive (``omemo_archive_url``), unpacks it into
Pyodide's file system and adds it to this package's ``__path__``; on CPython (and after the first
time) the core is simply imported.

Python::

    service_module = await load_core("/static/omemo.zip")
    service_module.OmemoService
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

CORE_MODULE = "converse_py.plugins.omemo.service"
#: Where the page unpacks the archive (its entries are ``converse_py/plugins/omemo/*.py``).
UNPACK_DIR = "/home/pyodide/lazy/omemo"


async def load_core(archive_url: str) -> ModuleType:
    """The core's ``service`` module, with the archive fetched and unpacked first when needed."""
    try:
        return importlib.import_module(CORE_MODULE)
    except ModuleNotFoundError as error:
        if error.name != CORE_MODULE or sys.platform != "emscripten":
            raise
    await _unpack(archive_url)
    importlib.invalidate_caches()
    return importlib.import_module(CORE_MODULE)


async def _unpack(archive_url: str) -> None:  # pragma: no cover - the page only (tests/browser/test_omemo.py)
    from ...browser.lazy_archive import unpack_archive
    folder = await unpack_archive(archive_url, UNPACK_DIR) + "/converse_py/plugins/omemo"
    package = sys.modules[__package__ or "converse_py.plugins.omemo"]
    if folder not in package.__path__:
        package.__path__.append(folder)
