"""Accounts in the page against the real server (Prosody, or ejabberd with --xmpp-server=ejabberd):
XEP-0077 in-band registration through the login form (the server's own fields), a taken
username said in words, the password changed in the control box and used for the next login,
and the profile (vCard) edited in the control box as a slixmpp peer then fetches it.

One page for the module: the tests run in order, each continuing where the last one stopped.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tools.bot import Bot, BotError

from .support import BOOT_TIMEOUT_MS, Account, ClientPage, open_client_page, unique_account

CB = "#conversejs #cpy-controlbox"


@dataclass
class World:
    page: ClientPage
    server: Any
    username: str = f"newbie-{uuid.uuid4().hex[:8]}"
    password: str = f"pw-{uuid.uuid4().hex[:12]}"

    @property
    def jid(self) -> str:
        return f"{self.username}@{self.server.domain}"


@pytest.fixture(scope="module")
def world(browser: Any, web_server: Any, prosody: Any) -> Iterator[World]:
    page = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html",
                            {"bosh_service_url": prosody.bosh_url, "auto_login": False})
    page.wait_for("window.out.initialized", timeout=BOOT_TIMEOUT_MS)
    try:
        yield World(page, prosody)
    finally:
        page.close()


def _register(world: World, username: str, password: str) -> None:
    """Fill the server's registration form (asking for it first when it is not shown)."""
    p = world.page.page
    if not p.is_visible(f'{CB} form[data-action="register"]'):
        p.click(f'{CB} [data-action="show-register"]')
        p.fill(f"{CB} #cpy-reg-domain", world.server.domain)
        p.click(f'{CB} form[data-action="register-domain"] button[type="submit"]')
        p.wait_for_selector(f'{CB} form[data-action="register"] input[name="username"]', timeout=20_000)
    p.fill(f'{CB} form[data-action="register"] input[name="username"]', username)
    p.fill(f'{CB} form[data-action="register"] input[name="password"]', password)
    if p.is_visible(f'{CB} form[data-action="register"] input[name="email"]'):
        p.fill(f'{CB} form[data-action="register"] input[name="email"]', f"{username}@example.org")
    p.click(f'{CB} form[data-action="register"] button[type="submit"]')


def _logged_in_as(world: World, jid: str) -> None:
    world.page.page.wait_for_selector(f"{CB} .cpy-my-jid:has-text('{jid}')", timeout=30_000)


def test_a_taken_username_is_refused_in_words(world: World) -> None:
    taken = unique_account(world.server, "taken")
    _register(world, taken.username, "whatever-1")
    alert = world.page.page.wait_for_selector(f'{CB} [data-role="register-error"]:not([hidden])', timeout=20_000)
    assert alert.text_content() == "That username is taken."


def test_a_visitor_creates_an_account_in_the_login_form_and_is_logged_in_with_it(world: World) -> None:
    _register(world, world.username, world.password)  # the form is still there, as typed
    _logged_in_as(world, world.jid)
    assert world.password not in "\n".join(world.page.console)


def test_the_password_changed_in_the_control_box_logs_in_next_time(world: World) -> None:
    p, new = world.page.page, f"new-{uuid.uuid4().hex[:12]}"
    p.click(f'{CB} [data-action="open-account"]')
    p.fill(f"{CB} #cpy-new-password", new)
    p.fill(f"{CB} #cpy-new-password-again", new + "x")
    p.click(f'{CB} form[data-action="change-password"] button[type="submit"]')
    p.wait_for_selector(f'{CB} [data-role="account-feedback"]:text("The two passwords differ")', timeout=5_000)
    p.fill(f"{CB} #cpy-new-password", new)
    p.fill(f"{CB} #cpy-new-password-again", new)
    p.click(f'{CB} form[data-action="change-password"] button[type="submit"]')
    p.wait_for_selector(f'{CB} [data-role="account-feedback"]:text("Password changed.")', timeout=20_000)
    p.click(f'{CB} [data-action="logout"]')
    p.wait_for_selector(f"{CB} form[data-action='login']", timeout=20_000)
    with pytest.raises(BotError):  # the server no longer takes the old one
        Bot(world.jid, world.password, "127.0.0.1", world.server.c2s_port, "old-password").start()
    p.fill(f"{CB} #cpy-jid", world.jid)
    p.fill(f"{CB} #cpy-password", new)
    p.click(f"{CB} form[data-action='login'] button[type='submit']")
    _logged_in_as(world, world.jid)
    world.password = new
    assert new not in "\n".join(world.page.console)


def test_the_profile_edited_in_the_control_box_is_the_vcard_a_contact_fetches(world: World, bot: Any) -> None:
    p = world.page.page
    p.click(f'{CB} [data-action="open-account"]')
    form = f'{CB} form[data-action="save-profile"]'
    for name, value in (("fullname", "Newbie <Tester>"), ("nickname", "newbie"), ("url", "https://example.org/n"),
                        ("email", "newbie@example.org")):
        p.fill(f'{form} input[name="{name}"]', value)
    p.click(f'{form} button[type="submit"]')
    p.wait_for_selector(f'{CB} [data-role="account-feedback"]:text("Profile saved.")', timeout=20_000)
    peer: Account = unique_account(world.server, "peer")
    peer_bot = bot(peer)
    peer_bot.send_raw(f"<iq type='get' id='vc' to='{world.jid}'><vCard xmlns='vcard-temp'/></iq>")
    card = ET.fromstring(peer_bot.wait_for_iq_result("vc", timeout=15))
    v = "{vcard-temp}"
    assert card.findtext(f".//{v}FN") == "Newbie <Tester>"
    assert card.findtext(f".//{v}NICKNAME") == "newbie"
    assert card.findtext(f".//{v}URL") == "https://example.org/n"
    assert card.findtext(f".//{v}EMAIL/{v}USERID") == "newbie@example.org"
