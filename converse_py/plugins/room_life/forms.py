"""XEP-0004 data forms as the room configuration form uses them (XEP-0045 §10.1-10.2), pure.

Every field type is kept with its label, description, required flag, values and options, so a
form can be shown as it was offered and submitted back with the user's values.

>>> from converse_py.xmpp.stanza import parse, serialize
>>> form = parse_data_form(parse('<x xmlns="jabber:x:data" type="form"><title>Configuration</title>'
...     '<field var="muc#roomconfig_persistentroom" type="boolean" label="Make Room Persistent?">'
...     '<value>0</value></field></x>'))
>>> form.title, form.fields[0].type, form.fields[0].values
('Configuration', 'boolean', ('0',))
>>> serialize(cancel_config("coven@chat.shakespeare.lit", "c1")).count('type="cancel"')
1
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import islice
from dataclasses import dataclass
from collections.abc import Mapping

from ...xmpp.stanza import find, find_all, iq, sub

DATA = "jabber:x:data"
MUC_OWNER = "http://jabber.org/protocol/muc#owner"

#: The field types of XEP-0004 §3.3.
FIELD_TYPES = ("boolean", "fixed", "hidden", "jid-multi", "jid-single", "list-multi", "list-single",
               "text-multi", "text-private", "text-single")
#: Types whose value is a list of lines / choices.
MULTI_TYPES = ("jid-multi", "list-multi", "text-multi")


class FormError(ValueError):
    """A value the form's field cannot take."""


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Field:
    """One field of a data form (``var`` is empty for a ``fixed`` field without one)."""

    var: str
    type: str
    label: str = ""
    desc: str = ""
    required: bool = False
    values: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class DataForm:
    title: str
    instructions: tuple[str, ...]
    fields: tuple[Field, ...]

    def field(self, var: str) -> Field | None:
        return next((f for f in self.fields if f.var == var), None)


def _text(parent: ET.Element, name: str, limit: int) -> str:
    return (parent.findtext(f"{{{DATA}}}{name}") or "")[:limit]


def parse_data_form(form: ET.Element) -> DataForm:
    """A ``<x xmlns='jabber:x:data'/>`` as a DataForm (texts bounded; unknown types are text-single)."""
    fields = []
    for f in islice(find_all(form, DATA, "field"), 500):
        kind = f.get("type") or "text-single"
        if kind not in FIELD_TYPES:
            kind = "text-single"
        var = (f.get("var") or "")[:300]
        if not var and kind != "fixed":
            continue
        options = tuple(Option((o.findtext(f"{{{DATA}}}value") or "")[:1000], (o.get("label") or "")[:300])
                        for o in islice(find_all(f, DATA, "option"), 500))
        fields.append(Field(var, kind, (f.get("label") or "")[:300], _text(f, "desc", 1000),
                            find(f, DATA, "required") is not None,
                            tuple((v.text or "")[:10000] for v in islice(find_all(f, DATA, "value"), 500)), options))
    return DataForm(_text(form, "title", 300),
                    tuple((i.text or "")[:2000] for i in islice(find_all(form, DATA, "instructions"), 20)), tuple(fields))


def config_form_of(result: ET.Element) -> DataForm:
    """The configuration form in the room's answer to ``config_request`` (empty when it has none)."""
    query = find(result, MUC_OWNER, "query")
    form = find(query, DATA, "x") if query is not None else None
    return parse_data_form(form) if form is not None else DataForm("", (), ())


def field_values(field_: Field, value: object) -> list[str]:
    """What the user chose for a field as its ``<value/>`` texts; FormError for a bad one."""
    name = field_.label or field_.var
    if field_.type == "boolean":
        if isinstance(value, bool):
            return ["1" if value else "0"]
        if isinstance(value, str) and value.lower() in ("1", "0", "true", "false"):
            return ["1" if value.lower() in ("1", "true") else "0"]
        raise FormError(f"{name}: expected true or false, got {value!r}")
    if isinstance(value, (list, tuple)):
        if field_.type not in MULTI_TYPES:
            raise FormError(f"{name}: takes one value, got a list")
        texts = [str(v) for v in value]
    elif isinstance(value, (str, int, float)):
        texts = str(value).split("\n") if field_.type in MULTI_TYPES else [str(value)]
    else:
        raise FormError(f"{name}: expected text, got {type(value).__name__}")
    if field_.type in ("jid-multi", "list-multi"):
        texts = [t.strip() for t in texts if t.strip()]
    allowed = [o.value for o in field_.options]
    if field_.type in ("list-single", "list-multi") and allowed:
        wrong = [t for t in texts if t not in allowed]
        if wrong:
            raise FormError(f"{name}: {wrong[0]!r} is not one of {', '.join(allowed)}")
    return texts


def submit_config(room: str, form: DataForm, chosen: Mapping[str, object], iq_id: str | None = None) -> ET.Element:
    """Submit the room's configuration form (XEP-0045 §10.2) with ``chosen`` values (by field
    var); other fields keep the values the room offered; ``fixed`` fields are not sent."""
    stanza = iq("set", to=room, id_=iq_id)
    x = sub(sub(stanza, "query", xmlns=MUC_OWNER), "x", {"type": "submit"}, xmlns=DATA)
    unknown = [k for k in chosen if form.field(k) is None]
    if unknown:
        raise FormError(f"the form has no field {unknown[0]!r}")
    for f in form.fields:
        if f.type == "fixed" or not f.var:
            continue
        values = field_values(f, chosen[f.var]) if f.var in chosen and f.var != "FORM_TYPE" else list(f.values)
        out = sub(x, "field", {"var": f.var})
        for value in values:
            sub(out, "value", text=value)
    return stanza


def cancel_config(room: str, iq_id: str | None = None) -> ET.Element:
    """Cancel the configuration (XEP-0045 §10.2: a ``cancel`` form)."""
    stanza = iq("set", to=room, id_=iq_id)
    sub(sub(stanza, "query", xmlns=MUC_OWNER), "x", {"type": "cancel"}, xmlns=DATA)
    return stanza


def form_as_dict(form: DataForm) -> dict[str, object]:
    """A form as plain data for the API (JS objects / Python dicts)."""
    return {"title": form.title, "instructions": list(form.instructions),
            "fields": [{"var": f.var, "type": f.type, "label": f.label, "desc": f.desc, "required": f.required,
                        "values": list(f.values), "options": [{"value": o.value, "label": o.label} for o in f.options]}
                       for f in form.fields]}
