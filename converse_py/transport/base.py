"""The transport interface the session drives (connect, send XML text, receive XML text)."""

from __future__ import annotations

from enum import Enum
from typing import Callable, Protocol


class Status(str, Enum):
    """Connection states reported by a transport (Strophe.Status, by name)."""

    CONNECTING = "connecting"
    AUTHENTICATING = "authenticating"
    CONNECTED = "connected"
    ATTACHED = "attached"
    DISCONNECTING = "disconnecting"
    DISCONNECTED = "disconnected"
    AUTHFAIL = "authfail"
    CONNFAIL = "connfail"
    CONNTIMEOUT = "conntimeout"
    ERROR = "error"


StatusCallback = Callable[[Status, str], None]
StanzaCallback = Callable[[str], None]


class Transport(Protocol):
    """What the session needs from a transport. Callbacks are set by the session before connecting."""

    on_status: StatusCallback
    on_stanza: StanzaCallback

    @property
    def bound_jid(self) -> str | None:
        """The full JID the server bound, once connected."""

    @property
    def kind(self) -> str:
        """``"bosh"`` or ``"websocket"`` (or ``"fake"``)."""

    def connect(self, jid: str, password: str) -> None:
        """Open a stream and authenticate; progress arrives through ``on_status``."""

    def attach(self, jid: str, sid: str, rid: int) -> None:
        """Attach to an existing BOSH session (prebind)."""

    def restore(self, jid: str | None) -> bool:
        """Resume a kept-alive BOSH session after a reload; False when there is none to resume."""

    def send(self, xml: str) -> None:
        """Send one stanza given as XML text."""

    def disconnect(self, reason: str = "") -> None:
        """Close the stream."""

    def stream_features(self) -> str | None:
        """The server's last ``<stream:features/>`` as XML text (None if unknown)."""

    def dispose(self) -> None:
        """Close and release everything; the session will not use this transport again."""

    def tokens(self) -> dict[str, object]:
        """``{"rid": ..., "sid": ...}`` for BOSH; values are None where they do not apply."""
