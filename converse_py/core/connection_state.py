"""The connection's states and every legal transition between them, in one table.

The session moves the machine as the transport reports progress (connecting, authenticating,
bound, lost) and as XEP-0198 resumes; the reconnection loop moves it into and out of
``RECONNECTING``. ``api.connection.connected`` and ``converse.reconnecting`` read it. A move the
table does not list raises ``IllegalTransition`` naming both states: it is a bug in the caller.

>>> machine = ConnectionMachine()
>>> machine.to(State.CONNECTING, "login"); machine.to(State.AUTHENTICATING)
>>> machine.to(State.CONNECTED); machine.connected
True
>>> machine.to(State.AUTHENTICATING)
Traceback (most recent call last):
...
converse_py.core.connection_state.IllegalTransition: connection: cannot go from connected to authenticating
>>> machine.to(State.DISCONNECTED, "network"); machine.to(State.RECONNECTING); machine.reconnecting
True
>>> machine.to(State.CONNECTING); machine.reconnecting  # an attempt: still repairing the loss
True
"""

from __future__ import annotations

from enum import Enum
from collections.abc import Callable

from .errors import ConverseError


class State(str, Enum):
    """Where the connection is. The values are what ``connectionStateChanged`` listeners get."""

    #: No stream and nothing under way (before login, after logout, after giving up).
    DISCONNECTED = "disconnected"
    #: A transport is opening a stream (a login, a reconnection attempt, attach or restore).
    CONNECTING = "connecting"
    #: SASL in progress.
    AUTHENTICATING = "authenticating"
    #: SASL done, nothing bound yet: the session binds a resource or resumes a XEP-0198 session.
    BINDING = "binding"
    #: ``<resume/>`` sent, waiting for ``<resumed/>`` or ``<failed/>`` (XEP-0198).
    RESUMING = "resuming"
    #: The stream is up and bound (or resumed): stanzas go out at once.
    CONNECTED = "connected"
    #: The stream is being closed on purpose (logout) or at the server's request.
    DISCONNECTING = "disconnecting"
    #: The stream was lost unexpectedly; waiting for the next automatic attempt.
    RECONNECTING = "reconnecting"


#: From each state, the states it may move to. Staying in the same state is a no-op, always allowed.
_ATTEMPT_ENDS = {State.DISCONNECTING, State.DISCONNECTED, State.RECONNECTING}
TRANSITIONS: dict[State, frozenset[State]] = {
    # a login, an attach or a restore starts; or the retry loop begins after a loss
    State.DISCONNECTED: frozenset({State.CONNECTING, State.RECONNECTING}),
    # SASL starts; or SASL is over before it was reported (Strophe over WebSocket says BINDREQUIRED
    # or CONNECTED right after CONNECTING), or (attach/restore) the stream is up at once; another
    # login or a fall-back to the next transport kind starts over; the attempt fails
    State.CONNECTING: frozenset({State.AUTHENTICATING, State.BINDING, State.CONNECTED, *_ATTEMPT_ENDS}),
    State.AUTHENTICATING: frozenset({State.BINDING, State.CONNECTED, State.CONNECTING, *_ATTEMPT_ENDS}),
    State.BINDING: frozenset({State.RESUMING, State.CONNECTED, State.CONNECTING, *_ATTEMPT_ENDS}),
    # the server refused the resume: bind afresh on the same stream
    State.RESUMING: frozenset({State.BINDING, State.CONNECTED, State.CONNECTING, *_ATTEMPT_ENDS}),
    # a loss goes through DISCONNECTED: the reconnection loop decides whether to retry
    State.CONNECTED: frozenset({State.CONNECTING, State.DISCONNECTING, State.DISCONNECTED}),
    # a login while the server is closing the stream starts over on a fresh transport
    State.DISCONNECTING: frozenset({State.DISCONNECTED, State.RECONNECTING, State.CONNECTING}),
    # the next attempt starts, or the loop gives up (or a logout ends it)
    State.RECONNECTING: frozenset({State.CONNECTING, State.DISCONNECTED}),
}

#: States in which there is no stream at all.
DOWN = frozenset({State.DISCONNECTED, State.RECONNECTING})


class IllegalTransition(ConverseError):
    """A move the transition table does not allow."""

    def __init__(self, source: State, target: State) -> None:
        super().__init__(f"connection: cannot go from {source.value} to {target.value}")
        self.source = source
        self.target = target


class ConnectionMachine:
    """The current state, moved only through ``to``; ``on_change(previous, state, reason)`` hears each move.

    ``reconnecting`` stays true from entering ``RECONNECTING`` until the stream is up again
    (``CONNECTED``) or the loop stops (``DISCONNECTED``, or ``stop_retrying`` when a login asked
    for by the user takes over an attempt).
    """

    def __init__(self, on_change: Callable[[State, State, str], None] | None = None) -> None:
        self.state = State.DISCONNECTED
        self._retrying = False
        self.on_change = on_change

    def to(self, target: State, reason: str = "") -> None:
        """Move to ``target``; raises ``IllegalTransition`` when the table does not allow it."""
        previous = self.state
        if target is previous:
            return
        if target not in TRANSITIONS[previous]:
            raise IllegalTransition(previous, target)
        self.state = target
        if target is State.RECONNECTING:
            self._retrying = True
        elif target in (State.CONNECTED, State.DISCONNECTED):
            self._retrying = False
        if self.on_change is not None:
            self.on_change(previous, target, reason)

    def stop_retrying(self) -> None:
        """End the reconnection loop without changing state (a new login replaces its attempt)."""
        self._retrying = False

    @property
    def connected(self) -> bool:
        """True while the stream is up and bound."""
        return self.state is State.CONNECTED

    @property
    def down(self) -> bool:
        """True when there is no stream at all (disconnected, or waiting to reconnect)."""
        return self.state in DOWN

    @property
    def reconnecting(self) -> bool:
        """True while an unexpected loss is being repaired (waiting, or an attempt under way)."""
        return self._retrying

    def down_state(self) -> State:
        """Where a failed attempt or a lost stream leads: back to waiting while the loop retries."""
        return State.RECONNECTING if self._retrying else State.DISCONNECTED


__all__ = ["DOWN", "TRANSITIONS", "ConnectionMachine", "IllegalTransition", "State"]
