"""Feature plugins, one folder per API grouping (``roster`` → ``api.contacts``, ``chats`` → ``api.chats``).

Each folder has the same roles: ``stanzas.py`` (pure builders/parsers), ``models.py``,
``api.py`` (the grouping) and ``plugin.py`` (wiring).
"""
