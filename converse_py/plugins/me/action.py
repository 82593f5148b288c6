"""XEP-0245 the /me command, pure: a body that starts with ``/me `` is an action, shown as
``* alice waves`` (the sender's name in place of the command), in rows, previews and
notifications alike. The body on the wire keeps the ``/me `` (that is what other clients read).

>>> me_action("/me waves"), me_action("/me"), me_action("/meh"), me_action(" /me waves")
('waves', None, None, None)
>>> action_text("alice", "/me waves"), action_text("alice", "hello")
('* alice waves', 'hello')
"""

from __future__ import annotations

PREFIX = "/me "


def me_action(body: str) -> str | None:
    """The action of a /me body (what follows ``/me ``), or None for any other body (XEP-0245 §2:
    the command is the first four characters of the body)."""
    if body.startswith(PREFIX) and body[len(PREFIX):].strip():
        return body[len(PREFIX):]
    return None


def action_text(sender_name: str, body: str) -> str:
    """The body as a user reads it: an action becomes ``* sender action``; other bodies unchanged."""
    action = me_action(body)
    return f"* {sender_name} {action}" if action is not None else body
