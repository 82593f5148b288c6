"""The ``converse-omemo`` plugin: OMEMO end-to-end encryption in one-to-one chats (docs/omemo.md):
0.3 (``eu.siacs.conversations.axolotl``, XEP-0384 0.3.0, what most clients speak) and, with
contacts that have only omemo:2 devices, ``urn:xmpp:omemo:2`` (XEP-0384 0.8, XEP-0420 envelopes).

A chat box's ``omemo_active`` attribute (the toolbar's 🔓/🔒 button, ``omemo_default`` for new
boxes, or ``box.set("omemo_active", True)``; JS ``model.set('omemo_active', true)``) makes its
messages encrypted for every device of the contact and the user's other devices. While it is on
a message is never sent in the clear: when it cannot be encrypted (the contact has no OMEMO
device, no usable bundle, no connection) it is not sent and shows as failed, with its reason and
a retry. Incoming ``<encrypted/>`` messages (live and carbons) are decrypted: the row shows the
plaintext with a lock (``extras["omemo"]``), or says it could not be decrypted; the fallback body
is never shown as the message. Trust is blind before verification, as in Conversations.

The protocol core is loaded the first time OMEMO is needed (``loader.py``); until then this
plugin only reads device-list notifications. Keys and sessions live in IndexedDB
(``converse_py/browser/idb.py``), never on ``window`` nor in logs.

Python::

    box = api.chats.get("bob@example.org")
    box.set("omemo_active", True)
    box.send_message("hi")            # encrypted; the row appears once it is sent

JS::

    const box = await _converse.api.chats.get('bob@example.org');
    box.model.set('omemo_active', true);
    box.model.sendMessage('hi');
"""

from __future__ import annotations

import asyncio
import copy
import json
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, UTC
from typing import Any

from ...core.converse import Converse
from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ...core.session import own_bare
from ...core.settings import Setting
from ...dom.hooks import listen_ui
from ...dom.html import tag
from ...dom.templates import MessageParts
from ...i18n import _
from ...xmpp.stanza import find, find_child, new_id, sub
from ..chats.hooks import OutgoingMessage
from ..chats.message_stanza import MessageStanza, through_hook
from ..chats.models import HOLD, ChatBox, ShownMessage
from ..chats.plugin import ChatsState
from ..chats.stanzas import chat_message
from . import pep
from .loader import load_core
from .store import MemoryStore, OmemoStore

EME = "urn:xmpp:eme:0"
HINTS = "urn:xmpp:hints"
#: XEP-0384's body for clients that cannot read OMEMO.
FALLBACK_BODY = "I sent you an OMEMO encrypted message but your client doesn’t seem to support that."
ENCRYPTED_TAGS = frozenset({f"{{{pep.AXOLOTL}}}encrypted", f"{{{pep.TWO}}}encrypted"})
#: Device lists remembered from notifications before the core is loaded, at most.
MAX_DEVICE_LISTS = 5000
#: localStorage key (+ the account's bare JID) of the chats' OMEMO switches.
ACTIVE_PREFIX = "converse-py-omemo-active:"
#: ``message.extras`` key: "decrypted" / "sent" (a lock on the row), "untrusted" (from a distrusted
#: device), "pending", "failed", "unsent".
OMEMO_KEY = "omemo"
#: Seconds of back-to-back decryptions after which the next waits ``BREATHE_S`` on a timer.
BUSY_S = 0.04
BREATHE_S = 0.004


