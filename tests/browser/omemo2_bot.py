"""An omemo:2-only slixmpp peer for tests/browser/test_omemo2.py: python-omemo's ``SessionManager``
with the twomemo backend alone (slixmpp-omemo's PEP glue, its oldmemo backend left out), so the
page can only reach it with ``urn:xmpp:omemo:2``. slixmpp-omemo 2.2.0 has no XEP-0420 support, so
the peer writes and reads Stanza Content Encryption envelopes itself, from XEP-0420 as written
(never with converse-py's own ``sce.py``)::

    <envelope xmlns='urn:xmpp:sce:1'>
      <content><body xmlns='jabber:client'>…</body>…</content>
      <rpad>…</rpad><time stamp='…'/><to jid='…'/><from jid='…'/>
    </envelope>
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, UTC
from collections.abc import Iterator
from typing import Any

import omemo
import twomemo
import twomemo.etree
from slixmpp import JID
from slixmpp.plugins import register_plugin
from slixmpp.xmlstream.handler import CoroutineCallback
from slixmpp.xmlstream.matcher import MatchXPath
from slixmpp_omemo.base_session_manager import TrustLevel
from slixmpp_omemo.xep_0384 import _make_session_manager

from tools.bot import Bot

from .omemo_bot import PeerOmemo

TWO = twomemo.twomemo.NAMESPACE
SCE = "urn:xmpp:sce:1"
FALLBACK = "This message is OMEMO encrypted (omemo:2)."


class TwomemoOnlyOmemo(PeerOmemo):
    """slixmpp-omemo's plugin whose session manager has the twomemo backend only."""

    name = "omemo2_peer"

    def plugin_init(self) -> None:
        self._manager: omemo.SessionManager | None = None
        self._building: asyncio.Future[omemo.SessionManager] | None = None
        super().plugin_init()

    async def get_session_manager(self) -> omemo.SessionManager:
        if self._manager is None:
            if self._building is None:
                self._building = asyncio.ensure_future(self._build())
            self._manager = await self._building
        return self._manager

    async def _build(self) -> omemo.SessionManager:
        manager_class = _make_session_manager(self.xmpp, self)
        manager = await manager_class.create([twomemo.Twomemo(self.storage)], self.storage, self.xmpp.boundjid.bare,
                                             initial_own_label=None,
                                             undecided_trust_level_name=TrustLevel.UNDECIDED.value)
        await manager.after_history_sync()
        return manager

    async def _on_device_list_update(self, msg: Any) -> None:
        """Only omemo:2 device lists (the page announces 0.3 too; this peer has no 0.3 backend)."""
        if msg.xml.find(f".//{{{TWO}}}devices") is not None:
            await super()._on_device_list_update(msg)


register_plugin(TwomemoOnlyOmemo)


@dataclass(frozen=True)
class Envelope:
    """A decrypted XEP-0420 envelope as the peer read it."""

    sender: str  # the stanza's bare from
    xml: str  # the envelope as decrypted
    content: tuple[ET.Element, ...]
    from_jid: str | None
    to_jid: str | None
    has_rpad: bool

    @property
    def body(self) -> str | None:
        return next((el.text or "" for el in self.content if el.tag == "{jabber:client}body"), None)

    def content_tags(self) -> list[str]:
        return [el.tag for el in self.content]


