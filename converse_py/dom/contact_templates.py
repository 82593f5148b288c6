"""Templates of contact management: the per-contact menu button (roster rows and chat box
headers) and the dialog it opens (rename, groups, remove with a confirmation).

Pure Python (tested on CPython); names and groups are always text.

>>> from converse_py.plugins.roster.models import Contact
>>> from converse_py.plugins.roster.stanzas import RosterItem
>>> bob = Contact(RosterItem("bob@localhost", "<Bob>", "both", None, ("Friends",)))
>>> html = str(manage_dialog(bob, ["Friends", "Work"], allow_removal=True))
>>> 'value="&lt;Bob&gt;"' in html, 'value="Friends" checked' in html, 'data-action="remove-contact"' in html
(True, True, True)
>>> 'remove-contact' in str(manage_dialog(bob, [], allow_removal=False))  # allow_contact_removal off
False
"""

from __future__ import annotations

from datetime import datetime, UTC
from typing import Any
from collections.abc import Sequence

from ..i18n import _
from .html import Markup, tag


def contact_name(contact: Any) -> str:
    """The name a contact is shown with (its JID without one)."""
    return str(contact.get("fullname") or contact.get("jid"))


def idle_label(since: Any, now: datetime | None = None) -> str:
    """"idle for 5 minutes" for a contact idle (XEP-0319) since ``since`` (an aware datetime or
    an ISO 8601 text); "" when not idle or under a minute.

    >>> t = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    >>> idle_label("2026-01-01T11:55:00+00:00", t), idle_label("2026-01-01T09:00:00+00:00", t)
    ('idle for 5 minutes', 'idle for 3 hours')
    >>> idle_label(None, t), idle_label("2026-01-01T11:59:30+00:00", t), idle_label("2025-12-30T12:00:00+00:00", t)
    ('', '', 'idle for 2 days')
    """
    if not since:
        return ""
    try:
        moment = since if isinstance(since, datetime) else datetime.fromisoformat(str(since))
        seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    except (TypeError, ValueError):
        return ""
    minutes = int(seconds // 60)
    if minutes < 1:
        return ""
    if minutes < 60:
        return _("idle for 1 minute") if minutes == 1 else _("idle for {count} minutes", count=minutes)
    hours = minutes // 60
    if hours < 24:
        return _("idle for 1 hour") if hours == 1 else _("idle for {count} hours", count=hours)
    days = hours // 24
    return _("idle for 1 day") if days == 1 else _("idle for {count} days", count=days)


def manage_button(jid: str, name: str) -> Markup:
    """The "⋯" button opening the contact dialog (a real button: Tab and Enter reach it).

    >>> html = str(manage_button("bob@localhost", "<Bob>"))
    >>> html.startswith('<button type="button" class="cpy-manage-contact" data-action="manage-contact"'), html[-37:]
    (True, 'title="Manage &lt;Bob&gt;">⋯</button>')
    """
    label = _("Manage {name}", name=name)
    return tag("button", {"type": "button", "class": "cpy-manage-contact", "data-action": "manage-contact",
                          "data-jid": jid, "aria-label": label, "title": label}, "⋯")


def manage_dialog(contact: Any, groups: Sequence[str], *, allow_removal: bool, feedback: str = "",
                  error: bool = False) -> Markup:
    """The dialog's content for ``contact``: a form with its name, a checkbox per known roster
    group (``groups``; the contact's own are checked), a field for a new group, Save; Remove
    (with ``allow_removal``) asks for a confirmation naming the contact first."""
    jid = str(contact.get("jid"))
    name = contact_name(contact)
    own = set(contact.get("groups") or [])
    return tag("div", {"class": "cpy-contact-manage", "data-jid": jid},
               tag("h2", {"id": "cpy-manage-title"}, _("Manage {name}", name=name)),
               tag("p", {"class": "cpy-manage-jid"}, jid),
               tag("form", {"data-action": "save-contact", "data-jid": jid},
                   tag("label", {"for": "cpy-manage-name"}, _("Name")),
                   tag("input", {"id": "cpy-manage-name", "name": "name", "type": "text", "maxlength": "500",
                                 "value": getattr(contact, "item_name", "") or "", "placeholder": jid,
                                 "autocomplete": "off"}),
                   tag("fieldset", {"class": "cpy-manage-groups"},
                       tag("legend", {}, _("Groups")),
                       [tag("label", {"class": "cpy-group-choice"},
                            tag("input", {"type": "checkbox", "name": "group", "value": group,
                                          "checked": group in own}), group)
                        for group in sorted(set(groups) | own, key=str.lower)],
                       tag("label", {"for": "cpy-manage-new-group"}, _("New group")),
                       tag("input", {"id": "cpy-manage-new-group", "name": "new_group", "type": "text",
                                     "maxlength": "200", "autocomplete": "off"})),
                   tag("div", {"class": "cpy-manage-buttons"},
                       tag("button", {"type": "submit"}, _("Save")),
                       tag("button", {"type": "button", "data-action": "close-contact-dialog",
                                      "class": "cpy-secondary"}, _("Close")))),
               tag("div", {"class": "cpy-manage-remove"},
                   tag("button", {"type": "button", "data-action": "remove-contact", "data-jid": jid,
                                  "class": "cpy-danger"}, _("Remove from contacts")),
                   tag("div", {"class": "cpy-confirm", "data-role": "confirm-remove", "role": "alertdialog",
                               "aria-label": _("Confirm removal"), "hidden": True},
                       tag("p", {}, _("Remove {name} ({jid}) from your contacts?", name=name, jid=jid)),
                       tag("button", {"type": "button", "data-action": "confirm-remove", "data-jid": jid,
                                      "class": "cpy-danger"}, _("Remove")),
                       tag("button", {"type": "button", "data-action": "cancel-remove", "class": "cpy-secondary"},
                           _("Cancel")))) if allow_removal else None,
               tag("p", {"class": "cpy-error" if error else "cpy-feedback", "role": "status",
                         "data-role": "manage-feedback"}, feedback))


def chosen_groups(checked: Sequence[str], new_group: str) -> list[str]:
    """The groups the form asks for: the checked ones, then the new one (comma-separated names
    make several).

    >>> chosen_groups(["Work"], " Family, Friends ,")
    ['Work', 'Family', 'Friends']
    """
    return list(dict.fromkeys([g for g in checked if g.strip()] +
                              [g.strip() for g in new_group.split(",") if g.strip()]))
