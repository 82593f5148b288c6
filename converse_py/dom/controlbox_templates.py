"""Control box templates: login form, own status, contact requests, add-contact form, roster.

Pure Python (tested on CPython); names, groups and status messages are always text.
Rows of the roster are built in chunks (``roster_chunks``) so a view can insert a
5,000-contact roster a slice at a time without blocking the page.

>>> from converse_py.plugins.roster.models import Contact
>>> from converse_py.plugins.roster.stanzas import RosterItem
>>> rows = list(roster_chunks([Contact(RosterItem("bob@localhost", "<Bob>", "both", None, ()))], grouped=False))
>>> "&lt;Bob&gt;" in rows[0]
True
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable, Iterator, Mapping, Sequence

from ..i18n import N_, _, ngettext
from .html import Markup, escape_text, join, tag
from .contact_templates import idle_label, manage_button
from .templates import avatar_image

STATUS_LABELS = {"online": N_("Online"), "chat": N_("Online"), "away": N_("Away"), "dnd": N_("Busy"),
                 "xa": N_("Extended away"), "offline": N_("Offline"), "unavailable": N_("Offline")}


def status_label(status: str) -> str:
    """The translated label of a presence value."""
    return _(STATUS_LABELS.get(status, status))
#: What the own-status selector offers (``unavailable`` is the same presence as ``offline``).
STATUS_CHOICES = ("online", "away", "dnd", "xa", "offline")
#: The group of contacts in no roster group (shown translated).
UNGROUPED = N_("Ungrouped")
#: Roster rows per inserted chunk.
CHUNK = 250


def login_form(*, jid: str = "", error: str = "", busy: bool = False) -> Markup:
    """The control box's login form."""
    return tag("form", {"class": "cpy-login", "data-action": "login", "aria-label": _("Log in")},
               tag("h2", {}, _("Log in")),
               tag("label", {"for": "cpy-jid"}, _("XMPP address")),
               tag("input", {"id": "cpy-jid", "name": "jid", "type": "text", "autocomplete": "username",
                             "placeholder": "alice@localhost", "value": jid, "required": True}),
               tag("label", {"for": "cpy-password"}, _("Password")),
               tag("input", {"id": "cpy-password", "name": "password", "type": "password",
                             "autocomplete": "current-password", "required": True}),
               tag("p", {"class": "cpy-error", "role": "alert"}, error) if error else None,
               tag("button", {"type": "submit", "disabled": busy}, _("Connecting…") if busy else _("Log in")))


def avatar(contact: Any, src: str | None = None) -> Markup:
    """A roster row's avatar: the checked picture ``src`` (api.avatars), else initials on the
    contact's XEP-0392 colour."""
    jid = str(contact.get("jid"))
    return avatar_image(src, str(contact.get("fullname") or jid), jid, lookup=jid)


def contact_row(contact: Any, avatar_src: str | None = None, unread: int = 0) -> Markup:
    """One roster row: presence dot, avatar, name, status message (or a pending-request note),
    and the number of unread messages of the chat with the contact when there are any.
    Written out rather than built with ``tag``: a 5,000-contact roster renders it 5,000 times
    (tests/unit/test_templates.py holds it to the ``tag``-built HTML).

    >>> from converse_py.plugins.roster.models import Contact
    >>> from converse_py.plugins.roster.stanzas import RosterItem
    >>> row = contact_row(Contact(RosterItem("bob@localhost", "<Bob>", "both", None, ())))
    >>> row.startswith('<li class="cpy-contact cpy-offline" data-jid="bob@localhost">'), "&lt;Bob&gt;" in row
    (True, True)
    """
    status = contact.get("chat_status") or "offline"
    label = escape_text(status_label(status))
    jid = escape_text(str(contact.get("jid")))
    note = contact.get("status") or (_("Awaiting approval") if contact.get("ask") == "subscribe" else "")
    picture = avatar(contact, avatar_src)
    idle = idle_label(contact.get("idle_since"))
    name = str(contact.get("fullname") or contact.get("jid"))
    return Markup("".join((
        '<li class="cpy-contact cpy-', escape_text(str(status)), '" data-jid="', jid,
        '"><button type="button" data-action="open-chat" data-jid="', jid, '" title="', jid, " (", label,
        ", " + escape_text(idle) if idle else "",
        ')"><span class="cpy-dot" aria-label="', label, '" role="img"></span>', picture,
        '<span class="cpy-name">', escape_text(name),
        '</span><span class="cpy-status-msg">', escape_text(str(note)), "</span>",
        _unread_count(unread), "</button>",
        manage_button(str(contact.get("jid")), name),
        "</li>")))