class OmemoChats:
    """The account's OMEMO device (made lazily), and what each chat box needs of it."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.service: Any = None  # the core's OmemoService once loaded and started
        self._starting: asyncio.Future[Any] | None = None
        self._owner: str | None = None
        self._breathed = 0.0  # time.monotonic() of the last pause between decryptions
        #: Device lists seen in notifications before the core was loaded: (namespace, bare JID) → ids.
        self.device_lists: dict[tuple[str, str], list[int]] = {}
        #: The ``<encrypted/>`` the next ``createMessageStanza`` of a box puts in (by box JID).
        self._prepared: dict[str, ET.Element] = {}
        #: Boxes whose message is being built in the clear only to see its content elements.
        self._capturing: set[str] = set()
        #: The content elements of the message being sent, beyond its body (by box JID), and with
        #: omemo:2 the message as it would have been in the clear (its row is made from it).
        self._content: dict[str, list[ET.Element]] = {}
        self._plain_sent: dict[str, ET.Element] = {}

    # -- the device ------------------------------------------------------------------------
    def ensure_service(self) -> asyncio.Future[Any]:
        """The started service (core loaded, keys made or loaded, device announced): started once."""
        owner = own_bare(self.converse.session)
        if owner != self._owner:
            self.service, self._starting, self._owner = None, None, owner
        if self._starting is None or (self._starting.done() and self._starting.exception() is not None):
            self._starting = asyncio.ensure_future(self._start(owner))
        return self._starting

    async def _start(self, owner: str | None) -> Any:
        if not owner:
            raise ConnectionError(_("OMEMO needs a logged-in account"))
        core = await load_core(str(self.converse.settings.get("omemo_archive_url")))
        crypto, store = _platform_crypto_and_store(owner)
        session = self.converse.session
        service = core.OmemoService(crypto, store, lambda el: session.send_iq(el, timeout=30), owner)
        for (namespace, jid), ids in self.device_lists.items():
            (service.devices if namespace == pep.AXOLOTL else service.devices_2)[jid] = ids
        await service.start()
        self.service = service
        self.converse.trigger("omemoReady", service.device_id)
        return service

    def on_device_list(self, stanza: ET.Element) -> None:
        """A device-list notification: remembered; the user's own list re-announces this device."""
        event = pep.device_list_event(stanza)
        if event is None:
            return
        jid, ids, namespace = event
        self.device_lists.pop((namespace, jid), None)
        self.device_lists[(namespace, jid)] = ids
        while len(self.device_lists) > MAX_DEVICE_LISTS:  # oldest first: a flood cannot grow it
            self.device_lists.pop(next(iter(self.device_lists)))
        service = self.service
        if service is not None:
            version = core_version(namespace)
            service.device_lists(version)[jid] = ids
            if jid == service.own_jid and service.device_id not in ids:
                asyncio.ensure_future(service.announce(ids, version)).add_done_callback(_report)

    # -- boxes -----------------------------------------------------------------------------
    def _active_key(self) -> str:
        return ACTIVE_PREFIX + (own_bare(self.converse.session) or "")

    def _active_jids(self) -> dict[str, Any]:
        """The chats whose OMEMO switch the user changed from ``omemo_default`` (kept in localStorage,
        as Converse.js keeps ``omemo_active`` with the chat): JID → on/off."""
        raw = self.converse.platform.storage_get(self._active_key(), persistent=True)
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    def attach(self, box: ChatBox) -> None:
        if box.get("type") != "chatbox":
            return
        if box.get("omemo_active") is None:
            saved = self._active_jids().get(box.get("jid"))
            default = bool(self.converse.settings.get("omemo_default"))
            box.set("omemo_active", saved if isinstance(saved, bool) else default)
        if not getattr(box, "_omemo_attached", False):
            setattr(box, "_omemo_attached", True)
            box.on_change(self._on_box_change)
        if box.get("omemo_active") and own_bare(self.converse.session):
            self.ensure_service().add_done_callback(_report)

    def _on_box_change(self, box: Any, changed: dict[str, Any]) -> None:
        if "omemo_active" not in changed:
            return
        if own_bare(self.converse.session):
            saved = self._active_jids()
            saved[box.get("jid")] = bool(changed["omemo_active"])
            self.converse.platform.storage_set(self._active_key(), json.dumps(saved), persistent=True)
        if changed["omemo_active"]:
            self.ensure_service().add_done_callback(_report)

    @staticmethod
    def toggle(box: ChatBox) -> None:
        box.set("omemo_active", not box.get("omemo_active"))

    # -- sending ---------------------------------------------------------------------------
    def before_send(self, box: Any, outgoing: OutgoingMessage) -> OutgoingMessage:
        """``beforeMessageSend``: with OMEMO on, the synchronous send is replaced by an encrypted one
        (the row appears once the message is encrypted and sent)."""
        jid = box.get("jid")
        if outgoing.cancelled or box.get("type") != "chatbox" or not box.get("omemo_active") or jid in self._prepared:
            return outgoing
        outgoing.cancel()
        replaces = box.find_message(outgoing.correcting) if outgoing.correcting else None
        plain = self._plain_message(box, outgoing.text, replaces)  # now: a pending reply or spoiler is this message's
        asyncio.ensure_future(self.send_encrypted(box, outgoing.text, replaces, plain=plain)).add_done_callback(_report)
        return outgoing

    async def send_encrypted(self, box: ChatBox, text: str, replaces: ShownMessage | None = None, *,
                             plain: ET.Element | None = None) -> ShownMessage | None:
        """Encrypt ``text`` for the contact's and the user's other devices, then send it; when that
        fails the text is shown as a failed message of the user's (with a retry), never sent.
        ``plain``: the message as it would have gone in the clear (made here when not given);
        omemo:2 encrypts all its content elements."""
        jid = box.get("jid")
        if plain is None:
            plain = self._plain_message(box, text, replaces)
        try:
            service = await self.ensure_service()
            from . import sce_content  # the core is loaded now
            content = sce_content.content_elements(plain) if plain is not None else []
            encrypted = await service.encrypt(jid, text, content)
        except Exception as error:  # every failure is shown: the text is never lost silently
            why = _("it could not be encrypted with OMEMO ({reason}).", reason=_reason(error))
            logger.info("OMEMO: a message to %s was not sent: %s", jid, _reason(error))
            owner = own_bare(self.converse.session) or ""
            failed = ShownMessage(new_id(), owner, text, datetime.now(UTC), outgoing=True, error=why,
                                  extras={OMEMO_KEY: "unsent"})
            box.add_messages([failed])
            self.converse.trigger("messageFailed", box, failed, why)
            return None
        self._prepared[jid] = encrypted
        self._content[jid] = [el for el in content if el.tag not in ("body", "{jabber:client}body")]
        if plain is not None and _namespace_of(encrypted) == pep.TWO:
            self._plain_sent[jid] = plain
        try:
            chats = self.converse.get(ChatsState)
            return chats.send(box, text, replaces)
        finally:
            self._prepared.pop(jid, None)
            self._content.pop(jid, None)
            self._plain_sent.pop(jid, None)

    def _plain_message(self, box: ChatBox, text: str, replaces: ShownMessage | None) -> ET.Element | None:
        """The message as it would go in the clear: ``createMessageStanza`` listeners (a reply, a
        spoiler, ...) build it, this one aside. omemo:2 encrypts its content elements (XEP-0420)."""
        outgoing = OutgoingMessage(box, text, correcting=(replaces.id or replaces.origin_id) if replaces else "")
        outgoing.stanzas = [chat_message(box.get("jid"), text)]
        return built_in_clear(self.converse, self._capturing, box, outgoing)

    def create_stanza(self, box: Any, outgoing: OutgoingMessage) -> OutgoingMessage:
        """``createMessageStanza``: the prepared ``<encrypted/>`` goes in, the body becomes
        XEP-0384's fallback; a box with OMEMO on never sends a body in the clear."""
        if box.get("type") != "chatbox" or box.get("jid") in self._capturing:
            return outgoing
        encrypted = self._prepared.get(box.get("jid"))
        if encrypted is None:
            if box.get("omemo_active"):
                outgoing.refuse(ConnectionRefusedError(_("OMEMO is on: this message would have gone in the clear")))
            return outgoing
        from . import sce_content  # loaded: a message was encrypted
        content = self._content.get(box.get("jid"), [])
        for stanza in outgoing.body_stanzas():
            if _namespace_of(encrypted) == pep.TWO:  # all content is in the envelope
                sce_content.remove_content(stanza, keep_body=True)
            else:  # 0.3 carries the body only: the rest goes as it would without OMEMO
                present = {child.tag for child in stanza}
                stanza.extend(copy.deepcopy(el) for el in content if el.tag not in present)
            encrypt_stanza(stanza, encrypted)
        return outgoing

    # -- receiving -------------------------------------------------------------------------
    def on_stanza(self, context: MessageStanza, shown: ShownMessage | None) -> ShownMessage | None:
        """``messageStanza``: an OMEMO message's row says so until it is decrypted (then changed to
        the plaintext), or that it could not be. Archived ones are shown from the plaintexts kept
        when they were first read or sent here, else decrypted if their keys were never used."""
        if not ENCRYPTED_TAGS & context.child_tags:
            return None
        if context.room:  # rooms: OmemoRooms.on_stanza (rooms.py)
            return None
        if context.source == "sent":
            if shown is None:
                return None
            plain = self._plain_sent.get(context.box.get("jid"))
            if plain is not None:  # omemo:2: the row is the message's as it was before encryption
                plain.set("id", context.stanza.get("id") or "")
                shown = through_hook(self.converse, MessageStanza(context.box, plain, "sent", True, context.sender,
                                                                  time=context.time), shown) or shown
            content = self._content.get(context.box.get("jid"), []) if plain is not None else []
            sent_body = find_child(plain, "jabber:client", "body") if plain is not None else None
            # kept as the envelope has it (a reply's quote and its fallback's ranges go together)
            self._remember(context.box, shown, sent_body.text or "" if sent_body is not None else shown.body, content)
            return replace(shown, extras={**shown.extras, OMEMO_KEY: "sent"})
        element = find(context.stanza, pep.AXOLOTL, "encrypted")
        if element is None:
            element = find(context.stanza, pep.TWO, "encrypted")
        archived = context.source == "archive"
        if element is None or (archived and shown is None):
            return None
        sender = own_bare(self.converse.session) if context.outgoing else context.sender
        task = asyncio.ensure_future(self._decrypt(context.box, element, sender or "", shown, archived, context))
        task.add_done_callback(_report)
        if shown is None:
            return None
        # omemo:2: what came in the clear beside the <encrypted/> is not the sender's (shown: the envelope's)
        wire_extras = {} if _namespace_of(element) == pep.TWO else shown.extras
        return replace(shown, body=_("Decrypting an OMEMO message…"),
                       extras={**wire_extras, OMEMO_KEY: "pending", HOLD: True})  # drawn once decrypted

    def _remember(self, box: ChatBox, shown: ShownMessage, text: str, content: list[ET.Element] | None = None) -> None:
        service = self.service
        if service is not None:
            asyncio.ensure_future(service.remember(box.get("jid"), message_keys(shown), text, content or ())
                                  ).add_done_callback(_report)

    async def _decrypt(self, box: ChatBox, element: ET.Element, sender: str, shown: ShownMessage | None,
                       archived: bool = False, context: MessageStanza | None = None) -> None:
        keys = message_keys(shown) if shown is not None else []
        content: tuple[ET.Element, ...] = ()
        try:
            service = await self.ensure_service()
            await self._breathe()
            kept = await service.recall(box.get("jid"), keys) if archived else None
            if kept is not None:
                extras_state, body = "decrypted", kept
                content = await service.recall_content(box.get("jid"), keys)
            else:
                room = box.get("jid") if box.get("type") == "chatroom" else None  # omemo:2: <to/> is the room
                decrypted = await service.decrypt(element, sender, room)
                extras_state, body = "untrusted" if decrypted.trust == "distrusted" else "decrypted", decrypted.text
                content = decrypted.content
                if body is not None and keys:
                    await service.remember(box.get("jid"), keys, body, content)
                if not archived and not box.get("omemo_active") and box.get("type") == "chatbox":
                    box.set("omemo_active", True)  # the contact uses OMEMO: answers are encrypted too (as Converse.js does)
        except Exception as error:
            logger.info("OMEMO: a message from %s could not be decrypted: %s", sender, _reason(error))
            extras_state = "failed"
            body = _("An OMEMO message from the archive: it cannot be decrypted here.") if archived else \
                _("This OMEMO message could not be decrypted ({reason}).", reason=_reason(error))
        if shown is None:
            return
        ref = shown.stanza_id or shown.origin_id or shown.id
        if body is None:
            extras_state, body = "failed", _("This OMEMO message could not be decrypted ({reason}).", reason="no text")
        extras: dict[str, Any] = {}
        from_wire: set[str] = set()
        if context is not None and extras_state != "failed":
            body, extras = self._as_in_clear(context, shown, body, content)
            from_wire = set(shown.extras)  # what the listeners made of the stanza as it came: made again above

        def change(target: ShownMessage) -> dict[str, Any] | None:
            if target.extras.get(OMEMO_KEY) != "pending":
                return None
            kept = {key: value for key, value in target.extras.items() if key not in from_wire and key != HOLD}
            return {"body": body, "extras": {**kept, **extras, OMEMO_KEY: extras_state}}
        box.change_message(ref, change)

    async def _breathe(self) -> None:
        """Between decryptions, after ``BUSY_S`` of them without a pause: a short timer, so the
        browser draws and takes input. (Each step of a decryption is queued with a MessageChannel
        message by Pyodide, and Chromium runs queued messages in one task: 1,000 messages at once
        made one task of 270 ms.)"""
        now = time.monotonic()
        if now - self._breathed > BUSY_S:
            await asyncio.sleep(BREATHE_S)
            self._breathed = time.monotonic()

    def _as_in_clear(self, context: MessageStanza, shown: ShownMessage, text: str,
                     content: tuple[ET.Element, ...]) -> tuple[str, dict[str, Any]]:
        """The row's body and extras as the ``messageStanza`` listeners make them from the message
        as it would have been in the clear: ``text`` as its body, with omemo:2 the envelope's
        content elements (a reply, an OOB link, a spoiler, ...) as its own."""
        from . import sce_content  # loaded: the message was decrypted
        plain = sce_content.plain_stanza(context.stanza, text, content,
                                         clear_content=find(context.stanza, pep.TWO, "encrypted") is None)
        again = MessageStanza(context.box, plain, context.source, context.outgoing, context.sender, room=context.room,
                              time=context.time, stanza_id=context.stanza_id, occupant_id=context.occupant_id)
        try:
            hooked = through_hook(self.converse, again, replace(shown, body=text, extras={}))
        except Exception as error:  # a listener's failure never loses the decrypted text
            logger.info("OMEMO: a decrypted message's listeners failed: %s", _reason(error))
            hooked = None
        if hooked is None:
            return text, {}
        return hooked.body, dict(hooked.extras)

    # -- rows ------------------------------------------------------------------------------
    @staticmethod
    def parts(context: Any, parts: MessageParts) -> MessageParts:
        state = context["message"].extras.get(OMEMO_KEY)
        if state in ("decrypted", "sent"):
            parts.before.append(tag("span", {"class": "cpy-omemo-lock", "title": _("Encrypted with OMEMO"),
                                             "aria-label": _("Encrypted with OMEMO")}, "🔒"))
        elif state == "untrusted":
            parts.classes.append("cpy-omemo-untrusted")
            parts.before.append(tag("span", {"class": "cpy-omemo-lock", "title": _("From a device you distrusted"),
                                             "aria-label": _("From a device you distrusted")}, "⚠"))
        elif state in ("failed", "unsent"):
            parts.classes.append("cpy-omemo-failed")
            parts.before.append(tag("span", {"class": "cpy-omemo-lock", "title": _("Encrypted with OMEMO"),
                                             "aria-label": _("Encrypted with OMEMO")}, "⚠"))
        elif state == "pending":
            parts.classes.append("cpy-omemo-pending")
        return parts

    def toolbar_buttons(self, box: Any, buttons: list[Any]) -> list[Any]:
        if box.get("type") != "chatbox":
            return buttons
        on = bool(box.get("omemo_active"))
        label = _("Turn OMEMO encryption off") if on else _("Turn OMEMO encryption on")
        return [*buttons, {"name": "omemo", "label": label, "icon": "🔒" if on else "🔓", "handler": self.toggle}]

    async def set_trust(self, jid: str, device_id: int, state: str) -> None:
        """Mark a device of ``jid`` seen before ``verified``, ``distrusted`` (never encrypted for
        again; its messages are flagged) or ``blind`` (trusted until verified).

        Python: ``await converse.get(OmemoChats).set_trust("bob@example.org", 4223, "verified")``
        """
        service = await self.ensure_service()
        await service.set_trust(jid, int(device_id), state)

    async def fingerprints(self, jid: str) -> dict[str, Any]:
        """``{own: {device, fingerprint}, contact: {device id: {fingerprint, trust}}}`` (starts OMEMO)."""
        service = await self.ensure_service()
        return {"own": {"device": service.device_id, "fingerprint": service.own_fingerprint()},
                "contact": await service.fingerprints(jid)}