def envelope_xml(content: list[ET.Element], to: str, from_jid: str) -> bytes:
    """XEP-0420 §4: content, then the affix elements omemo:2 asks for (rpad, time, to, from)."""
    root = ET.Element(f"{{{SCE}}}envelope")
    holder = ET.SubElement(root, f"{{{SCE}}}content")
    holder.extend(content)
    ET.SubElement(root, f"{{{SCE}}}rpad").text = secrets.token_urlsafe(secrets.randbelow(40) + 1)
    ET.SubElement(root, f"{{{SCE}}}time", stamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    ET.SubElement(root, f"{{{SCE}}}to", jid=to)
    ET.SubElement(root, f"{{{SCE}}}from", jid=from_jid)
    return ET.tostring(root, encoding="utf-8")


def body_element(text: str) -> ET.Element:
    body = ET.Element("{jabber:client}body")
    body.text = text
    return body


def parse_envelope(sender: str, data: bytes) -> Envelope:
    root = ET.fromstring(data)
    assert root.tag == f"{{{SCE}}}envelope", root.tag
    content = root.find(f"{{{SCE}}}content")
    assert content is not None, "an envelope without <content/>"

    def affix(name: str) -> str | None:
        found = root.find(f"{{{SCE}}}{name}")
        return None if found is None else found.get("jid")
    return Envelope(sender, data.decode("utf-8"), tuple(content), affix("from"), affix("to"),
                    root.find(f"{{{SCE}}}rpad") is not None)


class Omemo2Bot(Bot):
    """A Bot speaking omemo:2 only: ``start_omemo2()`` after ``start()``; decrypted envelopes land in
    ``envelopes``, errors in ``decrypt_errors``, the raw stanzas in ``stanzas``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.envelopes: list[Envelope] = []
        self.decrypt_errors: list[str] = []
        #: The peer's nick in each room it entered (``join_room``).
        self.room_nicks: dict[str, str] = {}

    def _plugin(self) -> TwomemoOnlyOmemo:
        assert self.xmpp is not None
        plugin: TwomemoOnlyOmemo = self.xmpp.plugin["omemo2_peer"]
        return plugin

    def start_omemo2(self) -> int:
        """Register the plugin, make and publish the omemo:2 device; its device id."""
        async def setup() -> int:
            assert self.xmpp is not None
            self.xmpp.register_plugin("omemo2_peer", module=sys.modules[__name__])
            self.xmpp.register_handler(CoroutineCallback(
                "omemo2 peer", MatchXPath(f"{{jabber:client}}message/{{{TWO}}}encrypted"), self._decrypt))
            manager = await self._plugin().get_session_manager()
            info, _ = await manager.get_own_device_information()
            return int(info.device_id)
        return self._call(setup(), timeout=60)

    def device_fingerprint(self) -> tuple[int, bytes]:
        """The peer's device id and identity key (Ed25519)."""
        async def own() -> tuple[int, bytes]:
            manager = await self._plugin().get_session_manager()
            info, _ = await manager.get_own_device_information()
            return int(info.device_id), bytes(info.identity_key)
        return self._call(own())

    async def _decrypt(self, msg: Any) -> None:
        sender = msg["from"].bare
        if msg["type"] == "groupchat":  # the real JID of the occupant (non-anonymous room)
            muc = self.xmpp.plugin["xep_0045"] if self.xmpp is not None and "xep_0045" in self.xmpp.plugin else None
            nick = msg["from"].resource
            if muc is None or nick == self.room_nicks.get(msg["from"].bare):
                return  # the room's reflection of the peer's own message
            real = muc.get_jid_property(JID(msg["from"].bare), nick, "jid")
            sender = JID(real).bare if real else sender
        try:
            manager = await self._plugin().get_session_manager()
            element = msg.xml.find(f"{{{TWO}}}encrypted")
            plaintext, _device, _key = await manager.decrypt(twomemo.etree.parse_message(element, sender))
            if plaintext is None:
                return  # an empty OMEMO message (key exchange completed, ratchet turned)
            envelope = parse_envelope(sender, plaintext)
        except Exception as error:  # noted for the test to report
            with self._cond:
                self.decrypt_errors.append(repr(error))
                self._cond.notify_all()
            return
        with self._cond:
            self.envelopes.append(envelope)
            self._cond.notify_all()

    def send_sce(self, to: str, content: list[ET.Element], from_jid: str | None = None) -> str:
        """Send ``content`` to ``to`` in an omemo:2 envelope (``from_jid``: the envelope's ``<from/>``,
        the peer's own bare JID unless a test forges it); the message's id."""
        async def send() -> str:
            assert self.xmpp is not None
            manager = await self._plugin().get_session_manager()
            own = self.xmpp.boundjid.bare
            await manager.refresh_device_list(TWO, to)
            data = envelope_xml(content, to, from_jid or own)
            messages, errors = await manager.encrypt(frozenset({to}), {TWO: data}, [TWO])
            if not messages:
                raise RuntimeError(f"python-omemo could not encrypt: {errors!r}")
            [message] = list(messages)
            stanza = self.xmpp.make_message(mto=JID(to), mtype="chat", mbody=FALLBACK)
            stanza["id"] = secrets.token_hex(8)
            stanza.append(twomemo.etree.serialize_message(message))
            encryption = ET.SubElement(stanza.xml, "{urn:xmpp:eme:0}encryption", namespace=TWO, name="OMEMO")
            assert encryption is not None
            ET.SubElement(stanza.xml, "{urn:xmpp:hints}store")
            stanza.send()
            return str(stanza["id"])
        return self._call(send(), timeout=60)

    def send_text(self, to: str, text: str) -> str:
        return self.send_sce(to, [body_element(text)])

    def wait_for_envelope(self, body: str, timeout: float = 30.0) -> Envelope | None:
        return self._wait(lambda: next((e for e in self.envelopes if e.body == body), None), timeout)

    # -- rooms (XEP-0045): omemo:2 groupchat messages (XEP-0384 0.8 §6) ------------------------
    def join_room(self, room: str, nick: str) -> None:
        """Enter ``room`` with slixmpp's XEP-0045 (its presences give the occupants' real JIDs)."""
        async def join() -> None:
            assert self.xmpp is not None
            if "xep_0045" not in self.xmpp.plugin:
                self.xmpp.register_plugin("xep_0045")
            await self.xmpp.plugin["xep_0045"].join_muc_wait(JID(room), nick, maxstanzas=0, timeout=20)
        self.room_nicks[room] = nick
        self._call(join(), timeout=30)

    def send_sce_to_room(self, room: str, members: set[str], content: list[ET.Element], to_jid: str | None = None) -> str:
        """A groupchat message to ``room`` whose envelope (``<to/>`` the room's bare JID unless a
        test names another, ``<from/>`` the peer's bare JID) is encrypted for every omemo:2 device
        of ``members`` (real bare JIDs)."""
        async def send() -> str:
            assert self.xmpp is not None
            manager = await self._plugin().get_session_manager()
            for member in members:
                await manager.refresh_device_list(TWO, member)
            data = envelope_xml(content, to_jid or room, self.xmpp.boundjid.bare)
            messages, errors = await manager.encrypt(frozenset(members), {TWO: data}, [TWO])
            if not messages:
                raise RuntimeError(f"python-omemo could not encrypt: {errors!r}")
            [message] = list(messages)
            stanza = self.xmpp.make_message(mto=JID(room), mtype="groupchat", mbody=FALLBACK)
            stanza["id"] = secrets.token_hex(8)
            stanza.append(twomemo.etree.serialize_message(message))
            ET.SubElement(stanza.xml, "{urn:xmpp:eme:0}encryption", namespace=TWO, name="OMEMO")
            ET.SubElement(stanza.xml, "{urn:xmpp:hints}store")
            stanza.send()
            return str(stanza["id"])
        return self._call(send(), timeout=60)


def running_peer(prosody: Any, name: str) -> Iterator[Omemo2Bot]:
    """For a module's fixture: an omemo:2-only peer on a new account (``name`` + a suffix), logged
    in with its keys published; stopped when the module is done."""
    from .support import unique_account
    account = unique_account(prosody, name)
    bot = Omemo2Bot(account.jid, account.password, "127.0.0.1", prosody.c2s_port, "omemo2")
    bot.start()
    bot.start_omemo2()
    yield bot
    bot.stop()
