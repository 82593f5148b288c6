"""Room templates: the room box, occupants, the join form (room messages are chat rows:
``templates.message_items(..., room=True)``, nicks in their colours).

Pure Python (tested on CPython); nicks, subjects, reasons and bodies are always text.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable, Sequence

from ..i18n import N_, _
from .html import Markup, join, tag
from .templates import Button, avatar_image, composer_bar_slot, nick_style, toolbar, unread_badge

SHOW_LABELS = {"online": N_("Online"), "chat": N_("Online"), "away": N_("Away"), "dnd": N_("Busy"),
               "xa": N_("Extended away"), "offline": N_("Offline")}

#: Roles and affiliations shown as badges (translated where shown).
ROLE_WORDS = (N_("moderator"), N_("visitor"), N_("owner"), N_("admin"), N_("member"), N_("outcast"))


def occupant_avatar_jid(room_jid: str, occupant: Any) -> str:
    """Whose avatar an occupant shows: its real bare JID when the room discloses it, else its
    occupant JID (``room@service/nick``, XEP-0153 in rooms)."""
    real = occupant.get("jid")
    return str(real).partition("/")[0] if real else f"{room_jid}/{occupant.get('nick')}"


def occupant_row(occupant: Any, avatar_src: str | None = None, lookup: str | None = None,
                 menu: Markup | None = None, actions: Markup | None = None) -> Markup:
    show = occupant.get("show") or "online"
    role, affiliation = occupant.get("role") or "none", occupant.get("affiliation") or "none"
    badge = " · ".join(_(x) for x in (role if role not in ("none", "participant") else "",
                                      affiliation if affiliation != "none" else "") if x)
    return tag("li", {"class": f"cpy-occupant cpy-{show}", "data-nick": occupant.get("nick"),
                      "title": occupant.get("jid") or occupant.get("nick")},
               tag("span", {"class": "cpy-dot", "role": "img", "aria-label": _(SHOW_LABELS.get(show, show))}),
               avatar_image(avatar_src, str(occupant.get("nick") or ""), str(occupant.get("nick") or ""),
                            "cpy-avatar cpy-avatar-small", lookup),
               tag("span", {"class": "cpy-nick", "style": nick_style(occupant.get('nick'))},
                   occupant.get("nick")),
               tag("span", {"class": "cpy-badge"}, badge) if badge else None,
               actions, menu)


#: Where a role puts an occupant in the list.
ROLE_RANK = {"moderator": 0, "participant": 1, "visitor": 2, "none": 3}


def rank_occupants(items: Sequence[Any]) -> list[Any]:
    """Occupants in the list's order: moderators first, then by nick (case-insensitive).

    >>> [o["nick"] for o in rank_occupants([{"nick": "b", "role": "participant"},
    ...                                     {"nick": "Z", "role": "moderator"}, {"nick": "A", "role": "participant"}])]
    ['Z', 'A', 'b']
    """
    return sorted(items, key=lambda o: (ROLE_RANK.get(o.get("role"), 3), str(o.get("nick")).casefold()))


def occupants(items: Sequence[Any], room_jid: str = "",
              avatars: Callable[[str], str | None] | None = None,
              menus: Callable[[Any], Markup | None] | None = None,
              actions: Callable[[Any], Markup | None] | None = None) -> Markup:
    """Moderators first, then by nick; ``avatars`` gives a JID's picture (see ``occupant_avatar_jid``);
    ``menus`` an occupant's moderation menu (the moderation plugin's), ``actions`` an occupant's
    buttons (e.g. "Message privately")."""
    rows = []
    for occupant in rank_occupants(items):
        lookup = occupant_avatar_jid(room_jid, occupant) if room_jid else None
        rows.append(occupant_row(occupant, avatars(lookup) if avatars is not None and lookup else None, lookup,
                                 menus(occupant) if menus is not None else None,
                                 actions(occupant) if actions is not None else None))
    return join(rows)


def room_box(room: Any, buttons: Sequence[Button] = (), avatar_src: str | None = None) -> Markup:
    """The frame of a room; messages and occupants are filled in by the view; ``buttons`` are the
    toolbar's (hook ``getToolbarButtons``); ``avatar_src`` the room's picture (initials without one)."""
    jid = room.get("jid")
    return tag("section", {"class": "cpy-chatbox cpy-chatroom", "data-jid": jid,
                           "aria-label": _("Room {name}", name=room.get("name") or jid)},
               tag("header", {},
                   avatar_image(avatar_src, str(room.get("name") or jid), jid, lookup=jid),
                   tag("span", {"class": "cpy-title", "data-role": "room-name", "title": jid},
                       room.get("name") or jid),
                   unread_badge(room.get("num_unread") or 0),
                   tag("span", {"class": "cpy-conn", "data-role": "room-status"}, room.get("connection_status")),
                   tag("button", {"type": "button", "data-action": "close-room", "data-jid": jid,
                                  "aria-label": _("Leave the room")}, "×")),
               tag("p", {"class": "cpy-subject", "data-role": "subject", "hidden": not room.get("subject")},
                   room.get("subject") or ""),
               tag("p", {"class": "cpy-error", "role": "alert", "data-role": "room-error",
                         "hidden": not room.get("error")}, room.get("error") or ""),
               tag("div", {"class": "cpy-history-status", "data-role": "history", "role": "status",
                           "hidden": True}, _("Loading older messages…")),
               tag("div", {"class": "cpy-room-body"},
                   tag("ol", {"class": "cpy-messages", "aria-live": "polite", "data-role": "messages"}),
                   tag("aside", {"class": "cpy-occupants", "aria-label": _("Occupants")},
                       tag("h3", {}, _("Occupants")),
                       tag("ul", {"role": "list", "data-role": "occupants"}))),
               toolbar(buttons),
               composer_bar_slot(),
               tag("form", {"class": "cpy-compose", "data-action": "send-room", "data-jid": jid},
                   tag("textarea", {"name": "body", "rows": "2", "aria-label": _("Message to the room"),
                                    "placeholder": _("Message")}),
                   tag("button", {"type": "submit"}, _("Send"))),
               tag("details", {"class": "cpy-room-tools"},
                   tag("summary", {}, _("Invite · subject")),
                   tag("form", {"data-action": "invite", "data-jid": jid, "aria-label": _("Invite someone")},
                       tag("label", {"for": f"cpy-invite-{_id(jid)}"}, _("Invite")),
                       tag("input", {"id": f"cpy-invite-{_id(jid)}", "name": "jid", "type": "text", "required": True,
                                     "list": f"cpy-contacts-{_id(jid)}", "placeholder": "bob@localhost",
                                     "autocomplete": "off"}),
                       tag("datalist", {"id": f"cpy-contacts-{_id(jid)}", "data-role": "invite-contacts"}),
                       tag("input", {"name": "reason", "type": "text", "placeholder": _("Reason (optional)"),
                                     "aria-label": _("Reason")}),
                       tag("button", {"type": "submit"}, _("Invite"))),
                   tag("form", {"data-action": "set-subject", "data-jid": jid, "aria-label": _("Change the subject")},
                       tag("label", {"for": f"cpy-subject-{_id(jid)}"}, _("Subject")),
                       tag("input", {"id": f"cpy-subject-{_id(jid)}", "name": "subject", "type": "text"}),
                       tag("button", {"type": "submit"}, _("Set subject")))))


def contact_options(contacts: Sequence[Any]) -> Markup:
    """``<option>``s of roster contacts for the invite field."""
    return join(tag("option", {"value": c.get("jid")}, c.get("fullname") or c.get("jid"))
                for c in sorted(contacts, key=lambda c: str(c.get("fullname") or c.get("jid")).casefold()))


def join_form(*, hide_server: bool, service: str, nick: str) -> Markup:
    """The control box's "Rooms" panel: join a room, list public rooms."""
    return tag("details", {"class": "cpy-rooms", "data-role": "rooms-details"},
               tag("summary", {}, _("Rooms")),
               tag("form", {"data-action": "join-room", "aria-label": _("Join a room")},
                   tag("label", {"for": "cpy-room-name"}, _("Room")),
                   tag("input", {"id": "cpy-room-name", "name": "room", "type": "text", "required": True,
                                 "placeholder": _("room name") if hide_server else f"room@{service}"}),
                   None if hide_server else tag("label", {"for": "cpy-room-server"}, _("Server")),
                   None if hide_server else tag("input", {"id": "cpy-room-server", "name": "server", "type": "text",
                                                          "value": service}),
                   tag("label", {"for": "cpy-room-nick"}, _("Nickname")),
                   tag("input", {"id": "cpy-room-nick", "name": "nick", "type": "text", "value": nick}),
                   tag("button", {"type": "submit"}, _("Join")),
                   tag("button", {"type": "button", "class": "cpy-secondary", "data-action": "list-rooms"},
                       _("Show public rooms")),
                   tag("p", {"class": "cpy-feedback", "role": "status", "data-role": "rooms-feedback"})),
               tag("ul", {"class": "cpy-room-list", "role": "list", "data-role": "room-list"}))


def room_list(rooms: Sequence[Any]) -> Markup:
    """Public rooms from disco#items, each with a join button."""
    if not rooms:
        return tag("li", {"class": "cpy-empty"}, _("No public rooms."))
    return join(tag("li", {},
                    tag("button", {"type": "button", "data-action": "join-listed-room", "data-jid": r["jid"],
                                   "title": r["jid"]}, r["name"] or r["jid"]))
                for r in rooms)


def invitation(invite: dict[str, Any]) -> Markup:
    """A notice for a room invitation with Join / Dismiss."""
    who, room = invite.get("from") or "", invite.get("room") or ""
    return tag("li", {"class": "cpy-invitation", "data-jid": room},
               tag("span", {}, _("{who} invites you to {room}", who=who, room=room)),
               tag("span", {"class": "cpy-status-msg"}, invite.get("reason") or ""),
               tag("button", {"type": "button", "data-action": "accept-invite", "data-jid": room}, _("Join")),
               tag("button", {"type": "button", "class": "cpy-secondary", "data-action": "dismiss-invite",
                              "data-jid": room}, _("Dismiss")))


def _id(jid: str) -> str:
    """An id-safe form of a JID."""
    return "".join(ch if ch.isalnum() else "-" for ch in jid)

