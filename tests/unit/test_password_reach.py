"""Where the password is after the login: nowhere, or (reconnection possible, no SCRAM) only in the
connection's ``LoginSecret``. ``password_walk.holders`` walks every object Python can reach."""

from __future__ import annotations

import doctest
import secrets
from typing import Any

import pytest

from converse_py.core.connection import RECONNECT_DELAYS
from converse_py.core.secret import LoginSecret
from converse_py.transport.base import ScramKeys
from converse_py.transport.fake import FakeTransport

from . import password_walk
from .conftest import Client, advance, arun, settle
from .password_walk import holders


def fresh_password() -> str:
    return "pw-" + secrets.token_hex(12)  # made at run time: no code object holds it as a constant


def run(settings: dict[str, Any], *, scram: bool = False, via_api: bool = False,
        drop: bool = False) -> dict[str, Any]:
    password = fresh_password()

    async def body(password: str) -> dict[str, Any]:  # an argument, not a closure cell the walk would find
        client = Client()
        client.transport = FakeTransport(resource="web", scram=scram)
        if via_api:
            await client.converse.initialize(settings)
            await client.api.user.login({"jid": "alice@localhost", "password": password})
        else:
            await client.converse.initialize({**settings, "jid": "alice@localhost", "password": password,
                                              "auto_login": True})
        await settle()
        found = {"connected": client.api.connection.connected, "holders": holders(password),
                 "secret": client.converse.connection._secret, "transport_copy": client.transport.password}
        if drop:
            client.transport.drop()
            await advance(client, RECONNECT_DELAYS[0])
            found["reconnected"] = client.api.connection.connected
            found["logins"] = list(client.transport.logins)
            found["holders_after_reconnect"] = holders(password)
        return found
    return arun(body(password))


def test_the_walk_finds_what_holds_a_string() -> None:
    assert doctest.testmod(password_walk).failed == 0


@pytest.mark.parametrize("via_api", [False, True])
def test_without_reconnection_the_password_is_nowhere_once_logged_in(via_api: bool) -> None:
    got = run({"auto_reconnect": False}, via_api=via_api)
    assert got["connected"] is True
    assert got["holders"] == [] and got["secret"] is None and got["transport_copy"] is None


@pytest.mark.parametrize("setting", ["auto_reconnect", "enable_smacks"])
def test_with_reconnection_and_no_scram_only_the_login_secret_holds_it(setting: str) -> None:
    got = run({setting: True})
    assert got["holders"] == ["LoginSecret"]
    assert isinstance(got["secret"], LoginSecret) and got["secret"].is_password
    assert "pw-" not in repr(got["secret"]) and got["transport_copy"] is None


def test_after_a_scram_login_the_keys_replace_it_and_reconnection_uses_them() -> None:
    got = run({"auto_reconnect": True}, scram=True, drop=True)
    assert got["holders"] == [] and isinstance(got["secret"].value, ScramKeys)
    assert got["reconnected"] is True and got["logins"] == ["password", "keys"]
    assert got["holders_after_reconnect"] == []


def test_logout_drops_the_login_secret() -> None:
    password = fresh_password()

    async def body(password: str) -> tuple[list[str], bool]:
        client = Client()
        await client.converse.initialize({"auto_reconnect": True})
        await client.api.user.login({"jid": "alice@localhost", "password": password})
        client.api.user.logout()
        await settle()
        return holders(password), client.converse.connection.can_log_in_again
    assert arun(body(password)) == ([], False)


def test_the_password_setting_is_kept_only_by_the_login_secret_until_the_login() -> None:
    password = fresh_password()

    async def body(password: str) -> tuple[list[str], Any]:
        client = Client()
        await client.converse.initialize({"jid": "alice@localhost", "password": password})
        return holders(password), client.api.settings.get("password")
    assert arun(body(password)) == (["LoginSecret"], None)
