"""The i18n setting: Korean labels in the login form and the control box; the browser's language by
default (German, Arabic right to left) with its dates in the day separators."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from converse_py.i18n.dates import long_day

from .support import BOOT_TIMEOUT_MS, grab_api, open_client_page, unique_account

#: One pass is enough: translated labels and dates do not depend on the server.
pytestmark = pytest.mark.one_server


def test_korean_ui_from_login_to_control_box(browser: Any, web_server: Any, prosody: Any) -> None:
    account = unique_account(prosody, "minji")
    settings = {"bosh_service_url": prosody.bosh_url, "i18n": "ko", "keepalive": False,
                "show_controlbox_by_default": True}
    page = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings)
    try:
        page.wait_for("window.out.initialized", timeout=BOOT_TIMEOUT_MS)
        form = page.page.locator('#conversejs form[data-action="login"]')
        form.wait_for()
        assert form.locator("h2").inner_text() == "로그인"
        assert page.page.get_attribute("#conversejs", "lang") == "ko"
        page.page.fill("#cpy-jid", account.jid)
        page.page.fill("#cpy-password", "wrong-" + account.password)
        page.page.click('#conversejs form[data-action="login"] button[type="submit"]')
        page.page.wait_for_selector('#conversejs .cpy-error:has-text("비밀번호가 틀렸습니다")', timeout=20_000)
        assert page.page.input_value("#cpy-jid") == account.jid  # kept: only the password is typed again
        page.page.fill("#cpy-password", account.password)
        page.page.click('#conversejs form[data-action="login"] button[type="submit"]')
        page.page.wait_for_selector("#conversejs .cpy-my-jid", timeout=20_000)
        assert page.page.inner_text('#conversejs [data-action="logout"]') == "로그아웃"
        assert page.page.get_attribute("#conversejs input.cpy-filter", "placeholder") == "연락처 찾기"
        assert page.page.inner_text("#conversejs details.cpy-add summary") == "연락처 추가"
        options = page.page.locator("#cpy-status-select option").all_inner_texts()
        assert options == ["온라인", "자리 비움", "바쁨", "오래 자리 비움", "오프라인"]
        assert page.page_errors == []
    finally:
        page.close()


def logged_in_with_browser_language(browser: Any, web_server: Any, prosody: Any, locale: str) -> tuple[Any, Any]:
    """A page whose browser language is ``locale`` (no i18n setting), logged in, the API at window.capi."""
    account = unique_account(prosody, "lang")
    settings = {"bosh_service_url": prosody.bosh_url, "jid": account.jid, "password": account.password,
                "auto_login": True, "show_controlbox_by_default": True}
    page = open_client_page(browser, web_server.url, "/tests/browser/pages/api.html", settings, locale=locale)
    grab_api(page, "statusInitialized")
    page.page.wait_for_selector("#conversejs .cpy-my-jid", timeout=20_000)
    return page, account


def send_to_self_and_read_the_day(page: Any, account: Any, text: str) -> tuple[str, str]:
    """Type ``text`` in a chat box (with one's own address) and return the day separator's
    (ISO day, shown text)."""
    page.js("(jid) => capi.chats.open(jid)", account.jid)
    box = f'section.cpy-chatbox[data-jid="{account.jid}"]'
    page.page.fill(f"{box} textarea", text)
    page.page.press(f"{box} textarea", "Enter")
    day = page.page.locator(f"{box} li.cpy-day")
    day.wait_for(timeout=15_000)
    return str(day.get_attribute("data-day")), day.inner_text()


def test_a_german_browser_gets_the_german_ui_and_german_dates(browser: Any, web_server: Any, prosody: Any) -> None:
    page, account = logged_in_with_browser_language(browser, web_server, prosody, "de-DE")
    try:
        root = "#conversejs"
        assert [page.page.get_attribute(root, "lang"), page.page.get_attribute(root, "dir")] == ["de", "ltr"]
        assert page.page.inner_text(f'{root} [data-action="logout"]') == "Abmelden"
        assert page.page.get_attribute(f"{root} input.cpy-filter", "placeholder") == "Kontakte filtern"
        iso_day, shown = send_to_self_and_read_the_day(page, account, "Guten Tag")
        assert shown == long_day(date.fromisoformat(iso_day), "de")
        assert shown.split(",")[0] in ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
        assert page.page_errors == []
    finally:
        page.close()


def test_an_arabic_browser_gets_the_arabic_ui_laid_out_right_to_left(browser: Any, web_server: Any,
                                                                    prosody: Any) -> None:
    page, account = logged_in_with_browser_language(browser, web_server, prosody, "ar-EG")
    try:
        root = "#conversejs"
        assert [page.page.get_attribute(root, "lang"), page.page.get_attribute(root, "dir")] == ["ar", "rtl"]
        assert page.js("() => getComputedStyle(document.querySelector('#conversejs')).direction") == "rtl"
        assert page.page.inner_text(f'{root} [data-action="logout"]') == "تسجيل الخروج"
        # The client keeps to the inline end of the page: the left edge in Arabic.
        left, right, width = page.js("""() => { const r = document.querySelector('#conversejs').getBoundingClientRect();
            return [r.left, r.right, window.innerWidth]; }""")
        assert left < 40 and right < width - 40, (left, right, width)
        iso_day, shown = send_to_self_and_read_the_day(page, account, "مرحبا")
        assert shown == long_day(date.fromisoformat(iso_day), "ar")
        assert page.page_errors == []
    finally:
        page.close()
