"""XEP-0198 over the real Prosody (mod_smacks): a short network drop is survived by resuming the
stream, and no stanza is lost or delivered twice in either direction."""

from __future__ import annotations

import json
from typing import Any

from .support import BOOT_TIMEOUT_MS, ClientPage, open_client_page, unique_account

PAGE = "/tests/browser/pages/transport.html"
#: The page's initial presence came back from the server: it is available, so a message to its bare
#: JID is routed to it. (Sent earlier, ejabberd may keep it as an offline message: its offline store
#: can race the initial presence that should flush it, and the message then waits for the next login.)
AVAILABLE = "window.record.presences.length > 0"


class NetworkSwitch:
    """Every WebSocket of the page goes through Playwright; ``cut()`` drops them abruptly (the page and
    Prosody each see their side close) and refuses new ones until ``restore()``: a network outage."""

    def __init__(self) -> None:
        self.offline = False
        self.downstream_lost = False  # server → page frames vanish (the page does not notice yet)
        self.refused = 0
        self.live: list[tuple[Any, Any]] = []
        self.frames: list[str] = []  # what crossed (or was lost), for the failure report

    def _log(self, direction: str, frame: Any) -> None:
        text = frame if isinstance(frame, str) else repr(frame)
        if text.startswith(("<auth", "<response", "<challenge", "<success")):  # SASL PLAIN holds the password
            text = text.split(">", 1)[0] + ">(SASL data left out)"
        self.frames.append(f"{direction} {text[:300]}")

    def route(self, ws: Any) -> None:
        if self.offline:
            self.refused += 1
            ws.close(code=1006)  # reserved code: the page sees an abnormal closure, as when offline
            return
        server = ws.connect_to_server()
        ws.on_message(lambda frame: (self._log("up", frame), server.send(frame)))
        server.on_message(lambda frame: (self._log("down-lost" if self.downstream_lost else "down", frame),
                                         None if self.downstream_lost else ws.send(frame)))
        self.live.append((ws, server))

    def cut(self) -> None:
        self.offline = True
        live, self.live = self.live, []
        for page_side, server_side in live:
            server_side.close()
            page_side.close()

    def restore(self) -> None:
        self.offline = False
        self.downstream_lost = False


def _open(browser: Any, web_server: Any, settings: dict[str, Any], switch: NetworkSwitch | None = None) -> ClientPage:
    handle = open_client_page(browser, web_server.url, "/tests/browser/pages/blank.html")
    if switch is not None:
        handle.context.route_web_socket("**/xmpp-websocket", switch.route)
    handle.context.add_init_script(f"window.TEST_SETTINGS = {json.dumps(settings)};")
    handle.page.goto(web_server.url + PAGE)
    return handle


def _report(handle: ClientPage, switch: NetworkSwitch | None = None) -> str:
    """For a failure: what the page recorded, the frames that crossed its sockets (or were lost),
    and its console."""
    frames = switch.frames[-60:] if switch is not None else []
    return "\n".join([f"record: {handle.js('JSON.stringify(window.record)')}", *frames, *handle.console[-60:]])


def _events(handle: ClientPage) -> list[str]:
    return [str(e["name"]) for e in handle.js("window.record.events")]


def test_enable_smacks_enables_stream_management(browser: Any, web_server: Any, prosody: Any) -> None:
    ola = unique_account(prosody, "ola")
    handle = _open(browser, web_server, {"websocket_url": prosody.websocket_url, "jid": ola.jid,
                                         "password": ola.password, "auto_login": True, "enable_smacks": True})
    try:
        handle.wait_for("window.record.events.some(e => e.name === 'streamManagementEnabled')",
                        timeout=BOOT_TIMEOUT_MS)
        assert "connected" in _events(handle)
    finally:
        handle.close()


