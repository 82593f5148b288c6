"""Avatars: XEP-0392 colours against the XEP's test vectors, XEP-0084 and XEP-0153 stanzas against
the XEPs' examples, the cache, and the plugin on the fake transport (hash checks, hostile data)."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from typing import Any

import pytest

from converse_py.dom import templates
from converse_py.plugins.avatars import colors
from converse_py.plugins.avatars.cache import AvatarCache, DictStore
from converse_py.plugins.avatars.plugin import AvatarState
from converse_py.plugins.avatars.stanzas import (MAX_BASE64, AvatarInfo, add_photo, data_request, parse_data_result,
                                                 parse_metadata_event, presence_photo, publish_data,
                                                 publish_metadata, vcard_photo, vcard_with_photo)
from converse_py.xmpp.stanza import canonical, element, parse, serialize

from .conftest import Client, arun, logged_in, settle

# XEP-0392 §13.1 (no colour-vision correction): text, angle, r, g, b.
XEP_0392_VECTORS = [
    ("Romeo", 327.255249, 0.865, 0.000, 0.686),
    ("juliet@capulet.lit", 209.410400, 0.000, 0.515, 0.573),
    ("\U0001F63A", 331.199341, 0.872, 0.000, 0.659),
    ("council", 359.994507, 0.918, 0.000, 0.394),
    ("Board", 171.430664, 0.000, 0.527, 0.457),
]


def png(rgb: tuple[int, int, int] = (200, 30, 30), size: int = 2) -> bytes:
    """A real PNG of ``size``×``size`` pixels of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.mark.parametrize(("text", "angle", "r", "g", "b"), XEP_0392_VECTORS)
def test_colours_are_the_xep_0392_test_vectors(text: str, angle: float, r: float, g: float, b: float) -> None:
    assert round(colors.hue_angle(text), 6) == pytest.approx(angle, abs=1e-6)
    assert [round(c, 3) for c in colors.rgb(text)] == pytest.approx([r, g, b], abs=1e-9)


def test_nick_colours_and_default_avatars_use_the_xep_0392_colour() -> None:
    assert templates.nick_color("Romeo") == "#dd00af"
    avatar = str(templates.default_avatar("<b>", "juliet@capulet.lit"))
    assert "background-color: #008392" in avatar and "&lt;" in avatar and "<b>" not in avatar
    assert str(templates.avatar_image("javascript:alert(1)", "x", "x")).startswith("<span")
    assert 'src="data:image/png;base64,AAAA"' in str(templates.avatar_image("data:image/png;base64,AAAA", "x", "x"))


HASH = "111f4b3c50d7b0df729d299bc6f8e9ef9066971f"


def test_xep_0084_stanzas_match_the_xeps_examples() -> None:
    request = data_request("juliet@capulet.lit", HASH)
    request.set("id", "retrieve1")
    assert canonical(serialize(request)) == canonical(
        "<iq xmlns='jabber:client' type='get' to='juliet@capulet.lit' id='retrieve1'>"
        "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'>"
        f"<item id='{HASH}'/></items></pubsub></iq>")
    metadata = parse(serialize(publish_metadata(AvatarInfo(HASH, "image/png", 12345, 64, 64), options=False)))
    metadata.set("id", "publish2")
    assert canonical(serialize(metadata)) == canonical(
        "<iq xmlns='jabber:client' type='set' id='publish2'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
        f"<publish node='urn:xmpp:avatar:metadata'><item id='{HASH}'><metadata xmlns='urn:xmpp:avatar:metadata'>"
        f"<info bytes='12345' id='{HASH}' height='64' type='image/png' width='64'/></metadata></item></publish>"
        "</pubsub></iq>")
    image = png()
    data = publish_data(image)
    item = data.find("pubsub/publish/item")
    assert item is not None and item.get("id") == hashlib.sha1(image).hexdigest()
    assert base64.b64decode(data.findtext("pubsub/publish/item/data") or "") == image
    assert "pubsub#access_model" in serialize(data) and "publish-options" in serialize(data)
    assert "<info" not in serialize(publish_metadata(None))


