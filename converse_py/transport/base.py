"""The transport interface the session drives (connect, send XML text, receive XML text)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import Enum
from typing import Protocol
from collections.abc import Callable


class Status(str, Enum):
    """Connection states reported by a transport (Strophe.Status, by name)."""

    CONNECTING = "connecting"
    AUTHENTICATING = "authenticating"
    CONNECTED = "connected"
    ATTACHED = "attached"
    BINDREQUIRED = "bindrequired"
    DISCONNECTING = "disconnecting"
    DISCONNECTED = "disconnected"
    AUTHFAIL = "authfail"
    CONNFAIL = "connfail"
    CONNTIMEOUT = "conntimeout"
    ERROR = "error"



@dataclass(frozen=True, repr=False)
class ScramKeys:
    """SCRAM client and server keys (base64) derived from the password for one server: they log in
    to that server again (same mechanism, salt and iteration count) but are not the password."""

    name: str
    iter: int
    salt: str
    ck: str
    sk: str

    def __repr__(self) -> str:
        return f"<SCRAM-{self.name} keys>"


StatusCallback = Callable[[Status, str], None]
#: One stanza: its XML text, or the element when the transport parsed a whole batch at once.
StanzaCallback = Callable[[str | ET.Element], None]
HandledCallback = Callable[[], None]


class Transport(Protocol):
    """What the session needs from a transport. Callbacks are set by the session before connecting."""

    on_status: StatusCallback
    on_stanza: StanzaCallback
    #: Called after each run of ``on_stanza`` calls made in one go (the stanzas of one BOSH
    #: response or WebSocket frame, or one slice of a large one): work that waits for the end of
    #: such a batch (drawing the rows of its messages at once) is done then.
    on_handled: HandledCallback

    @property
    def bound_jid(self) -> str | None:
        """The full JID the server bound, once connected."""

    @property
    def kind(self) -> str:
        """``"bosh"`` or ``"websocket"`` (or ``"fake"``)."""

    def connect(self, jid: str, password: str | ScramKeys, *, explicit_bind: bool = False) -> None:
        """Open a stream and authenticate (with the password, or with SCRAM keys an earlier login
        derived from it); progress arrives through ``on_status``.

        With ``explicit_bind`` the transport stops after SASL and reports ``BINDREQUIRED``, so the
        session may resume a XEP-0198 stream instead of binding (then calls ``bind`` or ``resumed``).
        """

    def open_stream(self, domain: str) -> None:
        """Open a stream to ``domain`` and stop before SASL (XEP-0077 in-band registration and
        nothing else): ``CONNECTED`` is reported once the stream features are known; stanzas may
        then be sent and arrive through ``on_stanza``; ``bound_jid`` stays None."""

    def forget_password(self) -> ScramKeys | None:
        """SASL is done: drop the transport's copy of the password (Strophe's ``conn.pass``) and
        return the SCRAM keys derived from it, if SCRAM was used (None otherwise)."""

    def attach(self, jid: str, sid: str, rid: int) -> None:
        """Attach to an existing BOSH session (prebind)."""

    def restore(self, jid: str | None) -> bool:
        """Resume a kept-alive BOSH session after a reload; False when there is none to resume."""

    def send(self, xml: str) -> None:
        """Send one stanza (or stream-level element such as XEP-0198 ``<r/>``) given as XML text."""

    def bind(self) -> None:
        """After ``BINDREQUIRED`` (SASL done, nothing bound yet): bind a resource; ``CONNECTED`` follows."""

    def resumed(self, jid: str) -> None:
        """After ``BINDREQUIRED``, the server resumed the XEP-0198 session bound to ``jid``: the
        stream is up again as that full JID (the transport reports ``CONNECTED``)."""

    def disconnect(self, reason: str = "") -> None:
        """Close the stream."""

    def stream_features(self) -> str | None:
        """The server's last ``<stream:features/>`` as XML text (None if unknown)."""

    def dispose(self) -> None:
        """Close and release everything; the session will not use this transport again."""

    def tokens(self) -> dict[str, object]:
        """``{"rid": ..., "sid": ...}`` for BOSH; values are None where they do not apply."""
