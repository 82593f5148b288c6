"""omemo:2 (``urn:xmpp:omemo:2``, XEP-0384 0.8 with XEP-0420 Stanza Content Encryption) end to end
through the real server: alice is converse-py in Chromium with OMEMO on; her contact is an
omemo:2-ONLY peer (python-omemo's twomemo backend alone, tests/browser/omemo2_bot.py) that writes and
reads the SCE envelopes itself, from XEP-0420 as written. One login for the module.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any

import pytest

from .omemo2_bot import FALLBACK as PEER_FALLBACK, Omemo2Bot, body_element, running_peer
from .support import Account, ClientPage, unique_account
from .test_media import png
from .test_omemo import FALLBACK, box_sel, locked, open_api_page, prepare, rows, wait_row

TWO = "urn:xmpp:omemo:2"
AXOLOTL = "eu.siacs.conversations.axolotl"


@pytest.fixture(scope="module")
def alice(prosody: Any) -> Account:
    return unique_account(prosody, "alice")


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any, alice: Account) -> Iterator[ClientPage]:
    yield from open_api_page(browser, web_server, prosody, alice)


@pytest.fixture(scope="module")
def peer(prosody: Any) -> Iterator[Omemo2Bot]:
    yield from running_peer(prosody, "romeo")


def bare(bot: Omemo2Bot) -> str:
    return bot.jid.split("/")[0]


def carried(bot: Omemo2Bot) -> list[ET.Element]:
    """The omemo:2 messages the server delivered to the peer, as parsed stanzas."""
    with bot._cond:
        return [ET.fromstring(xml) for xml in bot.stanzas if TWO in xml and "<encrypted" in xml]


def in_clear(stanza: ET.Element) -> str:
    """All text and attributes of a stanza outside its ``<encrypted/>``."""
    outside = [el for el in stanza.iter() if not any(el in set(enc.iter()) for enc in stanza.iter(f"{{{TWO}}}encrypted"))]
    return " ".join([el.text or "" for el in outside] + [v for el in outside for v in el.attrib.values()])


def curve25519_hex(ed25519: bytes) -> str:
    """RFC 7748 §4.1's birational map: the Montgomery u of an Ed25519 public key (y), as hex."""
    p = 2 ** 255 - 19
    y = int.from_bytes(ed25519, "little") & ((1 << 255) - 1)
    u = (1 + y) * pow(1 - y, p - 2, p) % p
    return u.to_bytes(32, "little").hex()


def test_the_page_writes_omemo_2_to_an_omemo_2_only_peer_from_the_toolbar_and_the_api(
        page: ClientPage, alice: Account, peer: Omemo2Bot) -> None:
    jid = bare(peer)
    page.js("(jid) => window.cpyApi.chats.open(jid)", jid)
    section = box_sel(jid)
    page.page.wait_for_selector(f'{section} [data-role=toolbar] button[data-name="omemo"]')
    page.page.click(f'{section} [data-role=toolbar] button[data-name="omemo"]')
    page.page.wait_for_selector(f'{section} [data-action="omemo-info"]:not([hidden])')

    text = "wherefore art thou ✓"
    page.page.fill(f"{section} textarea[name=body]", text)
    page.page.press(f"{section} textarea[name=body]", "Enter")
    envelope = peer.wait_for_envelope(text)
    assert envelope is not None, peer.decrypt_errors
    # XEP-0420 as omemo:2 profiles it: the body in <content/>, <rpad/>, and <from/> naming the sender
    assert envelope.from_jid == alice.jid and envelope.has_rpad
    assert envelope.content_tags() == ["{jabber:client}body"]
    wait_row(page, jid, text)
    assert locked(page, jid, text)

    # a second one, from the JS API: the ratchet goes on (no new key exchange)
    page.js("""async (jid) => { const box = await window.cpyApi.chats.get(jid); box.model.sendMessage('from JS, again'); }""",
            jid)
    second = peer.wait_for_envelope("from JS, again")
    assert second is not None, peer.decrypt_errors
    assert second.from_jid == alice.jid

    stanzas = carried(peer)
    assert len(stanzas) >= 2
    for stanza in stanzas:
        outside = in_clear(stanza)
        assert text not in outside and "from JS, again" not in outside
        assert stanza.find(f"{{{AXOLOTL}}}encrypted") is None  # the peer has no 0.3 device: omemo:2 only
        assert stanza.find("{urn:xmpp:eme:0}encryption").get("namespace") == TWO
        assert stanza.findtext("{jabber:client}body") == FALLBACK
    # the first one started the session with a key exchange
    assert stanzas[0].find(f".//{{{TWO}}}key").get("kex") in ("true", "1"), [s.find(f".//{{{TWO}}}key").attrib for s in stanzas]
    assert peer.decrypt_errors == []