def built_in_clear(converse: Converse, capturing: set[str], box: Any, outgoing: OutgoingMessage) -> ET.Element | None:
    """``outgoing``'s stanza as the ``createMessageStanza`` listeners build it for the clear, while
    ``box``'s JID is in ``capturing`` (OMEMO's own listeners stand aside meanwhile); None when a
    listener refused it."""
    jid = box.get("jid")
    capturing.add(jid)
    try:
        result = converse.hook("createMessageStanza", box, outgoing)
    finally:
        capturing.discard(jid)
    outgoing = result if isinstance(result, OutgoingMessage) else outgoing
    stanzas = outgoing.body_stanzas()
    return stanzas[0] if stanzas and outgoing.refusal is None else None


def message_keys(shown: ShownMessage) -> list[str]:
    """What a message's kept plaintext is found by again (its archived copy has the same
    stanza-id, origin-id or id).

    >>> from datetime import datetime, UTC
    >>> message_keys(ShownMessage("m1", "bob@example.org", "hi", datetime.now(UTC), False, stanza_id="A1"))
    ['s:A1', 'i:m1']
    """
    keys = [f"s:{shown.stanza_id}"] if shown.stanza_id else []
    keys += [f"o:{shown.origin_id}"] if shown.origin_id and shown.origin_id != shown.id else []
    return keys + ([f"i:{shown.id}"] if shown.id else [])


