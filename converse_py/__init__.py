"""converse-py: an XMPP chat client whose logic is Python running in the browser.

The package splits into layers that import in one direction only:

- ``converse_py.xmpp``: sans-I/O protocol code (JIDs, stanza building/parsing).
- ``converse_py.core``: the private ``_converse`` namespace, its API groupings,
  events, promises, settings and the plugin registry.
- ``converse_py.plugins``: features, one folder per API grouping.
- ``converse_py.transport``: the only XMPP I/O (Strophe in the browser, a fake in tests).
- ``converse_py.dom`` and ``converse_py.browser``: everything that touches the page.

Only the last two import ``js``/``pyodide``; everything else runs on CPython.
"""

__version__ = "0.1.0"
