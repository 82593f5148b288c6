"""The OMEMO 0.3 device of the logged-in account: its keys and sessions (in an ``OmemoStore``), its
PEP device list and bundle, and encrypting/decrypting chat messages. Part of the lazily loaded
core (``loader.py``): the plugin (``plugin.py``) makes one when OMEMO is first needed.

Every operation that reads or changes a session runs under one lock, so sessions change one
message at a time, in arrival order; a session is stored after every call that returned it; a
pre-key a new session used is removed, a fresh one added and the bundle republished.

Python (what the plugin does)::

    service = OmemoService(crypto, store, send_iq, own_jid)
    await service.start()                       # keys made or loaded, device list + bundle published
    element = await service.encrypt("bob@example.org", "hi")   # <encrypted/>; raises OmemoSendError
    text = await service.decrypt(stanza_encrypted_element, "bob@example.org")
"""

from __future__ import annotations

import asyncio
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, NamedTuple

from ...core.errors import IQError
from ...core.log import logger
from ...xmpp.stanza import StanzaParseError, element, parse, serialize
from . import pep, sce, sce_content
from .crypto import OmemoCrypto
from .elements import bundle_element, encrypted_element, parse_bundle, parse_encrypted
from .errors import DecryptionError, OmemoError, WireFormatError
from .cached_store import written
from .messages import Recipient, decrypt_message, encrypt_message
from .ratchet import RatchetSession
from .store import OmemoStore, content_key, device_key, plaintext_key, session_key, trust_key
from .versions import OMEMO_03, OMEMO_2, Version
from .x3dh import DeviceKeys, fingerprint, new_device_id

SendIQ = Callable[[ET.Element], Awaitable[ET.Element]]
#: IQ errors that mean "no device list to be seen" (XEP-0060 §6.5.9, §6.5.8 on PEP's access models).
NO_DEVICE_LIST = ("item-not-found", "feature-not-implemented", "forbidden", "not-authorized", "service-unavailable",
                  "presence-subscription-required")
#: IQ errors that say a publish-option was refused (retry with fewer).
OPTIONS_REFUSED = ("precondition-not-met", "conflict", "bad-request", "not-acceptable", "resource-constraint")
#: How long a signed pre-key is used before a new one is made at start (a week, as libsignal
#: clients do).
SIGNED_PRE_KEY_LIFETIME = 7 * 24 * 3600
#: A message is kept under at most this many ids (stanza-id, origin-id, id).
MAX_KEYS_PER_MESSAGE = 3
#: Pre-keys published; used ones are replaced so the bundle keeps this many.
PRE_KEYS = 100


#: Trust in a device: used until the user decides (as Conversations does), checked, or refused.
BLIND, VERIFIED, DISTRUSTED = "blind", "verified", "distrusted"
TRUST_STATES = (BLIND, VERIFIED, DISTRUSTED)


class Decrypted(NamedTuple):
    """A decrypted message: its text (None without payload), the sending device and its trust."""

    text: str | None
    device_id: int
    trust: str
    #: omemo:2: the envelope's content elements other than the body (a reply, an OOB link, ...).
    content: tuple[ET.Element, ...] = ()


class OmemoSendError(Exception):
    """A message could not be encrypted for the contact (no devices, no usable bundle): it is not sent."""


