"""XEP-0115 capabilities and our disco#info answer, against the XEPs' examples."""

from __future__ import annotations

from converse_py.plugins.caps.stanzas import CAPS, Capabilities, Form, Identity, caps_node_ver, parse_caps
from converse_py.xmpp.stanza import canonical, parse, serialize

PSI = Capabilities(
    (Identity("client", "pc", "Psi 0.11", "en"), Identity("client", "pc", "Ψ 0.11", "el")),
    ("http://jabber.org/protocol/caps", "http://jabber.org/protocol/disco#info",
     "http://jabber.org/protocol/disco#items", "http://jabber.org/protocol/muc"),
    (Form("urn:xmpp:dataforms:softwareinfo", (
        ("ip_version", ("ipv4", "ipv6")), ("os", ("Mac",)), ("os_version", ("10.5.1",)),
        ("software", ("Psi",)), ("software_version", ("0.11",)))),),
)


def test_the_complex_generation_example_of_xep_0115() -> None:
    assert PSI.verification_string() == (
        "client/pc/el/Ψ 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<"
        "http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<"
        "http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<ip_version<ipv4<ipv6<os<Mac<"
        "os_version<10.5.1<software<Psi<software_version<0.11<")
    assert PSI.ver() == "q07IKJEyjvHSyhy//CH0CxmKi8w="


def test_the_order_features_are_declared_in_does_not_change_ver() -> None:
    shuffled = Capabilities(tuple(reversed(PSI.identities)), tuple(reversed(PSI.features)), PSI.forms)
    assert shuffled.ver() == PSI.ver()


def test_the_info_answer_carries_what_the_hash_covers() -> None:
    query = PSI.info_query("http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w=")
    expected = (
        "<query xmlns='http://jabber.org/protocol/disco#info' node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>"
        "<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>"
        "<identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>"
        "<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>"
        "<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/>"
        "<x xmlns='jabber:x:data' type='result'>"
        "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>"
        "<field var='ip_version'><value>ipv4</value><value>ipv6</value></field>"
        "<field var='os'><value>Mac</value></field><field var='os_version'><value>10.5.1</value></field>"
        "<field var='software'><value>Psi</value></field><field var='software_version'><value>0.11</value></field>"
        "</x></query>")
    assert canonical(serialize(query)) == canonical(expected)


def test_a_presence_c_element_round_trips_and_names_our_node() -> None:
    presence = parse(f"<presence xmlns='jabber:client'>{serialize(PSI.caps_element('http://psi-im.org'))}</presence>")
    assert parse_caps(presence) == ("http://psi-im.org", "q07IKJEyjvHSyhy//CH0CxmKi8w=", "sha-1")
    assert parse_caps(parse(f"<presence xmlns='jabber:client'><c xmlns='{CAPS}' node='n' ver='0.9'/></presence>")) is None


def test_only_our_current_caps_node_is_answered() -> None:
    assert caps_node_ver(f"urn:x#{PSI.ver()}", "urn:x", PSI.ver())
    assert not caps_node_ver("urn:x#stale", "urn:x", PSI.ver())
    assert not caps_node_ver("urn:other", "urn:x", PSI.ver())
