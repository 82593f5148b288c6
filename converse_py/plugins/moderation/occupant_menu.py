"""The occupant list's moderation menu, pure HTML: a small menu per occupant with only what the
user's role and affiliation allow, and the confirmation (with an optional reason) a kick or a ban
asks for. The view (dom/views/moderation.py) routes its clicks.

>>> str(occupant_menu("bob", ["mute", "kick"]))[:60]
'<details class="cpy-occupant-menu"><summary aria-label="Acti'
"""

from __future__ import annotations

from collections.abc import Sequence

from ...dom.html import Markup, tag
from ...i18n import _
from .permissions import OCCUPANT_ACTIONS

#: The actions that ask to confirm first (with a reason).
CONFIRMED = ("kick", "ban")


def occupant_menu(nick: str, actions: Sequence[str]) -> Markup | None:
    """The menu of one occupant; None when the user may do nothing to them."""
    if not actions:
        return None
    return tag("details", {"class": "cpy-occupant-menu"},
               tag("summary", {"aria-label": _("Actions for {nick}", nick=nick), "title": _("Moderate")}, "⋯"),
               *[tag("button", {"type": "button", "data-action": "occupant-action", "data-name": name,
                                "data-nick": nick}, _(OCCUPANT_ACTIONS[name][1])) for name in actions])


def confirm_form(nick: str, action: str) -> Markup:
    """Asks to confirm a kick or a ban, with an optional reason."""
    question = _("Kick {nick}?", nick=nick) if action == "kick" else _("Ban {nick}?", nick=nick)
    return tag("form", {"class": "cpy-occupant-confirm", "data-action": "occupant-confirm", "data-name": action,
                        "data-nick": nick, "aria-label": question},
               tag("span", {}, question), " ",
               tag("input", {"name": "reason", "placeholder": _("Reason (optional)"), "aria-label": _("Reason")}), " ",
               tag("button", {"type": "submit"}, _(OCCUPANT_ACTIONS[action][1])), " ",
               tag("button", {"type": "button", "data-action": "occupant-cancel"}, _("Cancel")))
