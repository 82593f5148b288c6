"""XEP-0363 HTTP File Upload: stanzas against the XEP's examples, and the upload plugin on the fake
transport with a recording HTTP layer standing in for the browser's XMLHttpRequest."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from converse_py.core.errors import ConverseError
from converse_py.plugins.chats.plugin import ChatsState
from converse_py.plugins.upload.failures import UploadFailed
from converse_py.plugins.upload.plugin import UploadState
from converse_py.plugins.upload.stanzas import (SlotError, items_query, max_file_size, oob, parse_items,
                                                parse_refusal, parse_slot, slot_request)
from converse_py.plugins.upload.transfer import FileToSend, file_to_send
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, arun, logged_in, settle

# -- the XEP's own examples (XEP-0363 version 1.1.0) ----------------------------------------------
EXAMPLE_1_ITEMS = """<iq from='montague.tld' id='step_01' to='romeo@montague.tld/garden' type='result'
    xmlns='jabber:client'>
  <query xmlns='http://jabber.org/protocol/disco#items'>
    <item jid='upload.montague.tld' name='HTTP File Upload' />
    <item jid='conference.montague.tld' name='Chatroom Service' />
  </query>
</iq>"""

EXAMPLE_2_INFO = """<iq from='upload.montague.tld' id='step_02' to='romeo@montague.tld/garden' type='result'
    xmlns='jabber:client'>
  <query xmlns='http://jabber.org/protocol/disco#info'>
    <identity category='store' type='file' name='HTTP File Upload' />
    <feature var='urn:xmpp:http:upload:0' />
    <x type='result' xmlns='jabber:x:data'>
      <field var='FORM_TYPE' type='hidden'>
        <value>urn:xmpp:http:upload:0</value>
      </field>
      <field var='max-file-size'>
        <value>5242880</value>
      </field>
    </x>
  </query>
</iq>"""

EXAMPLE_4_REQUEST = """<iq from='romeo@montague.tld/garden' id='step_03' to='upload.montague.tld' type='get'
    xmlns='jabber:client'>
  <request xmlns='urn:xmpp:http:upload:0' filename='très cool.jpg' size='23456' content-type='image/jpeg' />
</iq>"""

EXAMPLE_5_SLOT = """<iq from='upload.montague.tld' id='step_03' to='romeo@montague.tld/garden' type='result'
    xmlns='jabber:client'>
  <slot xmlns='urn:xmpp:http:upload:0'>
    <put url='https://upload.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg'>
      <header name='Authorization'>Basic Base64String==</header>
      <header name='Cookie'>foo=bar; user=romeo</header>
    </put>
    <get url='https://download.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg' />
  </slot>
</iq>"""

EXAMPLE_6_TOO_LARGE = """<iq from='upload.montague.tld' id='step_03' to='romeo@montague.tld/garden' type='error'
    xmlns='jabber:client'>
  <request xmlns='urn:xmpp:http:upload:0' filename='très cool.jpg' size='23456' content-type='image/jpeg' />
  <error type='modify'>
    <not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
    <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>File too large. The maximum file size is 20000 bytes</text>
    <file-too-large xmlns='urn:xmpp:http:upload:0'>
      <max-file-size>20000</max-file-size>
    </file-too-large>
  </error>
</iq>"""

EXAMPLE_8_NOT_ALLOWED = """<iq from='upload.montague.tld' id='step_03' to='romeo@montague.tld/garden' type='error'
    xmlns='jabber:client'>
  <request xmlns='urn:xmpp:http:upload:0' filename='très cool.jpg' size='23456' content-type='image/jpeg' />
  <error type='cancel'>
    <not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' />
    <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Only premium members are allowed to upload files</text>
  </error>
