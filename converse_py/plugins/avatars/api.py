"""``api.avatars``: the avatars of contacts, room occupants and the user (XEP-0084 and XEP-0153)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ...core.errors import ConverseError, NotConnectedError
from ...core.grouping import Grouping

if TYPE_CHECKING:
    from .plugin import AvatarState


class AvatarsAPI(Grouping):
    """``_converse.api.avatars``."""

    def __init__(self, state: AvatarState) -> None:
        self._state = state

    def get(self, jid: str) -> str | None:
        """The avatar shown for ``jid`` (a bare JID; a room occupant's ``room@service/nick``) as a
        ``data:`` URL, or null/None when it has none (the UI then shows initials on its XEP-0392
        colour). Only pictures that were checked to be images are given.

        JS: ``const url = _converse.api.avatars.get('juliet@capulet.lit');  // "data:image/png;base64,..." or null``
        Python: ``url = api.avatars.get("juliet@capulet.lit")``
        """
        if not isinstance(jid, str) or not jid:
            raise ConverseError(f"avatars.get: expected a JID, got {jid!r}")
        return self._state.url_for(jid)

    def set(self, image: Any) -> asyncio.Future[str]:
        """Set the user's avatar: a PNG, JPEG, GIF or WebP picture (in the page: a ``Blob``, a ``File``
        or bytes; it is cropped to a square and scaled to 96-192 px). It is published to PEP
        (XEP-0084) and the vCard (XEP-0153, other vCard fields kept), and its hash goes out in
        presence. Resolves to the picture's SHA-1.

        JS: ``const c = new OffscreenCanvas(96, 96); c.getContext('2d').fillRect(0, 0, 96, 96); await _converse.api.avatars.set(await c.convertToBlob());``
        Python: ``import base64; await api.avatars.set(base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="))``
        """
        if image is None or isinstance(image, (str, int, float, bool, dict, list)):
            raise ConverseError("avatars.set: expected an image (a Blob, a File or bytes)")
        self._need_connection("set")
        return asyncio.ensure_future(self._state.set_own(image))

    def remove(self) -> asyncio.Future[None]:
        """Remove the user's avatar (PEP and vCard); contacts then see the default avatar.

        JS: ``await _converse.api.avatars.remove();``
        Python: ``await api.avatars.remove()``
        """
        self._need_connection("remove")
        return asyncio.ensure_future(self._state.remove_own())

    def _need_connection(self, method: str) -> None:
        if not self._state.converse.session.connected:
            raise NotConnectedError(f"avatars.{method}: not connected (publishing needs the server)")
