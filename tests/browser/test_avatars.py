"""Avatars in the page against the real server (Prosody, or ejabberd with --xmpp-server=ejabberd).

One logged-in page for the module. bob (a slixmpp peer, alice's contact) publishes a XEP-0084 avatar
with the XEP's own stanzas; carol (not a contact) sets a vCard photo and advertises its hash in
presence (XEP-0153); mallory sends hostile vCards. The page shows each avatar that is an image (the
<img> decodes: natural size > 0) and the default avatar otherwise; then alice sets her avatar in the
control box and bob fetches it both ways (the vCard and the PEP data node) and gets the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import struct
import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tools.bot import Bot, BotError
from tools.demo_bot import befriend

from .support import Account, ClientPage, auto_login_page, grab_api, unique_account

PUBSUB = "http://jabber.org/protocol/pubsub"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def publish_avatar_data(peer: Bot, image: bytes, size: int) -> tuple[str, str]:
    """XEP-0084 Example 1: ``peer`` publishes the data of ``image`` (a ``size``-pixel square PNG);
    returns its item id and the Example 2 metadata ``<pubsub>`` to publish next."""
    item_id = hashlib.sha1(image).hexdigest()
    peer.send_raw(f"<iq type='set' id='pub-data'><pubsub xmlns='{PUBSUB}'><publish node='urn:xmpp:avatar:data'>"
                  f"<item id='{item_id}'><data xmlns='urn:xmpp:avatar:data'>{base64.b64encode(image).decode()}"
                  "</data></item></publish></pubsub></iq>")
    assert 'type="result"' in peer.wait_for_iq_result("pub-data")
    return item_id, (f"<pubsub xmlns='{PUBSUB}'><publish node='urn:xmpp:avatar:metadata'><item id='{item_id}'>"
                     f"<metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='{len(image)}' id='{item_id}' "
                     f"height='{size}' type='image/png' width='{size}'/></metadata></item></publish></pubsub>")


@dataclass
class World:
    page: ClientPage
    alice: Account
    bob: Account
    bob_bot: Bot
    server: Any


@pytest.fixture(scope="module")
def world(browser: Any, web_server: Any, prosody: Any, bot: Any) -> Iterator[World]:
    yield from alice_and_bob(browser, web_server, prosody, bot)


def alice_and_bob(browser: Any, web_server: Any, prosody: Any, bot: Any) -> Iterator[World]:
    """Alice logged in on a page, bob (a slixmpp peer) her contact; the page closed at the end."""
    alice, bob = unique_account(prosody, "alice"), unique_account(prosody, "bob")
    alice_bot, bob_bot = bot(alice, "setup"), bot(bob)
    befriend({"alice": alice_bot, "bob": bob_bot})
    alice_bot.stop()
    page = auto_login_page(browser, web_server.url, prosody, alice)
    grab_api(page)
    try:
        yield World(page, alice, bob, bob_bot, prosody)
    finally:
        page.close()


def img_loaded(page: ClientPage, selector: str, timeout: int = 20_000) -> None:
    """Wait until ``selector`` is an <img> the browser decoded (natural size > 0)."""
    try:
        page.wait_for(f"""() => {{ const img = document.querySelector({json.dumps(selector)});
                                   return img && img.tagName === 'IMG' && img.complete && img.naturalWidth > 0; }}""",
                      timeout=timeout)
    except Exception:
        raise AssertionError(f"no decoded <img> at {selector}; the page said: "
                             f"{[line for line in page.console if 'avatar' in line]}") from None


def test_a_contacts_pep_avatar_is_fetched_and_shown_in_the_roster(world: World) -> None:
    image = png(64, 64, (20, 120, 220))
    # XEP-0084 Examples 1 and 2: data, then metadata (alice learns of it through caps +notify).
    item_id, metadata = publish_avatar_data(world.bob_bot, image, 64)
    world.bob_bot.send_raw(f"<iq type='set' id='pub-meta'>{metadata}</iq>")
    assert 'type="result"' in world.bob_bot.wait_for_iq_result("pub-meta")
    row = f'#conversejs li.cpy-contact[data-jid="{world.bob.jid}"] img.cpy-avatar'
    try:
        img_loaded(world.page, row, timeout=5_000)
    except AssertionError:
        # ejabberd notifies only once it has our caps (+notify) from its disco#info query, which may
        # still be under way right after log-in; the same metadata published again then reaches us.
        world.bob_bot.send_raw(f"<iq type='set' id='pub-meta2'>{metadata}</iq>")
        assert 'type="result"' in world.bob_bot.wait_for_iq_result("pub-meta2")
        img_loaded(world.page, row)
    url = world.page.js(f"window.capi.avatars.get({json.dumps(world.bob.jid)})")
    assert base64.b64decode(url.split(",", 1)[1]) == image


def test_a_vcard_avatar_advertised_in_presence_is_shown_in_the_chat_header(world: World, bot: Any) -> None:
    carol = unique_account(world.server, "carol")
    carol_bot = bot(carol)
    image = png(48, 48, (230, 140, 20))
    carol_bot.send_raw("<iq type='set' id='vc1'><vCard xmlns='vcard-temp'><FN>Carol</FN><PHOTO><TYPE>image/png</TYPE>"
                       f"<BINVAL>{base64.b64encode(image).decode()}</BINVAL></PHOTO></vCard></iq>")
    assert 'type="result"' in carol_bot.wait_for_iq_result("vc1")
    world.page.js(f"window.capi.chats.open({json.dumps(carol.jid)})")
    header = f'#conversejs .cpy-chatbox[data-jid="{carol.jid}"] header .cpy-avatar'
    world.page.page.wait_for_selector(f"{header}.cpy-avatar-default")  # before: the initial
    # XEP-0153 Example 3: the hash in presence (directed: carol is not alice's contact).
    carol_bot.send_raw(f"<presence to='{world.alice.jid}'><x xmlns='vcard-temp:x:update'>"
                       f"<photo>{hashlib.sha1(image).hexdigest()}</photo></x></presence>")
    img_loaded(world.page, header)
    url = world.page.js(f"window.capi.avatars.get({json.dumps(carol.jid)})")
    assert base64.b64decode(url.split(",", 1)[1]) == image


HOSTILE = [
    ("image/png", "A" * (300 * 1024)),  # a huge photo
    ("text/html", base64.b64encode(png(8, 8, (1, 2, 3))).decode()),  # an image, but declared as HTML
    ("image/svg+xml", base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>").decode()),
    ("image/png", "%%% this is not base64 %%%"),
    ("image/png", base64.b64encode(b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(200)).decode()),  # not an image
]


def test_hostile_vcard_photos_never_break_the_page_and_show_the_default_avatar(world: World, bot: Any) -> None:
    page = world.page
    for number, (kind, binval) in enumerate(HOSTILE):
        mallory = unique_account(world.server, f"mallory{number}")
        mallory_bot = bot(mallory)
        page.js(f"window.capi.chats.open({json.dumps(mallory.jid)})")
        header = f'#conversejs .cpy-chatbox[data-jid="{mallory.jid}"] header .cpy-avatar'
        mallory_bot.send_raw(f"<iq type='set' id='evil'><vCard xmlns='vcard-temp'><PHOTO><TYPE>{kind}</TYPE>"
                             f"<BINVAL>{binval}</BINVAL></PHOTO></vCard></iq>")
        try:
            stored = 'type="result"' in mallory_bot.wait_for_iq_result("evil", timeout=5)
        except BotError:
            stored = False  # Prosody's vcard_legacy never answers a broken BINVAL
        # (ejabberd's mod_vcard_xupdate puts the stored photo's own hash in the presence, if any)
        mallory_bot.send_raw(f"<presence to='{world.alice.jid}'><x xmlns='vcard-temp:x:update'>"
                             f"<photo>{secrets.token_hex(20)}</photo></x></presence>")
        mallory_bot.send_message(world.alice.jid, f"after vCard {number}")  # after the presence, in order
        page.wait_for(f"() => document.querySelector({json.dumps(header)})?.closest('.cpy-chatbox')"
                      f".textContent.includes('after vCard {number}')")
        if stored:  # the page fetched the vCard and refused its photo, saying so
            deadline = time.monotonic() + 15
            while not _looked_at(page, mallory.jid):
                assert time.monotonic() < deadline, f"the page never looked at hostile vCard {number}"
                page.page.wait_for_timeout(100)
        assert page.js(f"window.capi.avatars.get({json.dumps(mallory.jid)})") is None
        assert page.js(f"document.querySelector({json.dumps(header)}).classList.contains('cpy-avatar-default')")
        mallory_bot.stop()
    assert not page.page_errors
    # The page still works: a real picture from a peer is shown.
    image = png(32, 32, (90, 10, 160))
    mallory_bot = bot(mallory, "again")
    mallory_bot.send_raw("<iq type='set' id='good'><vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE>"
                         f"<BINVAL>{base64.b64encode(image).decode()}</BINVAL></PHOTO></vCard></iq>")
    assert 'type="result"' in mallory_bot.wait_for_iq_result("good")
    mallory_bot.send_raw(f"<presence to='{world.alice.jid}'><x xmlns='vcard-temp:x:update'>"
                         f"<photo>{hashlib.sha1(image).hexdigest()}</photo></x></presence>")
    img_loaded(page, header)


def _looked_at(page: ClientPage, jid: str) -> int:
    return sum(f"avatar of {jid}" in line for line in page.console)


def _fetch(bot: Bot, iq_id: str, xml: str) -> ET.Element:
    bot.send_raw(xml)
    return ET.fromstring(bot.wait_for_iq_result(iq_id, timeout=15))


def test_the_user_sets_an_avatar_in_the_control_box_and_a_contact_gets_it_by_both_methods(world: World) -> None:
    page, alice = world.page, world.alice.jid
    if page.js("document.querySelector('#cpy-controlbox').hidden"):
        page.page.click('#conversejs [data-action="toggle-controlbox"]')
    page.page.click('#conversejs details.cpy-own-avatar summary')
    page.page.set_input_files('#conversejs input[data-action="pick-avatar"]', files=[{
        "name": "me.png", "mimeType": "image/png", "buffer": png(300, 200, (200, 40, 40))}])
    page.page.wait_for_selector('#conversejs [data-role="avatar-feedback"]:text("Avatar saved.")', timeout=30_000)
    img_loaded(page, '#conversejs details.cpy-own-avatar summary img.cpy-avatar')
    own = base64.b64decode(page.js(f"window.capi.avatars.get({json.dumps(alice)})").split(",", 1)[1])
    assert own.startswith(b"\x89PNG") and struct.unpack(">II", own[16:24]) == (192, 192)  # cropped, scaled
    own_hash = hashlib.sha1(own).hexdigest()
    deadline = time.monotonic() + 10  # XEP-0153: the new hash goes out in presence
    while not any(f"<photo>{own_hash}</photo>" in x for x in world.bob_bot.presence_stanzas):
        assert time.monotonic() < deadline, "bob never saw the new photo hash in alice's presence"
        time.sleep(0.1)
    card = _fetch(world.bob_bot, "get-vc", f"<iq type='get' id='get-vc' to='{alice}'><vCard xmlns='vcard-temp'/></iq>")
    binval = card.findtext(".//{vcard-temp}PHOTO/{vcard-temp}BINVAL") or ""
    assert base64.b64decode("".join(binval.split())) == own
    data = _fetch(world.bob_bot, "get-pep", f"<iq type='get' id='get-pep' to='{alice}'><pubsub xmlns='{PUBSUB}'>"
                  f"<items node='urn:xmpp:avatar:data'><item id='{own_hash}'/></items></pubsub></iq>")
    text = data.findtext(f".//{{{PUBSUB}}}item/{{urn:xmpp:avatar:data}}data") or ""
    assert base64.b64decode("".join(text.split())) == own
    # Remove it: the vCard loses its PHOTO, and the page shows the initial again.
    page.page.click('#conversejs [data-action="remove-avatar"]')
    page.page.wait_for_selector('#conversejs [data-role="avatar-feedback"]:text("Avatar removed.")', timeout=30_000)
    page.page.wait_for_selector('#conversejs details.cpy-own-avatar summary .cpy-avatar-default')
    card = _fetch(world.bob_bot, "get-vc2", f"<iq type='get' id='get-vc2' to='{alice}'><vCard xmlns='vcard-temp'/></iq>")
    assert card.find(".//{vcard-temp}PHOTO/{vcard-temp}BINVAL") is None
    assert not page.page_errors
