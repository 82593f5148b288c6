"""One OMEMO 0.3 message for a room's members (XEP-0384 0.3.0 §5: a groupchat message is encrypted
for every device of every member and the user's own other devices). Part of the lazily loaded
core (``loader.py``); the room glue is ``rooms.py``.

Python (what ``rooms.py`` does once the service is started)::

    element = await encrypt_for_group(service, {"bob@example.org", "carol@example.org"}, "hi all")
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from .elements import encrypted_element
from .messages import Recipient, encrypt_message
from .service import OmemoSendError, OmemoService
from .store import session_key
from .versions import OMEMO_03


async def encrypt_for_group(service: OmemoService, members: Iterable[str], text: str, *,
                            refresh: bool = False) -> ET.Element:
    """The ``<encrypted/>`` of ``text`` for every trusted device of every JID of ``members`` (bare
    JIDs, the user excluded) and the user's other devices. Raises ``OmemoSendError`` naming the
    members none of whose devices could get a key (nothing is sent then: a member who cannot read
    it would see the fallback only), or when there is no member at all. ``refresh`` fetches the
    members' device lists again (members who are not contacts send no device-list notifications)."""
    peers = sorted({jid for jid in members if jid and jid != service.own_jid})
    if not peers:
        raise OmemoSendError("the room has no other member to encrypt for")
    async with service.lock:
        assert service.keys is not None
        recipients: list[Recipient] = []
        without: list[str] = []
        for peer in peers:
            ids = (None if refresh else service.devices.get(peer)) or await service.fetch_devices(peer)
            usable = [r for r in [await service._recipient(peer, d) for d in ids] if await service._usable(r)]
            if not usable:
                without.append(peer)
            recipients += usable
        if without:
            raise OmemoSendError(f"no OMEMO device of {', '.join(without)}")
        own_ids = [d for d in service.devices.get(service.own_jid) or await service.fetch_devices(service.own_jid)
                   if d != service.device_id]
        recipients += [r for r in [await service._recipient(service.own_jid, d) for d in own_ids]
                       if await service._usable(r)]
        outgoing = await encrypt_message(service.crypto, OMEMO_03, service.keys, service.device_id,
                                         text.encode("utf-8"), recipients)
        for (jid, device_id), session in outgoing.sessions.items():
            await service.store.put(session_key(OMEMO_03.namespace, jid, device_id), json.dumps(session.to_json()))
        reached = {jid for jid, _ in outgoing.sessions}
        unreached = [peer for peer in peers if peer not in reached]
        if unreached:
            raise OmemoSendError(f"no device of {', '.join(unreached)} could be reached (no usable bundle)")
        return encrypted_element(outgoing.encrypted)
