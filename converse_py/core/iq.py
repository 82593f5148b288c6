"""IQs waiting for their reply: by id, each with a timeout, matched to replies from the right sender.

>>> import asyncio
>>> from converse_py.core.clock import ManualClock
>>> from converse_py.xmpp.stanza import parse
>>> async def demo():
...     clock = ManualClock()
...     iqs = PendingIQs(clock)
...     ping = iqs.track(parse("<iq type='get' id='p1' to='localhost'/>"), timeout=5)
...     late = iqs.track(parse("<iq type='get' id='p2' to='localhost'/>"), timeout=5)
...     iqs.settle(parse("<iq type='result' id='p1' from='localhost'/>"), own_jid="alice@localhost/web")
...     clock.advance(5)
...     return ping.result().get("id"), type(late.exception()).__name__, len(iqs)
>>> asyncio.run(demo())
('p1', 'IQTimeoutError', 0)
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from ..xmpp.errors import parse_error
from ..xmpp.jid import JID
from ..xmpp.stanza import StanzaParseError, local_name, new_id, parse
from .aio import new_future
from .clock import Clock, Timer
from .errors import IQDisconnectedError, IQError, IQTimeoutError
from .log import logger

#: Default seconds before an IQ without a reply fails.
IQ_TIMEOUT = 20.0


class _Pending:
    __slots__ = ("future", "to", "timer")

    def __init__(self, future: asyncio.Future[ET.Element], to: str | None, timer: Timer | None) -> None:
        self.future = future
        self.to = to
        self.timer = timer

    def fail(self, error: Exception) -> None:
        if self.timer is not None:
            self.timer.cancel()
        if not self.future.done():
            self.future.set_exception(error)


class PendingIQs:
    """The IQ get/set requests sent and not answered yet."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._pending: dict[str, _Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, iq_id: object) -> bool:
        return iq_id in self._pending

    def track(self, el: ET.Element, timeout: float | None = IQ_TIMEOUT) -> asyncio.Future[ET.Element]:
        """Wait for the reply to ``el`` (an id is given to it when it has none). The future gives
        the result stanza, or fails with ``IQError`` / ``IQTimeoutError`` (none when ``timeout`` is falsy)."""
        iq_id = el.get("id") or new_id()
        el.set("id", iq_id)
        future: asyncio.Future[ET.Element] = new_future()
        timer = self.clock.call_later(timeout, self._expire, iq_id, timeout) if timeout else None
        self._pending[iq_id] = _Pending(future, el.get("to"), timer)
        return future

    def _expire(self, iq_id: str, timeout: float) -> None:
        entry = self._pending.pop(iq_id, None)
        if entry is not None:
            entry.fail(IQTimeoutError(f"IQ {iq_id} got no reply within {timeout:g} s"))

    def settle(self, el: ET.Element, own_jid: str | None) -> bool:
        """A ``result``/``error`` IQ arrived: settle the request it answers. True when it was one
        (also when it came from an unexpected sender and was ignored)."""
        iq_id = el.get("id") or ""
        entry = self._pending.get(iq_id)
        if entry is None:
            return False
        if not reply_from_ok(el.get("from"), entry.to, own_jid):
            logger.warning("ignored an IQ reply to %s from an unexpected sender", iq_id)
            return True
        del self._pending[iq_id]
        if entry.timer is not None:
            entry.timer.cancel()
        if entry.future.done():
            return True
        if el.get("type") == "result":
            entry.future.set_result(el)
        else:
            error = parse_error(el)
            entry.future.set_exception(IQError(f"IQ {iq_id} failed: {error}", el, error))
        return True

    def fail_all(self) -> None:
        """The stream is gone for good: no reply will come to any of them."""
        pending, self._pending = self._pending, {}
        for iq_id, entry in pending.items():
            entry.fail(IQDisconnectedError(f"IQ {iq_id}: disconnected before a reply"))

    def fail_all_but(self, kept_ids: Iterable[str]) -> None:
        """After a refused XEP-0198 resume: the IQs not re-sent (``kept_ids``) were delivered to
        the lost session, so their replies never come."""
        keep = set(kept_ids)
        for iq_id in [k for k in self._pending if k not in keep]:
            self._pending.pop(iq_id).fail(IQError(f"IQ {iq_id}: the session was lost before a reply"))


def iq_ids(stanzas: Iterable[str]) -> list[str]:
    """The ids of the IQs among ``stanzas`` (XML text; what cannot be parsed is skipped).

    >>> iq_ids(["<iq type='get' id='a'/>", "<message id='m'/>", "<iq"])
    ['a']
    """
    ids = []
    for xml in stanzas:
        try:
            el = parse(xml)
        except StanzaParseError:
            continue
        if local_name(el.tag) == "iq" and el.get("id"):
            ids.append(el.get("id") or "")
    return ids


def reply_from_ok(sender: str | None, to: str | None, own_jid: str | None) -> bool:
    """RFC 6120 §8.1.2.1: a reply comes from where the request went (our account when ``to`` was empty).

    >>> reply_from_ok("bob@localhost/pc", "bob@localhost", "alice@localhost/web")
    True
    >>> reply_from_ok("mallory@localhost", "bob@localhost", "alice@localhost/web")
    False
    >>> reply_from_ok("localhost", None, "alice@localhost/web")
    True
    """
    try:
        sender_jid = JID.parse(sender) if sender else None
        target = JID.parse(to) if to else None
    except ValueError:
        return False
    if target is None:  # addressed to our own account: no from, our bare JID, or our server
        if sender_jid is None:
            return True
        own = JID.parse(own_jid) if own_jid else None
        return own is not None and sender_jid.full in (own.bare, own.domain, own.full)
    if sender_jid is None:
        return False
    return sender_jid.full == target.full or (not target.resource and sender_jid.bare == target.bare)


__all__ = ["IQ_TIMEOUT", "PendingIQs", "iq_ids", "reply_from_ok"]