</iq>"""


def test_the_slot_request_is_the_xeps_example_4() -> None:
    mine = slot_request("upload.montague.tld", "très cool.jpg", 23456, "image/jpeg", id_="step_03")
    theirs = parse(EXAMPLE_4_REQUEST)
    del theirs.attrib["from"]  # the server stamps it
    assert canonical(serialize(mine)) == canonical(serialize(theirs))
    assert "content-type" not in serialize(slot_request("u.example", "a", 1, None))


def test_the_slot_of_example_5_gives_both_urls_and_its_two_headers() -> None:
    slot = parse_slot(parse(EXAMPLE_5_SLOT))
    assert slot.put_url == "https://upload.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg"
    assert slot.get_url == "https://download.montague.tld/4a771ac1-f0b2-4a4a-9700-f2a26fa2bb67/tr%C3%A8s%20cool.jpg"
    assert slot.put_headers == {"Authorization": "Basic Base64String==", "Cookie": "foo=bar; user=romeo"}


def test_a_slot_keeps_only_the_headers_the_xep_allows_and_no_line_breaks() -> None:
    slot = parse_slot(parse(
        "<iq xmlns='jabber:client' type='result'><slot xmlns='urn:xmpp:http:upload:0'><put url='http://h.example/p'>"
        "<header name='expires'>Thu, 01 Jan 2099</header><header name='Host'>evil.example</header>"
        "<header name='Authorization'>Bearer a\r\nX-Injected: 1</header><header name='Cookie'></header></put>"
        "<get url='http://h.example/g'/></slot></iq>"))
    assert slot.put_headers == {"Expires": "Thu, 01 Jan 2099", "Authorization": "Bearer a X-Injected: 1"}


@pytest.mark.parametrize("put,get,message", [
    ("javascript:alert(1)", "https://x.example/g", "PUT URL is not an http(s) URL"),
    ("https://x.example/p", "data:text/html,hi", "GET URL is not an http(s) URL"),
    ("https://x.example/p", "", "no GET URL"),
    ("ftp://x.example/p", "https://x.example/g", "PUT URL is not an http(s) URL"),
    ("https:///nohost", "https://x.example/g", "PUT URL is not an http(s) URL"),
])
def test_a_slot_with_urls_that_are_not_http_is_refused(put: str, get: str, message: str) -> None:
    get_xml = f"<get url='{get}'/>" if get else ""
    with pytest.raises(SlotError, match=re.escape(message)):
        parse_slot(parse(f"<iq xmlns='jabber:client' type='result'><slot xmlns='urn:xmpp:http:upload:0'>"
                         f"<put url='{put}'/>{get_xml}</slot></iq>"))
    with pytest.raises(SlotError, match="no slot"):
        parse_slot(parse("<iq xmlns='jabber:client' type='result'/>"))


def test_service_discovery_reads_example_1_items_and_example_2_max_file_size() -> None:
    assert canonical(serialize(items_query("montague.tld"))).count("disco#items") == 1
    assert parse_items(parse(EXAMPLE_1_ITEMS)) == ["upload.montague.tld", "conference.montague.tld"]
    assert max_file_size(parse(EXAMPLE_2_INFO)) == 5242880
    # ejabberd also announces the legacy namespace's form first: only urn:xmpp:http:upload:0's counts
    both = EXAMPLE_2_INFO.replace("<x type='result'", "<x type='result' xmlns='jabber:x:data'><field var='FORM_TYPE'>"
                                  "<value>urn:xmpp:http:upload</value></field><field var='max-file-size'>"
                                  "<value>7</value></field></x><x type='result'", 1)
    assert max_file_size(parse(both)) == 5242880
    assert max_file_size(parse(EXAMPLE_2_INFO.replace("5242880", "lots"))) is None
    assert max_file_size(parse(EXAMPLE_1_ITEMS)) is None


def test_slot_refusals_of_examples_6_and_8_keep_the_servers_words_and_limit() -> None:
    too_large = parse_refusal(parse(EXAMPLE_6_TOO_LARGE))
    assert too_large.condition == "not-acceptable" and too_large.max_size == 20000
    assert too_large.text == "File too large. The maximum file size is 20000 bytes"
    not_allowed = parse_refusal(parse(EXAMPLE_8_NOT_ALLOWED))
    assert (not_allowed.condition, not_allowed.text, not_allowed.max_size) == (
        "not-allowed", "Only premium members are allowed to upload files", None)


def test_the_oob_element_carries_the_url() -> None:
    assert canonical(serialize(oob("https://x.example/a b.jpg"))) == canonical(
        "<x xmlns='jabber:x:oob'><url>https://x.example/a b.jpg</url></x>")


def test_failure_wording_says_what_happened_in_plain_words() -> None:
    assert str(UploadFailed.too_large("cat.jpg", 25_000_000, 20_971_520)) == \
        "cat.jpg was not sent: it is 25.0 MB and the server accepts files up to 21.0 MB."
    assert str(UploadFailed.no_service("a.txt")) == "a.txt was not sent: your server offers no file upload service."
    assert str(UploadFailed.refused("a.txt", "<b>no</b>")) == \
        "a.txt was not sent: the upload service refused it (<b>no</b>)."
    assert "HTTP 413" in str(UploadFailed.http_status("a.txt", 413)) and "too large" in str(
        UploadFailed.http_status("a.txt", 413))
    assert str(UploadFailed.http_status("a.txt", 500)) == "a.txt was not sent: the upload server answered HTTP 500."
    assert str(UploadFailed.offline("a.txt")) == "a.txt was not sent: you are offline."
    assert "could not be reached" in str(UploadFailed.network("a.txt"))


def test_files_are_described_from_blobs_and_bytes_and_anything_else_is_refused() -> None:
    class Blob:
        name, size, type = "pic.png", 12.0, "image/png"
    blob = Blob()
    assert file_to_send(blob) == FileToSend("pic.png", 12, "image/png", blob)
    with pytest.raises(ValueError, match="need a filename"):
        file_to_send(b"abc")
    with pytest.raises(ValueError, match="expected a File"):
        file_to_send("not a file")


# -- the plugin, on the fake transport ------------------------------------------------------------
class RecordedPut:
    """A PUT the plugin started: the test settles it with ``answer(status)`` or ``fail()``."""

    def __init__(self, url: str, headers: Mapping[str, str], file: FileToSend,
                 on_progress: Callable[[int], None]) -> None:
        self.url, self.headers, self.file, self.on_progress = url, dict(headers), file, on_progress
        self.done: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.aborted = False

    async def status(self) -> int:
        return await self.done

    def abort(self) -> None:
        self.aborted = True
        if not self.done.done():
            self.done.cancel()

    def answer(self, status: int) -> None:
        self.on_progress(self.file.size // 2)
        self.on_progress(self.file.size)
        self.done.set_result(status)

    def fail(self) -> None:
        self.done.set_exception(OSError("network"))


async def upload_client(settings: dict[str, Any] | None = None) -> tuple[Client, list[RecordedPut], list[str]]:
    client = await logged_in(settings)
    puts: list[RecordedPut] = []

    def http_put(*args: Any) -> RecordedPut:
        puts.append(RecordedPut(*args))
        return puts[-1]
    client.platform.http_put = http_put  # type: ignore[attr-defined]
    events: list[str] = []
    for name in ("uploadStarted", "uploadProgress", "uploadFinished", "uploadFailed"):
        client.api.listen.on(name, lambda upload, name=name: events.append(f"{name}:{upload.get('loaded')}"))
    return client, puts, events


def last_iq(client: Client, marker: str) -> Any:
    return parse(next(x for x in reversed(client.transport.sent) if x.startswith("<iq") and marker in x))


def answer(client: Client, request: Any, inner: str, kind: str = "result") -> None:
    client.transport.receive(f"<iq xmlns='jabber:client' type='{kind}' id='{request.get('id')}' "
                             f"from='{request.get('to')}' to='alice@localhost/web'>{inner}</iq>")


async def discover(client: Client, limit: str = "5242880") -> None:
    """Answer disco#items of localhost with example 1's items (renamed) and disco#info as example 2."""
    await settle()
    items = last_iq(client, "disco#items")
    assert items.get("to") == "localhost"
    answer(client, items, "<query xmlns='http://jabber.org/protocol/disco#items'><item jid='upload.localhost'/>"
                          "<item jid='conference.localhost'/></query>")
    await settle()
    for request in [parse(x) for x in client.transport.sent if "disco#info" in x and "upload.localhost" in x
                    or "disco#info" in x and "conference.localhost" in x]:
        if request.get("to") == "upload.localhost":
            answer(client, request, EXAMPLE_2_INFO.split("<query", 1)[1].join(["<query", ""]).rsplit("</iq>", 1)[0]
                   .replace("5242880", limit))
        else:
            answer(client, request, "<query xmlns='http://jabber.org/protocol/disco#info'>"
                                    "<feature var='http://jabber.org/protocol/muc'/></query>")
    await settle()