def encrypt_stanza(stanza: ET.Element, encrypted: ET.Element) -> None:
    """Make a chat message an OMEMO one (XEP-0384 0.3.0 §4.5): the fallback body, the
    ``<encrypted/>``, XEP-0380's ``<encryption/>`` and a XEP-0334 ``<store/>`` hint (a message
    whose body is the fallback must still be archived)."""
    for child in stanza:
        if child.tag in ("body", "{jabber:client}body"):
            child.text = FALLBACK_BODY
    stanza.append(encrypted)
    namespace = _namespace_of(encrypted)
    sub(stanza, "encryption", {"namespace": namespace, "name": "OMEMO"}, xmlns=EME)
    sub(stanza, "store", xmlns=HINTS)


def _namespace_of(encrypted: ET.Element) -> str:
    """The OMEMO namespace of an ``<encrypted/>`` (built, with an ``xmlns`` attribute, or parsed)."""
    return encrypted.get("xmlns") or encrypted.tag[1:].partition("}")[0] or pep.AXOLOTL


def core_version(namespace: str) -> Any:
    """The core's ``Version`` of a namespace (the core is loaded: a service exists)."""
    from .versions import version_of
    return version_of(namespace)


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text[:200]


def _platform_crypto_and_store(owner: str) -> tuple[Any, OmemoStore]:
    """WebCrypto and IndexedDB in the page; elsewhere a test provides them (``OmemoChats.backend``)."""
    if sys.platform == "emscripten":  # pragma: no cover - the page
        from ...browser.idb import IndexedDBStore
        from ...browser.webcrypto import WebCrypto
        from .cached_store import CachedStore  # in the core's archive, loaded by now
        return WebCrypto(), CachedStore(IndexedDBStore(owner))
    backend = BACKEND.get("factory")
    if backend is None:
        raise RuntimeError("OMEMO needs WebCrypto (the page) or a test backend")
    crypto, store = backend(owner)
    return crypto, store if store is not None else MemoryStore()


