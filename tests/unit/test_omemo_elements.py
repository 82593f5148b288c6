"""OMEMO stanza elements (converse_py/plugins/omemo/elements.py, sce.py) compared with XEP-0384's
examples (0.3.0 for eu.siacs.conversations.axolotl, 0.8 for urn:xmpp:omemo:2), XEP-0420's envelope,
and what Conversations publishes. The XEPs' BASE64ENCODED placeholders are replaced by real values."""

from __future__ import annotations

import base64
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from converse_py.plugins.omemo import elements, sce
from converse_py.plugins.omemo.elements import Encrypted, EncryptedKey
from converse_py.plugins.omemo.errors import WireFormatError
from converse_py.plugins.omemo.versions import OMEMO_03, OMEMO_2
from converse_py.plugins.omemo.x3dh import Bundle
from converse_py.xmpp.stanza import canonical, element, parse, serialize, sub

from .conftest import arun
from .omemo_crypto import CryptographyBackend


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64_03(key: bytes) -> str:
    """A key in 0.3's form (0x05 prefix), base64."""
    return b64(b"\x05" + key)


K1, K2, IV, PAYLOAD = os.urandom(40), os.urandom(60), os.urandom(12), os.urandom(30)

# XEP-0384 0.3.0, Example 8 ("Sending a message"), the <encrypted/> element.
XEP_03_MESSAGE = f"""
<encrypted xmlns='eu.siacs.conversations.axolotl'>
  <header sid='27183'>
    <key rid='31415'>{b64(K1)}</key>
    <key prekey="true" rid='12321'>{b64(K2)}</key>
    <iv>{b64(IV)}</iv>
  </header>
  <payload>{b64(PAYLOAD)}</payload>
</encrypted>"""

# XEP-0384 0.8, "Sending a message".
XEP_2_MESSAGE = f"""
<encrypted xmlns='urn:xmpp:omemo:2'>
  <header sid='27183'>
    <keys jid='juliet@capulet.lit'>
      <key rid='31415'>{b64(K1)}</key>
    </keys>
    <keys jid='romeo@montague.lit'>
      <key rid='1337'>{b64(K2)}</key>
      <key kex='true' rid='12321'>{b64(K1)}</key>
    </keys>
  </header>
  <payload>{b64(PAYLOAD)}</payload>
</encrypted>"""


def test_a_0_3_encrypted_element_is_built_and_parsed_as_in_the_xep_example() -> None:
    encrypted = Encrypted(OMEMO_03, 27183, (EncryptedKey(31415, K1), EncryptedKey(12321, K2, True)), PAYLOAD, IV)
    assert canonical(serialize(elements.encrypted_element(encrypted))) == canonical(XEP_03_MESSAGE)
    assert elements.parse_encrypted(parse(XEP_03_MESSAGE)) == encrypted
    assert elements.parse_encrypted(parse(XEP_03_MESSAGE)).keys_for(12321) == [EncryptedKey(12321, K2, True)]


def test_an_omemo_2_encrypted_element_groups_keys_by_jid_as_in_the_xep_example() -> None:
    keys = (EncryptedKey(31415, K1, jid="juliet@capulet.lit"), EncryptedKey(1337, K2, jid="romeo@montague.lit"),
            EncryptedKey(12321, K1, True, "romeo@montague.lit"))
    encrypted = Encrypted(OMEMO_2, 27183, keys, PAYLOAD)
    assert canonical(serialize(elements.encrypted_element(encrypted))) == canonical(XEP_2_MESSAGE)
    parsed = elements.parse_encrypted(parse(XEP_2_MESSAGE))
    assert parsed == encrypted
    assert parsed.keys_for(31415, "romeo@montague.lit") == [] and len(parsed.keys_for(31415, "juliet@capulet.lit")) == 1


