"""An in-memory transport for unit tests: records what was sent, lets the test feed replies.

>>> t = FakeTransport()
>>> statuses = []
>>> t.on_status = lambda status, condition: statuses.append(status.value)
>>> t.on_stanza = lambda xml: None
>>> t.connect("alice@localhost", "secret")
>>> statuses
['connecting', 'authenticating', 'connected']
"""

from __future__ import annotations

import hashlib

from .base import HandledCallback, ScramKeys, StanzaCallback, Status, StatusCallback


def fake_scram_keys(password: str) -> ScramKeys:
    """The keys the fake "derives" from ``password`` (a hash, never the password itself)."""
    digest = hashlib.sha256(password.encode()).hexdigest()
    return ScramKeys(name="SHA-1", iter=4096, salt="ZmFrZS1zYWx0", ck="ck-" + digest, sk="sk-" + digest)


class FakeTransport:
    """Connects at once (or fails auth when ``accept_password`` says no).

    With ``scram=True`` it behaves like a SCRAM login: after authenticating, ``forget_password``
    hands back keys derived from the password, and ``connect`` accepts those keys instead of it.
    ``password`` is the copy a real transport keeps until ``forget_password`` (Strophe's ``conn.pass``).
    """

    kind = "fake"

    def __init__(self, resource: str = "fake", accept_password: str | None = None, *, scram: bool = False) -> None:
        self.sent: list[str] = []
        self.scram = scram
        self.password: str | ScramKeys | None = None
        self._keys: ScramKeys | None = None
        self.logins: list[str] = []  # "password" or "keys", per authenticated connect
        self.resource = resource
        self.accept_password = accept_password
        self._bound: str | None = None
        self.connected = False
        self.on_status: StatusCallback = lambda status, condition: None
        self.on_stanza: StanzaCallback = lambda xml: None
        self.on_handled: HandledCallback = lambda: None
        self.rid, self.sid = 1000, "fake-sid"
        self.restorable: str | None = None
        self.disposed = False
        self.connects = self.binds = 0
        self.refuse_connect = False  # True: connect() fails with CONNFAIL (a dead URL)
        self._jid = ""
        self.opened_domain: str | None = None  # open_stream (registration): the domain, no login
        self.features: str | None = ('<features xmlns="http://etherx.jabber.org/streams">'
                                     '<ver xmlns="urn:xmpp:features:rosterver"/></features>')

    @property
    def bound_jid(self) -> str | None:
        return self._bound

    def connect(self, jid: str, password: str | ScramKeys, *, explicit_bind: bool = False) -> None:
        self.connects += 1
        self.password = password
        self.on_status(Status.CONNECTING, "")
        if self.refuse_connect:
            self.on_status(Status.CONNFAIL, "refused")
            return
        self.on_status(Status.AUTHENTICATING, "")
        if isinstance(password, ScramKeys):
            accepted = self.scram and (self.accept_password is None
                                       or password == fake_scram_keys(self.accept_password))
        else:
            accepted = self.accept_password is None or password == self.accept_password
        if not accepted:
            self.on_status(Status.AUTHFAIL, "not-authorized")  # like Strophe: no DISCONNECTED follows
            return
        if self.scram:
            self._keys = password if isinstance(password, ScramKeys) else fake_scram_keys(password)
        self.logins.append("keys" if isinstance(password, ScramKeys) else "password")
        self._jid = jid
        self.connected = True
        if explicit_bind:
            self.on_status(Status.BINDREQUIRED, "")
            return
        self.bind()

    def open_stream(self, domain: str) -> None:
        self.connects += 1
        self.on_status(Status.CONNECTING, "")
        if self.refuse_connect:
            self.on_status(Status.CONNFAIL, "refused")
            return
        self.opened_domain = domain
        self.connected = True
        self.on_status(Status.CONNECTED, "")

    def forget_password(self) -> ScramKeys | None:
        self.password = None
        return self._keys

    def bind(self) -> None:
        self.binds += 1
        self._bound = f"{self._jid.partition('/')[0]}/{self.resource}"
        self.on_status(Status.CONNECTED, "")

    def resumed(self, jid: str) -> None:
        self._bound = jid
        self.on_status(Status.CONNECTED, "")

    def attach(self, jid: str, sid: str, rid: int) -> None:
        self._bound, self.sid, self.rid = jid, sid, rid
        self.connected = True
        self.on_status(Status.ATTACHED, "")

    def restore(self, jid: str | None) -> bool:
        if not self.restorable:
            return False
        self._bound = self.restorable
        self.connected = True
        self.on_status(Status.ATTACHED, "")
        return True

    def send(self, xml: str) -> None:
        if not self.connected:
            raise RuntimeError("FakeTransport.send while disconnected")
        self.sent.append(xml)
        self.rid += 1

    def disconnect(self, reason: str = "") -> None:
        if self.connected:
            self.connected = False
            self.on_status(Status.DISCONNECTING, reason)
            self.on_status(Status.DISCONNECTED, reason)

    def stream_features(self) -> str | None:
        return self.features

    def dispose(self) -> None:
        self.disposed = True
        self.connected = False

    def tokens(self) -> dict[str, object]:
        return {"rid": self.rid, "sid": self.sid}

    # test helpers
    def receive(self, xml: str) -> None:
        """Deliver ``xml`` as if the server sent it (a batch of one stanza)."""
        self.on_stanza(xml)
        self.on_handled()

    def drop(self, condition: str = "") -> None:
        """Lose the connection as a network fault would."""
        self.connected = False
        self.on_status(Status.DISCONNECTED, condition)
