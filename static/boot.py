# PyScript entry point of converse-py: attaches the Python implementation to the
# JS shim (static/converse.js). Page <script type="py"> blocks that follow can
# `from converse_py import converse` and register plugins.
import js

js.performance.mark("cpy:boot-start")
from converse_py.browser.main import boot  # noqa: E402

js.performance.mark("cpy:imported")
await boot()  # noqa: F704 (PyScript runs this file with top-level await)
js.performance.mark("cpy:attached")
