"""XEP-0077 in-band registration and password change, and the own-profile vCard edit: stanzas
against the XEPs' examples, the registration on its own unauthenticated stream, and the login
secret after a password change."""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET

import pytest

from converse_py.core.secret import LoginSecret
from converse_py.plugins.profile.stanzas import nick_publish, read_profile, vcard_with_profile
from converse_py.plugins.register.registration import register
from converse_py.plugins.register.stanzas import (RegistrationError, error_text, fields_request, parse_form,
                                                  password_change, submission)
from converse_py.transport.base import ScramKeys
from converse_py.transport.fake import FakeTransport
from converse_py.xmpp.errors import parse_error
from converse_py.xmpp.stanza import canonical, parse, serialize

from .conftest import Client, arun, settle

# XEP-0077 Example 2: the server's legacy fields.
EXAMPLE_2 = """<iq xmlns='jabber:client' type='result' id='reg1'>
  <query xmlns='jabber:iq:register'>
    <instructions>
      Choose a username and password for use with this service.
      Please also provide your email address.
    </instructions>
    <username/>
    <password/>
    <email/>
  </query>
</iq>"""
# XEP-0077 Example 3: the entity provides them.
EXAMPLE_3 = """<iq xmlns='jabber:client' type='set' id='reg2'>
  <query xmlns='jabber:iq:register'>
    <username>bill</username>
    <password>Calliope</password>
    <email>bard@shakespeare.lit</email>
  </query>
</iq>"""
# XEP-0077 §6 (Example 8 and 9): a data form, and its submission.
DATA_FORM = """<iq xmlns='jabber:client' type='result' from='marlowe.shakespeare.lit' id='reg3'>
  <query xmlns='jabber:iq:register'>
    <instructions>
      Use the enclosed form to register. If your Jabber client does not
      support Data Forms, visit http://www.shakespeare.lit/contests.php
    </instructions>
    <x xmlns='jabber:x:data' type='form'>
      <title>Contest Registration</title>
      <instructions>
        Please provide the following information
        to sign up for our special contests!
      </instructions>
      <field type='hidden' var='FORM_TYPE'>
        <value>jabber:iq:register</value>
      </field>
      <field type='text-single' label='Given Name' var='first'>
        <required/>
      </field>
      <field type='text-single' label='Family Name' var='last'>
        <required/>
      </field>
      <field type='text-single' label='Email Address' var='email'>
        <required/>
      </field>
      <field type='list-single' label='Gender' var='x-gender'>
        <option label='Male'><value>M</value></option>
        <option label='Female'><value>F</value></option>
      </field>
    </x>
  </query>
</iq>"""
DATA_SUBMIT_VALUES = {"FORM_TYPE": ["jabber:iq:register"], "first": ["Juliet"], "last": ["Capulet"],
                      "email": ["juliet@capulet.com"], "x-gender": ["F"]}
# XEP-0077 Example 18: changing the password.
EXAMPLE_18 = """<iq xmlns='jabber:client' type='set' to='shakespeare.lit' id='change1'>
  <query xmlns='jabber:iq:register'>
    <username>bill</username>
    <password>newpass</password>
  </query>
</iq>"""
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def _without_id(xml: str) -> str:
    el = parse(xml)
    el.attrib.pop("id", None)
    return canonical(serialize(el))


def _error(code: str, type_: str, condition: str, text: str = "") -> ET.Element:
    extra = f"<text xmlns='{STANZAS}'>{text}</text>" if text else ""
    return parse(f"<iq xmlns='jabber:client' type='error' id='reg2'><error code='{code}' type='{type_}'>"
                 f"<{condition} xmlns='{STANZAS}'/>{extra}</error></iq>")


def test_the_fields_request_is_example_1() -> None:
    assert _without_id(serialize(fields_request())) == canonical(
        "<iq xmlns='jabber:client' type='get'><query xmlns='jabber:iq:register'/></iq>")


def test_legacy_fields_are_read_and_submitted_as_in_examples_2_and_3() -> None:
    form = parse_form(parse(EXAMPLE_2))
    assert [f.var for f in form.fields] == ["username", "password", "email"]
    assert [f.type for f in form.fields] == ["text-single", "text-private", "text-single"]
    assert form.instructions.startswith("Choose a username") and not form.data_form
    stanza = submission(form, {"username": "bill", "password": "Calliope", "email": "bard@shakespeare.lit"})
    assert _without_id(serialize(stanza)) == _without_id(EXAMPLE_3)


