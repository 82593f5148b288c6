"""Templates of the OTR padlock, its menu and its notices on a chat box (pure, escaped).

The box's attributes (set by the converse-otr plugin) are all they read: ``otr_state``,
``otr_fingerprint``, ``otr_their_fingerprint``, ``otr_smp`` and ``otr_notice``.

>>> from converse_py.core.model import Model
>>> box = Model({"jid": "bob@localhost", "otr_state": "unverified"})
>>> 'data-otr-state="unverified"' in padlock(box, expanded=False)
True
"""

from __future__ import annotations

from typing import Any

from ..i18n import N_, _
from .html import Markup, join, tag

#: Padlock state → (icon, what it means).
STATES = {
    "not-private": ("🔓", N_("Not private")),
    "unverified": ("🔒", N_("Private, contact not verified")),
    "verified": ("🔒", N_("Private, contact verified")),
    "finished": ("⚠", N_("Private conversation ended by the contact: messages are not sent")),
}
SMP_STATUS = {
    "started": N_("Waiting for the contact to answer the verification…"),
    "succeeded": N_("Verified: the contact knows the secret."),
    "failed": N_("Verification failed: the secrets differ."),
    "aborted": N_("Verification stopped."),
}


def _state(box: Any) -> str:
    state = box.get("otr_state")
    return state if state in STATES else "not-private"


def padlock(box: Any, *, expanded: bool) -> Markup:
    """The padlock button in the chat box header (opens the OTR menu)."""
    state = _state(box)
    icon, label = STATES[state][0], _(STATES[state][1])
    jid = box.get("jid")
    return tag("button", {"type": "button", "class": f"cpy-otr-padlock cpy-otr-{state}", "data-action": "otr-menu",
                          "data-jid": jid, "data-otr-state": state, "title": label,
                          "aria-label": _("Encryption: {label}", label=label), "aria-expanded": "true" if expanded else "false"},
               icon)


def _fingerprint(label: str, value: Any, missing: str) -> Markup:
    return join([tag("dt", {}, label),
                 tag("dd", {"class": "cpy-otr-fp" if value else None}, value or missing)])


def _secret_form(action: str, jid: str, button: str, *, question: bool) -> Markup:
    fields = []
    if question:
        fields.append(tag("input", {"name": "question", "type": "text", "autocomplete": "off",
                                    "placeholder": _("Question (optional)"), "aria-label": _("Question (optional)")}))
    fields.append(tag("input", {"name": "secret", "type": "text", "autocomplete": "off", "required": True,
                                "placeholder": _("Shared secret"), "aria-label": _("Shared secret")}))
    return tag("form", {"class": "cpy-otr-secret", "data-action": action, "data-jid": jid},
               fields, tag("button", {"type": "submit"}, button))


def panel(box: Any) -> Markup:
    """The OTR menu's contents: state, fingerprints, start/end and verification."""
    state = _state(box)
    jid = box.get("jid")
    smp = box.get("otr_smp") or {}
    status = smp.get("status") if isinstance(smp, dict) else None
    private = state in ("unverified", "verified")
    parts: list[Any] = [
        tag("p", {"class": "cpy-otr-state"}, _(STATES[state][1])),
        tag("dl", {}, _fingerprint(_("Your fingerprint"), box.get("otr_fingerprint"), _("made when first needed")),
            _fingerprint(_("Contact's fingerprint"), box.get("otr_their_fingerprint"), _("not known yet"))),
        tag("div", {"class": "cpy-otr-actions"},
            tag("button", {"type": "button", "data-action": "otr-start", "data-jid": jid},
                _("Refresh private conversation") if private else _("Start private conversation")),
            tag("button", {"type": "button", "data-action": "otr-end", "data-jid": jid},
                _("End private conversation")) if state != "not-private" else None),
    ]
    if private and status == "asked":
        question = smp.get("question")
        parts.append(tag("p", {"class": "cpy-otr-smp"}, _("The contact asks you to verify with a shared secret")
                         + (": " if question else "."), tag("q", {}, question) if question else None))
        parts.append(_secret_form("otr-smp-answer", jid, _("Answer"), question=False))
    elif private:
        if status in SMP_STATUS:
            parts.append(tag("p", {"class": "cpy-otr-smp", "role": "status"}, _(SMP_STATUS[status])))
        if status != "started":
            parts.append(tag("p", {}, _("Verify the contact: both type the same secret, agreed beforehand.")))
            parts.append(_secret_form("otr-verify", jid, _("Verify"), question=True))
    if private and status in ("started", "asked"):
        parts.append(tag("button", {"type": "button", "data-action": "otr-smp-abort", "data-jid": jid},
                         _("Stop verifying")))
    return join(parts)


def notice(box: Any) -> Markup:
    """The last OTR message for the user (e.g. a refused send), or nothing."""
    text = box.get("otr_notice")
    return tag("div", {"class": "cpy-otr-notice", "data-role": "otr-notice", "role": "alert",
                       "hidden": not text}, text or "")
