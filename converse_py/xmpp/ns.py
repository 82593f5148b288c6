"""XML namespaces used by the client (the names Strophe.NS uses, where it has one)."""

CLIENT = "jabber:client"
ROSTER = "jabber:iq:roster"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
DISCO_ITEMS = "http://jabber.org/protocol/disco#items"
DELAY = "urn:xmpp:delay"
MAM = "urn:xmpp:mam:2"
RSM = "http://jabber.org/protocol/rsm"
MUC = "http://jabber.org/protocol/muc"
CHATSTATES = "http://jabber.org/protocol/chatstates"
SID = "urn:xmpp:sid:0"
XHTML_IM = "http://jabber.org/protocol/xhtml-im"
HINTS = "urn:xmpp:hints"
RECEIPTS = "urn:xmpp:receipts"
MARKERS = "urn:xmpp:chat-markers:0"
CORRECT = "urn:xmpp:message-correct:0"

#: Exposed to JS as ``converse.env.Strophe.NS`` additions where Strophe lacks them.
EXTRA_STROPHE_NS = {"MAM": MAM, "RSM": RSM, "SID": SID, "DELAY": DELAY}