def test_a_data_form_counts_over_the_legacy_fields_and_is_submitted_as_in_section_6() -> None:
    form = parse_form(parse(DATA_FORM))
    assert form.data_form and form.instructions.startswith("Please provide the following information")
    assert [(f.var, f.required) for f in form.fields] == [
        ("FORM_TYPE", False), ("first", True), ("last", True), ("email", True), ("x-gender", False)]
    assert form.fields[4].options == ("M", "F")
    stanza = submission(form, {"first": "Juliet", "last": "Capulet", "email": "juliet@capulet.com", "x-gender": "F"})
    x = parse(serialize(stanza)).find("{jabber:iq:register}query/{jabber:x:data}x")
    assert x is not None and x.get("type") == "submit"
    got = {f.get("var"): [v.text for v in f.findall("{jabber:x:data}value")] for f in x}
    assert got == DATA_SUBMIT_VALUES


def test_a_required_field_left_empty_is_named_before_anything_is_sent() -> None:
    form = parse_form(parse(DATA_FORM))
    with pytest.raises(RegistrationError, match="Family Name"):
        submission(form, {"first": "Juliet", "email": "juliet@capulet.com"})


def test_the_password_change_is_example_18() -> None:
    assert _without_id(serialize(password_change("bill", "newpass", "shakespeare.lit"))) == _without_id(EXAMPLE_18)


@pytest.mark.parametrize(("code", "type_", "condition", "words"), [
    ("409", "cancel", "conflict", "That username is taken."),
    ("406", "modify", "not-acceptable", "a required field is missing, or the password is too weak"),
    ("405", "cancel", "not-allowed", "This server does not allow registration."),
])
def test_the_registration_errors_of_examples_6_and_7_are_said_in_words(
        code: str, type_: str, condition: str, words: str) -> None:
    assert words in error_text(parse_error(_error(code, type_, condition)))


def test_the_server_s_own_reason_is_shown_for_a_weak_password() -> None:
    text = error_text(parse_error(_error("406", "modify", "not-acceptable", "Password is too weak")))
    assert text == "The server did not accept that: Password is too weak"


def test_a_refused_password_change_says_so_in_words() -> None:
    assert "changing the password" in error_text(parse_error(_error("405", "cancel", "not-allowed")),
                                                 changing_password=True)


def _answer(transport: FakeTransport, reply: str) -> None:
    """Answer the last IQ ``transport`` sent with ``reply`` (its id put in)."""
    sent_id = parse(transport.sent[-1]).get("id")
    el = parse(reply)
    el.set("id", sent_id or "")
    transport.receive(serialize(el))


def test_registration_runs_on_an_unauthenticated_stream_of_its_own() -> None:
    async def body() -> tuple[str | None, list[str], bool, int]:
        transport = FakeTransport()
        task = asyncio.ensure_future(register(transport, "shakespeare.lit",
                                              {"username": "bill", "password": "Calliope",
                                               "email": "bard@shakespeare.lit"}))
        await settle()
        _answer(transport, EXAMPLE_2)
        await settle()
        _answer(transport, "<iq xmlns='jabber:client' type='result'/>")
        await task
        return transport.opened_domain, transport.sent, transport.disposed, len(transport.logins)
    domain, sent, disposed, logins = arun(body())
    assert domain == "shakespeare.lit" and logins == 0 and disposed
    assert [_without_id(x) for x in sent] == [_without_id(serialize(fields_request())), _without_id(EXAMPLE_3)]


def test_a_taken_username_fails_the_registration_in_words_and_closes_the_stream() -> None:
    async def body() -> tuple[str, bool]:
        transport = FakeTransport()
        task = asyncio.ensure_future(register(transport, "shakespeare.lit", {"username": "bill", "password": "x",
                                                                              "email": "b@s.lit"}))
        await settle()
        _answer(transport, EXAMPLE_2)
        await settle()
        _answer(transport, serialize(_error("409", "cancel", "conflict")))
        try:
            await task
        except RegistrationError as exc:
            return str(exc), transport.disposed
        return "", transport.disposed
    assert arun(body()) == ("That username is taken.", True)


def test_registration_is_refused_when_allow_registration_is_off() -> None:
    async def body() -> str:
        client = Client()
        await client.converse.initialize({"allow_registration": False})
        try:
            await client.api.account.register({"domain": "localhost", "username": "bill", "password": "x"})
        except Exception as exc:
            return str(exc)
        return ""
    assert "allow_registration" in arun(body())


def test_after_a_password_change_reconnection_logs_in_with_the_new_password() -> None:
    async def body() -> tuple[str, object, list[str]]:
        client = Client()
        client.transport.scram = True
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": "old-pass"})
        await settle()
        keys_before = client.converse.connection._secret
        assert keys_before is not None and isinstance(keys_before.value, ScramKeys)
        client.transport.sent.clear()
        change = asyncio.ensure_future(client.api.account.change_password("new-pass"))
        await settle()
        request = client.transport.sent[-1]
        _answer(client.transport, "<iq xmlns='jabber:client' type='result' from='localhost'/>")
        await change
        secret = client.converse.connection._secret
        client.transport.accept_password = "new-pass"
        client.transport.drop("connection-lost")
        for _ in range(40):
            await settle()
            client.clock.advance(1)
        return request, secret, client.transport.logins
    request, secret, logins = arun(body())
    assert _without_id(request) == canonical(
        "<iq xmlns='jabber:client' type='set' to='localhost'><query xmlns='jabber:iq:register'>"
        "<username>alice</username><password>new-pass</password></query></iq>")
    assert isinstance(secret, LoginSecret) and secret.is_password and "new-pass" not in repr(secret)
    assert logins == ["password", "password"]