def sent_messages(client: Client) -> list[str]:
    return [x for x in client.transport.sent if x.startswith("<message")]


def test_a_file_is_uploaded_and_its_url_sent_with_oob_to_a_chat() -> None:
    async def body() -> tuple[Any, ...]:
        client, puts, events = await upload_client()
        sending = client.api.upload.send("bob@localhost", b"hello world", "hi.txt", "text/plain")
        await discover(client)
        slot = last_iq(client, "urn:xmpp:http:upload:0")
        assert canonical(serialize(slot)) == canonical(serialize(slot_request(
            "upload.localhost", "hi.txt", 11, "text/plain", id_=slot.get("id"))))
        answer(client, slot, EXAMPLE_5_SLOT.split("<slot", 1)[1].join(["<slot", ""]).rsplit("</iq>", 1)[0])
        await settle()
        assert sent_messages(client) == []  # nothing is sent before the file is on the server
        puts[0].answer(201)
        url = await sending
        service = await client.api.upload.service()
        return client, puts, events, url, service
    client, puts, events, url, service = arun(body())
    assert url.startswith("https://download.montague.tld/")
    assert puts[0].url.startswith("https://upload.montague.tld/") and puts[0].file.body == b"hello world"
    assert puts[0].headers == {"Authorization": "Basic Base64String==", "Cookie": "foo=bar; user=romeo"}
    [message] = sent_messages(client)
    stanza = parse(message)
    assert stanza.get("to") == "bob@localhost" and stanza.findtext("{jabber:client}body") == url
    assert stanza.findtext("{jabber:x:oob}x/{jabber:x:oob}url") == url
    assert events == ["uploadStarted:0", "uploadProgress:5", "uploadProgress:11", "uploadFinished:11"]
    assert service == {"jid": "upload.localhost", "max_file_size": 5242880}
    box = client.converse.get(ChatsState).boxes["bob@localhost"]
    assert [m.body for m in box.messages] == [url]


