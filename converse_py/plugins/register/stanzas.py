"""XEP-0077 in-band registration stanzas, pure: the fields request, the server's form (the legacy
``<username/><password/>…`` fields, or a XEP-0004 data form when the server sends one), the
submission, the password change (§3.3) and errors in words.

>>> from converse_py.xmpp.stanza import parse
>>> form = parse_form(parse('<iq xmlns="jabber:client" type="result" id="reg1"><query xmlns="jabber:iq:register">'
...     '<instructions>Choose a username and password.</instructions><username/><password/></query></iq>'))
>>> form.instructions, [f.var for f in form.fields], form.data_form
('Choose a username and password.', ['username', 'password'], False)
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from collections.abc import Mapping

from ...core.errors import ConverseError
from ...i18n import _
from ...xmpp.errors import StanzaError
from ...xmpp.stanza import find, find_all, iq, local_name, namespace, qname, sub

REGISTER = "jabber:iq:register"
#: The stream feature a server offering in-band registration announces (XEP-0077 §4).
REGISTER_FEATURE = "http://jabber.org/features/iq-register"
DATA = "jabber:x:data"
#: Legacy fields XEP-0077 §14.1 defines (other elements in the query are not fields).
LEGACY_FIELDS = ("username", "nick", "password", "name", "first", "last", "email", "address", "city",
                 "state", "zip", "phone", "url", "date", "misc", "text", "key")
_NOT_FIELDS = ("instructions", "registered", "remove", "x", "data")
_PRIVATE = ("password",)


@dataclass(frozen=True)
class RegistrationField:
    """One field the server asks for: ``type`` is a XEP-0004 type (legacy fields are
    ``text-single``, the password ``text-private``); ``value`` the server's prefilled value."""

    var: str
    type: str = "text-single"
    label: str = ""
    required: bool = False
    value: str = ""
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegistrationForm:
    """What the server asks for. ``data_form``: the fields came in a XEP-0004 form (submitted as one)."""

    instructions: str
    fields: tuple[RegistrationField, ...]
    data_form: bool = False
    registered: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"instructions": self.instructions, "data_form": self.data_form, "registered": self.registered,
                "fields": [{"var": f.var, "type": f.type, "label": f.label, "required": f.required,
                            "value": f.value, "options": list(f.options)} for f in self.fields]}


class RegistrationError(ConverseError):
    """The server refused; ``condition`` is the stanza error condition, ``str()`` says it in words."""

    def __init__(self, message: str, condition: str = "") -> None:
        super().__init__(message)
        self.condition = condition


def fields_request(to: str | None = None) -> ET.Element:
    """``<iq type='get'><query xmlns='jabber:iq:register'/></iq>`` (XEP-0077 §3.1, Example 1)."""
    stanza = iq("get", to=to)
    sub(stanza, "query", xmlns=REGISTER)
    return stanza


def parse_form(result: ET.Element) -> RegistrationForm:
    """The fields of a registration form result. A data form, when present, is what counts (§6)."""
    query = find(result, REGISTER, "query")
    if query is None:
        raise RegistrationError(_("The server sent no registration form."), "bad-request")
    instructions = (query.findtext(qname(REGISTER, "instructions")) or "").strip()[:2000]
    registered = query.find(qname(REGISTER, "registered")) is not None
    form = query.find(qname(DATA, "x"))
    if form is not None:
        form_instructions = " ".join((el.text or "").strip() for el in find_all(form, DATA, "instructions"))
        fields = []
        for field in find_all(form, DATA, "field"):
            var = field.get("var") or ""
            kind = field.get("type") or "text-single"
            if not var and kind != "fixed":
                continue
            fields.append(RegistrationField(
                var, kind, (field.get("label") or "")[:200], field.find(qname(DATA, "required")) is not None,
                "\n".join(v.text or "" for v in find_all(field, DATA, "value"))[:2000],
                tuple((o.findtext(qname(DATA, "value")) or "") for o in find_all(field, DATA, "option"))))
        return RegistrationForm(form_instructions[:2000] or instructions, tuple(fields), True, registered)
    legacy = []
    for child in query:
        name = local_name(child.tag)
        if namespace(child.tag) != REGISTER or name in _NOT_FIELDS or name not in LEGACY_FIELDS:
            continue
        legacy.append(RegistrationField(name, "text-private" if name in _PRIVATE else "text-single",
                                        required=True, value=(child.text or "")[:2000]))
    return RegistrationForm(instructions, tuple(legacy), False, registered)


def submission(form: RegistrationForm, values: Mapping[str, str], to: str | None = None) -> ET.Element:
    """The registration ``<iq type='set'/>`` with ``values`` (§3.1 Example 3, or §6 Example 8 as a
    submitted data form). A required field without a value raises RegistrationError naming it."""
    for field in form.fields:
        if field.required and field.type not in ("hidden", "fixed") and not str(values.get(field.var, "")).strip() \
                and not field.value:
            raise RegistrationError(_("Please fill in “{field}”.", field=field.label or field.var), "bad-request")
    stanza = iq("set", to=to)
    query = sub(stanza, "query", xmlns=REGISTER)
    if form.data_form:
        x = sub(query, "x", {"type": "submit"}, xmlns=DATA)
        for field in form.fields:
            if field.type == "fixed" or not field.var:
                continue
            value = field.value if field.type == "hidden" else str(values.get(field.var, field.value))
            out = sub(x, "field", {"var": field.var})
            for line in (value.split("\n") if field.type in ("text-multi", "jid-multi", "list-multi") else [value]):
                sub(out, "value", text=line)
        return stanza
    for field in form.fields:
        sub(query, field.var, text=str(values.get(field.var, field.value)))
    return stanza


def password_change(username: str, password: str, domain: str) -> ET.Element:
    """The password change of the logged-in user (XEP-0077 §3.3, Example 18)."""
    stanza = iq("set", to=domain)
    query = sub(stanza, "query", xmlns=REGISTER)
    sub(query, "username", text=username)
    sub(query, "password", text=password)
    return stanza


def error_text(error: StanzaError, *, changing_password: bool = False) -> str:
    """A registration or password change error in words (XEP-0077 §3.1 and §3.3 errors)."""
    condition = error.condition
    if condition == "conflict":
        return _("That username is taken.")
    if condition == "not-allowed":
        return (_("This server does not allow changing the password here.") if changing_password
                else _("This server does not allow registration."))
    if condition == "not-authorized":
        return _("You are not allowed to do that (log in again).")
    if condition == "not-acceptable":
        return (_("The server did not accept that: {reason}", reason=error.text) if error.text
                else _("The server did not accept that (a required field is missing, or the password is too weak)."))
    if condition == "bad-request":
        return _("The server could not read the request: {reason}", reason=error.text or condition)
    if condition in ("resource-constraint", "policy-violation"):
        return _("The server refused for now: {reason}", reason=error.text or condition)
    if condition == "service-unavailable":
        return _("This server does not offer in-band registration.")
    return _("The server refused: {reason}", reason=error.text or condition)


__all__ = ["LEGACY_FIELDS", "REGISTER", "REGISTER_FEATURE", "RegistrationError", "RegistrationField",
           "RegistrationForm", "error_text", "fields_request", "parse_form", "password_change", "submission"]