def test_a_key_transport_element_has_no_payload() -> None:
    parsed = elements.parse_encrypted(parse(XEP_03_MESSAGE.replace(f"<payload>{b64(PAYLOAD)}</payload>", "")))
    assert parsed.payload is None
    assert "payload" not in serialize(elements.encrypted_element(parsed))


def test_device_lists_of_both_namespaces_are_the_xeps_examples() -> None:
    axolotl = "<list xmlns='eu.siacs.conversations.axolotl'><device id='12345' /><device id='4223' /><device id='31415' /></list>"
    assert elements.parse_device_list(parse(axolotl)) == {12345: None, 4223: None, 31415: None}
    assert canonical(serialize(elements.device_list_element(OMEMO_03, {12345: None, 4223: None, 31415: None}))) == canonical(axolotl)
    two = "<devices xmlns='urn:xmpp:omemo:2'><device id='12345' /><device id='4223' label='Gajim on Ubuntu Linux' /></devices>"
    assert elements.parse_device_list(parse(two)) == {12345: None, 4223: "Gajim on Ubuntu Linux"}
    assert canonical(serialize(elements.device_list_element(OMEMO_2, {12345: None, 4223: "Gajim on Ubuntu Linux"}))) == canonical(two)
    assert elements.devices_node(OMEMO_03) == "eu.siacs.conversations.axolotl.devicelist"
    assert elements.devices_node(OMEMO_2) == "urn:xmpp:omemo:2:devices"


def test_a_device_list_skips_entries_with_bad_ids() -> None:
    hostile = "<list xmlns='eu.siacs.conversations.axolotl'><device id='x'/><device/><device id='0'/><device id='99999999999'/><device id='7'/></list>"
    assert elements.parse_device_list(parse(hostile)) == {7: None}


SPK, IK, PK1, PK2, SIG = (os.urandom(32) for _ in range(5))
SIG = SIG * 2


def test_a_0_3_bundle_is_the_xep_examples_shape() -> None:
    # XEP-0384 0.3.0, "Announcing bundle information".
    xep = f"""
<bundle xmlns='eu.siacs.conversations.axolotl'>
  <signedPreKeyPublic signedPreKeyId='1'>{b64_03(SPK)}</signedPreKeyPublic>
  <signedPreKeySignature>{b64(SIG)}</signedPreKeySignature>
  <identityKey>{b64_03(IK)}</identityKey>
  <prekeys>
    <preKeyPublic preKeyId='1'>{b64_03(PK1)}</preKeyPublic>
    <preKeyPublic preKeyId='2'>{b64_03(PK2)}</preKeyPublic>
  </prekeys>
</bundle>"""
    bundle = Bundle(OMEMO_03, IK, 1, SPK, SIG, {1: PK1, 2: PK2})
    assert canonical(serialize(elements.bundle_element(bundle))) == canonical(xep)
    assert elements.parse_bundle(parse(xep)) == bundle
    assert elements.bundle_node(OMEMO_03, 31415) == "eu.siacs.conversations.axolotl.bundles:31415"


def test_an_omemo_2_bundle_is_the_xep_examples_shape() -> None:
    xep = f"""
<bundle xmlns='urn:xmpp:omemo:2'>
  <spk id='0'>{b64(SPK)}</spk>
  <spks>{b64(SIG)}</spks>
  <ik>{b64(IK)}</ik>
  <prekeys>
    <pk id='0'>{b64(PK1)}</pk>
    <pk id='1'>{b64(PK2)}</pk>
  </prekeys>
</bundle>"""
    bundle = Bundle(OMEMO_2, IK, 0, SPK, SIG, {0: PK1, 1: PK2})
    assert canonical(serialize(elements.bundle_element(bundle))) == canonical(xep)
    assert elements.parse_bundle(parse(xep)) == bundle


