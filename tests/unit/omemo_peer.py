"""Test support for OMEMO interop: a python-omemo ``SessionManager`` (with the oldmemo and twomemo
backends, as slixmpp-omemo runs them) whose PEP and message sending are an in-process ``Network``,
and ``OurDevice``: converse-py's OMEMO core driven the way the plugin will drive it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import oldmemo
import oldmemo.etree
import omemo
import twomemo
import twomemo.etree
from omemo.storage import Just, Maybe, Nothing

from converse_py.plugins.omemo import elements
from converse_py.plugins.omemo.messages import Recipient, decrypt_message, encrypt_message
from converse_py.plugins.omemo.ratchet import RatchetSession
from converse_py.plugins.omemo.versions import Version
from converse_py.plugins.omemo.x3dh import DeviceKeys
from converse_py.xmpp.stanza import parse, serialize

from .omemo_crypto import CryptographyBackend


def reparse(el: ET.Element) -> ET.Element:
    """An element as the other side receives it: serialized and parsed again."""
    return parse(serialize(el))


class MemoryStorage(omemo.Storage):
    """python-omemo's key/value storage, in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}

    async def _load(self, key: str) -> Maybe[Any]:
        return Just(self.data[key]) if key in self.data else Nothing()

    async def _store(self, key: str, value: Any) -> None:
        self.data[key] = value

    async def _delete(self, key: str) -> None:
        self.data.pop(key, None)


@dataclass
class Network:
    """PEP (bundles and device lists, as XML elements the way they travel) and sent messages."""

    bundles: dict[tuple[str, str, int], ET.Element] = field(default_factory=dict)
    device_lists: dict[tuple[str, str], ET.Element] = field(default_factory=dict)
    sent: list[tuple[omemo.Message, str]] = field(default_factory=list)


def etree_of(namespace: str) -> Any:
    return oldmemo.etree if namespace == oldmemo.oldmemo.NAMESPACE else twomemo.etree


async def python_omemo_peer(network: Network, bare_jid: str, namespaces: list[str]) -> omemo.SessionManager:
    """A python-omemo client for ``bare_jid`` with these backends, publishing to ``network``."""

    class Peer(omemo.SessionManager):
        async def _upload_bundle(self, bundle: omemo.Bundle) -> None:
            network.bundles[(bundle.namespace, bundle.bare_jid, bundle.device_id)] = reparse(etree_of(bundle.namespace).serialize_bundle(bundle))

        async def _download_bundle(self, namespace: str, bare_jid: str, device_id: int) -> omemo.Bundle:
            try:
                element = network.bundles[(namespace, bare_jid, device_id)]
            except KeyError as error:
                raise omemo.BundleDownloadFailed("no such bundle") from error
            return etree_of(namespace).parse_bundle(element, bare_jid, device_id)

        async def _delete_bundle(self, namespace: str, device_id: int) -> None:
            network.bundles.pop((namespace, bare_jid, device_id), None)

        async def _upload_device_list(self, namespace: str, device_list: omemo.DeviceList) -> None:
            network.device_lists[(namespace, bare_jid)] = reparse(etree_of(namespace).serialize_device_list(device_list))

        async def _download_device_list(self, namespace: str, jid: str) -> omemo.DeviceList:
            element = network.device_lists.get((namespace, jid))
            return {} if element is None else etree_of(namespace).parse_device_list(element)

        async def _evaluate_custom_trust_level(self, device: omemo.DeviceInformation) -> omemo.TrustLevel:
            return omemo.TrustLevel.TRUSTED  # blind trust, as Conversations does before verification

        async def _make_trust_decision(self, undecided: frozenset[omemo.DeviceInformation], identifier: str | None) -> None:
            for device in undecided:
                await self.set_trust(device.bare_jid, device.identity_key, "trusted")

        async def _send_message(self, message: omemo.Message, to: str) -> None:
            network.sent.append((message, to))

    storage = MemoryStorage()
    backends: list[omemo.Backend] = []
    for namespace in namespaces:
        backends.append(oldmemo.Oldmemo(storage) if namespace == oldmemo.oldmemo.NAMESPACE else twomemo.Twomemo(storage))
    peer = await Peer.create(backends, storage, bare_jid, None, "undecided")
    await peer.after_history_sync()  # caught up with the archive, as slixmpp-omemo reports it: empty messages go out at once
    return peer