def test_metadata_notifications_pick_a_data_node_image_and_never_a_url() -> None:
    def event(infos: str, item: str = f" id='{HASH}'") -> Any:
        return parse_metadata_event(parse(
            "<message xmlns='jabber:client' to='romeo@montague.lit' from='juliet@capulet.lit'>"
            "<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:avatar:metadata'>"
            f"<item{item}><metadata xmlns='urn:xmpp:avatar:metadata'>{infos}</metadata></item></items></event>"
            "<addresses xmlns='http://jabber.org/protocol/address'><address type='replyto' "
            "jid='juliet@capulet.lit/chamber'/></addresses></message>"))
    # XEP-0084 Example 8 (multiple formats): the PNG at the data node is chosen, URLs are not.
    chosen = event(f"<info bytes='23456' height='64' id='222f4b3c50d7b0df729d299bc6f8e9ef9066971f' type='image/gif' "
                   f"url='http://avatars.example.org/happy.gif' width='64'/><info bytes='12345' height='64' id='{HASH}' "
                   "type='image/png' width='64'/>")
    assert chosen.jid == "juliet@capulet.lit" and chosen.info == AvatarInfo(HASH, "image/png", 12345, 64, 64)
    assert event(f"<info bytes='1' id='{HASH}' type='image/png' url='https://evil.example/x.png'/>").info is None
    assert event(f"<info bytes='1' id='{HASH}' type='image/svg+xml'/>").info is None
    assert event("<stop/>", item="").info is None and event("").info is None
    assert parse_metadata_event(parse("<message xmlns='jabber:client' from='a@b'><body>x</body></message>")) is None


def test_data_results_count_only_when_their_sha1_is_the_item_id() -> None:
    image = png()
    good = hashlib.sha1(image).hexdigest()

    def result(item_id: str, data: bytes) -> Any:
        encoded = base64.b64encode(data).decode()
        wrapped = "\n".join(encoded[i:i + 20] for i in range(0, len(encoded), 20))  # line feeds MUST be accepted
        return parse("<iq xmlns='jabber:client' type='result' from='juliet@capulet.lit' id='retrieve1'>"
                     "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'>"
                     f"<item id='{item_id}'><data xmlns='urn:xmpp:avatar:data'>{wrapped}</data></item>"
                     "</items></pubsub></iq>")
    assert parse_data_result(result(good, image), good) == image
    assert parse_data_result(result(good, image + b"x"), good) is None
    assert parse_data_result(result(HASH, image), HASH) is None


def test_xep_0153_presence_and_vcard_stanzas() -> None:
    # XEP-0153 Example 3.
    presence = parse("<presence xmlns='jabber:client' from='juliet@capulet.com/balcony'>"
                     "<x xmlns='vcard-temp:x:update'><photo>sha1-hash-of-image</photo></x></presence>")
    assert presence_photo(presence) is None  # not a SHA-1: ignored
    presence = parse("<presence xmlns='jabber:client'><x xmlns='vcard-temp:x:update'>"
                     f"<photo>{HASH.upper()}</photo></x></presence>")
    assert presence_photo(presence) == HASH
    assert presence_photo(parse("<presence xmlns='jabber:client'><x xmlns='vcard-temp:x:update'><photo/></x>"
                                "</presence>")) == ""
    assert presence_photo(parse("<presence xmlns='jabber:client'><x xmlns='vcard-temp:x:update'/></presence>")) is None
    outgoing = add_photo(add_photo(element("presence", xmlns="jabber:client"), "abc"), HASH)
    assert canonical(serialize(outgoing)) == canonical(
        f"<presence xmlns='jabber:client'><x xmlns='vcard-temp:x:update'><photo>{HASH}</photo></x></presence>")
    assert "<photo />" in serialize(add_photo(element("presence"), ""))
    assert "photo" not in serialize(add_photo(element("presence"), None))
    # XEP-0153 Example 1: a vCard with a photo; other fields survive a change of PHOTO.
    card = parse("<iq xmlns='jabber:client' type='result' id='v1'><vCard xmlns='vcard-temp'>"
                 "<BDAY>1476-06-09</BDAY><NICKNAME>Jul</NICKNAME><PHOTO><TYPE>image/jpeg</TYPE>"
                 "<BINVAL>Base64-encoded-avatar-file-here!</BINVAL></PHOTO></vCard></iq>")
    assert vcard_photo(card).type == "image/jpeg" and vcard_photo(card).data is None  # broken base64
    image = png()
    stored = vcard_with_photo(card, image)
    text = serialize(stored)
    assert stored.get("type") == "set" and "<BDAY>1476-06-09</BDAY>" in text and "<NICKNAME>Jul</NICKNAME>" in text
    assert text.count("<PHOTO>") == 1 and vcard_photo(parse(text)).data == image
    assert "PHOTO" not in serialize(vcard_with_photo(card, None))
    assert "PHOTO" in serialize(vcard_with_photo(None, image))


