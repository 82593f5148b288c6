"""Every optional feature is one self-contained plugin: a client built without it (not registered,
or blacklisted) starts without an error, chats as before, and simply lacks that feature."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from converse_py.plugins.chats.plugin import ChatsState
from converse_py.plugins.core import FEATURE_PLUGINS
from converse_py.xmpp.stanza import parse

from .conftest import Client, arun, chat, settle

BOB = "bob@localhost/phone"
RECEIPTS, MARKERS, CHATSTATES = "urn:xmpp:receipts", "urn:xmpp:chat-markers:0", "http://jabber.org/protocol/chatstates"
#: The features a client can do without; the rest (roster, status, chats, disco) carry the others.
OPTIONAL = ("converse-receipts", "converse-markers", "converse-chatstates", "converse-corrections", "converse-otr",
            "converse-csi", "converse-ping", "converse-mam", "converse-muc")
INCOMING = chat(BOB, "b1", "hi alice", f"<request xmlns='{RECEIPTS}'/><markable xmlns='{MARKERS}'/>"
                f"<active xmlns='{CHATSTATES}'/>")


def _children(stanza: ET.Element) -> set[str]:
    return {child.tag for child in stanza}


def _client(without: str, how: str) -> Client:
    client = Client(core_plugins=False)
    for name, plugin in FEATURE_PLUGINS.items():
        if how == "blacklisted" or name != without:
            client.registry.add(name, plugin, core=True)
    return client


def _chat(client: Client, blacklist: list[str]) -> dict[str, Any]:
    """Log in, send bob a message, get one from him, view it; what was sent and shown."""
    async def body() -> dict[str, Any]:
        converse = client.converse
        await converse.initialize({"blacklisted_plugins": blacklist})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        client.transport.sent.clear()
        box = converse.get(ChatsState).open("bob@localhost")
        box.send_message("hello bob")
        client.transport.receive(INCOMING)
        await settle()
        box.composer_activity("seen")  # the view shows bob's message
        await settle()
        sent = [parse(x) for x in client.sent("message")]
        return {"box": box, "sent": sent,
                "mine": next(s for s in sent if any(c.tag.endswith("body") and "hello bob" in (c.text or "")
                                                    for c in s)),
                "shown": [m.body for m in box.messages]}
    return arun(body())  # type: ignore[no-any-return]


@pytest.mark.parametrize("how", ["unregistered", "blacklisted"])
@pytest.mark.parametrize("plugin", OPTIONAL)
def test_a_client_without_one_optional_plugin_starts_cleanly_chats_and_lacks_only_that_feature(
        plugin: str, how: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="converse_py")
    client = _client(plugin, how)
    result = _chat(client, [plugin] if how == "blacklisted" else [])
    converse, box, mine = client.converse, result["box"], result["mine"]
    loaded = {name for name in FEATURE_PLUGINS if converse.plugins.is_initialized(name)}
    assert loaded == set(FEATURE_PLUGINS) - {plugin}
    # no error at start-up or while chatting
    assert converse.plugin_failures == [] and client.platform.errors == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert client.platform.warnings == []  # no listener of an event nobody declares, no unknown setting
    # chatting works: our message went out, bob's is shown
    assert "hi alice" in result["shown"] and "hello bob" in result["shown"]
    # each of the five message features is there exactly when its plugin is
    present = {
        "converse-receipts": f"{{{RECEIPTS}}}request" in _children(mine)
        and any(f"{{{RECEIPTS}}}received" in _children(s) for s in result["sent"]),
        "converse-markers": f"{{{MARKERS}}}markable" in _children(mine)
        and any(f"{{{MARKERS}}}displayed" in _children(s) for s in result["sent"]),
        "converse-chatstates": f"{{{CHATSTATES}}}active" in _children(mine),
        "converse-corrections": "correctMessage" in converse.facades.get("chatbox", {}),
        "converse-otr": "initiateOTR" in converse.facades.get("chatbox", {}) and callable(
            getattr(box, "initiate_otr", None)),
        "converse-ping": hasattr(converse.api, "ping"),
        "converse-mam": hasattr(converse.api, "archive"),
        "converse-muc": hasattr(converse.api, "rooms"),
    }
    for name, there in present.items():
        assert there == (name != plugin), name
    if plugin == "converse-corrections":
        with pytest.raises(RuntimeError, match="not available"):
            box.correct_message("hello, bob")
    # what it declares is gone: its settings are unknown, its disco features not advertised
    declared = FEATURE_PLUGINS[plugin]
    assert not set(declared.settings) & set(converse.settings.declared())
    assert not set(declared.features) & set(converse.features)
    others = {f for name, cls in FEATURE_PLUGINS.items() if name != plugin for f in cls.features}
    assert others <= set(converse.features)


def test_every_feature_plugin_s_disco_features_are_advertised_when_all_are_loaded() -> None:
    client = Client()
    arun(client.converse.initialize({}))
    assert set(client.converse.features) == {f for cls in FEATURE_PLUGINS.values() for f in cls.features}
    assert {"urn:xmpp:receipts", "urn:xmpp:chat-markers:0", "http://jabber.org/protocol/chatstates",
            "urn:xmpp:message-correct:0", "urn:xmpp:carbons:2", "urn:xmpp:ping",
            "http://jabber.org/protocol/muc"} <= set(client.converse.features)


@pytest.mark.parametrize("how", ["unregistered", "blacklisted"])
def test_without_converse_chats_its_dependents_are_reported_by_name_not_with_attribute_errors(
        how: str, caplog: pytest.LogCaptureFixture) -> None:
    client = _client("converse-chats", how)

    async def body() -> None:
        await client.converse.initialize({"blacklisted_plugins": ["converse-chats"] if how == "blacklisted" else []})
        await client.api.user.login({"jid": "alice@localhost", "password": "secret"})
        await settle()
        client.transport.receive(INCOMING)
        await settle()
    arun(body())
    why = "which is blacklisted (blacklisted_plugins)" if how == "blacklisted" else "which is not registered"
    failures = {f.name: f.reason for f in client.converse.plugin_failures}
    dependents = {"converse-otr", "converse-mam", "converse-receipts", "converse-markers", "converse-chatstates",
                  "converse-corrections", "converse-commands", "converse-upload"}
    assert failures == {name: f"depends on 'converse-chats', {why}" for name in dependents}
    assert client.platform.errors == [f"plugin {name!r}: depends on 'converse-chats', {why}"
                                      for name in failures]
    assert not any("Error" in r.getMessage() or r.exc_info for r in caplog.records if r.levelno >= logging.ERROR
                   and "depends on" not in r.getMessage())
    # the rest still works: the roster was asked for, rooms are there, pings answered
    assert any("jabber:iq:roster" in x for x in client.sent("iq"))
    assert client.converse.plugins.is_initialized("converse-muc") and hasattr(client.api, "rooms")
    client.transport.receive("<iq xmlns='jabber:client' type='get' id='p1' from='localhost' "
                             "to='alice@localhost/web'><ping xmlns='urn:xmpp:ping'/></iq>")
    assert any("p1" in x and "result" in x for x in client.sent("iq"))
