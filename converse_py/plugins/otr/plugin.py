"""The ``converse-otr`` plugin: Off-the-Record sessions in one-to-one chat boxes (docs/otr.md).

It plugs the OTR engine (``session.py``) into the chats plugin through its hooks: outgoing text
is encrypted or refused (``createMessageStanza``), incoming bodies are decrypted or swallowed as
protocol traffic, whose replies are sent here, and archived ciphertext is hidden
(``beforeMessageShown``). Each chat box gets ``initiate_otr()`` / ``end_otr()`` (JS
``model.initiateOTR()`` / ``model.endOTR()``) and the attributes the padlock shows:
``otr_state`` (``not-private`` / ``unverified`` / ``verified`` / ``finished``),
``otr_fingerprint`` (ours), ``otr_their_fingerprint``, ``otr_smp`` (``{status, question}``) and
``otr_notice`` (the last thing the user must be told, e.g. a refusal to send).

The account's long-term DSA key and instance tag are made the first time OTR is needed and kept
in the platform's persistent storage (localStorage); fingerprints the user verified with SMP are
kept there too. Its settings, events and JS methods are declared in ``OtrPlugin``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

from ...core.converse import Converse
from ...core.errors import ConverseError
from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ...core.settings import Setting
from ...i18n import _
from ...core.session import own_bare
from ...xmpp.stanza import sub
from ..chats.models import ChatBox, ShownMessage
from ..chats.hooks import OutgoingMessage
from ..chats.plugin import ChatsState
from ..chats.stanzas import CARBONS, chat_message
from .crypto import RandomBytes
from .framing import WHITESPACE_BASE
from .keys import AccountKeys, load_or_create_account_keys
from .session import OtrSendRefused, OtrSession, OtrState, Policy
from .wire import human_fingerprint

HINTS = "urn:xmpp:hints"
TRUST_PREFIX = "converse-py-otr-trust:"


class OtrDisabledError(ConverseError):
    """An OTR action was asked for while the ``allow_otr`` setting is false."""


class OtrChats:
    """The OTR sessions of one client, one per chat box (by bare JID)."""

    def __init__(self, converse: Converse, random_bytes: RandomBytes | None = None) -> None:
        self.converse = converse
        #: Where randomness comes from: the host's (``crypto.getRandomValues`` in the page).
        self.random_bytes: RandomBytes = random_bytes or converse.platform.random_bytes
        self.sessions: dict[str, OtrSession] = {}
        self._keys: AccountKeys | None = None
        self._owner: str | None = None
        self._queried: set[str] = set()  # boxes waiting for the AKE their query asked for

    # -- settings and keys --------------------------------------------------------------
    def enabled(self) -> bool:
        return bool(self.converse.settings.get("allow_otr"))

    def required(self) -> bool:
        return self.enabled() and bool(self.converse.settings.get("require_otr"))

    def _check(self, method: str) -> None:
        if not self.enabled():
            raise OtrDisabledError(f"{method}: Off-the-Record is disabled (the allow_otr setting is false)")

    def account_keys(self) -> AccountKeys:
        """The logged-in account's key and instance tag (made and stored the first time: ~0.6 s in
        Pyodide). Raises ConverseError before login."""
        owner = own_bare(self.converse.session)
        if not owner:
            raise ConverseError("OTR needs a logged-in account (its key belongs to the account)")
        if self._keys is None or self._owner != owner:
            platform = self.converse.platform
            self._keys = load_or_create_account_keys(
                lambda key: platform.storage_get(key, persistent=True),
                lambda key, value: platform.storage_set(key, value, persistent=True),
                owner, self.random_bytes)
            self._owner = owner
        return self._keys

    def our_fingerprint(self) -> str:
        """The account's OTR fingerprint (five groups of eight hex digits)."""
        return human_fingerprint(self.account_keys().key)

    def account_changed(self, owner: str) -> None:
        """Another account logged in: its sessions and key are not this one's."""
        if owner != self._owner:
            self.sessions.clear()
            self._queried.clear()
            self._keys = None

    # -- trusted fingerprints (verified by SMP), kept with the key -----------------------
    def _trust_key(self) -> str:
        return TRUST_PREFIX + (self._owner or "")

    def _trusted(self) -> dict[str, list[str]]:
        raw = self.converse.platform.storage_get(self._trust_key(), persistent=True)
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    def _remember(self, jid: str, fingerprint: str) -> None:
        data = self._trusted()
        known = [f for f in data.get(jid, []) if isinstance(f, str)]
        if fingerprint not in known:
            data[jid] = known + [fingerprint]
            self.converse.platform.storage_set(self._trust_key(), json.dumps(data), persistent=True)

    # -- sessions ------------------------------------------------------------------------
    def session(self, box: ChatBox) -> OtrSession:
        """The box's OTR session, made (with the account key) when first needed."""
        jid = box.get("jid")
        session = self.sessions.get(jid)
        if session is None:
            keys = self.account_keys()
            session = OtrSession(keys.key, self.random_bytes, instance_tag=keys.instance_tag,
                                 policy=Policy(require_encryption=self.required()),
                                 on_event=lambda name, data: self._on_event(box, name, data))
            self.sessions[jid] = session
            box.set({"otr_fingerprint": session.our_fingerprint})
        return session

    def attach(self, box: ChatBox) -> None:
        """Give a one-to-one chat box its OTR methods and padlock attributes."""
        if box.get("type") != "chatbox" or callable(getattr(box, "initiate_otr", None)):
            return
        setattr(box, "initiate_otr", lambda: self.initiate(box))
        setattr(box, "end_otr", lambda: self.end(box))
        if box.get("otr_state") is None:
            box.set("otr_state", OtrState.NOT_PRIVATE.value)

    def _send(self, box: ChatBox, bodies: list[str]) -> None:
        for body in bodies:
            self.converse.session.send_element(otr_stanza(box.get("jid"), body))

    def notify(self, box: ChatBox, text: str) -> None:
        """Tell the user something about the box's OTR session (the view shows ``otr_notice``)."""
        box.set({"otr_notice": text, "otr_notices": (box.get("otr_notices") or 0) + 1})

    # -- actions -------------------------------------------------------------------------
    def initiate(self, box: ChatBox) -> None:
        """Ask the contact to start (or refresh) a private conversation: sends an OTR query."""
        self._check("initiateOTR")
        session = self.session(box)
        self._queried.add(box.get("jid"))
        self._send(box, [session.start()])

    def end(self, box: ChatBox) -> None:
        """End the private conversation (tells the contact); the chat is not private after it."""
        self._check("endOTR")
        session = self.sessions.get(box.get("jid"))
        self._queried.discard(box.get("jid"))
        if session is not None:
            self._send(box, session.end())

    def smp_start(self, box: ChatBox, secret: str, question: str | None = None) -> None:
        """Verify the contact with a secret only the two of you know (SMP)."""
        self._check("verify")
        if not isinstance(secret, str) or not secret:
            raise ConverseError("verify: secret must be a non-empty string")
        self._send(box, self.session(box).smp_start(secret, question or None))

    def smp_respond(self, box: ChatBox, secret: str) -> None:
        """Answer the contact's SMP question with the shared secret."""
        self._check("respond")
        if not isinstance(secret, str) or not secret:
            raise ConverseError("respond: secret must be a non-empty string")
        self._send(box, self.session(box).smp_respond(secret))

    def smp_abort(self, box: ChatBox) -> None:
        """Stop a verification in progress."""
        self._check("abort")
        session = self.sessions.get(box.get("jid"))
        if session is not None:
            self._send(box, session.smp_abort())
            box.set("otr_smp", {"status": "aborted", "question": None})

    # -- the chats plugin's hooks --------------------------------------------------------
    def outgoing(self, box: ChatBox, message: OutgoingMessage) -> None:
        """``createMessageStanza``: the stanzas of ``message`` become ciphertext while private; the
        send is refused when a private session is expected. Room messages are not OTR's."""
        if box.get("type") == "chatroom":
            return
        try:
            stanzas = self.encrypt(box, message.text)
        except OtrSendRefused as exc:
            message.refuse(exc)
            return
        if stanzas is not None:
            message.stanzas = stanzas

    def shown(self, box: ChatBox, message: ShownMessage) -> ShownMessage | bool | None:
        """``beforeMessageShown``: a contact's live message is decrypted (or, protocol traffic, not
        shown); archived OTR traffic is not shown."""
        if message.archived:
            return None if self.archived(box, message) else False
        if message.outgoing or box.get("type") != "chatbox":
            return None
        text = self.incoming(box, message.body)
        if text is None:
            return False
        return None if text == message.body else replace(message, body=text)

    def encrypt(self, box: ChatBox, text: str) -> list[ET.Element] | None:
        """Encrypt ``text`` while private (the stanzas to send), None to send it as it is; raises
        OtrSendRefused when a private session is expected."""
        if not self.enabled():
            return None
        jid = box.get("jid")
        session = self.sessions.get(jid)
        if session is None and not self.required():
            return None
        session = session or self.session(box)
        session.policy.require_encryption = self.required()
        try:
            bodies = session.encrypt(text)
        except OtrSendRefused as exc:
            if session.state == OtrState.NOT_PRIVATE and jid not in self._queried:
                self._queried.add(jid)
                self._send(box, [session.start()])
            reason = _("Not sent: {reason}.", reason=exc)
            if session.state == OtrState.NOT_PRIVATE:
                reason += " A private conversation is being started; send again once it is."
            self.notify(box, reason)
            self.converse.trigger("otrSendRefused", box, reason)
            raise OtrSendRefused(reason) from None
        if bodies == [text]:
            return None  # plaintext, sent as an ordinary message
        return [otr_stanza(jid, body) for body in bodies]

    def incoming(self, box: ChatBox, body: str) -> str | None:
        """Decrypt, or handle protocol traffic (replies are sent here); None = nothing to show."""
        if not self.enabled():
            return body
        session = self.sessions.get(box.get("jid"))
        if session is None:
            if not _is_otr(body):
                return body
            try:
                session = self.session(box)
            except ConverseError as exc:
                logger.info("OTR message from %s not handled: %s", box.get("jid"), exc)
                return body
        received = session.handle_incoming(body)
        self._send(box, received.replies)
        if received.plaintext and not received.encrypted and \
                session.state in (OtrState.UNVERIFIED, OtrState.VERIFIED):
            self.notify(box, _("This message was sent in the clear, not privately."))
        return received.plaintext or None

    def archived(self, box: ChatBox, message: ShownMessage) -> bool:
        """Archived OTR messages are not shown: their keys are gone (that is the point of OTR)."""
        return not self.enabled() or not message.body.startswith("?OTR")

    # -- engine events → box attributes and _converse events -----------------------------
    def _on_event(self, box: ChatBox, name: str, data: dict[str, Any]) -> None:
        session = self.sessions.get(box.get("jid"))
        if name == "state-changed":
            self._queried.discard(box.get("jid"))
            their = session.their_fingerprint if session is not None else None
            box.set({"otr_state": data["state"],
                     "otr_their_fingerprint": their if data["state"] != OtrState.NOT_PRIVATE.value else None})
            if data["state"] == OtrState.FINISHED.value:
                self.notify(box, _("The contact ended the private conversation: end it or start a new one."))
            elif data["previous"] in (OtrState.NOT_PRIVATE.value, OtrState.FINISHED.value):
                box.set("otr_notice", None)  # an earlier refusal no longer applies
            self.converse.trigger("otrStateChanged", box, data["state"])
        elif name == "session-started":
            box.set("otr_their_fingerprint", data["fingerprint"])
            if session is not None and data["fingerprint"] in self._trusted().get(box.get("jid"), []):
                session.set_verified(True)
        elif name == "smp":
            status = data["status"]
            box.set("otr_smp", {"status": status, "question": data.get("question")})
            if status == "asked":
                self.converse.trigger("otrSmpRequest", box, data.get("question"))
            elif status in ("succeeded", "failed", "aborted"):
                if status == "succeeded" and session is not None and session.their_fingerprint:
                    self._remember(box.get("jid"), session.their_fingerprint)
                self.converse.trigger("otrSmpResult", box, status)
        elif name == "error":
            self.notify(box, _("The contact's client reported an OTR error: {message}", message=data.get("message", "")))
        elif name == "unreadable":
            self.notify(box, _("An encrypted message could not be read."))