#: CPython tests set ``BACKEND["factory"] = lambda owner: (crypto, store)``.
BACKEND: dict[str, Any] = {}


def _report(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.info("OMEMO: %s", _reason(future.exception() or Exception()))


class OmemoPlugin(Plugin):
    """OMEMO end-to-end encryption in one-to-one chats."""

    name = "converse-omemo"
    dependencies = ("converse-chats",)
    features = (pep.DEVICELIST_NODE + "+notify", pep.TWO_DEVICES_NODE + "+notify")
    settings = {
        "omemo_default": Setting(False, (bool,), "Turn OMEMO end-to-end encryption on in new one-to-one chats "
                                 "and in rooms that are members-only and non-anonymous."),
        "omemo_archive_url": Setting("/static/omemo.zip", (str,),
                                     "Where OMEMO's protocol code is loaded from the first time a chat uses it."),
        "omemo_files_http_hosts": Setting([], (list,), "Hosts whose encrypted files (XEP-0454 `aesgcm://` links) "
                                          "are downloaded with http, not https: servers without TLS, for tests."),
    }
    events = {
        "omemoReady": EventDoc("this device's OMEMO device id", "OMEMO's keys are loaded (or made) and this "
                               "device is announced in the account's device list"),
    }

    def initialize(self) -> None:
        converse = self._converse
        self.omemo = OmemoChats(converse)
        converse.provide(self.omemo)
        listen = converse.api.listen
        listen.on("beforeMessageSend", self.omemo.before_send)
        listen.on("createMessageStanza", self.omemo.create_stanza)
        listen.on("messageStanza", self.omemo.on_stanza)
        listen.on("chatBoxOpened", self.omemo.attach)
        listen.on("statusInitialized", self.on_online)
        listen_ui(converse, {"getToolbarButtons": self.omemo.toolbar_buttons, "getMessageParts": self.omemo.parts})
        converse.session.add_handler("message", self.omemo.on_device_list)
        for box in converse.get(ChatsState).boxes.values():
            self.omemo.attach(box)
        from .rooms import register as register_rooms  # OMEMO in members-only, non-anonymous rooms
        self.rooms = register_rooms(converse, self.omemo)
        from .file_sharing import OmemoFiles  # XEP-0454 encrypted files (file_sharing.py)
        self.files = OmemoFiles(converse, self.omemo)
        self.files.install()

    def on_online(self, *_: Any) -> None:
        chats = self._converse.get(ChatsState)
        if self._converse.settings.get("omemo_default") or any(b.get("omemo_active") for b in chats.boxes.values()):
            self.omemo.ensure_service().add_done_callback(_report)
