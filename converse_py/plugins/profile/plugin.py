"""Profile plugin: the user edits their own vCard (full name, nickname, URL, email; XEP-0054),
other vCard fields (the avatar's PHOTO...) kept, and the nickname is published to PEP as well
(XEP-0172). vCard edits go through the avatars plugin's ``edit_own_vcard``, so an avatar change
and a profile change never store a vCard fetched before the other's.

Event ``profileChanged`` (the profile as stored).
"""

from __future__ import annotations

from collections.abc import Mapping

from ...core.converse import Converse
from ...core.errors import ConverseError, IQError, NotConnectedError
from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ..avatars.plugin import AvatarState
from ..vcard.stanzas import vcard_get
from .api import ProfileAPI
from .stanzas import PROFILE_FIELDS, nick_publish, read_profile, vcard_with_profile


class ProfileState:
    """Reads and stores the user's own profile."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse

    def _need_connection(self, method: str) -> None:
        if not self.converse.session.connected:
            raise NotConnectedError(f"profile.{method}: not connected (the profile is on the server)")

    async def get(self) -> dict[str, str]:
        self._need_connection("get")
        try:
            result = await self.converse.session.send_iq(vcard_get(), timeout=30)
        except IQError:
            return read_profile(None)  # no vCard yet
        return read_profile(result)

    async def set(self, changes: Mapping[str, str]) -> dict[str, str]:
        self._need_connection("set")
        unknown = [k for k in changes if k not in PROFILE_FIELDS]
        if unknown:
            raise ConverseError(f"profile.set: unknown field(s) {', '.join(map(str, unknown))}; "
                                f"expected {', '.join(PROFILE_FIELDS)}")
        clean = {k: str(v or "").strip() for k, v in changes.items()}
        url = clean.get("url")
        if url and not url.lower().startswith(("http://", "https://")):
            raise ConverseError("profile.set: the URL must start with http:// or https://")
        stored = await self.converse.get(AvatarState).edit_own_vcard(lambda card: vcard_with_profile(card, clean))
        if "nickname" in clean:
            try:
                await self.converse.session.send_iq(nick_publish(clean["nickname"]), timeout=30)
            except IQError as exc:  # a server without PEP: the vCard still has it
                logger.info("profile: the nickname was not published to PEP: %s", exc)
        profile = read_profile(stored)
        self.converse.trigger("profileChanged", profile)
        return profile


class ProfilePlugin(Plugin):
    """``converse-profile``: edit the user's own vCard and XEP-0172 nickname (``api.profile``)."""

    name = "converse-profile"
    dependencies = ("converse-avatars",)
    events = {
        "profileChanged": EventDoc("{fullname, nickname, url, email}", "the user's own profile was stored"),
    }

    def initialize(self) -> None:
        self.state = ProfileState(self._converse)
        self._converse.provide(self.state)
        self._converse.api.add_grouping("profile", ProfileAPI(self.state))
