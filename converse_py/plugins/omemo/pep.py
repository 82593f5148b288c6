"""OMEMO over PEP (XEP-0163), the light part that ships with the page: device-list notifications
are read here without the protocol core, and the IQs that fetch and publish items are built here.

XEP-0384 (0.3) §4.2: a contact's device list arrives as a PEP notification:

>>> from converse_py.xmpp.stanza import parse, serialize
>>> event = parse("<message xmlns='jabber:client' from='juliet@capulet.lit' to='romeo@montague.lit'>"
...     "<event xmlns='http://jabber.org/protocol/pubsub#event'>"
...     "<items node='eu.siacs.conversations.axolotl.devicelist'><item id='current'>"
...     "<list xmlns='eu.siacs.conversations.axolotl'><device id='12345'/><device id='4223'/></list>"
...     "</item></items></event></message>")
>>> device_list_event(event)
DeviceListEvent(jid='juliet@capulet.lit', ids=[12345, 4223], namespace='eu.siacs.conversations.axolotl')
>>> serialize(fetch_items("juliet@capulet.lit", DEVICELIST_NODE, id_="f1"))
'<iq xmlns="jabber:client" type="get" to="juliet@capulet.lit" id="f1"><pubsub \
xmlns="http://jabber.org/protocol/pubsub"><items node="eu.siacs.conversations.axolotl.devicelist" /></pubsub></iq>'
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import NamedTuple

from ...xmpp.jid import JID
from ...xmpp.stanza import element, find, iq, qname, sub

AXOLOTL = "eu.siacs.conversations.axolotl"
DEVICELIST_NODE = AXOLOTL + ".devicelist"
BUNDLES_NODE_PREFIX = AXOLOTL + ".bundles:"
#: omemo:2 (XEP-0384 0.8): one device-list node, one bundles node (item id = device id).
TWO = "urn:xmpp:omemo:2"
TWO_DEVICES_NODE = TWO + ":devices"
TWO_BUNDLES_NODE = TWO + ":bundles"
#: The device-list node and its payload's name, by namespace.
DEVICE_LISTS = {AXOLOTL: (DEVICELIST_NODE, "list"), TWO: (TWO_DEVICES_NODE, "devices")}
PUBSUB = "http://jabber.org/protocol/pubsub"
PUBSUB_EVENT = "http://jabber.org/protocol/pubsub#event"
DATA_FORMS = "jabber:x:data"
PUBLISH_OPTIONS = "http://jabber.org/protocol/pubsub#publish-options"
#: More device ids than this in one list are not read (hostile input).
MAX_DEVICES = 1000
MAX_DEVICE_ID = 2 ** 32 - 1


def bundle_node(device_id: int) -> str:
    """The PEP node of a device's 0.3 bundle.

    >>> bundle_node(31415)
    'eu.siacs.conversations.axolotl.bundles:31415'
    """
    return f"{BUNDLES_NODE_PREFIX}{device_id}"


def device_ids(list_element: ET.Element | None) -> list[int]:
    """The device ids of a 0.3 ``<list/>`` or an omemo:2 ``<devices/>`` (bad ids skipped, in order,
    no repeats)."""
    ids: list[int] = []
    if list_element is None:
        return ids
    namespace = list_element.tag[1:].partition("}")[0] if list_element.tag.startswith("{") else \
        (list_element.get("xmlns") or AXOLOTL)
    for device in list_element.iter():
        if device.tag not in (qname(namespace, "device"), "device"):
            continue
        raw = device.get("id") or ""
        if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_DEVICE_ID and int(raw) not in ids:
            ids.append(int(raw))
            if len(ids) >= MAX_DEVICES:
                break
    return ids


def device_list_element(ids: list[int], namespace: str = AXOLOTL) -> ET.Element:
    """A 0.3 ``<list/>`` (or an omemo:2 ``<devices/>``) of ``ids``.

    >>> from converse_py.xmpp.stanza import serialize
    >>> serialize(device_list_element([31415], TWO))
    '<devices xmlns="urn:xmpp:omemo:2"><device id="31415" /></devices>'
    """
    root = element(DEVICE_LISTS[namespace][1], xmlns=namespace)
    for device_id in ids:
        sub(root, "device", {"id": str(device_id)})
    return root


class DeviceListEvent(NamedTuple):
    """A device-list notification: whose (bare JID), the ids, and the OMEMO namespace."""

    jid: str
    ids: list[int]
    namespace: str


def device_list_event(stanza: ET.Element) -> DeviceListEvent | None:
    """The device-list notification (0.3 or omemo:2) a message carries, else None."""
    event = find(stanza, PUBSUB_EVENT, "event")
    if event is None:
        return None
    for items in event.findall(qname(PUBSUB_EVENT, "items")):
        namespace = next((ns for ns, (node, _name) in DEVICE_LISTS.items() if items.get("node") == node), None)
        if namespace is None:
            continue
        try:
            sender = JID.parse(stanza.get("from") or "").bare
        except ValueError:
            return None
        item = items.find(qname(PUBSUB_EVENT, "item"))
        payload = item.find(qname(namespace, DEVICE_LISTS[namespace][1])) if item is not None else None
        return DeviceListEvent(sender, device_ids(payload), namespace)
    return None


def fetch_items(jid: str | None, node: str, *, id_: str | None = None, item_id: str | None = None) -> ET.Element:
    """An IQ fetching the items of ``node`` at ``jid`` (None: the user's own PEP); only the item
    ``item_id`` when given (an omemo:2 bundle)."""
    stanza = iq("get", to=jid, id_=id_)
    items = sub(sub(stanza, "pubsub", xmlns=PUBSUB), "items", {"node": node})
    if item_id is not None:
        sub(items, "item", {"id": item_id})
    return stanza


def first_item_payload(result: ET.Element, namespace: str, name: str) -> ET.Element | None:
    """The ``{namespace}name`` payload of the first item of an items result, if any."""
    pubsub = find(result, PUBSUB, "pubsub")
    items = pubsub.find(qname(PUBSUB, "items")) if pubsub is not None else None
    item = items.find(qname(PUBSUB, "item")) if items is not None else None
    return item.find(qname(namespace, name)) if item is not None else None


def publish(node: str, payload: ET.Element, *, item_id: str = "current", open_access: bool = True,
            max_items: bool = False) -> ET.Element:
    """Publish ``payload`` as ``item_id`` of ``node`` on the user's PEP; ``open_access`` adds the
    publish-options XEP-0384 asks for (anyone may read device lists and bundles), ``max_items``
    the omemo:2 bundles node's (one item per device: keep them all)."""
    stanza = iq("set")
    pubsub = sub(stanza, "pubsub", xmlns=PUBSUB)
    sub(sub(pubsub, "publish", {"node": node}), "item", {"id": item_id}).append(payload)
    if open_access:
        form = sub(sub(pubsub, "publish-options"), "x", {"type": "submit"}, xmlns=DATA_FORMS)
        sub(sub(form, "field", {"var": "FORM_TYPE", "type": "hidden"}), "value", text=PUBLISH_OPTIONS)
        sub(sub(form, "field", {"var": "pubsub#access_model"}), "value", text="open")
        if max_items:
            sub(sub(form, "field", {"var": "pubsub#max_items"}), "value", text="max")
    return stanza