class OmemoService:
    """This browser's OMEMO 0.3 device for ``own_jid``."""

    def __init__(self, crypto: OmemoCrypto, store: OmemoStore, send_iq: SendIQ, own_jid: str,
                 now: Callable[[], float] = time.time) -> None:
        self.now = now
        #: When the signed pre-key was last made (seconds since the epoch).
        self.rotated_at = 0.0
        self.crypto = crypto
        self.store = store
        self.send_iq = send_iq
        self.own_jid = own_jid
        self.keys: DeviceKeys | None = None
        self.device_id = 0
        #: Device ids by bare JID (the user's own included), from notifications and fetches.
        self.devices: dict[str, list[int]] = {}
        #: The same for omemo:2.
        self.devices_2: dict[str, list[int]] = {}
        self.lock = asyncio.Lock()

    # -- own device ------------------------------------------------------------------------
    async def start(self) -> None:
        """Load or make this device's keys, then publish the bundle and make sure the account's
        device list names this device (merged: other devices are kept)."""
        async with self.lock:
            raw = await self.store.get(device_key(self.own_jid))
            if raw:
                try:
                    data = json.loads(raw)
                    self.keys, self.device_id = DeviceKeys.from_json(data["keys"]), int(data["device_id"])
                    rotated = data.get("rotated_at")
                    self.rotated_at = float(rotated) if isinstance(rotated, (int, float)) else 0.0
                except (ValueError, KeyError, TypeError, WireFormatError):
                    logger.warning("OMEMO: the stored device is damaged; a new one is made")
                    self.keys = None
            if self.keys is None:
                own = await self.fetch_devices(self.own_jid) + await self.fetch_devices(self.own_jid, OMEMO_2)
                self.keys = await DeviceKeys.generate(self.crypto, PRE_KEYS)
                self.device_id = await new_device_id(self.crypto, own)
                self.rotated_at = self.now()
                await self._save_keys()
            elif self.now() - self.rotated_at >= SIGNED_PRE_KEY_LIFETIME:
                # a new signed pre-key now and then (the previous one stays usable for one rotation,
                # for key exchanges built from a bundle fetched before)
                await self.keys.rotate_signed_pre_key(self.crypto)
                self.rotated_at = self.now()
                await self._save_keys()
        await self.publish_bundle(OMEMO_03)
        await self.announce(await self.fetch_devices(self.own_jid), OMEMO_03)
        try:  # omemo:2 too; without it this device still speaks 0.3
            await self.publish_bundle(OMEMO_2)
            await self.announce(await self.fetch_devices(self.own_jid, OMEMO_2), OMEMO_2)
        except IQError as error:
            logger.info("OMEMO: omemo:2 not published: %s", error)

    async def _save_keys(self) -> None:
        assert self.keys is not None
        await self.store.put(device_key(self.own_jid), json.dumps({"device_id": self.device_id, "keys": self.keys.to_json(),
                                                                   "rotated_at": self.rotated_at}))

    async def publish_bundle(self, version: Version = OMEMO_03) -> None:
        """Publish this device's bundle of ``version`` (0.3: a node per device; omemo:2: an item of
        the bundles node, the device id as item id)."""
        assert self.keys is not None
        payload = bundle_element(self.keys.bundle(version))
        if version is OMEMO_03:
            await self._publish(pep.bundle_node(self.device_id), payload)
        else:
            await self._publish(pep.TWO_BUNDLES_NODE, payload, item_id=str(self.device_id), max_items=True)

    async def publish_bundles(self) -> None:
        await self.publish_bundle(OMEMO_03)
        try:
            await self.publish_bundle(OMEMO_2)
        except IQError as error:
            logger.info("OMEMO: omemo:2 bundle not published: %s", error)

    def device_lists(self, version: Version) -> dict[str, list[int]]:
        """Device ids by bare JID for ``version`` (the user's own included)."""
        return self.devices if version is OMEMO_03 else self.devices_2

    async def announce(self, listed: list[int], version: Version = OMEMO_03) -> None:
        """Publish the account's device list of ``version`` with this device added, when ``listed``
        lacks it (the other devices are kept)."""
        if self.device_id in listed:
            return
        ids = [*listed, self.device_id]
        self.device_lists(version)[self.own_jid] = ids
        node = pep.DEVICELIST_NODE if version is OMEMO_03 else pep.TWO_DEVICES_NODE
        await self._publish(node, pep.device_list_element(ids, version.namespace))

    async def _publish(self, node: str, payload: ET.Element, *, item_id: str = "current", max_items: bool = False) -> None:
        """Publish with publish-options; a server that refuses one (a node configured otherwise,
        ejabberd's unknown ``pubsub#max_items``) gets fewer: open access only, then none."""
        attempts = [(True, True), (True, False), (False, False)] if max_items else [(True, False), (False, False)]
        for number, (open_access, with_max) in enumerate(attempts, 1):
            try:
                await self.send_iq(pep.publish(node, payload, item_id=item_id, open_access=open_access, max_items=with_max))
                return
            except IQError as error:
                if number == len(attempts) or not any(condition in str(error) for condition in OPTIONS_REFUSED):
                    raise

    def own_fingerprint(self) -> str:
        """This device's fingerprint (hex groups of 8), as other clients show it."""
        assert self.keys is not None
        return " ".join(fingerprint(OMEMO_03, self.keys.identity.public))

    # -- devices and bundles ---------------------------------------------------------------
    async def fetch_devices(self, jid: str, version: Version = OMEMO_03) -> list[int]:
        """``jid``'s device ids for ``version`` (fetched from its PEP; [] when it has none)."""
        node, name = pep.DEVICE_LISTS[version.namespace]
        try:
            result = await self.send_iq(pep.fetch_items(self._to(jid), node))
        except IQError as error:  # no list, or none this account may see (presence-based access)
            if not any(condition in str(error) for condition in NO_DEVICE_LIST):
                raise
            ids: list[int] = []
        else:
            ids = pep.device_ids(pep.first_item_payload(result, version.namespace, name))
        self.device_lists(version)[jid] = ids
        return ids

    def _to(self, jid: str) -> str | None:
        """The ``to`` of a PEP query: none for the user's own (the server answers from the account)."""
        return None if jid == self.own_jid else jid

    async def _recipient(self, jid: str, device_id: int, version: Version = OMEMO_03) -> Recipient:
        stored = await self.store.get(session_key(version.namespace, jid, device_id))
        if stored:
            try:
                return Recipient(jid, device_id, session=RatchetSession.from_json(json.loads(stored)))
            except (ValueError, WireFormatError):
                logger.warning("OMEMO: a stored session with %s is damaged; a new one is started", jid)
        try:
            if version is OMEMO_03:
                result = await self.send_iq(pep.fetch_items(self._to(jid), pep.bundle_node(device_id)))
            else:
                result = await self.send_iq(pep.fetch_items(self._to(jid), pep.TWO_BUNDLES_NODE, item_id=str(device_id)))
            payload = pep.first_item_payload(result, version.namespace, "bundle")
            return Recipient(jid, device_id, bundle=parse_bundle(payload) if payload is not None else None)
        except (IQError, WireFormatError) as error:
            logger.info("OMEMO: no bundle for a device of %s: %s", jid, error)
            return Recipient(jid, device_id)

    # -- messages --------------------------------------------------------------------------
    async def encrypt(self, peer: str, text: str, content: Sequence[ET.Element] = ()) -> ET.Element:
        """The ``<encrypted/>`` of ``text`` for every device of ``peer`` and the user's other
        devices; raises ``OmemoSendError`` when no device of ``peer`` can read it. OMEMO 0.3 when
        the contact has 0.3 devices (what most clients read), else omemo:2: a XEP-0420 envelope of
        ``content`` (the message's content elements, ``sce_content.content_elements``; its body is
        the text) or, without, of a body of ``text``."""
        async with self.lock:
            assert self.keys is not None
            version, peer_ids = OMEMO_03, self.devices.get(peer) or await self.fetch_devices(peer)
            if not peer_ids:
                version, peer_ids = OMEMO_2, self.devices_2.get(peer) or await self.fetch_devices(peer, OMEMO_2)
            if not peer_ids:
                raise OmemoSendError(f"{peer} has no OMEMO device")
            lists = self.device_lists(version)
            own_ids = [d for d in lists.get(self.own_jid) or await self.fetch_devices(self.own_jid, version)
                       if d != self.device_id]
            recipients = [r for r in [await self._recipient(peer, d, version) for d in peer_ids] if await self._usable(r)]
            if not recipients:
                raise OmemoSendError(f"{peer} has no trusted OMEMO device")
            recipients += [r for r in [await self._recipient(self.own_jid, d, version) for d in own_ids]
                           if await self._usable(r)]
            if version is OMEMO_03:
                plaintext = text.encode("utf-8")
            else:
                body = element("body", xmlns="jabber:client", text=text)
                plaintext = sce.envelope_bytes(list(content) or [body], rpad=await sce.random_padding(self.crypto), from_jid=self.own_jid,
                                               to_jid=peer)
            outgoing = await encrypt_message(self.crypto, version, self.keys, self.device_id, plaintext, recipients)
            for (jid, device_id), session in outgoing.sessions.items():
                await self.store.put(session_key(version.namespace, jid, device_id), json.dumps(session.to_json()))
            await written(self.store)  # the sending chains' state is kept before the message leaves
            if not any(key_jid == peer for key_jid, _ in outgoing.sessions):
                raise OmemoSendError(f"no device of {peer} could be reached (no usable bundle)")
            return encrypted_element(outgoing.encrypted)

    async def decrypt(self, element: ET.Element, sender: str, room: str | None = None) -> Decrypted:
        """The text of an ``<encrypted/>`` from ``sender`` (a bare JID; the user's own for a carbon
        of another own device; None for a message without payload), with the sending device's
        trust. ``room``: the room's bare JID for a groupchat message (``sender`` is then the real
        JID). Raises ``OmemoError``."""
        async with self.lock:
            assert self.keys is not None
            encrypted = parse_encrypted(element)
            key = session_key(encrypted.version.namespace, sender, encrypted.sid)
            stored = await self.store.get(key)
            session = RatchetSession.from_json(json.loads(stored)) if stored else None
            incoming = await decrypt_message(self.crypto, self.keys, self.own_jid, self.device_id, encrypted, session)
            await self.store.put(key, json.dumps(incoming.session.to_json()))
            if incoming.used_pre_key_id is not None:
                await self._replace_pre_key(incoming.used_pre_key_id)
            trust = await self.trust(sender, encrypted.sid, incoming.session.their_identity, encrypted.version)
        if incoming.used_pre_key_id is not None:  # the pre-keys are both versions': both bundles change
            asyncio.ensure_future(self.publish_bundles()).add_done_callback(_report)
        content: tuple[ET.Element, ...] = ()
        if incoming.plaintext is None:
            text = None
        elif encrypted.version is OMEMO_03:
            text = incoming.plaintext.decode("utf-8", "replace")
        else:
            text, content = self._envelope_text(incoming.plaintext, sender, room)
        return Decrypted(text, encrypted.sid, trust, content)

    def _envelope_text(self, data: bytes, sender: str, room: str | None = None) -> tuple[str | None, tuple[ET.Element, ...]]:
        """The body of an omemo:2 envelope, checked against who sent it (XEP-0420 §6: ``<from/>``
        names the sender; a ``<to/>`` names this account or, in a carbon of the user's own, the
        contact; in a groupchat (``room``) ``<from/>`` is the sender's real bare JID and a ``<to/>``
        the room's bare JID, XEP-0384 0.8 §6)."""
        envelope = sce.parse_envelope(data)
        if (envelope.from_jid or "").partition("/")[0].lower() != sender.lower():
            raise DecryptionError("the envelope names another sender")
        if room is not None:
            if envelope.to_jid is not None and envelope.to_jid.partition("/")[0].lower() != room.lower():
                raise DecryptionError("the envelope was addressed to another room")
        elif envelope.to_jid is not None and sender != self.own_jid and \
                envelope.to_jid.partition("/")[0].lower() != self.own_jid.lower():
            raise DecryptionError("the envelope was addressed to someone else")
        bodies = [child for child in envelope.content if child.tag in ("{jabber:client}body", "body")]
        others = tuple(child for child in envelope.content if child not in bodies)
        return (bodies[0].text or "" if bodies else None), others

    async def _replace_pre_key(self, used: int) -> None:
        assert self.keys is not None
        self.keys.pre_keys.pop(used, None)
        await self.keys.add_pre_keys(self.crypto, max(0, PRE_KEYS - len(self.keys.pre_keys)), after=used)
        await self._save_keys()

    # -- plaintexts kept for the archive -----------------------------------------------------
    async def remember(self, jid: str, keys: list[str], text: str, content: Sequence[ET.Element] = ()) -> None:
        """Keep the plaintext of a message with ``jid`` under each of its ids (``keys``): its copy in
        the archive cannot be decrypted again (its message key is used up), or was never
        encrypted for this device (the user's own messages). ``content``: an omemo:2 message's
        envelope content beyond the body, kept too (``recall_content``)."""
        kept = json.dumps([serialize(el) for el in content[:sce_content.MAX_CONTENT]]) if content else None
        for key in keys[:MAX_KEYS_PER_MESSAGE]:
            await self.store.put(plaintext_key(jid, key), json.dumps(text))
            if kept is not None:
                await self.store.put(content_key(jid, key), kept)

    async def recall_content(self, jid: str, keys: list[str]) -> tuple[ET.Element, ...]:
        """The envelope content kept for an omemo:2 message with ``jid`` by any of its ids (none: ())."""
        for key in keys[:MAX_KEYS_PER_MESSAGE]:
            raw = await self.store.get(content_key(jid, key))
            try:
                texts = json.loads(raw) if raw is not None else None
            except ValueError:
                continue
            if isinstance(texts, list):
                found = []
                for text in texts[:sce_content.MAX_CONTENT]:
                    try:
                        found.append(parse(text))
                    except (StanzaParseError, TypeError):
                        continue
                return tuple(found)
        return ()

    async def recall(self, jid: str, keys: list[str]) -> str | None:
        """The plaintext kept for a message with ``jid`` by any of its ids, else None."""
        for key in keys[:MAX_KEYS_PER_MESSAGE]:
            raw = await self.store.get(plaintext_key(jid, key))
            if raw is not None:
                try:
                    text = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(text, str):
                    return text
        return None

    # -- trust -----------------------------------------------------------------------------
    async def _trust_records(self, jid: str) -> dict[str, dict[str, str]]:
        raw = await self.store.get(trust_key(jid))
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    async def trust(self, jid: str, device_id: int, identity: bytes, version: Version = OMEMO_03) -> str:
        """The trust in ``jid``'s device ``device_id`` whose identity key is ``identity``: blind the
        first time it is seen (and when its key changed), else what the user decided."""
        shown = " ".join(fingerprint(version, identity))
        records = await self._trust_records(jid)
        record = records.get(str(device_id))
        if not isinstance(record, dict) or record.get("fingerprint") != shown or record.get("state") not in TRUST_STATES:
            records[str(device_id)] = record = {"fingerprint": shown, "state": BLIND}
            await self.store.put(trust_key(jid), json.dumps(records))
        return record["state"]

    async def set_trust(self, jid: str, device_id: int, state: str) -> None:
        """Mark a device seen before as ``verified``, ``distrusted`` (never encrypted for again) or
        ``blind`` (trusted until verified)."""
        if state not in TRUST_STATES:
            raise ValueError(f"set_trust: the state is one of {', '.join(TRUST_STATES)}")
        async with self.lock:
            records = await self._trust_records(jid)
            record = records.get(str(device_id))
            if not isinstance(record, dict):
                raise ValueError(f"set_trust: no known device {device_id} of {jid}")
            record["state"] = state
            await self.store.put(trust_key(jid), json.dumps(records))

    async def _usable(self, recipient: Recipient) -> bool:
        """Whether to encrypt for ``recipient``: it has a session or a bundle, and is not distrusted."""
        if recipient.session is not None:
            identity, version = recipient.session.their_identity, recipient.session.version
        elif recipient.bundle is not None:
            identity, version = recipient.bundle.identity_key, recipient.bundle.version
        else:
            return False
        return await self.trust(recipient.jid, recipient.device_id, identity, version) != DISTRUSTED

    async def fingerprints(self, jid: str) -> dict[int, dict[str, str]]:
        """Device id -> ``{fingerprint, trust}`` of ``jid``'s devices met so far."""
        found: dict[int, dict[str, str]] = {}
        for device_id, record in (await self._trust_records(jid)).items():
            if isinstance(record, dict) and device_id.isdigit():
                found[int(device_id)] = {"fingerprint": str(record.get("fingerprint")), "trust": str(record.get("state"))}
        return found


def _report(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.info("OMEMO: bundle not republished: %s", future.exception())


__all__ = ["Decrypted", "OmemoError", "OmemoSendError", "OmemoService", "TRUST_STATES"]