class OurDevice:
    """converse-py's side: the OMEMO core with the CPython crypto backend and a JSON session store."""

    def __init__(self, bare_jid: str, device_id: int, keys: DeviceKeys) -> None:
        self.crypto = CryptographyBackend()
        self.bare_jid, self.device_id, self.keys = bare_jid, device_id, keys
        #: (namespace, jid, device) -> the session as stored (JSON-able dict), as IndexedDB will hold it.
        self.sessions: dict[tuple[str, str, int], dict[str, Any]] = {}

    @classmethod
    async def create(cls, bare_jid: str, device_id: int) -> OurDevice:
        keys = await DeviceKeys.generate(CryptographyBackend(), pre_key_count=10)
        return cls(bare_jid, device_id, DeviceKeys.from_json(json.loads(json.dumps(keys.to_json()))))

    def publish(self, network: Network, version: Version) -> None:
        network.bundles[(version.namespace, self.bare_jid, self.device_id)] = reparse(elements.bundle_element(self.keys.bundle(version)))
        network.device_lists[(version.namespace, self.bare_jid)] = reparse(elements.device_list_element(version, {self.device_id: None}))

    def session(self, version: Version, jid: str, device_id: int) -> RatchetSession | None:
        stored = self.sessions.get((version.namespace, jid, device_id))
        return None if stored is None else RatchetSession.from_json(stored)

    async def receive(self, element: ET.Element, sender: str) -> bytes | None:
        """The plaintext of an ``<encrypted/>`` (None for one without payload)."""
        encrypted = elements.parse_encrypted(reparse(element))
        version = encrypted.version
        incoming = await decrypt_message(self.crypto, self.keys, self.bare_jid, self.device_id, encrypted,
                                         self.session(version, sender, encrypted.sid))
        self.sessions[(version.namespace, sender, encrypted.sid)] = json.loads(json.dumps(incoming.session.to_json()))
        if incoming.used_pre_key_id is not None:
            del self.keys.pre_keys[incoming.used_pre_key_id]
        return incoming.plaintext

    async def send(self, version: Version, plaintext: bytes | None, network: Network, recipient: str) -> ET.Element:
        """An ``<encrypted/>`` for every device in ``recipient``'s published device list."""
        recipients = []
        for device_id in elements.parse_device_list(network.device_lists[(version.namespace, recipient)]):
            session = self.session(version, recipient, device_id)
            bundle = None if session else elements.parse_bundle(network.bundles[(version.namespace, recipient, device_id)])
            recipients.append(Recipient(recipient, device_id, session, bundle))
        outgoing = await encrypt_message(self.crypto, version, self.keys, self.device_id, plaintext, recipients)
        assert not outgoing.failures, outgoing.failures
        for (jid, device_id), session in outgoing.sessions.items():
            self.sessions[(version.namespace, jid, device_id)] = json.loads(json.dumps(session.to_json()))
        return elements.encrypted_element(outgoing.encrypted)


async def peer_receives(peer: omemo.SessionManager, element: ET.Element, sender: str, own: str) -> bytes | None:
    """What a python-omemo peer decrypts from an ``<encrypted/>`` we built (parsed by its own etree)."""
    received = reparse(element)
    if received.tag.startswith("{" + oldmemo.oldmemo.NAMESPACE):
        message = await oldmemo.etree.parse_message(received, sender, own, peer)
    else:
        message = twomemo.etree.parse_message(received, sender)
    plaintext, _device, _key = await peer.decrypt(message)
    return plaintext


async def peer_sends(peer: omemo.SessionManager, namespace: str, plaintext: bytes, recipient: str) -> ET.Element:
    """The ``<encrypted/>`` a python-omemo peer sends to ``recipient`` (serialized by its own etree)."""
    await peer.refresh_device_list(namespace, recipient)  # what a PEP notification would trigger
    messages, errors = await peer.encrypt(frozenset({recipient}), {namespace: plaintext}, [namespace])
    assert not errors, errors
    [message] = [m for m in messages if m.namespace == namespace]
    return etree_of(namespace).serialize_message(message)