def test_network_drop_resumes_without_loss_or_duplicates(browser: Any, web_server: Any, prosody: Any,
                                                         bot: Any) -> None:
    pia = unique_account(prosody, "pia")
    quinn = unique_account(prosody, "quinn")
    switch = NetworkSwitch()
    handle = _open(browser, web_server, {"websocket_url": prosody.websocket_url, "jid": pia.jid,
                                         "password": pia.password, "auto_login": True, "enable_smacks": True},
                   switch)
    try:
        handle.wait_for("window.record.events.some(e => e.name === 'streamManagementEnabled')",
                        timeout=BOOT_TIMEOUT_MS)
        first_jid = handle.js("window.testApi.user.jid()")
        peer = bot(quinn)
        for i in range(3):  # to the page's resource: bare-JID ones may race its initial presence
            peer.send_message(first_jid, f"before-{i}")
        handle.wait_for("window.record.bodies.includes('before-2')")

        switch.cut()
        handle.wait_for("window.record.events.some(e => e.name === 'will-reconnect')", timeout=20_000)
        handle.wait_for("(document.querySelector('#conversejs .cpy-loading')?.textContent || '').includes('Reconnecting')")
        assert handle.js("document.querySelector('#conversejs form.cpy-login')") is None
        for i in range(3):
            peer.send_message(first_jid, f"during-{i}")
            handle.js(f"window.testSend({quinn.jid!r}, 'alice-during-{i}')")
        handle.page.wait_for_timeout(2500)  # (not time.sleep: Playwright must keep serving the route)
        assert switch.refused >= 1, "the client tried to reconnect while the network was down"
        switch.restore()

        try:
            handle.wait_for("window.record.events.some(e => e.name === 'streamResumed')", timeout=30_000)
        except Exception as exc:
            raise AssertionError(_report(handle, switch)) from exc
        handle.page.wait_for_selector("#conversejs .cpy-my-jid", state="attached")
        for i in range(3):
            peer.send_message(pia.jid, f"after-{i}")
        handle.wait_for("window.record.bodies.includes('after-2')")
        for i in range(3):
            peer.wait_for_message(f"alice-during-{i}")
        handle.page.wait_for_timeout(1000)  # time for a duplicate to show up, if one were coming
        bodies = handle.js("window.record.bodies")
        expected = [f"{phase}-{i}" for phase in ("before", "during", "after") for i in range(3)]
        assert sorted(bodies) == sorted(expected), bodies
        from_alice = [body for _sender, body in peer.received if body.startswith("alice-during-")]
        assert sorted(from_alice) == [f"alice-during-{i}" for i in range(3)], from_alice
        assert handle.js("window.testApi.user.jid()") == first_jid, "the resumed stream keeps its resource"
        names = _events(handle)
        assert names.count("connected") == 1 and "disconnected" not in names, names
    finally:
        handle.close()


def test_enable_smacks_over_bosh_still_logs_in_and_chats(browser: Any, web_server: Any, prosody: Any,
                                                         bot: Any) -> None:
    sam = unique_account(prosody, "sam")
    other = unique_account(prosody, "sambot")
    handle = _open(browser, web_server, {"bosh_service_url": prosody.bosh_url, "jid": sam.jid,
                                         "password": sam.password, "auto_login": True, "enable_smacks": True})
    try:
        handle.wait_for("window.record.events.some(e => e.name === 'connected')", timeout=BOOT_TIMEOUT_MS)
        assert "bindrequired" in handle.js("window.record.statuses"), "the session chose to bind"
        handle.wait_for(AVAILABLE)
        peer = bot(other)
        peer.send_message(sam.jid, "over bosh")
        handle.wait_for("window.record.bodies.includes('over bosh')")
        handle.js(f"window.testSend({other.jid!r}, 'bosh reply')")
        assert peer.wait_for_message("bosh reply")[1] == "bosh reply"
    finally:
        handle.close()