def _unread_count(unread: int) -> str:
    """A roster row's unread badge ("" when there is nothing unread).

    >>> _unread_count(2)
    '<span class="cpy-unread" data-role="unread" aria-label="2 unread">2</span>'
    """
    if not unread:
        return ""
    return f'<span class="cpy-unread" data-role="unread" aria-label="{escape_text(ngettext("{count} unread", "{count} unread", unread))}">{int(unread)}</span>'


def _sort_key(contact: Any) -> str:
    return str(contact.get("fullname") or contact.get("jid")).lower()


def roster_chunks(contacts: Sequence[Any], *, grouped: bool, size: int = CHUNK,
                  avatars: Callable[[str], str | None] | None = None,
                  unread: Mapping[str, int] | None = None) -> Iterator[Markup]:
    """The roster's ``<li>`` rows, ``size`` rows per chunk, for one ``<ul>``. Grouped rosters get a
    heading row per roster group (contacts in no group come last, under "Ungrouped"; a contact in
    two groups is listed in both). ``avatars`` gives a JID's checked picture (api.avatars.get);
    ``unread``: JID → unread messages of the chat with them."""
    counts = unread or {}
    rows: list[Markup] = []

    def picture(contact: Any) -> str | None:
        return avatars(str(contact.get("jid"))) if avatars is not None else None
    if grouped:
        groups: dict[str, list[Any]] = {}
        for contact in contacts:
            for group in contact.get("groups") or [UNGROUPED]:
                groups.setdefault(group, []).append(contact)
        for name in sorted(groups, key=lambda g: (g == UNGROUPED, g.lower())):
            # A list may only hold list items: the heading is inside the item, not the item itself.
            rows.append(tag("li", {"class": "cpy-group-head"},
                            tag("span", {"role": "heading", "aria-level": "3"}, _("Ungrouped") if name == UNGROUPED else name)))
            for contact in sorted(groups[name], key=_sort_key):
                rows.append(contact_row(contact, picture(contact), counts.get(contact.get("jid"), 0)))
                if len(rows) >= size:
                    yield join(rows)
                    rows = []
    else:
        for contact in sorted(contacts, key=_sort_key):
            rows.append(contact_row(contact, picture(contact), counts.get(contact.get("jid"), 0)))
            if len(rows) >= size:
                yield join(rows)
                rows = []
    if rows:
        yield join(rows)


def matches(contact: Any, needle: str) -> bool:
    """Filter box test: the text occurs in the name or the JID, ignoring case."""
    if not needle:
        return True
    needle = needle.casefold()
    return needle in str(contact.get("fullname") or "").casefold() or needle in str(contact.get("jid")).casefold()


def status_form(status: str, message: str) -> Markup:
    """The own-status selector with a status message."""
    return tag("form", {"class": "cpy-status", "data-action": "set-status", "aria-label": _("Your status")},
               tag("label", {"for": "cpy-status-select", "class": "cpy-visually-hidden"}, _("Status")),
               tag("select", {"id": "cpy-status-select", "name": "status", "data-action": "set-status"},
                   [tag("option", {"value": value, "selected": value == status or
                                   (value == "offline" and status == "unavailable")},
                        status_label(value)) for value in STATUS_CHOICES]),
               tag("label", {"for": "cpy-status-message", "class": "cpy-visually-hidden"}, _("Status message")),
               tag("input", {"id": "cpy-status-message", "name": "message", "type": "text", "maxlength": "2000",
                             "placeholder": _("Status message"), "value": message}),
               tag("button", {"type": "submit"}, _("Set")))


def requests(contacts: Sequence[Any]) -> Markup:
    """Pending subscription requests, each with Accept and Decline buttons."""
    if not contacts:
        return Markup("")
    return tag("section", {"class": "cpy-requests", "aria-label": _("Contact requests")},
               tag("h3", {}, _("Contact requests")),
               tag("ul", {"role": "list"}, [
                   tag("li", {"class": "cpy-request", "data-jid": c.get("jid")},
                       tag("span", {"class": "cpy-name", "title": c.get("jid")}, c.get("fullname") or c.get("jid")),
                       tag("span", {"class": "cpy-status-msg"}, c.get("status") or ""),
                       tag("button", {"type": "button", "data-action": "accept-request", "data-jid": c.get("jid"),
                                      "aria-label": _("Accept {jid}", jid=c.get("jid"))}, _("Accept")),
                       tag("button", {"type": "button", "data-action": "decline-request",
                                      "data-jid": c.get("jid"), "class": "cpy-secondary",
                                      "aria-label": _("Decline {jid}", jid=c.get("jid"))}, _("Decline")))
                   for c in sorted(contacts, key=_sort_key)]))


