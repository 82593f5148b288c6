"""Message error stanzas (RFC 6120 §8.3) in words for the user, and the line shown for a message
too large to show. Pure.

A ``<message type="error">`` answers one of the user's messages (same ``id``): the recipient or
its server could not take it. ``reason`` says why in plain words, with the server's own
``<text/>`` (network text: shown only as text) after it.

>>> from converse_py.xmpp.stanza import parse
>>> err = parse_message_error(parse(
...     '<message xmlns="jabber:client" type="error" id="m1" from="nobody@localhost">'
...     '<error type="cancel"><service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>'
...     '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas">No such user</text></error></message>'))
>>> err.id, err.sender.bare, err.condition, reason(err)
('m1', 'nobody@localhost', 'service-unavailable', 'The recipient cannot receive messages (No such user)')
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ...i18n import N_, _
from ...xmpp.errors import parse_error
from ...xmpp.jid import JID
from ...xmpp.stanza import format_size, local_name

#: Longest server ``<text/>`` kept in a reason.
MAX_ERROR_TEXT = 300

#: RFC 6120 §8.3.3 conditions a message error carries, in words.
CONDITIONS = {
    "bad-request": N_("The server could not understand the message"),
    "conflict": N_("The message conflicts with another one"),
    "feature-not-implemented": N_("The recipient does not support this message"),
    "forbidden": N_("You are not allowed to send this message"),
    "gone": N_("The recipient's address is no longer in use"),
    "internal-server-error": N_("The server had an internal error"),
    "item-not-found": N_("The recipient does not exist"),
    "jid-malformed": N_("The recipient's address is not valid"),
    "not-acceptable": N_("The message was not accepted"),
    "not-allowed": N_("Sending this message is not allowed"),
    "not-authorized": N_("You are not authorized to send this message"),
    "policy-violation": N_("The message breaks the server's rules"),
    "recipient-unavailable": N_("The recipient is not available"),
    "redirect": N_("The recipient has moved"),
    "registration-required": N_("You must register before sending this message"),
    "remote-server-not-found": N_("The recipient's server could not be found"),
    "remote-server-timeout": N_("The recipient's server did not answer"),
    "resource-constraint": N_("The server is too busy to deliver the message"),
    "service-unavailable": N_("The recipient cannot receive messages"),
    "subscription-required": N_("The recipient accepts messages only from approved contacts"),
    "undefined-condition": N_("The message could not be delivered"),
    "unexpected-request": N_("The message was not expected"),
}


@dataclass(frozen=True)
class MessageError:
    """An error answering a message: the ``id`` of the message it answers, who answered
    (``sender``: the recipient, its server or the room), the RFC 6120 ``condition`` and the
    server's ``text`` (empty when none)."""

    id: str
    sender: JID
    condition: str
    text: str


def parse_message_error(stanza: ET.Element) -> MessageError | None:
    """The error of a ``<message type="error">``; None for any other stanza or a bad ``from``."""
    if local_name(stanza.tag) != "message" or stanza.get("type") != "error":
        return None
    try:
        sender = JID.parse(stanza.get("from") or "")
    except ValueError:
        return None
    error = parse_error(stanza)
    return MessageError(stanza.get("id") or "", sender, error.condition, error.text.strip()[:MAX_ERROR_TEXT])


def reason(error: MessageError) -> str:
    """Why the message failed, in words (translated), with the server's text after it.

    >>> reason(MessageError("m1", JID.parse("room@muc.localhost"), "forbidden", ""))
    'You are not allowed to send this message'
    >>> reason(MessageError("m1", JID.parse("localhost"), "x-made-up", ""))
    'The message could not be delivered (x-made-up)'
    """
    words = CONDITIONS.get(error.condition)
    if words is None:
        shown = _("The message could not be delivered ({condition})", condition=error.condition[:60])
    else:
        shown = _(words)
    return f"{shown} ({error.text})" if error.text else shown


def unknown_error_line(error: MessageError) -> str:
    """The info line for an error that answers no message shown here.

    >>> unknown_error_line(MessageError("x", JID.parse("bob@localhost"), "recipient-unavailable", ""))
    'bob@localhost reported an error: The recipient is not available'
    """
    return _("{jid} reported an error: {reason}", jid=error.sender.full, reason=reason(error))


def too_large_line(size: int, sender: str) -> str:
    """The info line for a message too large to show.

    >>> too_large_line(3_200_000, "bob@localhost")
    'A message too large to show (3.2 MB) arrived from bob@localhost'
    """
    return _("A message too large to show ({size}) arrived from {sender}", size=format_size(size),
             sender=sender)
