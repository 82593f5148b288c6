"""The page side of converse-py: Strophe transport, JS bridge, platform, boot.

Only this package and ``converse_py.dom`` import ``js`` / ``pyodide``.
"""
