"""Room life templates: the room menu, the nick form, the room info panel, the configuration
form (rendered from the room's XEP-0004 form, every field type) and the destroy confirmation.

Pure Python (tested on CPython); every text from the room (labels, descriptions, values,
options) is escaped text.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Sequence

from ..i18n import _
from ..plugins.room_life.forms import DataForm, Field
from .html import Markup, join, tag


def _id(room_jid: str, name: str) -> str:
    return "cpy-rl-" + "".join(ch if ch.isalnum() else "-" for ch in f"{room_jid}-{name}")


def room_menu(room_jid: str, owner: bool) -> Markup:
    """The ⋯ menu of a room's header; the owner-only entries are hidden for others."""
    def item(action: str, label: str, owner_only: bool = False) -> Markup:
        return tag("button", {"type": "button", "data-action": action, "data-jid": room_jid, "role": "menuitem",
                              "data-owner-only": "1" if owner_only else None, "hidden": owner_only and not owner},
                   label)
    return tag("details", {"class": "cpy-room-menu", "data-role": "room-menu"},
               tag("summary", {"aria-label": _("Room menu"), "title": _("Room menu")}, "⋯"),
               tag("div", {"role": "menu"},
                   item("room-nick", _("Change nickname")),
                   item("room-info", _("Room info")),
                   item("room-config", _("Configure the room"), True),
                   item("room-destroy", _("Destroy the room"), True)))


def panel_frame(room_jid: str, title: str, *content: Any) -> Markup:
    return tag("div", {"class": "cpy-room-panel", "role": "region", "aria-label": title},
               tag("h3", {}, title),
               tag("button", {"type": "button", "class": "cpy-secondary cpy-panel-close", "data-action": "room-panel-close",
                              "data-jid": room_jid, "aria-label": _("Close")}, "×"),
               *content,
               tag("p", {"class": "cpy-error", "role": "alert", "data-role": "room-panel-error", "hidden": True}))


def nick_form(room_jid: str, nick: str) -> Markup:
    field_id = _id(room_jid, "nick")
    return panel_frame(room_jid, _("Change nickname"),
                       tag("form", {"data-action": "room-nick-submit", "data-jid": room_jid},
                           tag("label", {"for": field_id}, _("New nickname")),
                           tag("input", {"id": field_id, "name": "nick", "type": "text", "value": nick,
                                         "required": True, "autocomplete": "off"}),
                           tag("button", {"type": "submit"}, _("Change"))))


def room_info(room_jid: str, info: dict[str, Any]) -> Markup:
    """The room's disco#info: name, description, subject, occupants, features as words."""
    rows = [(_("Name"), info.get("name") or room_jid), (_("Address"), room_jid),
            (_("Description"), info.get("description") or ""), (_("Subject"), info.get("subject") or ""),
            (_("Occupants"), str(info.get("occupants") if info.get("occupants") is not None else ""))]
    features: Sequence[str] = info.get("features") or ()
    return panel_frame(room_jid, _("Room info"),
                       tag("dl", {"class": "cpy-room-info", "data-role": "room-info"},
                           join(join((tag("dt", {}, k), tag("dd", {}, v))) for k, v in rows if v),
                           tag("dt", {}, _("Features")),
                           tag("dd", {}, tag("ul", {"class": "cpy-features"},
                                             join(tag("li", {}, f) for f in features)))))


def _field(room_jid: str, index: int, f: Field) -> Markup:
    field_id = _id(room_jid, f"f{index}")
    label_text = f.label or f.var
    if f.type == "hidden":
        return Markup("")
    if f.type == "fixed":
        return join(tag("p", {"class": "cpy-form-fixed"}, v) for v in f.values)
    desc = tag("small", {"class": "cpy-form-desc", "id": field_id + "-desc"}, f.desc) if f.desc else None
    described = field_id + "-desc" if f.desc else None
    common = {"id": field_id, "name": f.var, "data-type": f.type, "aria-describedby": described,
              "required": f.required}
    if f.type == "boolean":
        checked = bool(f.values) and f.values[0].lower() in ("1", "true")
        control = tag("input", {**common, "type": "checkbox", "checked": checked, "required": False})
        return tag("div", {"class": "cpy-form-field cpy-form-boolean"}, control,
                   tag("label", {"for": field_id}, label_text), desc)
    if f.type in ("list-single", "list-multi"):
        chosen = set(f.values)
        options = [tag("option", {"value": o.value, "selected": o.value in chosen}, o.label or o.value)
                   for o in f.options]
        control = tag("select", {**common, "multiple": f.type == "list-multi"}, join(options))
    elif f.type in ("text-multi", "jid-multi"):
        control = tag("textarea", {**common, "rows": "3"}, "\n".join(f.values))
    else:
        kind = "password" if f.type == "text-private" else "text"
        control = tag("input", {**common, "type": kind, "value": f.values[0] if f.values else ""})
    return tag("div", {"class": f"cpy-form-field cpy-form-{f.type}"},
               tag("label", {"for": field_id}, label_text), control, desc)


def config_form(room_jid: str, form: DataForm) -> Markup:
    """The room's configuration form; fields are named by their var."""
    return panel_frame(room_jid, form.title or _("Configure the room"),
                       tag("form", {"class": "cpy-config-form", "data-action": "room-config-submit",
                                    "data-jid": room_jid},
                           join(tag("p", {"class": "cpy-form-instructions"}, i) for i in form.instructions),
                           join(_field(room_jid, n, f) for n, f in enumerate(form.fields)),
                           tag("button", {"type": "submit"}, _("Save")),
                           tag("button", {"type": "button", "class": "cpy-secondary", "data-action": "room-config-cancel",
                                          "data-jid": room_jid}, _("Cancel"))))


def destroy_form(room_jid: str) -> Markup:
    reason_id, venue_id = _id(room_jid, "reason"), _id(room_jid, "venue")
    return panel_frame(room_jid, _("Destroy the room"),
                       tag("form", {"data-action": "room-destroy-submit", "data-jid": room_jid},
                           tag("p", {}, _("Destroying {room} removes it for everyone. This cannot be undone.",
                                          room=room_jid)),
                           tag("label", {"for": reason_id}, _("Reason (optional)")),
                           tag("input", {"id": reason_id, "name": "reason", "type": "text"}),
                           tag("label", {"for": venue_id}, _("Where the discussion continues (optional)")),
                           tag("input", {"id": venue_id, "name": "alternate", "type": "text",
                                         "placeholder": "room@conference.example.org"}),
                           tag("button", {"type": "submit", "class": "cpy-danger"}, _("Destroy")),
                           tag("button", {"type": "button", "class": "cpy-secondary", "data-action": "room-panel-close",
                                          "data-jid": room_jid}, _("Cancel"))))


def private_button(room_jid: str, nick: str) -> Markup:
    """An occupant row's "Message privately" button."""
    return tag("button", {"type": "button", "class": "cpy-occupant-pm", "data-action": "message-occupant",
                          "data-jid": room_jid, "data-nick": nick,
                          "aria-label": _("Message {nick} privately", nick=nick), "title": _("Message privately")}, "✉")
