"""XEP-0198 Stream Management as a sans-I/O state machine (the session drives it).

It counts the stanzas this client handled (``h``, answered to the server's ``<r/>``),
keeps every stanza sent since the server's last ``<a/>``, and knows how to resume:
``<resume previd h/>`` on a new stream, then re-send only what the server says it
did not get. When the server refuses (``<failed/>``), the stanzas it never got are
handed back so the session re-sends them once, into the fresh session.

>>> sm = StreamManagement()
>>> sm.enable_request("alice@example.org/web")
"<enable xmlns='urn:xmpp:sm:3' resume='true'/>"
>>> sm.on_enabled(parse("<enabled xmlns='urn:xmpp:sm:3' id='some-long-sm-id' resume='true'/>"))
>>> sm.track("<message xmlns='jabber:client' to='bob@example.org'><body>1</body></message>")
False
>>> sm.on_inbound_stanza(); sm.ack_answer()
"<a xmlns='urn:xmpp:sm:3' h='1'/>"
>>> sm.stream_lost(); sm.can_resume()
True
>>> sm.resume_request()
"<resume xmlns='urn:xmpp:sm:3' h='1' previd='some-long-sm-id'/>"
>>> sm.on_resumed(parse("<resumed xmlns='urn:xmpp:sm:3' h='0' previd='some-long-sm-id'/>"))
["<message xmlns='jabber:client' to='bob@example.org'><body>1</body></message>"]
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import deque
from xml.sax.saxutils import quoteattr

from ..xmpp.stanza import parse
from .log import logger

SM_NS = "urn:xmpp:sm:3"
#: ``h`` wraps at 2^32 (XEP-0198 §4).
MOD = 2 ** 32
#: The stanzas XEP-0198 counts (everything else on the stream is a nonza).
STANZA_NAMES = ("message", "presence", "iq")

__all__ = ["MOD", "SM_NS", "STANZA_NAMES", "StreamManagement", "is_sm_element", "is_stanza_text", "parse"]


def is_sm_element(el: ET.Element) -> bool:
    """True for a stream-management nonza (``{urn:xmpp:sm:3}...``)."""
    return el.tag.startswith("{" + SM_NS + "}")


def is_stanza_text(xml: str) -> bool:
    """True when ``xml`` starts a message, presence or iq (counted even if it cannot be parsed).

    >>> is_stanza_text("<presence xmlns='jabber:client'/>"), is_stanza_text("<r xmlns='urn:xmpp:sm:3'/>")
    (True, False)
    """
    head = xml.lstrip()[1:12]
    return any(head.startswith(name) and head[len(name):len(name) + 1] in (" ", ">", "/")
               for name in STANZA_NAMES)


def _h(el: ET.Element) -> int | None:
    raw = el.get("h")
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if 0 <= value < MOD else None


class StreamManagement:
    """The client side of one XEP-0198 session, across the streams that resume it."""

    def __init__(self, max_unacked: int = 5) -> None:
        #: Ask the server for an ack (``<r/>``) every this many sent stanzas.
        self.max_unacked = max(1, max_unacked)
        self.forget()

    def forget(self) -> None:
        """Drop the whole SM session (logout, a refused resume, or giving up)."""
        self.id: str | None = None
        self.resumable = False
        self.bound_jid: str | None = None
        self.max: int | None = None
        self.inbound = 0            # h: stanzas we handled since <enabled/>
        self.acked = 0              # the server's last h for our stanzas
        self.unacked: deque[str] = deque()
        self.counting_out = False   # since <enable/> was sent on this stream
        self.active = False         # <enabled/> (or <resumed/>) received on this stream
        self.resuming = False

    # -- keeping it across a page reload ---------------------------------------------------
    def to_json(self) -> str | None:
        """The resumable state as JSON (no password: SASL runs again before ``<resume/>``); None
        when there is nothing to resume."""
        if not (self.resumable and self.id and self.bound_jid):
            return None
        return json.dumps({"id": self.id, "jid": self.bound_jid, "h": self.inbound, "acked": self.acked,
                           "unacked": list(self.unacked)})

    def load_json(self, text: str | None) -> bool:
        """Take over a state saved by ``to_json`` (by the page before a reload). False if unusable."""
        try:
            data = json.loads(text or "")
            state = (str(data["id"]), str(data["jid"]), int(data["h"]) % MOD, int(data["acked"]) % MOD,
                     [str(x) for x in data["unacked"]])
        except (ValueError, KeyError, TypeError):
            return False
        self.forget()
        self.id, self.bound_jid, self.inbound, self.acked, unacked = state
        self.unacked.extend(unacked)
        self.resumable = True
        return True

    # -- enabling -----------------------------------------------------------------------
    def enable_request(self, bound_jid: str, resume: bool = True) -> str:
        """The ``<enable/>`` nonza for a freshly bound stream; outbound counting starts now."""
        self.forget()
        self.bound_jid = bound_jid
        self.counting_out = True
        return f"<enable xmlns='{SM_NS}' resume='true'/>" if resume else f"<enable xmlns='{SM_NS}'/>"

    def on_enabled(self, el: ET.Element) -> None:
        """``<enabled/>``: inbound counting starts; remember the id when the session is resumable."""
        self.active = True
        self.inbound = 0
        self.id = el.get("id") or None
        self.resumable = el.get("resume") in ("true", "1") and self.id is not None
        try:
            self.max = int(el.get("max") or 0) or None
        except ValueError:
            self.max = None

    # -- counting -----------------------------------------------------------------------
    def track(self, xml: str) -> bool:
        """Note an outgoing stanza; True when it is time to ask for an ack with ``<r/>``."""
        if not self.counting_out:
            return False
        self.unacked.append(xml)
        return len(self.unacked) % self.max_unacked == 0

    def on_inbound_stanza(self) -> None:
        """A message/presence/iq arrived and was handled (or dropped as bad): count it."""
        if self.active:
            self.inbound = (self.inbound + 1) % MOD

    def ack_answer(self) -> str:
        """The ``<a h/>`` answering the server's ``<r/>``."""
        return f"<a xmlns='{SM_NS}' h='{self.inbound}'/>"

    @staticmethod
    def ack_request() -> str:
        """``<r/>``."""
        return f"<r xmlns='{SM_NS}'/>"

    def on_ack(self, el: ET.Element) -> int:
        """The server's ``<a h/>`` (or the h of ``<resumed/>``/``<failed/>``): drop what it got.
        Returns how many stanzas it newly acknowledged."""
        h = _h(el)
        if h is None:
            logger.warning("stream management: ignored an ack without a valid h")
            return 0
        newly = (h - self.acked) % MOD
        if newly > len(self.unacked):
            logger.warning("stream management: the server acked %d stanzas, only %d were sent",
                           newly, len(self.unacked))
            newly = len(self.unacked)
        for _ in range(newly):
            self.unacked.popleft()
        self.acked = h
        return newly

    # -- resuming -----------------------------------------------------------------------
    def stream_lost(self) -> None:
        """The stream went away; the SM session may still be resumed on a new one."""
        self.active = False
        self.counting_out = False
        self.resuming = False
        if not self.resumable:
            self.forget()

    def can_resume(self) -> bool:
        """True when a resumable session is known and not running on a stream now."""
        return self.resumable and self.id is not None and not self.active

    def resume_request(self) -> str:
        """The ``<resume/>`` nonza (after SASL on the new stream, instead of binding)."""
        self.resuming = True
        previd = quoteattr(self.id or "", {"'": "&apos;", '"': "&quot;"})[1:-1]
        return f"<resume xmlns='{SM_NS}' h='{self.inbound}' previd='{previd}'/>"

    def on_resumed(self, el: ET.Element) -> list[str]:
        """``<resumed h/>``: the session continues; returns the stanzas to re-send (still tracked)."""
        self.resuming = False
        self.on_ack(el)
        self.active = True
        self.counting_out = True
        return list(self.unacked)

    def abandon(self) -> list[str]:
        """Give up a resumable session without asking the server: returns the unacked stanzas."""
        unacked = list(self.unacked)
        self.forget()
        return unacked

    def on_failed(self, el: ET.Element) -> list[str]:
        """``<failed/>`` to a ``<resume/>`` or an ``<enable/>``. After a refused resume, returns the
        stanzas the server never got (all unacked ones when it gave no h), to re-send once in the
        fresh session; the SM session is forgotten."""
        was_resuming = self.resuming
        if _h(el) is not None:
            self.on_ack(el)
        salvaged = list(self.unacked) if was_resuming else []
        self.forget()
        return salvaged