def test_a_file_over_the_servers_limit_is_refused_before_any_slot_or_put() -> None:
    async def body() -> tuple[Client, list[RecordedPut], list[str], str]:
        client, puts, events = await upload_client()
        sending = client.api.upload.send("bob@localhost", b"x" * 5000, "big.bin")
        await discover(client, limit="1000")
        with pytest.raises(UploadFailed) as failure:
            await sending
        return client, puts, events, str(failure.value)
    client, puts, events, message = arun(body())
    assert message == "big.bin was not sent: it is 5 KB and the server accepts files up to 1 KB."
    assert puts == [] and not any("urn:xmpp:http:upload:0" in x for x in client.transport.sent)
    assert sent_messages(client) == [] and events == ["uploadStarted:0", "uploadFailed:0"]
    box = client.converse.get(ChatsState).boxes["bob@localhost"]
    assert [(m.kind, m.body) for m in box.messages] == [("info", message)]


def test_without_an_upload_service_the_box_says_so() -> None:
    async def body() -> str:
        client, puts, _ = await upload_client({"upload_service": "conference.localhost"})
        sending = client.api.upload.send("bob@localhost", b"abc", "a.txt")
        await settle()
        request = last_iq(client, "disco#info")
        assert request.get("to") == "conference.localhost"
        answer(client, request, "<query xmlns='http://jabber.org/protocol/disco#info'>"
                                "<feature var='http://jabber.org/protocol/muc'/></query>")
        with pytest.raises(UploadFailed, match="offers no file upload service"):
            await sending
        assert await client.api.upload.service() is None
        assert puts == [] and sent_messages(client) == []
        return client.converse.get(ChatsState).boxes["bob@localhost"].messages[-1].body
    assert arun(body()) == "a.txt was not sent: your server offers no file upload service."


def test_a_refused_slot_shows_the_servers_text_as_text() -> None:
    async def body() -> str:
        client, puts, _ = await upload_client()
        sending = client.api.upload.send("bob@localhost", b"abc", "a.txt")
        await discover(client)
        answer(client, last_iq(client, "urn:xmpp:http:upload:0"),
               "<error type='cancel'><not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
               "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>&lt;b&gt;premium&lt;/b&gt; only</text></error>",
               kind="error")
        with pytest.raises(UploadFailed) as failure:
            await sending
        assert puts == [] and sent_messages(client) == []
        return str(failure.value)
    assert arun(body()) == "a.txt was not sent: the upload service refused it (<b>premium</b> only)."


