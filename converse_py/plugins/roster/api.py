"""``api.contacts``: roster contacts."""

from __future__ import annotations

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

        JS: ``const contact = _converse.api.contacts.get('buddy@example.com');``
        Python: ``contacts = api.contacts.get(["a@localhost", "b@localhost"])``
        """
        if jids is None:
            return list(self._state.contacts.values())
        if isinstance(jids, str):
            return self._state.contacts.get(_bare(jids))
        if isinstance(jids, (list, tuple)):
            return [self._state.contacts.get(_bare(j)) for j in jids]
        raise ConverseError(f"contacts.get: expected a JID, a list of JIDs or nothing, got {type(jids).__name__}")


def _bare(jid: Any) -> str:
    if not isinstance(jid, str):
        raise ConverseError(f"contacts.get: a JID must be a string, got {type(jid).__name__}")
    try:
        return JID.parse(jid).bare
    except ValueError as exc:
        raise ConverseError(f"contacts.get: {exc}") from None