def test_the_peers_sce_envelopes_show_as_plaintext_in_the_page(page: ClientPage, alice: Account, peer: Omemo2Bot) -> None:
    jid = bare(peer)
    peer.send_text(alice.jid, "it is the east 🌅")
    wait_row(page, jid, "it is the east 🌅")
    assert locked(page, jid, "it is the east 🌅")
    peer.send_text(alice.jid, "and Juliet is the sun")
    wait_row(page, jid, "and Juliet is the sun")
    shown = rows(page, jid)
    assert PEER_FALLBACK not in shown and FALLBACK not in shown
    # the peer answered: the page's next message goes on the ratchet, without a key exchange
    before = len(carried(peer))
    page.js("""async (jid) => { const box = await window.cpyApi.chats.get(jid); box.model.sendMessage('swear not by the moon'); }""",
            jid)
    assert peer.wait_for_envelope("swear not by the moon") is not None, peer.decrypt_errors
    latest = carried(peer)[before:]
    assert latest and latest[-1].find(f".//{{{TWO}}}key").get("kex") in (None, "false", "0")


def test_an_envelope_whose_from_is_not_the_sender_is_refused(page: ClientPage, alice: Account, peer: Omemo2Bot) -> None:
    jid = bare(peer)
    peer.send_sce(alice.jid, [body_element("I am Tybalt, trust me")], from_jid="tybalt@capulet.lit")
    page.wait_for("""(sel) => Array.from(document.querySelectorAll(sel + ' li.cpy-msg .cpy-body'))
        .some(e => e.textContent.includes('could not be decrypted'))""", arg=box_sel(jid), timeout=30_000)
    assert "I am Tybalt, trust me" not in rows(page, jid)
    # the session goes on after the refused one
    peer.send_text(alice.jid, "that was not me")
    wait_row(page, jid, "that was not me")


def test_a_link_in_the_peers_envelope_shows_its_image_and_a_reply_from_the_ui_goes_inside_the_envelope(
        page: ClientPage, alice: Account, peer: Omemo2Bot, web_server: Any) -> None:
    jid = bare(peer)
    section = box_sel(jid)
    web_server.add_route("/test/omemo2/balcony.png", lambda handler: (200, "image/png", png(30, 20)))
    url = web_server.url + "/test/omemo2/balcony.png"
    oob = ET.Element("{jabber:x:oob}x")
    ET.SubElement(oob, "{jabber:x:oob}url").text = url
    msg_id = peer.send_sce(alice.jid, [body_element(url), oob])
    row = page.page.locator(f'{section} li.cpy-msg[data-id="{msg_id}"]')
    row.locator("img.cpy-image").wait_for(timeout=30_000)
    assert row.locator("img.cpy-image").get_attribute("src") == url
    assert row.locator(".cpy-omemo-lock").count() == 1

    # the user answers it with the Reply action: the reply and its fallback travel in the envelope
    before = len(carried(peer))
    row.hover()
    row.locator('button.cpy-msg-action[data-name="reply"]').click()
    page.page.fill(f"{section} textarea[name=body]", "what light through yonder window")
    page.page.press(f"{section} textarea[name=body]", "Enter")
    envelope = peer._wait(lambda: next((e for e in peer.envelopes if "yonder window" in (e.body or "")), None), 30)
    assert envelope is not None, peer.decrypt_errors
    reply = next(el for el in envelope.content if el.tag == "{urn:xmpp:reply:0}reply")
    assert reply.get("id") == msg_id
    assert "{urn:xmpp:fallback:0}fallback" in envelope.content_tags()
    [wire] = carried(peer)[before:]
    assert wire.find("{urn:xmpp:reply:0}reply") is None and wire.find("{urn:xmpp:fallback:0}fallback") is None
    assert "yonder" not in in_clear(wire)
    mine = page.page.locator(f"{section} li.cpy-msg.cpy-out.cpy-reply")
    mine.wait_for()
    assert mine.locator(".cpy-body").inner_text() == "what light through yonder window"


def test_the_trust_panel_lists_the_peers_omemo_2_device(page: ClientPage, peer: Omemo2Bot) -> None:
    jid = bare(peer)
    section = box_sel(jid)
    device, identity = peer.device_fingerprint()
    page.page.click(f'{section} [data-action="omemo-info"]')
    page.page.wait_for_selector(f'{section} .cpy-omemo-fingerprints li[data-device="{device}"]')
    row = page.page.inner_text(f'{section} .cpy-omemo-fingerprints li[data-device="{device}"]')
    expected = curve25519_hex(identity)
    shown = "".join(row.split(": ", 1)[1].split("(")[0].split())
    assert shown == expected, (row, expected)
    assert "trusted until verified" in row


def test_after_a_reload_the_archives_copies_show_the_image_and_the_reply_as_before(page: ClientPage, peer: Omemo2Bot) -> None:
    jid = bare(peer)
    section = box_sel(jid)
    page.page.reload()
    prepare(page)
    # the chat comes back with OMEMO on; the archive's copies show what was kept when they were read or sent here
    mine = page.page.locator(f"{section} li.cpy-msg.cpy-out.cpy-reply")
    mine.wait_for(timeout=30_000)
    assert mine.locator(".cpy-body").inner_text() == "what light through yonder window"
    assert mine.locator(".cpy-omemo-lock").count() == 1
    page.page.locator(f"{section} li.cpy-msg img.cpy-image").first.wait_for(timeout=30_000)
    wait_row(page, jid, "it is the east 🌅")
    assert FALLBACK not in rows(page, jid) and PEER_FALLBACK not in rows(page, jid)


def test_no_uncaught_page_errors(page: ClientPage) -> None:
    assert page.page_errors == []
