"""``api.profile``: the user's own vCard fields and XEP-0172 nickname."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...core.errors import ConverseError
from ...core.grouping import Grouping

if TYPE_CHECKING:
    from .plugin import ProfileState


class ProfileAPI(Grouping):
    """``_converse.api.profile``: the user's own profile (vCard full name, nickname, URL, email)."""

    def __init__(self, state: ProfileState) -> None:
        self._state = state

    def get(self) -> asyncio.Future[dict[str, str]]:
        """The user's profile as stored on the server: ``{fullname, nickname, url, email}`` (empty
        strings for what is not set).

        JS: ``const profile = await _converse.api.profile.get();  // profile.fullname``
        Python: ``profile = await api.profile.get()``
        """
        return asyncio.ensure_future(self._state.get())

    def set(self, changes: Any) -> asyncio.Future[dict[str, str]]:
        """Change some of ``{fullname, nickname, url, email}`` (an empty string removes one); the
        other vCard fields, the avatar among them, are kept. The nickname is also published to PEP
        (XEP-0172). Resolves to the profile as stored.

        JS: ``await _converse.api.profile.set({fullname: 'Alice Liddell', nickname: 'alice'});``
        Python: ``await api.profile.set({"url": "https://example.org/alice", "email": "alice@example.org"})``
        """
        if not isinstance(changes, Mapping):
            raise ConverseError("profile.set: expected {fullname, nickname, url, email}")
        return asyncio.ensure_future(self._state.set(changes))
