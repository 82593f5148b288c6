"""Which elements of a chat message omemo:2 puts in its XEP-0420 envelope, and the message as it
would have been in the clear once an envelope is decrypted. Part of the lazily loaded core.

XEP-0420 §5: what the server or the routing needs stays outside (XEP-0334 hints, XEP-0359 ids,
XEP-0380's ``<encryption/>``, the OMEMO element itself); what the recipient's client reads goes
inside. Here receipts and markers requests, chat states and corrections stay outside too (other
OMEMO clients read them before decrypting, as they do with 0.3); everything else is content: the
body, a reply and its fallback, an OOB link, a spoiler, references, ...

>>> from converse_py.xmpp.stanza import parse, serialize
>>> stanza = parse("<message xmlns='jabber:client' to='juliet@capulet.lit' type='chat' id='m1'>"
...                "<body>look</body><x xmlns='jabber:x:oob'><url>https://h.example/a.jpg</url></x>"
...                "<origin-id xmlns='urn:xmpp:sid:0' id='m1'/><store xmlns='urn:xmpp:hints'/></message>")
>>> [serialize(el) for el in content_elements(stanza)]
['<body xmlns="jabber:client">look</body>', '<x xmlns="jabber:x:oob"><url>https://h.example/a.jpg</url></x>']
>>> remove_content(stanza, keep_body=True)
>>> [el.tag for el in stanza]
['{jabber:client}body', '{urn:xmpp:sid:0}origin-id', '{urn:xmpp:hints}store']
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from ...xmpp.stanza import local_name

CLIENT = "jabber:client"
#: Namespaces of the children that stay in the clear.
OUTSIDE = frozenset({
    "urn:xmpp:hints", "urn:xmpp:sid:0", "urn:xmpp:eme:0", "eu.siacs.conversations.axolotl", "urn:xmpp:omemo:2",
    "urn:xmpp:receipts", "urn:xmpp:chat-markers:0", "http://jabber.org/protocol/chatstates",
    "urn:xmpp:message-correct:0", "urn:xmpp:delay", "urn:xmpp:mam:2", "urn:xmpp:carbons:2",
})
#: At most this many content elements are taken from an envelope (hostile input).
MAX_CONTENT = 64


def namespace_of(child: ET.Element) -> str:
    """The namespace of a child (``jabber:client`` for one built or parsed without one).

    >>> namespace_of(ET.Element("x", xmlns="jabber:x:oob")), namespace_of(ET.Element("body"))
    ('jabber:x:oob', 'jabber:client')
    """
    if child.tag.startswith("{"):
        return child.tag[1:].partition("}")[0]
    return child.get("xmlns") or CLIENT


def is_content(child: ET.Element) -> bool:
    """Whether a message's child goes in the envelope: the body, and every element of a namespace
    that is not ``OUTSIDE`` (jabber:client's subject and thread stay outside)."""
    namespace = namespace_of(child)
    if namespace == CLIENT:
        return local_name(child.tag) == "body"
    return namespace not in OUTSIDE


def content_elements(stanza: ET.Element) -> list[ET.Element]:
    """Copies of the children of ``stanza`` that go in an envelope, in order, each naming its
    namespace (a body built without one would be read as the envelope's).

    >>> from converse_py.xmpp.stanza import element, serialize, sub
    >>> msg = element("message", xmlns="jabber:client"); _ = sub(msg, "body", text="hi")
    >>> [serialize(el) for el in content_elements(msg)]
    ['<body xmlns="jabber:client">hi</body>']
    """
    taken = []
    for child in stanza:
        if is_content(child):
            taken.append(copy.deepcopy(child))
            if not child.tag.startswith("{") and not child.get("xmlns"):
                taken[-1].set("xmlns", namespace_of(child))
    return taken


def remove_content(stanza: ET.Element, *, keep_body: bool) -> None:
    """Take the content elements out of ``stanza`` (the body stays when ``keep_body``: it becomes
    the fallback)."""
    for child in list(stanza):
        if is_content(child) and not (keep_body and namespace_of(child) == CLIENT):
            stanza.remove(child)


def plain_stanza(stanza: ET.Element, text: str, content: Iterable[ET.Element] = (), *,
                 clear_content: bool = False) -> ET.Element:
    """``stanza`` as it would have been sent in the clear: its content elements (the fallback body,
    the OMEMO element, ...) replaced by a body of ``text`` and the envelope's ``content`` (their
    own body, if any, is ``text`` already), the rest kept. Content elements that came in the clear
    are kept only with ``clear_content`` (0.3, which encrypts the body alone); with omemo:2 they
    are not the sender's (anyone on the way could have added them).

    >>> from converse_py.xmpp.stanza import parse, serialize
    >>> wire = parse("<message xmlns='jabber:client' from='romeo@montague.lit/a' type='chat'><body>fallback</body>"
    ...              "<encrypted xmlns='urn:xmpp:omemo:2'/><encryption xmlns='urn:xmpp:eme:0' namespace='urn:xmpp:omemo:2'/>"
    ...              "<origin-id xmlns='urn:xmpp:sid:0' id='m1'/></message>")
    >>> oob = parse("<x xmlns='jabber:x:oob'><url>https://h.example/a.jpg</url></x>")
    >>> [el.tag for el in plain_stanza(wire, "look", [oob])]
    ['{urn:xmpp:sid:0}origin-id', '{jabber:client}body', '{jabber:x:oob}x']
    """
    plain = ET.Element(stanza.tag, dict(stanza.attrib))
    for child in stanza:
        namespace = namespace_of(child)
        if namespace in ("urn:xmpp:eme:0", "eu.siacs.conversations.axolotl", "urn:xmpp:omemo:2"):
            continue
        body = namespace == CLIENT and local_name(child.tag) == "body"
        if not is_content(child) or (clear_content and not body):
            plain.append(copy.deepcopy(child))
    ET.SubElement(plain, f"{{{CLIENT}}}body").text = text
    taken = 0
    for child in content:
        if taken >= MAX_CONTENT:
            break
        if is_content(child) and not (namespace_of(child) == CLIENT and local_name(child.tag) == "body"):
            plain.append(copy.deepcopy(child))
            taken += 1
    return plain