def test_frames_lost_before_the_drop_is_noticed_are_recovered_once(browser: Any, web_server: Any,
                                                                   prosody: Any, bot: Any) -> None:
    """The server's frames silently vanish while the page keeps sending (its stanzas arrive, the acks
    do not); then the socket dies. After resuming, the server re-sends what the page never got, and the
    page re-sends nothing the server already had: each message exactly once, both ways."""
    tess = unique_account(prosody, "tess")
    uma = unique_account(prosody, "uma")
    switch = NetworkSwitch()
    handle = _open(browser, web_server, {"websocket_url": prosody.websocket_url, "jid": tess.jid,
                                         "password": tess.password, "auto_login": True, "enable_smacks": True,
                                         "smacks_max_unacked_stanzas": 2}, switch)
    try:
        handle.wait_for("window.record.events.some(e => e.name === 'streamManagementEnabled')",
                        timeout=BOOT_TIMEOUT_MS)
        handle.wait_for(AVAILABLE)
        peer = bot(uma)
        switch.downstream_lost = True
        for i in range(3):
            handle.js(f"window.testSend({uma.jid!r}, 'tess-{i}')")
            peer.send_message(tess.jid, f"uma-{i}")
        for i in range(3):
            peer.wait_for_message(f"tess-{i}")  # they did reach the server
        handle.page.wait_for_timeout(500)
        assert handle.js("window.record.bodies") == [], "nothing came down while frames were lost"
        switch.cut()
        handle.page.wait_for_timeout(1500)
        switch.restore()
        try:
            handle.wait_for("window.record.events.some(e => e.name === 'streamResumed')", timeout=30_000)
            handle.wait_for("window.record.bodies.length >= 3")
        except Exception as exc:
            raise AssertionError(_report(handle, switch)) from exc
        peer.send_message(tess.jid, "uma-after")
        handle.wait_for("window.record.bodies.includes('uma-after')")
        handle.js(f"window.testSend({uma.jid!r}, 'tess-after')")
        peer.wait_for_message("tess-after")
        assert sorted(handle.js("window.record.bodies")) == ["uma-0", "uma-1", "uma-2", "uma-after"]
        from_tess = sorted(body for _sender, body in peer.received if body.startswith("tess-"))
        assert from_tess == ["tess-0", "tess-1", "tess-2", "tess-after"], "re-sent nothing the server had"
    finally:
        handle.close()


def test_reload_resumes_the_stream_of_the_previous_page(browser: Any, web_server: Any, prosody: Any,
                                                       bot: Any) -> None:
    """keepalive over WebSocket: the reloaded page logs in (SASL) and resumes the old stream, so it keeps
    its resource and gets what arrived during the reload, once; what the old page handled is not repeated."""
    vic = unique_account(prosody, "vic")
    wes = unique_account(prosody, "wes")
    handle = _open(browser, web_server, {"websocket_url": prosody.websocket_url, "jid": vic.jid,
                                         "password": vic.password, "auto_login": True, "enable_smacks": True,
                                         "keepalive": True})
    try:
        handle.wait_for("window.record.events.some(e => e.name === 'streamManagementEnabled')",
                        timeout=BOOT_TIMEOUT_MS)
        first_jid = handle.js("window.testApi.user.jid()")
        peer = bot(wes)
        peer.send_message(vic.jid, "before reload")
        handle.wait_for("window.record.bodies.includes('before reload')")
        stored = handle.js("JSON.stringify(sessionStorage)")
        assert vic.password not in stored
        handle.page.reload(wait_until="commit")
        peer.send_message(first_jid, "during reload")
        try:
            # (the reloaded document may not have run its script yet: no window.record at first)
            handle.wait_for("window.record?.events.some(e => e.name === 'streamResumed')", timeout=BOOT_TIMEOUT_MS)
        except Exception as exc:  # say what the reloaded page did instead
            raise AssertionError("no streamResumed: " + _report(handle)) from exc
        assert handle.js("window.testApi.user.jid()") == first_jid
        handle.wait_for("window.record.bodies.includes('during reload')")
        handle.page.wait_for_timeout(500)
        assert handle.js("window.record.bodies") == ["during reload"]
        assert [e for e in _events(handle) if e in ("connected", "streamResumed")] == ["streamResumed", "connected"]
    finally:
        handle.close()
