"""What logs in again: the one place the client keeps a login secret after ``initialize``/``login``.

The password is needed for the login, and later only to log in again (``auto_reconnect``, or a
XEP-0198 session to resume). ``Connection`` holds one ``LoginSecret`` and nothing else holds the
password: settings give it up (``Settings.pop_secret``), the transport clears Strophe's copy
(``conn.pass``) once SASL is done, and once authenticated the secret is either dropped (nothing
can need it) or, after a SCRAM login, replaced by the SCRAM keys derived from it (Strophe logs in
with them, as Converse.js's ``reuse_scram_keys`` does): from then on the clear password is
nowhere in the page. Only a server without SCRAM (PLAIN only) leaves the password here while
reconnection may need it.

This keeps the password from code that walks ``converse``/``_converse`` or Strophe's objects
after the login; it is not a wall: any script of the same origin can patch functions before the
login runs (see docs/reliability.md, "The private boundary").

>>> secret = LoginSecret("alice@localhost", "s3cret")
>>> secret, secret.is_password
(LoginSecret('alice@localhost', <password>), True)
>>> keys = ScramKeys(name="SHA-1", iter=4096, salt="c2FsdA==", ck="Y2s=", sk="c2s=")
>>> LoginSecret("alice@localhost", keys)
LoginSecret('alice@localhost', <SCRAM-SHA-1 keys>)
"""

from __future__ import annotations

from ..transport.base import ScramKeys


class LoginSecret:
    """A JID with its password, or with the SCRAM keys that replaced it (never shown by repr)."""

    __slots__ = ("jid", "value")

    def __init__(self, jid: str, value: str | ScramKeys) -> None:
        self.jid = jid
        self.value = value

    @property
    def is_password(self) -> bool:
        """True while it holds the clear password (not SCRAM keys)."""
        return isinstance(self.value, str)

    def __repr__(self) -> str:
        shown = "<password>" if self.is_password else repr(self.value)
        return f"LoginSecret({self.jid!r}, {shown})"


__all__ = ["LoginSecret", "ScramKeys"]
