"""One OMEMO message for a room's members (XEP-0384 0.3.0 §5; XEP-0384 0.8 §6 with XEP-0420 for
omemo:2: a groupchat message is encrypted for every device of every member and the user's own
other devices). Part of the lazily loaded core (``loader.py``); the room glue is ``rooms.py``.

Which version (``group_version``): OMEMO 0.3 when every member has a usable 0.3 device (what most
clients read, as before); else omemo:2 when every member has a usable omemo:2 device, in an SCE
envelope whose ``<to/>`` is the room's bare JID and ``<from/>`` the user's bare JID; else nothing
is sent (one message has one version: a member who cannot read it would see the fallback only).
The user's other devices get the message when they have the chosen version.

Python (what ``rooms.py`` does once the service is started)::

    element = await encrypt_for_group(service, {"bob@example.org", "carol@example.org"}, "hi all",
                                      room="team@conference.example.org")
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Collection, Iterable, Sequence

from ...xmpp.stanza import element
from . import sce
from .elements import encrypted_element
from .messages import Recipient, encrypt_message
from .service import OmemoSendError, OmemoService
from .store import session_key
from .versions import OMEMO_03, OMEMO_2, Version


def group_version(peers: Collection[str], with_03: Collection[str], with_2: Collection[str]) -> Version:
    """The version to write to a room whose members are ``peers``, ``with_03`` / ``with_2`` being
    those with a usable device of that version. Raises ``OmemoSendError`` when no one version
    reaches every member.

    >>> group_version(["bob@x.org"], ["bob@x.org"], ["bob@x.org"]).namespace
    'eu.siacs.conversations.axolotl'
    >>> group_version(["bob@x.org", "carol@x.org"], ["bob@x.org"], ["bob@x.org", "carol@x.org"]).namespace
    'urn:xmpp:omemo:2'
    """
    without_03 = [peer for peer in sorted(peers) if peer not in with_03]
    if not without_03:
        return OMEMO_03
    without_2 = [peer for peer in sorted(peers) if peer not in with_2]
    if not without_2:
        return OMEMO_2
    without_any = [peer for peer in without_03 if peer in without_2]
    if without_any:
        raise OmemoSendError(f"no OMEMO device of {', '.join(without_any)}")
    raise OmemoSendError(f"the members share no OMEMO version: omemo:2 only for {', '.join(without_03)}, "
                         f"OMEMO 0.3 only for {', '.join(without_2)}")


async def _usable(service: OmemoService, peer: str, version: Version, refresh: bool) -> list[Recipient]:
    ids = (None if refresh else service.device_lists(version).get(peer)) or await service.fetch_devices(peer, version)
    return [r for r in [await service._recipient(peer, d, version) for d in ids] if await service._usable(r)]


async def encrypt_for_group(service: OmemoService, members: Iterable[str], text: str, *,
                            refresh: bool = False, room: str = "", content: Sequence[ET.Element] = ()) -> ET.Element:
    """The ``<encrypted/>`` of ``text`` for every trusted device of every JID of ``members`` (bare
    JIDs, the user excluded) and the user's other devices, in the version ``group_version`` picks
    (omemo:2: an envelope addressed to ``room``, the room's bare JID, of ``content``: the message's
    content elements, ``sce_content.content_elements``, its body the text; or a body of ``text``). Raises ``OmemoSendError``
    naming the members that version cannot reach (nothing is sent then), or when there is no
    member at all. ``refresh`` fetches the members' device lists again (members who are not
    contacts send no device-list notifications)."""
    peers = sorted({jid for jid in members if jid and jid != service.own_jid})
    if not peers:
        raise OmemoSendError("the room has no other member to encrypt for")
    async with service.lock:
        assert service.keys is not None
        by_version: dict[str, list[Recipient]] = {}
        for peer in peers:
            by_version[f"0.3 {peer}"] = await _usable(service, peer, OMEMO_03, refresh)
        with_03 = [peer for peer in peers if by_version[f"0.3 {peer}"]]
        with_2: list[str] = []
        if len(with_03) < len(peers):  # omemo:2 is looked at only when 0.3 does not reach everyone
            for peer in peers:
                by_version[f"2 {peer}"] = await _usable(service, peer, OMEMO_2, refresh)
            with_2 = [peer for peer in peers if by_version[f"2 {peer}"]]
        version = group_version(peers, with_03, with_2)
        prefix = "0.3" if version is OMEMO_03 else "2"
        recipients = [r for peer in peers for r in by_version[f"{prefix} {peer}"]]
        own_ids = [d for d in service.device_lists(version).get(service.own_jid)
                   or await service.fetch_devices(service.own_jid, version) if d != service.device_id]
        recipients += [r for r in [await service._recipient(service.own_jid, d, version) for d in own_ids]
                       if await service._usable(r)]
        if version is OMEMO_03:
            plaintext = text.encode("utf-8")
        else:  # XEP-0384 0.8 §6 / XEP-0420: in a groupchat <to/> is the room's bare JID
            body = element("body", xmlns="jabber:client", text=text)
            plaintext = sce.envelope_bytes(list(content) or [body], rpad=await sce.random_padding(service.crypto),
                                           from_jid=service.own_jid, to_jid=room or None)
        outgoing = await encrypt_message(service.crypto, version, service.keys, service.device_id,
                                         plaintext, recipients)
        for (jid, device_id), session in outgoing.sessions.items():
            await service.store.put(session_key(version.namespace, jid, device_id), json.dumps(session.to_json()))
        reached = {jid for jid, _ in outgoing.sessions}
        unreached = [peer for peer in peers if peer not in reached]
        if unreached:
            raise OmemoSendError(f"no device of {', '.join(unreached)} could be reached (no usable bundle)")
        return encrypted_element(outgoing.encrypted)