def add_contact_form(feedback: str = "", error: bool = False) -> Markup:
    """"Add a contact": JID and optional name."""
    return tag("details", {"class": "cpy-add", "open": bool(feedback)},
               tag("summary", {}, _("Add a contact")),
               tag("form", {"data-action": "add-contact", "aria-label": _("Add a contact")},
                   tag("label", {"for": "cpy-add-jid"}, _("XMPP address")),
                   tag("input", {"id": "cpy-add-jid", "name": "jid", "type": "text", "required": True,
                                 "placeholder": "bob@localhost", "autocomplete": "off"}),
                   tag("label", {"for": "cpy-add-name"}, _("Name (optional)")),
                   tag("input", {"id": "cpy-add-name", "name": "name", "type": "text", "autocomplete": "off"}),
                   tag("button", {"type": "submit"}, _("Add")),
                   tag("p", {"class": "cpy-error" if error else "cpy-feedback", "role": "status",
                             "data-role": "add-feedback"}, feedback)))


def own_avatar(jid: str, src: str | None) -> Markup:
    """The user's own avatar in the control box header: a menu to choose a picture or remove it."""
    return tag("details", {"class": "cpy-own-avatar", "data-role": "own-avatar"},
               tag("summary", {"aria-label": _("Your avatar"), "title": _("Your avatar")},
                   avatar_image(src, jid, jid, lookup=jid)),
               tag("div", {"class": "cpy-avatar-menu"},
                   tag("label", {"class": "cpy-avatar-pick"}, _("Choose a picture…"),
                       tag("input", {"type": "file", "accept": "image/png,image/jpeg,image/gif,image/webp",
                                     "data-action": "pick-avatar", "class": "cpy-visually-hidden"})),
                   tag("button", {"type": "button", "data-action": "remove-avatar", "class": "cpy-secondary",
                                  "hidden": src is None}, _("Remove the avatar")),
                   tag("p", {"role": "status", "data-role": "avatar-feedback"})))


def controlbox(*, jid: str, state: str, status: str, message: str, filter_text: str,
               avatar: Markup | None = None) -> Markup:
    """The logged-in control box; the roster list and requests are filled in by the view. Below
    the header, the tools (status, requests, add a contact, rooms) and the roster (its filter
    and list) share the height: each scrolls on its own."""
    return join([
        tag("header", {"class": "cpy-me"},
            avatar,
            tag("span", {"class": "cpy-my-jid"}, jid),
            tag("span", {"class": f"cpy-conn cpy-conn-{state}"}, state),
            tag("button", {"type": "button", "data-action": "logout"}, _("Log out"))),
        # Status, requests, "Add a contact" and "Rooms" scroll in their own area, which yields
        # room to the roster down to a minimum: opening a section never hides the roster.
        tag("div", {"class": "cpy-controlbox-tools"},
            tag("div", {"data-role": "status"}, status_form(status, message)),
            tag("div", {"data-role": "requests"}),
            tag("div", {"data-role": "add"}, add_contact_form()),
            tag("div", {"data-role": "open-rooms"}),
            tag("div", {"data-role": "rooms-panel"})),
        tag("input", {"class": "cpy-filter", "type": "search", "data-action": "filter", "value": filter_text,
                      "placeholder": _("Filter contacts"), "aria-label": _("Filter contacts")}),
        tag("div", {"class": "cpy-roster-wrap", "role": "region", "aria-label": _("Contacts")},
            tag("ul", {"class": "cpy-roster", "role": "list", "data-role": "roster"}),
            tag("p", {"class": "cpy-empty", "data-role": "roster-empty", "hidden": True}, _("No contacts yet."))),
    ])


def controlbox_frame(*, shown: bool) -> Markup:
    """The toggle button and the (possibly hidden) control box panel."""
    return join([
        tag("button", {"type": "button", "class": "cpy-toggle", "data-action": "toggle-controlbox",
                       "aria-controls": "cpy-controlbox", "aria-expanded": "true" if shown else "false"},
            _("Contacts")),
        tag("section", {"id": "cpy-controlbox", "class": "cpy-controlbox", "data-role": "controlbox",
                        "aria-label": _("Contacts"), "hidden": not shown}),
    ])
