"""The disco#info/#items responder, XEP-0115 in presence, XEP-0092 and XEP-0202 answers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from converse_py import __version__
from converse_py.plugins.caps.plugin import CapsState
from converse_py.plugins.caps.stanzas import NODE
from converse_py.xmpp.stanza import parse

from .conftest import Client, arun, logged_in, settle

DISCO = "http://jabber.org/protocol/disco#info"


def ask(client: Client, query: str, sender: str = "bob@localhost/phone") -> ET.Element:
    client.transport.receive(f"<iq xmlns='jabber:client' type='get' id='q1' from='{sender}'>{query}</iq>")
    return parse(client.transport.sent[-1])


def features_of(reply: ET.Element) -> list[str]:
    return [f.get("var") or "" for f in reply.iter(f"{{{DISCO}}}feature")]


def test_disco_info_names_the_client_and_every_declared_feature() -> None:
    async def body() -> None:
        client = await logged_in({"client_name": "Example Chat"})
        reply = ask(client, f"<query xmlns='{DISCO}'/>")
        assert reply.get("type") == "result" and reply.get("to") == "bob@localhost/phone" and reply.get("id") == "q1"
        identity = next(reply.iter(f"{{{DISCO}}}identity"))
        assert (identity.get("category"), identity.get("type"), identity.get("name")) == ("client", "web", "Example Chat")
        assert features_of(reply) == client.converse.features
        for feature in (DISCO, "http://jabber.org/protocol/caps", "jabber:iq:version", "urn:xmpp:time"):
            assert feature in features_of(reply)
    arun(body())


def test_a_blacklisted_plugins_features_disappear_and_ver_changes() -> None:
    async def body() -> None:
        full = await logged_in()
        without = await logged_in({"blacklisted_plugins": ["converse-version"]})
        assert "jabber:iq:version" not in features_of(ask(without, f"<query xmlns='{DISCO}'/>"))
        assert full.converse.get(CapsState).capabilities().ver() != without.converse.get(CapsState).capabilities().ver()
        # and nothing answers a version query: the session's catch-all says so
        assert "service-unavailable" in ET.tostring(ask(without, "<query xmlns='jabber:iq:version'/>"), encoding="unicode")
    arun(body())


def test_the_caps_node_is_answered_and_a_stale_one_is_not_found() -> None:
    async def body() -> None:
        client = await logged_in()
        ver = client.converse.get(CapsState).capabilities().ver()
        reply = ask(client, f"<query xmlns='{DISCO}' node='{NODE}#{ver}'/>")
        query = next(reply.iter(f"{{{DISCO}}}query"))
        assert reply.get("type") == "result" and query.get("node") == f"{NODE}#{ver}"
        stale = ask(client, f"<query xmlns='{DISCO}' node='{NODE}#old'/>")
        assert stale.get("type") == "error" and "item-not-found" in ET.tostring(stale, encoding="unicode")
        items = ask(client, "<query xmlns='http://jabber.org/protocol/disco#items'/>")
        assert items.get("type") == "result" and items[0].tag == "{http://jabber.org/protocol/disco#items}query"
        assert len(items[0]) == 0
    arun(body())


def test_software_version_leaves_the_os_out_unless_allowed_and_time_is_xep_0082() -> None:
    async def body() -> None:
        quiet = await logged_in()
        reply = ask(quiet, "<query xmlns='jabber:iq:version'/>")
        assert reply.findtext("{jabber:iq:version}query/{jabber:iq:version}name") == "converse-py"
        assert reply.findtext("{jabber:iq:version}query/{jabber:iq:version}version") == __version__
        assert reply.find("{jabber:iq:version}query/{jabber:iq:version}os") is None
        chatty = await logged_in({"version_show_os": True})
        assert ask(chatty, "<query xmlns='jabber:iq:version'/>").findtext(
            "{jabber:iq:version}query/{jabber:iq:version}os") == "CPython test host"
        time_reply = ask(quiet, "<time xmlns='urn:xmpp:time'/>")
        utc = time_reply.findtext("{urn:xmpp:time}time/{urn:xmpp:time}utc") or ""
        tzo = time_reply.findtext("{urn:xmpp:time}time/{urn:xmpp:time}tzo") or ""
        assert len(utc) == 20 and utc.endswith("Z") and tzo[0] in "+-" and len(tzo) == 6
    arun(body())


def test_presence_carries_caps_and_a_plugin_added_later_sends_it_again_with_the_new_ver() -> None:
    from converse_py.core.plugin import Plugin

    class Extra(Plugin):
        name = "extra"
        features = ("urn:example:extra",)

    async def body() -> None:
        client = Client()
        await client.converse.initialize({"whitelisted_plugins": ["extra"]})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        roster_get = parse(next(x for x in client.transport.sent if "jabber:iq:roster" in x))
        client.transport.receive(f"<iq xmlns='jabber:client' type='result' id='{roster_get.get('id')}'>"
                                 "<query xmlns='jabber:iq:roster'/></iq>")
        await settle()
        caps = client.converse.get(CapsState)
        initial = parse(next(x for x in client.transport.sent if x.startswith("<presence")))
        c = initial.find("{http://jabber.org/protocol/caps}c")
        assert c is not None and c.get("ver") == caps.capabilities().ver() and c.get("node") == NODE
        old_ver = c.get("ver")
        client.transport.sent.clear()
        client.registry.add("extra", Extra)
        again = [parse(x) for x in client.transport.sent if x.startswith("<presence")]
        assert len(again) == 1
        new_c = again[0].find("{http://jabber.org/protocol/caps}c")
        assert new_c is not None and new_c.get("ver") == caps.capabilities().ver() != old_ver
        assert "urn:example:extra" in features_of(ask(client, f"<query xmlns='{DISCO}'/>"))
    arun(body())
