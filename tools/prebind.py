"""Server-side BOSH pre-binding (XEP-0206), for tests and as a worked example.

A site that already knows its user can log them in on the server and hand
the browser a live BOSH session; the client then *attaches* to it with
``prebind: true`` and ``prebind_url``. ``prebind()`` does the server half
with the standard library only: it opens a session, authenticates with
SASL PLAIN, restarts the stream, binds a resource and returns
``{"jid", "sid", "rid"}``, where ``rid`` is the next request id the
client must use (Strophe's ``attach`` sends its first request with it).

Example (a JSON endpoint behind ``prebind_url``)::

    session = prebind("http://127.0.0.1:5280/http-bind", "alice@localhost", "secret")
    return json.dumps(session)

The password only travels to the BOSH service; it is never part of the
returned value or of an error message.
"""

from __future__ import annotations

import base64
import random
import urllib.request
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

from converse_py.xmpp.stanza import serialize

NS_HTTPBIND = "http://jabber.org/protocol/httpbind"
NS_XBOSH = "urn:xmpp:xbosh"
NS_SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
NS_BIND = "urn:ietf:params:xml:ns:xmpp-bind"
NS_CLIENT = "jabber:client"
NS_STREAMS = "http://etherx.jabber.org/streams"
MAX_POLLS = 5


def _wire(body: ET.Element) -> str:
    """The ``<body/>`` as servers expect it: unprefixed elements with default
    namespaces and the XEP-0206 attributes as ``xmpp:…`` (ejabberd answers
    "Unexpected payload" to ElementTree's ``ns0:body``/``ns1:auth`` prefixes).

    >>> b = ET.Element(f"{{{NS_HTTPBIND}}}body", {"rid": "1", f"{{{NS_XBOSH}}}version": "1.0"})
    >>> _ = ET.SubElement(b, f"{{{NS_SASL}}}auth", {"mechanism": "PLAIN"})
    >>> _wire(b)
    '<body xmlns="http://jabber.org/protocol/httpbind" xmlns:xmpp="urn:xmpp:xbosh" rid="1" xmpp:version="1.0"><auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN" /></body>'
    """
    attrs = []
    for key, value in body.attrib.items():
        if key.startswith(f"{{{NS_XBOSH}}}"):
            key = "xmpp:" + key.split("}", 1)[1]
        elif key == "{http://www.w3.org/XML/1998/namespace}lang":
            key = "xml:lang"
        attrs.append(f' {key}="{escape(value, {chr(34): "&quot;"})}"')
    children = "".join(serialize(child, NS_HTTPBIND) for child in body)
    return (f'<body xmlns="{NS_HTTPBIND}" xmlns:xmpp="{NS_XBOSH}"{"".join(attrs)}'
            + (f">{children}</body>" if children else " />"))


class PrebindError(RuntimeError):
    """The BOSH service refused or broke off the pre-bind."""


class _BoshSession:
    """A minimal synchronous BOSH client: one request at a time."""

    def __init__(self, url: str, domain: str, timeout: float) -> None:
        self.url = url
        self.domain = domain
        self.timeout = timeout
        self.rid = random.randint(1_000_000, 9_000_000)
        self.sid: str | None = None

    def _post(self, body: ET.Element) -> ET.Element:
        body.set("rid", str(self.rid))
        self.rid += 1
        data = _wire(body).encode("utf-8")
        request = urllib.request.Request(
            self.url, data=data, method="POST",
            headers={"Content-Type": "text/xml; charset=utf-8"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            reply = ET.fromstring(response.read())
        if reply.get("type") == "terminate":
            raise PrebindError(f"BOSH session terminated: {reply.get('condition', 'unknown')}")
        return reply

    def _body(self, **attrs: str) -> ET.Element:
        body = ET.Element(f"{{{NS_HTTPBIND}}}body")
        if self.sid is not None:
            body.set("sid", self.sid)
        for name, value in attrs.items():
            body.set(name, value)
        return body

    def open(self) -> ET.Element:
        body = self._body(to=self.domain, content="text/xml; charset=utf-8", hold="1",
                          wait="60", ver="1.6")
        body.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        body.set(f"{{{NS_XBOSH}}}version", "1.0")
        reply = self._post(body)
        sid = reply.get("sid")
        if not sid:
            raise PrebindError("BOSH service did not create a session (no sid)")
        self.sid = sid
        return self._until(reply, f"{{{NS_STREAMS}}}features")

    def restart(self) -> ET.Element:
        body = self._body(to=self.domain)
        body.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        body.set(f"{{{NS_XBOSH}}}restart", "true")
        return self._until(self._post(body), f"{{{NS_STREAMS}}}features")

    def send(self, child: ET.Element, wanted: str) -> ET.Element:
        body = self._body()
        body.append(child)
        return self._until(self._post(body), wanted)

    def _until(self, reply: ET.Element, wanted: str) -> ET.Element:
        """The first child named ``wanted``, polling with empty bodies if the
        server answered before it had anything to say."""
        for _ in range(MAX_POLLS):
            for child in reply:
                if child.tag == wanted or (wanted == "sasl-outcome" and child.tag in (
                        f"{{{NS_SASL}}}success", f"{{{NS_SASL}}}failure")):
                    return child
            reply = self._post(self._body())
        raise PrebindError(f"no {wanted} from the BOSH service")


def prebind(bosh_url: str, jid: str, password: str, resource: str = "prebind",
            timeout: float = 10.0) -> dict[str, object]:
    """Log ``jid`` in over BOSH and return ``{"jid": full JID, "sid", "rid"}``."""
    local, sep, domain = jid.partition("@")
    if not sep or not local or not domain:
        raise PrebindError(f"prebind needs a bare JID like user@domain, got {jid!r}")
    domain = domain.split("/", 1)[0]
    session = _BoshSession(bosh_url, domain, timeout)
    features = session.open()
    mechanisms = [m.text for m in features.iter(f"{{{NS_SASL}}}mechanism")]
    if "PLAIN" not in mechanisms:
        raise PrebindError(f"the server does not offer SASL PLAIN (offers {mechanisms})")

    auth = ET.Element(f"{{{NS_SASL}}}auth", mechanism="PLAIN")
    auth.text = base64.b64encode(f"\0{local}\0{password}".encode()).decode("ascii")
    outcome = session.send(auth, "sasl-outcome")
    if outcome.tag != f"{{{NS_SASL}}}success":
        condition = next((c.tag.split("}")[-1] for c in outcome), "unknown")
        raise PrebindError(f"authentication failed for {jid}: {condition}")

    session.restart()
    iq = ET.Element(f"{{{NS_CLIENT}}}iq", type="set", id="prebind-bind")
    ET.SubElement(ET.SubElement(iq, f"{{{NS_BIND}}}bind"), f"{{{NS_BIND}}}resource").text = resource
    reply = session.send(iq, f"{{{NS_CLIENT}}}iq")
    bound = reply.find(f"{{{NS_BIND}}}bind/{{{NS_BIND}}}jid")
    if reply.get("type") != "result" or bound is None or not bound.text:
        raise PrebindError(f"resource binding failed for {jid}")
    return {"jid": bound.text, "sid": session.sid, "rid": session.rid}
