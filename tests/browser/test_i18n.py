"""The i18n setting: Korean labels in the login form and the control box, dates per locale."""

from __future__ import annotations

from typing import Any

from .support import BOOT_TIMEOUT_MS, open_client_page, unique_account


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
