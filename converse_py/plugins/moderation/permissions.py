"""Who may do what in a room (XEP-0045 §5's privileges), pure: checked before anything is sent,
so that the user gets a clear refusal instead of a server error.

>>> refusal("kick", "participant", "member")
'You need to be a moderator to kick.'
>>> refusal("ban", "moderator", "admin") is None
True
"""

from __future__ import annotations

from ...i18n import N_, _

#: action → (roles that may, affiliations that may): either list suffices; empty = nobody by that way.
NEEDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "kick": (("moderator",), ()),
    "voice": (("moderator",), ()),
    "mute": (("moderator",), ()),
    "moderate": (("moderator",), ()),
    "op": ((), ("admin", "owner")),
    "deop": ((), ("admin", "owner")),
    "ban": ((), ("admin", "owner")),
    "member": ((), ("admin", "owner")),
    "none": ((), ("admin", "owner")),
    "admin": ((), ("owner",)),
    "owner": ((), ("owner",)),
    "list": ((), ("admin", "owner")),
    "topic": (("moderator", "participant"), ()),
}


def allowed(action: str, role: str, affiliation: str) -> bool:
    """Whether someone with ``role`` and ``affiliation`` may do ``action`` (a ``NEEDS`` key)."""
    roles, affiliations = NEEDS[action]
    return role in roles or affiliation in affiliations


def refusal(action: str, role: str, affiliation: str) -> str | None:
    """The line that says why ``action`` is refused, or None when it is allowed."""
    if allowed(action, role, affiliation):
        return None
    return _(REFUSALS[action])


#: Why an action is refused (whole sentences, so that translations read well).
REFUSALS = {
    "kick": N_("You need to be a moderator to kick."),
    "voice": N_("You need to be a moderator to give voice."),
    "mute": N_("You need to be a moderator to mute."),
    "moderate": N_("You need to be a moderator to remove messages."),
    "op": N_("You need to be an admin or owner of the room to make moderators."),
    "deop": N_("You need to be an admin or owner of the room to remove moderators."),
    "ban": N_("You need to be an admin or owner of the room to ban."),
    "member": N_("You need to be an admin or owner of the room to grant membership."),
    "none": N_("You need to be an admin or owner of the room to remove affiliations."),
    "admin": N_("You need to be an owner of the room to make admins."),
    "owner": N_("You need to be an owner of the room to make owners."),
    "list": N_("You need to be an admin or owner of the room to see affiliation lists."),
    "topic": N_("Visitors cannot change the topic."),
}


#: The occupant menu's actions: name → (permission, label, the target roles it applies to).
OCCUPANT_ACTIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "voice": ("voice", N_("Give voice"), ("visitor",)),
    "mute": ("mute", N_("Mute"), ("participant",)),
    "op": ("op", N_("Make moderator"), ("participant", "visitor")),
    "deop": ("deop", N_("Remove moderator"), ("moderator",)),
    "kick": ("kick", N_("Kick"), ("moderator", "participant", "visitor")),
    "ban": ("ban", N_("Ban"), ("moderator", "participant", "visitor")),
}


def occupant_actions(role: str, affiliation: str, target_role: str, target_has_jid: bool) -> list[str]:
    """What the user (``role``, ``affiliation``) may do to an occupant with ``target_role`` (a ban
    needs the occupant's real JID).

    >>> occupant_actions("moderator", "member", "participant", False)
    ['mute', 'kick']
    >>> occupant_actions("moderator", "owner", "visitor", True)
    ['voice', 'op', 'kick', 'ban']
    >>> occupant_actions("participant", "member", "participant", True)
    []
    """
    return [name for name, (permission, _label, targets) in OCCUPANT_ACTIONS.items()
            if target_role in targets and allowed(permission, role, affiliation)
            and (name != "ban" or target_has_jid)]