def test_the_cache_is_bounded_and_evicts_the_least_recently_used_images() -> None:
    store = DictStore()
    cache = AvatarCache(store, limit=30)
    assert cache.put("a" * 40, "image/png", "A" * 10) and cache.put("b" * 40, "image/png", "B" * 10)
    assert cache.get("a" * 40) == ("image/png", "A" * 10)  # a is now more recent than b
    assert cache.put("c" * 40, "image/png", "C" * 15)
    assert cache.has("a" * 40) and not cache.has("b" * 40) and cache.has("c" * 40)
    assert "converse-py-avatar-" + "b" * 40 not in store.data
    assert not cache.put("d" * 40, "image/png", "D" * 31)
    assert not AvatarCache(DictStore()).put("e" * 40, "image/png", "E" * (MAX_BASE64 + 1))
    cache.set_jid("bob@localhost", "c" * 40)
    again = AvatarCache(store, limit=30)  # a new page: the index is read back
    assert again.image_for("bob@localhost") == ("image/png", "C" * 15)
    store.data["converse-py-avatars"] = "{not json"
    assert AvatarCache(store).images == {}


class FakeImages:
    """The page's ImageTools: 'decodes' what the test says."""

    def __init__(self, decodes: bool = True) -> None:
        self.ok = decodes

    async def decodes(self, type_: str, data: bytes) -> bool:
        return self.ok

    async def prepare(self, source: Any) -> tuple[bytes, int, int]:
        return bytes(source), 96, 96


def iq_id(client: Client, needle: str) -> str:
    stanza = next(parse(x) for x in reversed(client.transport.sent) if needle in x)
    return str(stanza.get("id"))


def test_a_pep_notification_fetches_the_data_once_and_shows_it() -> None:
    async def body() -> None:
        client = await logged_in()
        state = client.converse.get(AvatarState)
        changed: list[str] = []
        client.api.listen.on("avatarChanged", changed.append)
        image = png()
        hash_ = hashlib.sha1(image).hexdigest()
        notification = ("<message xmlns='jabber:client' from='juliet@capulet.lit' to='alice@localhost'>"
                        "<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:avatar:metadata'>"
                        f"<item id='{hash_}'><metadata xmlns='urn:xmpp:avatar:metadata'>"
                        f"<info bytes='{len(image)}' id='{hash_}' type='image/png'/></metadata></item></items></event></message>")
        client.transport.receive(notification)
        await settle()
        request = iq_id(client, "urn:xmpp:avatar:data")
        client.transport.receive(
            f"<iq xmlns='jabber:client' type='result' from='juliet@capulet.lit' id='{request}'>"
            "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='urn:xmpp:avatar:data'>"
            f"<item id='{hash_}'><data xmlns='urn:xmpp:avatar:data'>{base64.b64encode(image).decode()}</data>"
            "</item></items></pubsub></iq>")
        await settle()
        assert client.api.avatars.get("juliet@capulet.lit") == f"data:image/png;base64,{base64.b64encode(image).decode()}"
        assert changed == ["juliet@capulet.lit"]
        client.transport.sent.clear()
        client.transport.receive(notification.replace("juliet@capulet.lit", "romeo@montague.lit"))
        await settle()
        assert not any("urn:xmpp:avatar:data" in x for x in client.transport.sent)  # cached: not fetched again
        assert state.url_for("romeo@montague.lit") == state.url_for("juliet@capulet.lit")
        client.transport.receive("<message xmlns='jabber:client' from='romeo@montague.lit'>"
                                 "<event xmlns='http://jabber.org/protocol/pubsub#event'><items "
                                 "node='urn:xmpp:avatar:metadata'><item><metadata xmlns='urn:xmpp:avatar:metadata'/>"
                                 "</item></items></event></message>")
        await settle()
        assert client.api.avatars.get("romeo@montague.lit") is None
        assert changed == ["juliet@capulet.lit", "romeo@montague.lit", "romeo@montague.lit"]
    arun(body())