# -- profile -------------------------------------------------------------------------------------
FETCHED_VCARD = ("<iq xmlns='jabber:client' type='result'><vCard xmlns='vcard-temp'><FN>Old Name</FN>"
                 "<ORG><ORGNAME>Capulet</ORGNAME></ORG>"
                 "<PHOTO><TYPE>image/png</TYPE><BINVAL>iVBORw0KGgo=</BINVAL></PHOTO></vCard></iq>")


def test_the_profile_edit_keeps_the_photo_and_every_other_field() -> None:
    stored = vcard_with_profile(parse(FETCHED_VCARD), {"fullname": "Juliet Capulet", "nickname": "Jule",
                                                       "url": "https://capulet.lit/", "email": "juliet@capulet.lit"})
    assert stored.get("type") == "set"
    card = parse(serialize(stored)).find("{vcard-temp}vCard")
    assert card is not None
    assert card.findtext("{vcard-temp}PHOTO/{vcard-temp}BINVAL") == "iVBORw0KGgo="
    assert card.findtext("{vcard-temp}PHOTO/{vcard-temp}TYPE") == "image/png"
    assert card.findtext("{vcard-temp}ORG/{vcard-temp}ORGNAME") == "Capulet"
    assert [el.tag for el in card].count("{vcard-temp}FN") == 1
    assert read_profile(stored) == {"fullname": "Juliet Capulet", "nickname": "Jule",
                                    "url": "https://capulet.lit/", "email": "juliet@capulet.lit"}


def test_an_empty_profile_value_removes_the_field() -> None:
    stored = vcard_with_profile(parse(FETCHED_VCARD), {"fullname": ""})
    assert read_profile(stored)["fullname"] == "" and "PHOTO" in serialize(stored)


def test_the_nickname_is_published_as_in_xep_0172_example_2() -> None:
    assert _without_id(serialize(nick_publish("Ishmael"))) == canonical(
        "<iq xmlns='jabber:client' type='set'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
        "<publish node='http://jabber.org/protocol/nick'><item>"
        "<nick xmlns='http://jabber.org/protocol/nick'>Ishmael</nick></item></publish></pubsub></iq>")


def test_vcard_edits_wait_for_each_other_so_none_stores_a_stale_vcard() -> None:
    async def body() -> list[int]:
        from .conftest import logged_in
        client = await logged_in()
        counts = []

        def vcard_iqs(kind: str) -> list[str]:
            return [x for x in client.transport.sent if "vcard-temp" in x and f'type="{kind}"' in x]
        first = asyncio.ensure_future(client.api.profile.set({"fullname": "First"}))
        second = asyncio.ensure_future(client.api.profile.set({"nickname": "second"}))
        await settle()
        counts.append(len(vcard_iqs("get")))  # only the first edit fetched
        _answer_id(client, vcard_iqs("get")[0], FETCHED_VCARD)
        await settle()
        counts.append(len(vcard_iqs("get")))  # the first stores; the second still waits
        _answer_id(client, vcard_iqs("set")[0], "<iq xmlns='jabber:client' type='result'/>")
        await settle()
        counts.append(len(vcard_iqs("get")))  # now the second fetches (what the first stored)
        first.cancel()
        second.cancel()
        return counts
    assert arun(body()) == [1, 1, 2]


def _answer_id(client: Client, request: str, reply: str) -> None:
    el = parse(reply)
    el.set("id", parse(request).get("id") or "")
    client.transport.receive(serialize(el))


def test_the_form_shown_is_submitted_on_the_stream_that_fetched_it() -> None:
    async def body() -> tuple[int, list[str], bool, str]:
        from converse_py.plugins.register.plugin import RegistrationState
        client = Client()
        await client.converse.initialize({})
        state = client.converse.get(RegistrationState)
        form = asyncio.ensure_future(state.form("shakespeare.lit"))
        await settle()
        _answer(client.transport, DATA_FORM)
        await form
        done = asyncio.ensure_future(state.register("shakespeare.lit", {
            "first": "Juliet", "last": "Capulet", "email": "juliet@capulet.com", "x-gender": "F"}))
        await settle()
        _answer(client.transport, "<iq xmlns='jabber:client' type='result'/>")
        jid = await done
        return client.transport.connects, client.transport.sent, client.transport.disposed, jid
    connects, sent, disposed, jid = arun(body())
    assert connects == 1 and len(sent) == 2 and disposed and jid == "shakespeare.lit"
    assert "jabber:x:data" in sent[1] and 'type="submit"' in sent[1]
