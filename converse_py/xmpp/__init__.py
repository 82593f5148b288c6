"""Sans-I/O XMPP: JIDs, namespaces, stanza builders and parsers.

Nothing here sends or receives; nothing here imports ``js``, ``pyodide`` or
``pyscript`` (a unit test enforces it), so it runs under pytest in milliseconds.
"""
