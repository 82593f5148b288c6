"""XEP-0115 entity capabilities and the XEP-0030 answers about ourselves, pure.

What the client is (identities, features, extended forms) is one ``Capabilities`` value; from it
come the disco#info result (XEP-0030 §3.1), the ``ver`` string (XEP-0115 §5.1) and the ``<c/>``
element for presence (§4).

>>> caps = Capabilities((Identity("client", "pc", "Exodus 0.9.1"),),
...     ("http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info",
...      "http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/muc"))
>>> caps.ver()   # XEP-0115 §5.2, the simple example
'QgayPKawpkPSDYmwT/WM94uAlu0='
"""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ...xmpp import ns
from ...xmpp.stanza import element, find, sub

CAPS = "http://jabber.org/protocol/caps"
DATA_FORMS = "jabber:x:data"
#: The ``node`` of our ``<c/>``: a URI naming the software (XEP-0115 §4).
NODE = "https://github.com/converse-py/converse-py"


@dataclass(frozen=True)
class Identity:
    """A disco identity; sorted by category, type, then xml:lang (XEP-0115 §5.1 step 2)."""

    category: str
    type: str
    name: str = ""
    lang: str = ""

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.category, self.type, self.lang, self.name)


@dataclass(frozen=True)
class Form:
    """An extended info form (XEP-0128): its FORM_TYPE and fields (var → values)."""

    form_type: str
    fields: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Capabilities:
    """What this client says about itself."""

    identities: tuple[Identity, ...]
    features: tuple[str, ...]
    forms: tuple[Form, ...] = ()

    def verification_string(self) -> str:
        """The string S of XEP-0115 §5.1 (before hashing).

        >>> Capabilities((Identity("client", "web", "converse-py"),), ("b", "a")).verification_string()
        'client/web//converse-py<a<b<'
        """
        out: list[str] = []
        for identity in sorted(self.identities, key=Identity.sort_key):
            out.append(f"{identity.category}/{identity.type}/{identity.lang}/{identity.name}<")
        out.extend(f"{feature}<" for feature in sorted(set(self.features)))
        for form in sorted(self.forms, key=lambda f: f.form_type):
            out.append(f"{form.form_type}<")
            for var, values in sorted(form.fields):
                out.append(f"{var}<")
                out.extend(f"{value}<" for value in sorted(values))
        return "".join(out)

    def ver(self) -> str:
        """The ``ver`` attribute: base64 of the SHA-1 of the verification string (§5.1 steps 8-9)."""
        digest = hashlib.sha1(self.verification_string().encode("utf-8")).digest()
        return base64.b64encode(digest).decode("ascii")

    def caps_element(self, node: str = NODE) -> ET.Element:
        """``<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node=… ver=…/>`` for presence.

        >>> from converse_py.xmpp.stanza import serialize
        >>> serialize(Capabilities((Identity("client", "web"),), ()).caps_element("urn:x"))
        '<c xmlns="http://jabber.org/protocol/caps" hash="sha-1" node="urn:x" ver="jtKbShLDACtAiuiT5gi5E5Oq0S4=" />'
        """
        return element("c", {"hash": "sha-1", "node": node, "ver": self.ver()}, xmlns=CAPS)

    def info_query(self, node: str | None = None) -> ET.Element:
        """The ``<query xmlns='…disco#info'>`` listing our identities, features and forms."""
        query = element("query", {"node": node}, xmlns=ns.DISCO_INFO)
        for identity in self.identities:
            attrs: dict[str, str | None] = {"category": identity.category, "type": identity.type,
                                            "name": identity.name or None}
            if identity.lang:
                attrs["{http://www.w3.org/XML/1998/namespace}lang"] = identity.lang
            sub(query, "identity", attrs)
        for feature in dict.fromkeys(self.features):
            sub(query, "feature", {"var": feature})
        for form in self.forms:
            x = sub(query, "x", {"type": "result"}, xmlns=DATA_FORMS)
            hidden = sub(x, "field", {"var": "FORM_TYPE", "type": "hidden"})
            sub(hidden, "value", text=form.form_type)
            for var, values in form.fields:
                field = sub(x, "field", {"var": var})
                for value in values:
                    sub(field, "value", text=value)
        return query


def caps_node_ver(node: str | None, own_node: str, ver: str) -> bool:
    """Whether a disco#info query's ``node`` is one we answer: none, or ``own_node#ver``
    (XEP-0115 §6.2: queries naming the caps node are answered like plain ones).

    >>> caps_node_ver(None, "urn:x", "V"), caps_node_ver("urn:x#V", "urn:x", "V"), caps_node_ver("urn:x#old", "urn:x", "V")
    (True, True, False)
    """
    return node is None or node == f"{own_node}#{ver}"


def parse_caps(presence: ET.Element) -> tuple[str, str, str] | None:
    """``(node, ver, hash)`` of a presence's ``<c/>``, or None (legacy caps without ``hash`` too).

    >>> from converse_py.xmpp.stanza import parse
    >>> parse_caps(parse("<presence xmlns='jabber:client'><c xmlns='http://jabber.org/protocol/caps' "
    ...                  "hash='sha-1' node='urn:x' ver='abc='/></presence>"))
    ('urn:x', 'abc=', 'sha-1')
    """
    c = find(presence, CAPS, "c")
    if c is None or not c.get("node") or not c.get("ver") or not c.get("hash"):
        return None
    return c.get("node") or "", c.get("ver") or "", c.get("hash") or ""