@pytest.mark.parametrize("outcome,expected", [
    (413, "a.txt was not sent: the upload server says the file is too large (HTTP 413)."),
    (403, "a.txt was not sent: the upload server answered HTTP 403."),
    ("network", "a.txt was not sent: the upload server could not be reached (a network problem, or it "
                "does not allow uploads from this page)."),
    ("cancel", "The upload of a.txt was cancelled."),
])
def test_a_put_that_fails_or_is_cancelled_sends_nothing_and_says_why(outcome: Any, expected: str) -> None:
    async def body() -> tuple[str, str, list[str], bool]:
        client, puts, events = await upload_client()
        started: list[Any] = []
        client.api.listen.on("uploadStarted", started.append)
        sending = client.api.upload.send("bob@localhost", b"abc", "a.txt")
        await discover(client)
        answer(client, last_iq(client, "urn:xmpp:http:upload:0"), EXAMPLE_5_SLOT.split("<slot", 1)[1].join(
            ["<slot", ""]).rsplit("</iq>", 1)[0])
        await settle()
        if outcome == "network":
            puts[0].fail()
        elif outcome == "cancel":
            assert client.api.upload.cancel(started[0].id) is True
        else:
            puts[0].done.set_result(outcome)
        with pytest.raises(UploadFailed) as failure:
            await sending
        await settle()
        box = client.converse.get(ChatsState).boxes["bob@localhost"]
        assert sent_messages(client) == []
        return str(failure.value), box.messages[-1].body, events, puts[0].aborted
    message, shown, events, aborted = arun(body())
    assert message == expected and shown == expected and events[-1].startswith("uploadFailed")
    assert aborted == (outcome == "cancel")


def test_offline_uploads_fail_at_once_and_bad_arguments_are_refused() -> None:
    async def body() -> tuple[str, list[str]]:
        client, puts, _ = await upload_client()
        errors = []
        for args in ((5, b"x", "a"), ("bob@localhost", "text"), ("bob@localhost", b"x"), ("@@", b"x", "a")):
            try:
                client.api.upload.send(*args)
            except ConverseError as exc:
                errors.append(str(exc))
        client.transport.drop()
        await settle()
        with pytest.raises(UploadFailed) as failure:
            await client.api.upload.send("bob@localhost", b"abc", "a.txt")
        assert puts == []
        return str(failure.value), errors
    message, errors = arun(body())
    assert message == "a.txt was not sent: you are offline."
    assert len(errors) == 4 and all(e.startswith("upload.send: ") for e in errors)


def test_a_file_sent_to_a_room_is_a_groupchat_message_with_oob() -> None:
    async def body() -> Client:
        client, puts, _ = await upload_client()
        client.api.rooms.open("coven@conference.localhost", {"nick": "alice"})
        await settle()
        state = client.converse.get(UploadState)
        upload = state.start("coven@conference.localhost", file_to_send(b"abc", "a.txt"))
        await discover(client)
        answer(client, last_iq(client, "urn:xmpp:http:upload:0"), EXAMPLE_5_SLOT.split("<slot", 1)[1].join(
            ["<slot", ""]).rsplit("</iq>", 1)[0])
        await settle()
        puts[0].answer(200)
        assert upload.task is not None
        await upload.task
        return client
    client = arun(body())
    [message] = [parse(x) for x in sent_messages(client)]
    assert message.get("type") == "groupchat" and message.get("to") == "coven@conference.localhost"
    assert message.findtext("{jabber:x:oob}x/{jabber:x:oob}url") == message.findtext("{jabber:client}body")


def test_a_server_without_items_that_offers_uploads_itself_is_the_service() -> None:
    async def body() -> Any:
        client, _, _ = await upload_client()
        finding = client.api.upload.service()
        await settle()
        answer(client, last_iq(client, "disco#items"), "<error type='cancel'><feature-not-implemented "
                                                       "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>", "error")
        await settle()
        info = last_iq(client, "disco#info")
        assert info.get("to") == "localhost"
        answer(client, info, "<query xmlns='http://jabber.org/protocol/disco#info'>"
                             "<feature var='urn:xmpp:http:upload:0'/></query>")
        return await finding
    assert arun(body()) == {"jid": "localhost", "max_file_size": None}
