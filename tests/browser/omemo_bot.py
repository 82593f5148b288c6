"""A slixmpp peer speaking OMEMO through slixmpp-omemo 2.2.0 (python-omemo, oldmemo/twomemo
backends), for tests/browser/test_omemo.py: an ordinary ``tools.bot.Bot`` whose OMEMO plugin is
added once it is logged in; trust is blind (BTBV), its storage is in memory."""

from __future__ import annotations

import asyncio
import os
import sys
import urllib.request
import xml.etree.ElementTree as ET
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import omemo
from slixmpp import JID
from slixmpp.plugins import register_plugin
from slixmpp.xmlstream.handler import CoroutineCallback
from slixmpp.xmlstream.matcher import MatchXPath
from slixmpp_omemo import XEP_0384

from tests.unit.omemo_peer import MemoryStorage
from tools.bot import Bot

AXOLOTL = "eu.siacs.conversations.axolotl"
UPLOAD = "urn:xmpp:http:upload:0"


class PeerOmemo(XEP_0384):  # type: ignore[misc]
    """slixmpp-omemo with in-memory storage and blind trust before verification."""

    def plugin_init(self) -> None:
        self._memory = MemoryStorage()
        super().plugin_init()

    @property
    def storage(self) -> omemo.Storage:
        return self._memory

    @property
    def _btbv_enabled(self) -> bool:
        return True

    async def _devices_blindly_trusted(self, blindly_trusted: Any, identifier: Any) -> None:
        return None

    async def _prompt_manual_trust(self, manually_trusted: Any, identifier: Any) -> None:
        session_manager = await self.get_session_manager()
        for device in manually_trusted:
            await session_manager.set_trust(device.bare_jid, device.identity_key, "BLINDLY_TRUSTED")


register_plugin(PeerOmemo)


class OmemoBot(Bot):
    """A Bot with OMEMO: ``start_omemo()`` after ``start()``; decrypted bodies land in ``plaintexts``,
    the raw stanzas (as the server delivered them) in ``stanzas``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plaintexts: list[str] = []
        self.decrypt_errors: list[str] = []
        self.carbon_plaintexts: list[str] = []

    def start_omemo(self) -> int:
        """Register the plugin, generate and publish keys; returns the peer's device id."""
        async def setup() -> int:
            assert self.xmpp is not None
            self.xmpp.register_plugin("xep_0384", module=sys.modules[__name__])
            plugin = self.xmpp.plugin["xep_0384"]
            self.xmpp.register_handler(CoroutineCallback(
                "omemo peer", MatchXPath(f"{{jabber:client}}message/{{{AXOLOTL}}}encrypted"), self._decrypt))
            manager = await plugin.get_session_manager()
            info, _ = await manager.get_own_device_information()
            return int(info.device_id)
        return self._call(setup(), timeout=60)

    def enable_carbons(self) -> None:
        """XEP-0280 carbons on: copies of the account's other sessions' messages are decrypted too
        (``carbon_plaintexts``)."""
        async def enable() -> None:
            assert self.xmpp is not None
            self.xmpp.add_event_handler("carbon_sent", self._on_carbon)
            self.xmpp.add_event_handler("carbon_received", self._on_carbon)
            await self.xmpp.plugin["xep_0280"].enable(timeout=10)
        self._call(enable(), timeout=20)

    async def _on_carbon(self, msg: Any) -> None:
        inner = msg["carbon_sent"] if msg["carbon_sent"]["to"] else msg["carbon_received"]
        if inner.xml.find(f"{{{AXOLOTL}}}encrypted") is None:
            return
        await self._decrypt(inner, self.carbon_plaintexts)

    async def _decrypt(self, msg: Any, into: list[str] | None = None) -> None:
        """Decrypt ``msg`` and note its text in ``into`` (default: plaintexts), or the error."""
        plugin = self.xmpp.plugin["xep_0384"]  # type: ignore[union-attr]
        try:
            decrypted, _device = await plugin.decrypt_message(msg)
        except Exception as error:
            with self._cond:
                self.decrypt_errors.append(repr(error))
                self._cond.notify_all()
            return
        with self._cond:
            (self.plaintexts if into is None else into).append(str(decrypted["body"]))
            self._cond.notify_all()

    def send_encrypted(self, to: str, text: str) -> None:
        """Send ``text`` to ``to`` encrypted for all its devices (OMEMO 0.3 where that is all it has)."""
        async def send() -> None:
            assert self.xmpp is not None
            plugin = self.xmpp.plugin["xep_0384"]
            msg = self.xmpp.make_message(mto=JID(to), mtype="chat")
            msg["body"] = text
            await plugin.refresh_device_lists({JID(to)}, force_download=True)
            encrypted, errors = await plugin.encrypt_message(msg, JID(to))
            if encrypted is None:
                raise RuntimeError(f"slixmpp-omemo could not encrypt: {errors!r}")
            encrypted.send()
        self._call(send(), timeout=60)

    def wait_for_plaintext(self, text: str, timeout: float = 30.0) -> str | None:
        return self._wait(lambda: text if text in self.plaintexts else None, timeout)

    def wait_for_carbon(self, text: str, timeout: float = 30.0) -> str | None:
        return self._wait(lambda: text if text in self.carbon_plaintexts else None, timeout)

    def upload_encrypted(self, data: bytes, filename: str, service: str = "upload.localhost") -> str:
        """Share a file as XEP-0454 says, with ``cryptography`` (not converse-py's code): encrypt
        ``data`` with AES-256-GCM (a random key, a 12-byte IV, the tag appended), PUT the ciphertext
        through a XEP-0363 slot of ``service``, and return the ``aesgcm://`` link of its GET URL
        (the IV then the key, hex, as the fragment)."""
        key, iv = AESGCM.generate_key(bit_length=256), os.urandom(12)
        sealed = AESGCM(key).encrypt(iv, data, None)

        async def upload() -> str:
            assert self.xmpp is not None
            iq = self.xmpp.make_iq_get(ito=service)
            iq.append(ET.fromstring(f"<request xmlns='{UPLOAD}' filename='{filename}' size='{len(sealed)}' "
                                    "content-type='application/octet-stream'/>"))
            answer = await iq.send(timeout=20)
            slot = answer.xml.find(f"{{{UPLOAD}}}slot")
            put = slot.find(f"{{{UPLOAD}}}put")
            get_url = slot.find(f"{{{UPLOAD}}}get").get("url")
            headers = {h.get("name"): (h.text or "") for h in put.findall(f"{{{UPLOAD}}}header")}
            request = urllib.request.Request(put.get("url"), data=sealed, method="PUT",
                                             headers={**headers, "Content-Type": "application/octet-stream"})
            await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=20).close())
            scheme, rest = get_url.split("://", 1)
            assert scheme in ("http", "https")
            return f"aesgcm://{rest}#{iv.hex()}{key.hex()}"
        return self._call(upload(), timeout=60)
