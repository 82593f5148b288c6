"""The demo page (index.html): a login form rendered by Python, errors for bad credentials,
and the roster after logging in, against the real Prosody."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account


@pytest.fixture(scope="module")
def accounts(prosody: Any, bot: Any) -> tuple[Account, Account]:
    dave, erin = unique_account(prosody, "dave"), unique_account(prosody, "erin")
    seeder = bot(dave)
    seeder.send_raw(f'<iq type="set" id="seed1"><query xmlns="jabber:iq:roster">'
                    f'<item jid="{erin.jid}" name="Erin &lt;the tester&gt;"><group>Friends</group></item>'
                    f'</query></iq>')
    assert 'type="result"' in seeder.wait_for_iq_result("seed1", timeout=10).replace("'", '"')
    seeder.stop()
    return dave, erin


@pytest.fixture(scope="module")
def page(browser: Any, web_server: Any, prosody: Any) -> Iterator[ClientPage]:
    body = json.dumps({"bosh_service_url": prosody.bosh_url, "websocket_url": None,
                       "domain": "localhost", "accounts": []}).encode()
    web_server.add_route("/demo-settings.json", lambda handler: (200, "application/json", body))
    handle = open_client_page(browser, web_server.url, "/")
    handle.page.wait_for_selector("#conversejs form.cpy-login", timeout=BOOT_TIMEOUT_MS)
    yield handle
    handle.close()


def test_the_login_form_is_rendered_by_python(page: ClientPage) -> None:
    form = page.page.locator("#conversejs form.cpy-login")
    assert form.locator("input[name=jid]").count() == 1
    assert form.locator("input[name=password][type=password]").count() == 1


def test_a_wrong_password_shows_a_clear_error_and_keeps_the_form(page: ClientPage,
                                                                accounts: tuple[Account, Account]) -> None:
    dave, _ = accounts
    page.page.fill("#cpy-jid", dave.jid)
    page.page.fill("#cpy-password", "definitely-wrong")
    page.page.click("#conversejs form.cpy-login button[type=submit]")
    page.page.wait_for_selector("#conversejs .cpy-error", timeout=20_000)
    assert page.page.inner_text("#conversejs .cpy-error") == "Wrong XMPP address or password."


def test_logging_in_shows_the_seeded_roster(page: ClientPage, accounts: tuple[Account, Account]) -> None:
    dave, erin = accounts
    page.page.fill("#cpy-jid", dave.jid)
    page.page.fill("#cpy-password", dave.password)
    page.page.click("#conversejs form.cpy-login button[type=submit]")
    row = f'#conversejs li.cpy-contact[data-jid="{erin.jid}"]'
    page.page.wait_for_selector(row, timeout=20_000)
    assert page.page.text_content(f"{row} .cpy-name") == "Erin <the tester>"
    assert page.page.text_content("#conversejs .cpy-group-head") == "Friends"
    assert page.page.inner_text("#conversejs .cpy-my-jid").startswith(dave.jid + "/")


def test_logout_returns_to_the_login_form(page: ClientPage) -> None:
    page.page.click("#conversejs button[data-action=logout]")
    page.page.wait_for_selector("#conversejs form.cpy-login", timeout=10_000)