def test_a_bundle_as_conversations_publishes_it_parses_and_its_signature_verifies() -> None:
    # Conversations' own publication (its debug log, pastebin.com/tVGWw0Y4): base64 with line breaks,
    # <prekeys/> with its own xmlns. The pre-key is ours (the log cuts off there).
    conversations = f"""<bundle xmlns="eu.siacs.conversations.axolotl"><signedPreKeyPublic signedPreKeyId="2">Bfu6Waf34N4aYrhsb5Xn80fT/SAbU7RN32RHAZZGYqAE
</signedPreKeyPublic><signedPreKeySignature>InqlxuYru3Aczxi7+rt0pAEyMrdgvAP4yYOQl5q0hHfTAg51E/E7TgYRqoOh/2he173qQpiBCifs
wNUVghW9gA==
</signedPreKeySignature><identityKey>BRkxS1ukmc8NuL+uWkObyoDeP9BqlEdVzk1+L/zKF9cu
</identityKey><prekeys xmlns="eu.siacs.conversations.axolotl"><preKeyPublic preKeyId="1">{b64_03(PK1)}
</preKeyPublic></prekeys></bundle>"""
    bundle = elements.parse_bundle(parse(conversations))
    assert bundle.signed_pre_key_id == 2 and bundle.pre_keys == {1: PK1}
    assert bundle.verify()
    assert not Bundle(OMEMO_03, bundle.identity_key, 2, PK1, bundle.signature, {}).verify()


@pytest.mark.parametrize("xml, reason", [
    ("<encrypted xmlns='eu.siacs.conversations.axolotl'><payload>AAAA</payload></encrypted>", "<header/> is missing"),
    ("<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='x'><iv>AAAA</iv></header></encrypted>", "sender device id: not a number"),
    ("<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='²'><iv>AAAA</iv></header></encrypted>", "sender device id: not a number"),
    ("<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'><key rid='٣'>AAAA</key><iv>AAAA</iv></header></encrypted>",
     "recipient device id: not a number"),
    ("<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'><key rid='2'>%%%</key><iv>AAAA</iv></header></encrypted>", "key: not base64"),
    ("<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='1'><key rid='2'>AAAA</key></header></encrypted>", "<iv/> is missing"),
    ("<encrypted xmlns='urn:xmpp:omemo:2'><header sid='1'><keys><key rid='2'>AAAA</key></keys></header></encrypted>", "without a jid"),
    ("<encrypted xmlns='urn:xmpp:omemo:1'><header sid='1'/></encrypted>", "not an OMEMO namespace"),
    (f"<bundle xmlns='urn:xmpp:omemo:2'><spk id='0'>{b64(SPK)}</spk><spks>{b64(SIG)}</spks><ik>{b64(IK[:31])}</ik><prekeys/></bundle>",
     "identity key: not a 32-byte key"),
    (f"<bundle xmlns='eu.siacs.conversations.axolotl'><signedPreKeyPublic signedPreKeyId='1'>{b64(SPK)}</signedPreKeyPublic>"
     f"<signedPreKeySignature>{b64(SIG)}</signedPreKeySignature><identityKey>{b64_03(IK)}</identityKey><prekeys/></bundle>",
     "signed pre-key: not a 0.3 public key"),
    (f"<bundle xmlns='urn:xmpp:omemo:2'><spk id='0'>{b64(SPK)}</spk><spks>{b64(SIG[:10])}</spks><ik>{b64(IK)}</ik><prekeys/></bundle>",
     "signature: not 64 bytes"),
])
def test_malformed_elements_raise_a_clear_wire_format_error(xml: str, reason: str) -> None:
    parse_one = elements.parse_bundle if "<bundle" in xml else elements.parse_encrypted
    with pytest.raises(WireFormatError, match=reason):
        parse_one(parse(xml))


