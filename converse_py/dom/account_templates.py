"""Account templates: "Create an account" (XEP-0077 in-band registration, the form built from
the server's own fields), and, once logged in, the profile (vCard) and password forms.

Pure Python (tested on CPython); the server's instructions and labels are always text.

>>> from converse_py.plugins.register.stanzas import RegistrationForm, RegistrationField
>>> html = register_form(domain="localhost", form=RegistrationForm("<b>Hi</b>", (RegistrationField("username"),)))
>>> "&lt;b&gt;Hi&lt;/b&gt;" in html, 'name="username"' in html
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping

from ..i18n import N_, _
from ..plugins.register.stanzas import RegistrationField, RegistrationForm
from .html import Markup, tag

#: Labels of XEP-0077's legacy fields (shown translated).
LEGACY_LABELS = {"username": N_("Username"), "password": N_("Password"), "email": N_("Email address"),
                 "name": N_("Full name"), "nick": N_("Nickname"), "first": N_("First name"), "last": N_("Last name"),
                 "url": N_("Web page")}


def register_link() -> Markup:
    """The login form's way to the registration form."""
    return tag("p", {"class": "cpy-register-link"},
               tag("button", {"type": "button", "class": "cpy-link", "data-action": "show-register"},
                   _("Create an account")))


def _label(field: RegistrationField) -> str:
    if field.label:
        return field.label
    legacy = LEGACY_LABELS.get(field.var)
    return _(legacy) if legacy else field.var


def _field(field: RegistrationField, index: int) -> Markup | None:
    if field.type == "hidden" or (not field.var and field.type != "fixed"):
        return None
    if field.type == "fixed":
        return tag("p", {"class": "cpy-form-note"}, field.value)
    ident = f"cpy-reg-{index}"
    label = tag("label", {"for": ident}, _label(field) + (" *" if field.required else ""))
    if field.type == "list-single" and field.options:
        return tag("div", {}, label, tag("select", {"id": ident, "name": field.var},
                                         [tag("option", {"value": o, "selected": o == field.value}, o)
                                          for o in field.options]))
    if field.type == "boolean":
        return tag("div", {}, tag("input", {"id": ident, "name": field.var, "type": "checkbox", "value": "1",
                                            "checked": field.value in ("1", "true")}), label)
    private = field.type == "text-private" or field.var == "password"
    kind = "password" if private else ("email" if field.var == "email" else "text")
    autocomplete = {"username": "username", "email": "email"}.get(field.var, "new-password" if private else "off")
    return tag("div", {}, label, tag("input", {"id": ident, "name": field.var, "type": kind, "value": field.value,
                                               "required": field.required, "autocomplete": autocomplete}))


def register_form(*, domain: str, form: RegistrationForm | None, fixed_domain: bool = False, error: str = "",
                  busy: bool = False) -> Markup:
    """Step one (no form yet): the server to register on; step two: the server's own fields."""
    back = tag("button", {"type": "button", "class": "cpy-secondary", "data-action": "show-login"},
               _("Back to log in"))
    alert = tag("p", {"class": "cpy-error", "role": "alert", "data-role": "register-error", "hidden": not error}, error)
    if form is None:
        return tag("form", {"class": "cpy-register", "data-action": "register-domain",
                            "aria-label": _("Create an account")},
                   tag("h2", {}, _("Create an account")),
                   tag("label", {"for": "cpy-reg-domain"}, _("Server")),
                   tag("input", {"id": "cpy-reg-domain", "name": "domain", "type": "text", "value": domain,
                                 "placeholder": "example.org", "required": True, "readonly": fixed_domain}),
                   alert,
                   tag("button", {"type": "submit", "disabled": busy},
                       _("Asking the server…") if busy else _("Next")), back)
    fields = [_field(f, i) for i, f in enumerate(form.fields)]
    return tag("form", {"class": "cpy-register", "data-action": "register", "aria-label": _("Create an account")},
               tag("h2", {}, _("Create an account on {domain}", domain=domain)),
               tag("p", {"class": "cpy-form-note", "data-role": "register-instructions"},
                   form.instructions) if form.instructions else None,
               fields, alert,
               tag("button", {"type": "submit", "disabled": busy},
                   _("Creating the account…") if busy else _("Create the account")), back)


def account_section(profile: Mapping[str, str] | None = None, *, feedback: str = "", error: bool = False) -> Markup:
    """"Your account" in the logged-in control box: the profile (vCard) and a new password."""
    values = profile or {}

    def text_input(name: str, label: str, kind: str = "text") -> list[Markup]:
        ident = f"cpy-profile-{name}"
        return [tag("label", {"for": ident}, label),
                tag("input", {"id": ident, "name": name, "type": kind, "value": values.get(name, ""),
                              "maxlength": "1000", "autocomplete": "off"})]
    return tag("details", {"class": "cpy-account", "data-role": "account", "open": bool(feedback)},
               tag("summary", {"data-action": "open-account"}, _("Your profile and password")),
               tag("form", {"data-action": "save-profile", "aria-label": _("Your profile")},
                   text_input("fullname", _("Full name")), text_input("nickname", _("Nickname")),
                   text_input("url", _("Web page"), "url"), text_input("email", _("Email address"), "email"),
                   tag("button", {"type": "submit"}, _("Save the profile"))),
               tag("form", {"data-action": "change-password", "aria-label": _("Change the password")},
                   tag("label", {"for": "cpy-new-password"}, _("New password")),
                   tag("input", {"id": "cpy-new-password", "name": "password", "type": "password",
                                 "autocomplete": "new-password", "required": True}),
                   tag("label", {"for": "cpy-new-password-again"}, _("New password again")),
                   tag("input", {"id": "cpy-new-password-again", "name": "again", "type": "password",
                                 "autocomplete": "new-password", "required": True}),
                   tag("button", {"type": "submit"}, _("Change the password"))),
               tag("p", {"class": "cpy-error" if error else "cpy-feedback", "role": "status",
                         "data-role": "account-feedback"}, feedback))
