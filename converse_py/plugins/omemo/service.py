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
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from ...core.errors import IQError
from ...core.log import logger
from . import pep
from .crypto import OmemoCrypto
from .elements import bundle_element, encrypted_element, parse_bundle, parse_encrypted
from .errors import OmemoError, WireFormatError
from .messages import Recipient, decrypt_message, encrypt_message
from .ratchet import RatchetSession
from .store import OmemoStore, device_key, plaintext_key, session_key, trust_key
from .versions import OMEMO_03
from .x3dh import DeviceKeys, fingerprint, new_device_id

SendIQ = Callable[[ET.Element], Awaitable[ET.Element]]
#: IQ errors that mean "no device list to be seen" (XEP-0060 §6.5.9, §6.5.8 on PEP's access models).
NO_DEVICE_LIST = ("item-not-found", "feature-not-implemented", "forbidden", "not-authorized", "service-unavailable",
                  "presence-subscription-required")
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
                own = await self.fetch_devices(self.own_jid)
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
        await self.publish_bundle()
        await self.announce(await self.fetch_devices(self.own_jid))

    async def _save_keys(self) -> None:
        assert self.keys is not None
        await self.store.put(device_key(self.own_jid), json.dumps({"device_id": self.device_id, "keys": self.keys.to_json(),
                                                                   "rotated_at": self.rotated_at}))

    async def publish_bundle(self) -> None:
        assert self.keys is not None
        payload = bundle_element(self.keys.bundle(OMEMO_03))
        await self._publish(pep.bundle_node(self.device_id), payload)

    async def announce(self, listed: list[int]) -> None:
        """Publish the account's device list with this device added, when ``listed`` lacks it."""
        if self.device_id in listed:
            return
        ids = [*listed, self.device_id]
        self.devices[self.own_jid] = ids
        await self._publish(pep.DEVICELIST_NODE, pep.device_list_element(ids))

    async def _publish(self, node: str, payload: ET.Element) -> None:
        try:
            await self.send_iq(pep.publish(node, payload))
        except IQError as error:  # a node configured otherwise: publish without options
            if "precondition-not-met" not in str(error) and "conflict" not in str(error):
                raise
            await self.send_iq(pep.publish(node, payload, open_access=False))

    def own_fingerprint(self) -> str:
        """This device's fingerprint (hex groups of 8), as other clients show it."""
        assert self.keys is not None
        return " ".join(fingerprint(OMEMO_03, self.keys.identity.public))

    # -- devices and bundles ---------------------------------------------------------------
    async def fetch_devices(self, jid: str) -> list[int]:
        """``jid``'s device ids (fetched from its PEP; [] when it has none)."""
        try:
            result = await self.send_iq(pep.fetch_items(self._to(jid), pep.DEVICELIST_NODE))
        except IQError as error:  # no list, or none this account may see (presence-based access)
            if not any(condition in str(error) for condition in NO_DEVICE_LIST):
                raise
            ids: list[int] = []
        else:
            ids = pep.device_ids(pep.first_item_payload(result, pep.AXOLOTL, "list"))
        self.devices[jid] = ids
        return ids

    def _to(self, jid: str) -> str | None:
        """The ``to`` of a PEP query: none for the user's own (the server answers from the account)."""
        return None if jid == self.own_jid else jid

    async def _recipient(self, jid: str, device_id: int) -> Recipient:
        stored = await self.store.get(session_key(OMEMO_03.namespace, jid, device_id))
        if stored:
            try:
                return Recipient(jid, device_id, session=RatchetSession.from_json(json.loads(stored)))
            except (ValueError, WireFormatError):
                logger.warning("OMEMO: a stored session with %s is damaged; a new one is started", jid)
        try:
            result = await self.send_iq(pep.fetch_items(self._to(jid), pep.bundle_node(device_id)))
            payload = pep.first_item_payload(result, pep.AXOLOTL, "bundle")
            return Recipient(jid, device_id, bundle=parse_bundle(payload) if payload is not None else None)
        except (IQError, WireFormatError) as error:
            logger.info("OMEMO: no bundle for a device of %s: %s", jid, error)
            return Recipient(jid, device_id)

    # -- messages --------------------------------------------------------------------------
    async def encrypt(self, peer: str, text: str) -> ET.Element:
        """The ``<encrypted/>`` of ``text`` for every device of ``peer`` and the user's other
        devices; raises ``OmemoSendError`` when no device of ``peer`` can read it."""
        async with self.lock:
            assert self.keys is not None
            peer_ids = self.devices.get(peer) or await self.fetch_devices(peer)
            if not peer_ids:
                raise OmemoSendError(f"{peer} has no OMEMO device")
            own_ids = [d for d in self.devices.get(self.own_jid) or await self.fetch_devices(self.own_jid)
                       if d != self.device_id]
            recipients = [r for r in [await self._recipient(peer, d) for d in peer_ids] if await self._usable(r)]
            if not recipients:
                raise OmemoSendError(f"{peer} has no trusted OMEMO device")
            recipients += [r for r in [await self._recipient(self.own_jid, d) for d in own_ids] if await self._usable(r)]
            outgoing = await encrypt_message(self.crypto, OMEMO_03, self.keys, self.device_id, text.encode("utf-8"),
                                             recipients)
            for (jid, device_id), session in outgoing.sessions.items():
                await self._save_session(jid, device_id, session)
            if not any(key_jid == peer for key_jid, _ in outgoing.sessions):
                raise OmemoSendError(f"no device of {peer} could be reached (no usable bundle)")
            return encrypted_element(outgoing.encrypted)

    async def decrypt(self, element: ET.Element, sender: str) -> Decrypted:
        """The text of an ``<encrypted/>`` from ``sender`` (a bare JID; the user's own for a carbon
        of another own device; None for a message without payload), with the sending device's
        trust. Raises ``OmemoError``."""
        async with self.lock:
            assert self.keys is not None
            encrypted = parse_encrypted(element)
            key = session_key(OMEMO_03.namespace, sender, encrypted.sid)
            stored = await self.store.get(key)
            session = RatchetSession.from_json(json.loads(stored)) if stored else None
            incoming = await decrypt_message(self.crypto, self.keys, self.own_jid, self.device_id, encrypted, session)
            await self.store.put(key, json.dumps(incoming.session.to_json()))
            if incoming.used_pre_key_id is not None:
                await self._replace_pre_key(incoming.used_pre_key_id)
            trust = await self.trust(sender, encrypted.sid, incoming.session.their_identity)
        if incoming.used_pre_key_id is not None:
            asyncio.ensure_future(self.publish_bundle()).add_done_callback(_report)
        text = None if incoming.plaintext is None else incoming.plaintext.decode("utf-8", "replace")
        return Decrypted(text, encrypted.sid, trust)

    async def _replace_pre_key(self, used: int) -> None:
        assert self.keys is not None
        self.keys.pre_keys.pop(used, None)
        await self.keys.add_pre_keys(self.crypto, max(0, PRE_KEYS - len(self.keys.pre_keys)), after=used)
        await self._save_keys()

    async def _save_session(self, jid: str, device_id: int, session: RatchetSession) -> None:
        await self.store.put(session_key(OMEMO_03.namespace, jid, device_id), json.dumps(session.to_json()))

    # -- plaintexts kept for the archive -----------------------------------------------------
    async def remember(self, jid: str, keys: list[str], text: str) -> None:
        """Keep the plaintext of a message with ``jid`` under each of its ids (``keys``): its copy in
        the archive cannot be decrypted again (its message key is used up), or was never
        encrypted for this device (the user's own messages)."""
        for key in keys[:MAX_KEYS_PER_MESSAGE]:
            await self.store.put(plaintext_key(jid, key), json.dumps(text))

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

    async def trust(self, jid: str, device_id: int, identity: bytes) -> str:
        """The trust in ``jid``'s device ``device_id`` whose identity key is ``identity``: blind the
        first time it is seen (and when its key changed), else what the user decided."""
        shown = " ".join(fingerprint(OMEMO_03, identity))
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
            identity = recipient.session.their_identity
        elif recipient.bundle is not None:
            identity = recipient.bundle.identity_key
        else:
            return False
        return await self.trust(recipient.jid, recipient.device_id, identity) != DISTRUSTED

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
