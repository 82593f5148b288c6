"""``api.contacts``: roster contacts."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ...core.errors import ConverseError
from ...core.grouping import Grouping
from ...xmpp.jid import JID

if TYPE_CHECKING:
    from .plugin import RosterState


class ContactsAPI(Grouping):
    """``_converse.api.contacts``."""

    def __init__(self, state: RosterState) -> None:
        self._state = state

    def get(self, jids: str | list[str] | None = None) -> Any:
        """One contact (null/None if not in the roster), a list in the same order, or all contacts.

        JS: ``const contact = _converse.api.contacts.get('bob@localhost');``
        Python: ``contacts = api.contacts.get(["bob@localhost", "carol@localhost"])``
        """
        if jids is None:
            return list(self._state.contacts.values())
        if isinstance(jids, str):
            return self._state.contacts.get(_bare(jids))
        if isinstance(jids, (list, tuple)):
            return [self._state.contacts.get(_bare(j)) for j in jids]
        raise ConverseError(f"contacts.get: expected a JID, a list of JIDs or nothing, got {type(jids).__name__}")

    def add(self, jid: str, fullname: str | None = None, groups: list[str] | None = None) -> Any:
        """Add a contact to the roster and ask to subscribe to their presence; resolves to the contact
        (its ``ask`` is ``'subscribe'`` until they answer). Without a fullname the JID is shown.

        JS: ``_converse.api.contacts.add('carol@localhost', 'Carol')``
        Python: ``contact = await api.contacts.add("carol@localhost", "Carol")``
        """
        if fullname is not None and not isinstance(fullname, str):
            raise ConverseError(f"contacts.add: fullname must be a string, got {type(fullname).__name__}")
        if groups is not None and (not isinstance(groups, list) or not all(isinstance(g, str) for g in groups)):
            raise ConverseError("contacts.add: groups must be a list of strings")
        return asyncio.ensure_future(self._state.add(_bare(jid), fullname, groups))

    def remove(self, jid: str) -> Any:
        """Remove a contact from the roster (subscriptions are cancelled both ways).

        JS: ``await _converse.api.contacts.remove('carol@localhost')``
        Python: ``await api.contacts.remove("carol@localhost")``
        """
        return asyncio.ensure_future(self._state.remove(_bare(jid)))


def _bare(jid: Any) -> str:
    if not isinstance(jid, str):
        raise ConverseError(f"contacts: a JID must be a string, got {type(jid).__name__}")
    try:
        return JID.parse(jid).bare
    except ValueError as exc:
        raise ConverseError(f"contacts: {exc}") from None
