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
        """Remove a contact from the roster (RFC 6121 §2.5: the server cancels the subscriptions
        both ways; its roster push removes the contact here). Also ``contact.remove()``.

        JS: ``await _converse.api.contacts.remove('carol@localhost')``
        Python: ``await api.contacts.remove("carol@localhost")``
        """
        return asyncio.ensure_future(self._state.remove(_bare(jid)))

    def rename(self, jid: str, name: str) -> Any:
        """Change a contact's name in the roster (an empty name drops it: the JID or vCard name is
        shown). Resolves to the contact once the server accepted it; the server's roster push
        updates it here and in the account's other sessions. Also ``contact.rename(name)``.

        JS: ``await _converse.api.contacts.rename('bob@localhost', 'Bobby');``
        Python: ``await api.contacts.rename("bob@localhost", "Bobby")``
        """
        if not isinstance(name, str):
            raise ConverseError(f"contacts.rename: the name must be a string, got {type(name).__name__}")
        return asyncio.ensure_future(self._state.update(self._in_roster(jid), name=name))

    def set_groups(self, jid: str, groups: list[str]) -> Any:
        """Put a contact in exactly these roster groups (a new name creates the group, an empty
        list leaves it in none). Resolves to the contact once the server accepted it. Also
        ``contact.setGroups([...])`` (Python ``contact.set_groups``).

        JS: ``await _converse.api.contacts.setGroups('bob@localhost', ['Friends', 'Work']);``
        Python: ``await api.contacts.set_groups("bob@localhost", ["Friends", "Work"])``
        """
        if not isinstance(groups, (list, tuple)) or not all(isinstance(g, str) for g in groups):
            raise ConverseError("contacts.setGroups: groups must be a list of strings")
        return asyncio.ensure_future(self._state.update(self._in_roster(jid), groups=list(groups)))

    def _in_roster(self, jid: Any) -> str:
        bare = _bare(jid)
        contact = self._state.contacts.get(bare)
        if contact is None or not contact.in_roster:
            raise ConverseError(f"contacts: {bare} is not in the roster")
        return bare


def _bare(jid: Any) -> str:
    if not isinstance(jid, str):
        raise ConverseError(f"contacts: a JID must be a string, got {type(jid).__name__}")
    try:
        return JID.parse(jid).bare
    except ValueError as exc:
        raise ConverseError(f"contacts: {exc}") from None