def test_an_sce_envelope_is_xep_0420s_and_parses_back() -> None:
    # XEP-0420, Example 1, with omemo:2's affix elements.
    xep = """
<envelope xmlns='urn:xmpp:sce:1'>
  <content>
    <body xmlns='jabber:client'>Have you seen that new movie?</body>
    <x xmlns='jabber:x:oob'><url>https://en.wikipedia.org/wiki/Fight_Club#Plot</url></x>
  </content>
  <rpad>7He4o3Xbgy9CUR1w1lDs</rpad>
  <time stamp='2004-01-25T05:05:00.000+00:00'/>
  <to jid='juliet@capulet.lit'/>
  <from jid='romeo@montague.lit/orchard'/>
</envelope>"""
    oob = element("x", xmlns="jabber:x:oob")
    oob.append(element("url", text="https://en.wikipedia.org/wiki/Fight_Club#Plot"))
    built = sce.envelope_bytes([element("body", xmlns="jabber:client", text="Have you seen that new movie?"), oob],
                               rpad="7He4o3Xbgy9CUR1w1lDs", from_jid="romeo@montague.lit/orchard", to_jid="juliet@capulet.lit",
                               time="2004-01-25T05:05:00.000+00:00")
    assert canonical(built.decode()) == canonical(xep)
    envelope = sce.parse_envelope(xep.encode())
    assert (envelope.from_jid, envelope.to_jid, envelope.time) == ("romeo@montague.lit/orchard", "juliet@capulet.lit", "2004-01-25T05:05:00.000+00:00")
    assert [child.tag for child in envelope.content] == ["{jabber:client}body", "{jabber:x:oob}x"]


@pytest.mark.parametrize("data", [b"\xff\xfe", b"<body xmlns='jabber:client'>hi</body>", b"<envelope xmlns='urn:xmpp:sce:1'/>",
                                  b"<!DOCTYPE x [<!ENTITY a 'b'>]><envelope xmlns='urn:xmpp:sce:1'/>"])
def test_a_payload_that_is_no_envelope_raises_the_wire_format_error(data: bytes) -> None:
    with pytest.raises(WireFormatError):
        sce.parse_envelope(data)


def test_random_padding_is_0_to_200_letters_and_varies() -> None:
    paddings = [arun(sce.random_padding(CryptographyBackend())) for _ in range(40)]
    assert all(len(p) <= 200 and p.isalnum() or p == "" for p in paddings)
    assert len({len(p) for p in paddings}) > 5


xml_text = st.characters(blacklist_categories=("Cs", "Cc"))  # what XML can carry at all
ids = st.text(xml_text, max_size=12) | st.integers(-5, 2 ** 33).map(str)
texts = st.text(xml_text, max_size=40) | st.binary(max_size=40).map(b64)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["eu.siacs.conversations.axolotl", "urn:xmpp:omemo:2"]), ids, ids, texts, texts, st.booleans())
def test_hostile_values_in_well_shaped_elements_only_raise_the_wire_format_error(
        namespace: str, sid: str, rid: str, key: str, other: str, kex: bool) -> None:
    header = element("header", {"sid": sid})
    holder = header if namespace.startswith("eu.") else sub(header, "keys", {"jid": other or None})
    sub(holder, "key", {"rid": rid, "prekey" if namespace.startswith("eu.") else "kex": other if kex else None}, text=key)
    sub(header, "iv", text=other)
    root = element("encrypted", xmlns=namespace)
    root.append(header)
    sub(root, "payload", text=key)
    bundle = element("bundle", xmlns=namespace)
    for name, attrs in (("signedPreKeyPublic", {"signedPreKeyId": sid}), ("spk", {"id": sid}), ("signedPreKeySignature", {}),
                        ("spks", {}), ("identityKey", {}), ("ik", {})):
        sub(bundle, name, attrs, text=key)
    sub(sub(bundle, "prekeys"), "pk", {"id": rid}, text=other)
    devices = element("list", xmlns=namespace)
    sub(devices, "device", {"id": rid})
    for parse_one, built in ((elements.parse_encrypted, root), (elements.parse_bundle, bundle), (elements.parse_device_list, devices)):
        try:
            parse_one(parse(serialize(built)))
        except WireFormatError:
            pass
