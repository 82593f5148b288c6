"""``api.account``: XEP-0077 in-band registration and password change."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...core.errors import ConverseError
from ...core.grouping import Grouping

if TYPE_CHECKING:
    from .plugin import RegistrationState


class AccountAPI(Grouping):
    """``_converse.api.account``: create an account (in-band registration) and change the password."""

    def __init__(self, state: RegistrationState) -> None:
        self._state = state

    def fields(self, domain: str | None = None) -> asyncio.Future[dict[str, Any]]:
        """What ``domain`` (or ``registration_domain``) asks for to create an account:
        ``{instructions, data_form, fields: [{var, type, label, required, value, options}]}``
        (the legacy fields such as ``username``/``password``/``email``, or a data form's fields).

        JS: ``const form = await _converse.api.account.fields('localhost');  // form.fields[0].var === "username"``
        Python: ``form = await api.account.fields("localhost")``
        """
        return asyncio.ensure_future(self._fields(domain))

    async def _fields(self, domain: str | None) -> dict[str, Any]:
        form = await self._state.form(domain)
        self._state.close()  # a later register asks again on a stream of its own
        return form.as_dict()

    def register(self, details: Any) -> asyncio.Future[str]:
        """Create an account: ``{domain, username, password, fields}`` (``fields``: other values the
        server asks for, by field name; ``domain`` is ``registration_domain`` when that is set).
        Resolves to the new bare JID; fails in words (``That username is taken.``...). It does not
        log in: call ``api.user.login`` with the new account.

        JS: ``await _converse.api.account.register({domain: 'localhost', username: 'dave' + Date.now(), password: 'secret'});``
        Python: ``import time; await api.account.register({"domain": "localhost", "username": f"erin{time.time_ns()}", "password": "secret"})``
        """
        if not isinstance(details, Mapping):
            raise ConverseError("account.register: expected {domain, username, password, fields}")
        given = details
        extra = given.get("fields") or {}
        if not isinstance(extra, Mapping):
            raise ConverseError("account.register: 'fields' must map field names to values")
        values = {str(k): str(v) for k, v in extra.items() if v is not None}
        for key in ("username", "password"):
            if given.get(key) is not None:
                values[key] = str(given[key])
        if not values.get("password"):
            raise ConverseError("account.register: a password is required")
        domain = given.get("domain")
        return asyncio.ensure_future(self._state.register(str(domain) if domain else None, values))

    def change_password(self, password: str) -> asyncio.Future[None]:
        """Change the logged-in account's password (XEP-0077 §3.3); reconnecting later uses the new
        one. Fails in words when the server refuses (e.g. a password it finds too weak).

        JS: ``await _converse.api.account.changePassword('secret');``
        Python: ``await api.account.change_password("secret")``
        """
        if not isinstance(password, str) or not password:
            raise ConverseError("account.changePassword: expected a non-empty password")
        return asyncio.ensure_future(self._state.change_password(password))
