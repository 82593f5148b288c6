"""Transport choice: WebSocket preferred, BOSH as the fallback when WebSocket cannot connect, and
XEP-0156 discovery (host-meta XRD and JRD, the XEP's examples) when no URL is configured."""

from __future__ import annotations

from typing import Any

from converse_py.core.converse import Converse
from converse_py.core.platform import NullPlatform
from converse_py.transport.choice import connection_urls, host_meta_url, parse_host_meta, pick_url
from converse_py.transport.fake import FakeTransport

from .conftest import arun

WS, BOSH = "wss://example.org/xmpp-websocket", "https://example.org/http-bind"

#: XEP-0156 Example 2 (XRD) and Example 3 (JRD), with the xbosh and websocket links.
XRD = """<?xml version='1.0' encoding='utf-8'?>
<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>
  <Link rel="urn:xmpp:alt-connections:xbosh" href="https://web.example.com:5280/bosh" />
  <Link rel="urn:xmpp:alt-connections:websocket" href="wss://web.example.com:443/ws" />
</XRD>"""
JRD = """{
  "links": [
    {"rel": "urn:xmpp:alt-connections:xbosh", "href": "https://web.example.com:5280/bosh"},
    {"rel": "urn:xmpp:alt-connections:websocket", "href": "wss://web.example.com:443/ws"}
  ]
}"""


def test_websocket_is_preferred_and_bosh_is_the_fallback() -> None:
    both = {"websocket_url": WS, "bosh_service_url": BOSH}.get
    assert connection_urls(both) == [("websocket", WS), ("bosh", BOSH)]
    assert pick_url(both) == ("websocket", WS)
    assert pick_url(both, exclude={"websocket"}) == ("bosh", BOSH)
    assert pick_url(both, exclude={"websocket", "bosh"}) is None
    assert pick_url({"bosh_service_url": BOSH}.get) == ("bosh", BOSH)


def test_discovered_urls_are_used_only_when_none_is_configured() -> None:
    discovered = {"websocket": "ws://d/ws", "bosh": "http://d/bosh"}
    assert pick_url({}.get, discovered) == ("websocket", "ws://d/ws")
    assert pick_url({"bosh_service_url": BOSH}.get, discovered) == ("bosh", BOSH)


def test_host_meta_xrd_and_jrd_examples() -> None:
    expected = {"bosh": "https://web.example.com:5280/bosh", "websocket": "wss://web.example.com:443/ws"}
    assert parse_host_meta(XRD) == expected
    assert parse_host_meta(JRD) == expected


def test_host_meta_rejects_mismatched_links_and_garbage() -> None:
    swapped = XRD.replace("xbosh", "TMP").replace("websocket\"", "xbosh\"").replace("TMP", "websocket")
    assert parse_host_meta(swapped) == {}, "a ws:// URL is not a BOSH endpoint (nor the reverse)"
    assert parse_host_meta("<XRD><Link") == {}
    assert parse_host_meta('<!DOCTYPE x [<!ENTITY a "b">]><XRD/>') == {}
    assert parse_host_meta("{not json") == {} and parse_host_meta('{"links": 3}') == {}


def test_host_meta_url_defaults_to_the_domain_over_https() -> None:
    assert host_meta_url(None, "example.org") == "https://example.org/.well-known/host-meta"
    assert host_meta_url("http://127.0.0.1:8000/.well-known/host-meta", "x") == \
        "http://127.0.0.1:8000/.well-known/host-meta"


# -- the session falls back; discovery feeds the factory ---------------------------------------

class Factory:
    """Makes a FakeTransport per call, of the kind the settings pick (as browser/main.py does)."""

    def __init__(self, dead: set[str]) -> None:
        self.dead = dead
        self.made: list[FakeTransport] = []
        self.converse: Converse | None = None

    def __call__(self) -> FakeTransport:
        assert self.converse is not None
        session = self.converse.session
        choice = pick_url(self.converse.settings.get, session.discovered, session.failed_kinds) \
            or pick_url(self.converse.settings.get, session.discovered)
        assert choice is not None
        transport = FakeTransport(resource=choice[0])
        transport.kind = choice[0]  # type: ignore[misc]
        transport.refuse_connect = choice[0] in self.dead
        self.made.append(transport)
        return transport


def _converse(dead: set[str], platform: Any = None) -> tuple[Converse, Factory]:
    factory = Factory(dead)
    converse = Converse(factory, platform=platform)
    factory.converse = converse
    return converse, factory


def test_a_dead_websocket_falls_back_to_bosh_within_the_same_login() -> None:
    async def body() -> tuple[str, Factory]:
        converse, factory = _converse({"websocket"})
        await converse.initialize({"websocket_url": WS, "bosh_service_url": BOSH})
        jid = await converse.api.user.login({"jid": "alice@example.org", "password": "pw"})
        return jid, factory
    jid, factory = arun(body())
    assert [t.kind for t in factory.made] == ["websocket", "bosh"]
    assert factory.made[0].disposed and jid == "alice@example.org/bosh"


def test_no_fallback_when_only_one_url_is_set() -> None:
    async def body() -> str:
        converse, _factory = _converse({"websocket"})
        await converse.initialize({"websocket_url": WS})
        try:
            await converse.api.user.login({"jid": "alice@example.org", "password": "pw"})
        except Exception as exc:
            return str(exc)
        return "logged in"
    assert "Could not connect" in arun(body())


class HostMetaPlatform(NullPlatform):
    can_fetch = True

    def __init__(self, documents: dict[str, str]) -> None:
        super().__init__()
        self.documents = documents
        self.asked: list[str] = []

    async def fetch_text(self, url: str) -> str:
        self.asked.append(url)
        if url not in self.documents:
            raise OSError(f"HTTP 404 from {url}")
        return self.documents[url]


def test_discovery_reads_host_meta_then_logs_in_over_the_found_websocket() -> None:
    platform = HostMetaPlatform({"https://example.org/.well-known/host-meta.json": JRD})

    async def body() -> tuple[str, Factory, list[Any]]:
        converse, factory = _converse(set(), platform)
        found: list[Any] = []
        converse.api.listen.on("connectionMethodsDiscovered", found.append)
        await converse.initialize({})
        jid = await converse.api.user.login({"jid": "alice@example.org", "password": "pw"})
        return jid, factory, found
    jid, factory, found = arun(body())
    assert platform.asked == ["https://example.org/.well-known/host-meta",
                              "https://example.org/.well-known/host-meta.json"]
    assert found == [{"bosh": "https://web.example.com:5280/bosh", "websocket": "wss://web.example.com:443/ws"}]
    assert [t.kind for t in factory.made] == ["websocket"] and jid.endswith("/websocket")


def test_discovery_is_skipped_when_a_url_is_set_or_it_is_turned_off() -> None:
    platform = HostMetaPlatform({})

    async def body() -> None:
        converse, _ = _converse(set(), platform)
        await converse.initialize({"bosh_service_url": BOSH})
        await converse.api.user.login({"jid": "alice@example.org", "password": "pw"})
        other, _ = _converse(set(), platform)
        await other.initialize({"discover_connection_methods": False})
        try:
            await other.api.user.login({"jid": "alice@example.org", "password": "pw"})
        except AssertionError:
            pass  # the factory finds no URL: the browser host raises a SettingsError there
    arun(body())
    assert platform.asked == []
