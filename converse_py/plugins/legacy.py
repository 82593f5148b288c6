"""The attributes ``converse.chats``, ``.roster``, ``.rooms``, ``.status`` and ``.otr`` that the DOM
views (converse_py/dom/views) still read. Plugins and tests reach each other's state with
``converse.get(ChatsState)`` / ``converse.find(RosterState)``; delete this module (and its calls)
once the views do too.
"""

from __future__ import annotations

from typing import Any


def alias_for_views(converse: Any, name: str, service: Any) -> None:
    """Set ``converse.<name>`` to ``service`` for the views (nothing else may read it)."""
    setattr(converse, name, service)