def vcard_result(request: str, type_: str, binval: str) -> str:
    return (f"<iq xmlns='jabber:client' type='result' from='bob@localhost' id='{request}'><vCard xmlns='vcard-temp'>"
            f"<FN>Bob</FN><PHOTO><TYPE>{type_}</TYPE><BINVAL>{binval}</BINVAL></PHOTO></vCard></iq>")


@pytest.mark.parametrize(("type_", "binval", "decodes", "shown"), [
    ("image/png", base64.b64encode(png()).decode(), True, True),
    ("image/png", base64.b64encode(png()).decode(), False, False),  # the browser cannot decode it
    ("text/html", base64.b64encode(png()).decode(), True, False),
    ("image/svg+xml", base64.b64encode(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>").decode(),
     True, False),
    ("image/png", "%%%not base64%%%", True, False),
    ("image/png", base64.b64encode(b"<html>not a png</html>").decode(), True, False),
    ("image/png", "A" * (MAX_BASE64 + 4), True, False),
])
def test_a_new_presence_photo_hash_fetches_the_vcard_and_only_images_are_shown(
        type_: str, binval: str, decodes: bool, shown: bool) -> None:
    async def body() -> None:
        client = await logged_in()
        client.converse.get(AvatarState).images = FakeImages(decodes)
        presence = ("<presence xmlns='jabber:client' from='bob@localhost/phone'><x xmlns='vcard-temp:x:update'>"
                    f"<photo>{hashlib.sha1(b'anything').hexdigest()}</photo></x></presence>")
        client.transport.receive(presence)
        await settle()
        client.transport.receive(vcard_result(iq_id(client, "vcard-temp"), type_, binval))
        await settle()
        url = client.api.avatars.get("bob@localhost")
        assert (url == f"data:image/png;base64,{binval}") if shown else url is None
        client.transport.sent.clear()
        client.transport.receive(presence)  # the same hash again: no second fetch
        await settle()
        assert not any("vcard-temp" in x for x in client.transport.sent)
    arun(body())


def test_setting_and_removing_the_own_avatar_publishes_to_pep_and_the_vcard_and_presence() -> None:
    async def body() -> None:
        client = await logged_in()
        state = client.converse.get(AvatarState)
        client.converse.trigger("statusInitialized", "online")  # the initial presence went out (no roster here)
        image = png((10, 200, 10))
        hash_ = hashlib.sha1(image).hexdigest()
        setting = client.api.avatars.set(image)

        async def answer(needle: str, reply: str = "") -> str:
            await settle()
            request = next(x for x in reversed(client.transport.sent) if needle in x)
            client.transport.receive(f"<iq xmlns='jabber:client' type='result' id='{parse(request).get('id')}'>"
                                     f"{reply}</iq>")
            return request

        data = await answer("urn:xmpp:avatar:data")
        assert hash_ in data and base64.b64encode(image).decode() in data
        metadata = await answer("urn:xmpp:avatar:metadata")
        assert f"id=\"{hash_}\"" in metadata and "image/png" in metadata
        await answer('type="get"', "<vCard xmlns='vcard-temp'><FN>Alice</FN></vCard>")
        stored = await answer("<PHOTO>")
        assert "<FN>Alice</FN>" in stored and base64.b64encode(image).decode() in stored
        assert await setting == hash_
        await settle()
        presences = [x for x in client.sent("presence") if "vcard-temp:x:update" in x]
        assert presences and f"<photo>{hash_}</photo>" in presences[-1]
        assert client.api.avatars.get("alice@localhost") is not None and state.own_hash == hash_
        removing = client.api.avatars.remove()
        empty = await answer("urn:xmpp:avatar:metadata")
        assert "<info" not in empty
        await answer('type="get"', "<vCard xmlns='vcard-temp'><FN>Alice</FN><PHOTO><TYPE>image/png</TYPE>"
                     f"<BINVAL>{base64.b64encode(image).decode()}</BINVAL></PHOTO></vCard>")
        stored = await answer("<vCard")
        assert "PHOTO" not in stored and "<FN>Alice</FN>" in stored
        await removing
        await settle()
        assert "<photo />" in client.sent("presence")[-1] and client.api.avatars.get("alice@localhost") is None
    arun(body())


def test_setting_an_avatar_refuses_what_is_not_an_image_and_offline_use_is_reported() -> None:
    async def body() -> None:
        client = await logged_in()
        with pytest.raises(Exception, match="not a PNG"):
            await client.api.avatars.set(b"<svg/>")
        with pytest.raises(Exception, match="expected an image"):
            client.api.avatars.set("data:image/png;base64,AAAA")
        with pytest.raises(Exception, match="expected a JID"):
            client.api.avatars.get("")
        client.api.user.logout()
        await settle()
        with pytest.raises(Exception, match="not connected"):
            client.api.avatars.remove()
    arun(body())


def test_a_room_occupants_photo_is_fetched_from_its_occupant_jid_and_shown_in_the_occupant_list() -> None:
    async def body() -> None:
        from converse_py.dom import room_templates
        client = await logged_in()
        client.converse.get(AvatarState).images = FakeImages()
        image = png((1, 2, 3))
        client.transport.receive(
            "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch'>"
            "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x>"
            f"<x xmlns='vcard-temp:x:update'><photo>{hashlib.sha1(image).hexdigest()}</photo></x></presence>")
        await settle()
        request = next(parse(x) for x in reversed(client.transport.sent) if "vcard-temp" in x)
        assert request.get("to") == "coven@chat.shakespeare.lit/thirdwitch"
        client.transport.receive(vcard_result(str(request.get("id")), "image/png",
                                              base64.b64encode(image).decode()).replace(
            "from='bob@localhost'", "from='coven@chat.shakespeare.lit/thirdwitch'"))
        await settle()
        url = client.api.avatars.get("coven@chat.shakespeare.lit/thirdwitch")
        assert url is not None and client.api.avatars.get("coven@chat.shakespeare.lit") is None

        class Occupant(dict[str, Any]):
            def get(self, key: str, default: Any = None) -> Any:
                return dict.get(self, key, default)
        rows = str(room_templates.occupants([Occupant(nick="thirdwitch"), Occupant(nick="firstwitch")],
                                            "coven@chat.shakespeare.lit", client.api.avatars.get))
        assert f'src="{url}"' in rows and 'data-avatar-for="coven@chat.shakespeare.lit/firstwitch"' in rows
    arun(body())


def test_a_vcard_the_roster_fetched_counts_and_our_own_other_clients_presence_is_not_fetched() -> None:
    async def body() -> None:
        from converse_py.plugins.roster.models import Contact
        from converse_py.plugins.roster.stanzas import RosterItem
        client = await logged_in()
        client.converse.get(AvatarState).images = FakeImages()
        contact = Contact(RosterItem("erin@localhost", "", "both", None, ()))
        contact.set({"image": base64.b64encode(png()).decode(), "image_type": "image/png"})
        client.converse.trigger("vcardUpdated", contact)
        await settle()
        assert client.api.avatars.get("erin@localhost") is not None
        client.transport.sent.clear()
        client.transport.receive("<presence xmlns='jabber:client' from='alice@localhost/phone'>"
                                 f"<x xmlns='vcard-temp:x:update'><photo>{HASH}</photo></x></presence>")
        await settle()
        assert not any("vcard-temp" in x for x in client.transport.sent)
    arun(body())


def test_a_new_hash_from_another_of_our_clients_is_advertised_here_too() -> None:
    async def body() -> None:
        client = await logged_in()
        state = client.converse.get(AvatarState)
        client.converse.trigger("statusInitialized", "online")
        state.own_hash = ""  # our vCard was read at log-in: no avatar
        image = png((7, 7, 7))
        hash_ = hashlib.sha1(image).hexdigest()
        client.transport.receive("<presence xmlns='jabber:client' from='alice@localhost/phone'>"
                                 f"<x xmlns='vcard-temp:x:update'><photo>{hash_}</photo></x></presence>")
        await settle()
        assert state.own_hash == hash_ and f"<photo>{hash_}</photo>" in client.sent("presence")[-1]
        request = next(parse(x) for x in reversed(client.transport.sent) if x.startswith("<iq") and "<vCard" in x)
        client.transport.receive(vcard_result(str(request.get("id")), "image/png", base64.b64encode(image).decode())
                                 .replace("from='bob@localhost'", "from='alice@localhost'"))
        await settle()
        assert client.api.avatars.get("alice@localhost") is not None
        sent = len(client.transport.sent)
        client.transport.receive("<presence xmlns='jabber:client' from='alice@localhost/web'>"
                                 f"<x xmlns='vcard-temp:x:update'><photo>{hash_}</photo></x></presence>")
        await settle()
        assert len(client.transport.sent) == sent  # our own echo changes nothing
    arun(body())