def _is_otr(body: str) -> bool:
    return "?OTR" in body or WHITESPACE_BASE in body


def otr_stanza(to: str, body: str) -> ET.Element:
    """A chat message carrying OTR data: not carbon-copied to the user's other clients, which
    could not read it (XEP-0280 ``<private/>``, XEP-0334 ``<no-copy/>``). Archives keep it, as
    ciphertext only."""
    stanza = chat_message(to, body)
    sub(stanza, "private", xmlns=CARBONS)
    sub(stanza, "no-copy", xmlns=HINTS)
    return stanza


class OtrPlugin(Plugin):
    """Off-the-Record sessions in one-to-one chat boxes."""

    name = "converse-otr"
    dependencies = ("converse-chats",)
    settings = {
        "allow_otr": Setting(True, (bool,), "Allow Off-the-Record encrypted one-to-one chats."),
        "require_otr": Setting(False, (bool,), "Never send a one-to-one message in the clear: a message typed "
                               "outside a private (OTR) session is refused and the session is started "
                               "(needs allow_otr)."),
    }
    events = {
        "otrStateChanged": EventDoc("the chat box, the new state", "a chat's Off-the-Record padlock changed: "
                                    "'not-private', 'unverified', 'verified' or 'finished' (the contact ended "
                                    "it); also model.get('otr_state')"),
        "otrSmpRequest": EventDoc("the chat box, the question (or null)", "the contact asked to verify the "
                                  "session with a shared secret (answer in the padlock menu)"),
        "otrSmpResult": EventDoc("the chat box, the result", "a verification (SMP) ended: 'succeeded', 'failed' "
                                 "or 'aborted'"),
        "otrSendRefused": EventDoc("the chat box, the reason", "a message was not sent because it would have "
                                   "gone in the clear while a private session is expected (require_otr, or "
                                   "the contact ended it)"),
    }
    facades = {"chatbox": {"initiateOTR": "initiate_otr", "endOTR": "end_otr"}}

    def initialize(self) -> None:
        converse = self._converse
        self.otr = OtrChats(converse)
        converse.provide(self.otr)
        chats = converse.get(ChatsState)
        listen = converse.api.listen
        listen.on("createMessageStanza", self.otr.outgoing)
        listen.on("beforeMessageShown", self.otr.shown)
        listen.on("chatBoxOpened", self.otr.attach)
        listen.on("connected", self.on_connected)
        for box in chats.boxes.values():
            self.otr.attach(box)

    def on_connected(self, *_: Any) -> None:
        owner = own_bare(self._converse.session)
        if owner:
            self.otr.account_changed(owner)

