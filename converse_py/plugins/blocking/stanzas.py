"""XEP-0191 blocking command, pure: the requests, the blocklist result and the pushes.

>>> from converse_py.xmpp.stanza import parse, serialize
>>> serialize(block_request(["romeo@montague.net"], id_="block1"))
'<iq xmlns="jabber:client" type="set" id="block1"><block xmlns="urn:xmpp:blocking"><item jid="romeo@montague.net" /></block></iq>'
>>> parse_blocklist(parse("<iq xmlns='jabber:client' type='result' id='blocklist1'>"
...     "<blocklist xmlns='urn:xmpp:blocking'><item jid='romeo@montague.net'/>"
...     "<item jid='iago@shakespeare.lit'/></blocklist></iq>"))
['romeo@montague.net', 'iago@shakespeare.lit']
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

from ...xmpp.jid import JID
from ...xmpp.stanza import find, find_all, iq, local_name, sub

BLOCKING = "urn:xmpp:blocking"
#: Most JIDs kept from one blocklist or push (a hostile answer cannot make us store millions).
MAX_ITEMS = 10_000


def blocklist_request(id_: str | None = None) -> ET.Element:
    """``<iq type='get'><blocklist xmlns='urn:xmpp:blocking'/></iq>`` (XEP-0191 §3.2, Example 1)."""
    request = iq("get", id_=id_)
    sub(request, "blocklist", xmlns=BLOCKING)
    return request


def block_request(jids: Iterable[str], id_: str | None = None) -> ET.Element:
    """Block ``jids`` (§3.3, Example 4)."""
    return _items_request("block", jids, id_)


def unblock_request(jids: Iterable[str], id_: str | None = None) -> ET.Element:
    """Unblock ``jids`` (§3.4); no JIDs at all unblocks everyone (§3.5).

    >>> from converse_py.xmpp.stanza import serialize
    >>> serialize(unblock_request([], id_="unblock2"))
    '<iq xmlns="jabber:client" type="set" id="unblock2"><unblock xmlns="urn:xmpp:blocking" /></iq>'
    """
    return _items_request("unblock", jids, id_)


def _items_request(kind: str, jids: Iterable[str], id_: str | None) -> ET.Element:
    request = iq("set", id_=id_)
    container = sub(request, kind, xmlns=BLOCKING)
    for jid in jids:
        sub(container, "item", {"jid": jid})
    return request


def _item_jids(container: ET.Element) -> list[str]:
    jids: list[str] = []
    for item in find_all(container, BLOCKING, "item"):
        try:
            jid = JID.parse(item.get("jid") or "").full
        except ValueError:
            continue  # a malformed item is skipped, the others kept
        if jid not in jids:
            jids.append(jid)
        if len(jids) >= MAX_ITEMS:
            break
    return jids


def parse_blocklist(result: ET.Element) -> list[str]:
    """The JIDs of a blocklist result (§3.2, Example 2); an empty list when there is none."""
    container = find(result, BLOCKING, "blocklist")
    return _item_jids(container) if container is not None else []


@dataclass(frozen=True)
class BlocklistPush:
    """A blocklist push (§3.3 Example 6, §3.4 Example 9): JIDs blocked or unblocked on another
    resource; ``everyone`` for an unblock without items (§3.5)."""

    blocked: bool
    jids: tuple[str, ...]
    everyone: bool = False


def parse_push(stanza: ET.Element) -> BlocklistPush | None:
    """The push an ``<iq type='set'>`` carries, or None when it is no blocklist push.

    >>> from converse_py.xmpp.stanza import parse
    >>> parse_push(parse("<iq xmlns='jabber:client' type='set' id='push1'><unblock xmlns='urn:xmpp:blocking'/></iq>"))
    BlocklistPush(blocked=False, jids=(), everyone=True)
    """
    if local_name(stanza.tag) != "iq" or stanza.get("type") != "set":
        return None
    for kind, blocked in (("block", True), ("unblock", False)):
        container = find(stanza, BLOCKING, kind)
        if container is not None:
            jids = tuple(_item_jids(container))
            has_items = any(True for _ in find_all(container, BLOCKING, "item"))
            return BlocklistPush(blocked, jids, everyone=not blocked and not has_items)
    return None
