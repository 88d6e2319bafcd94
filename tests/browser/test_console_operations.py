"""The operators' pages of issue 17 in Chromium: residents (search by 公开编号, the resident
page, freeze and unfreeze), console accounts (a second operator from the console),
partners (secret shown once, recent events with their outcome), taking an offer down and
freezing a merchant, the readable audit log, and the loading and error states."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.support import Resident, console_user
from tests.checkins.support import partner_body, photo, seed, signed_headers
from tests.helpers import bearer

pytestmark = pytest.mark.browser

OP = ("op1", "op-password-1")


@pytest.fixture
def operator(app, live_server):
    seed(app)
    console_user(app, *OP)
    return OP


def _answer_prompts(tab, text: str) -> None:
    """Accept every prompt() with `text` and every confirm()."""
    tab.page.on("dialog", lambda dialog: dialog.accept(text))


def test_resident_found_by_public_code_frozen_and_unfrozen(console, operator, live_server, sandbox):
    resident = Resident.login(live_server.url, sandbox)
    resident.photo_checkin(photo(11))  # pending, with a risk score (a new account)
    me = resident.call("GET", "/auth/me").json()
    code = me["public_code"]

    tab = console()
    tab.login(*operator)
    tab.open("residents")
    tab.page.fill("#q", code.lower())
    tab.page.click("#search")
    row = tab.page.locator(f'#resident-list tr[data-id="{resident.user_id}"]')
    expect(row).to_contain_text(code)
    expect(tab.page.locator("#resident-list tbody tr")).to_have_count(1)
    row.locator("a[data-open]").click()
    card = tab.page.locator("#detail-card")
    expect(card.locator("#detail-title")).to_contain_text(code)
    expect(card.locator("#records-list")).to_contain_text("光盘打卡")
    expect(card.locator("#records-list")).to_contain_text("待审核")
    tab.page.click('#detail-tabs button[data-tab="risk"]')
    expect(card.locator('#risk-list li[data-reason="new_account"]')).to_be_visible()

    _answer_prompts(tab, "疑似批量刷分")
    card.locator('button[data-action="freeze"]').click()
    expect(card.locator("#frozen-notice")).to_contain_text("疑似批量刷分")
    expect(card.locator("#frozen-notice")).to_contain_text("op1")  # by name
    refused = resident.call("POST", "/uploads", files={"file": ("p.jpg", photo(12))})
    assert refused.status_code == 403 and refused.json()["reason"] == "account_frozen"
    tab.page.click('#detail-tabs button[data-tab="risk"]')
    expect(card.locator("#standing-list")).to_contain_text("冻结居民账号")
    tab.screenshot("resident-frozen")

    card.locator('button[data-action="unfreeze"]').click()
    expect(card.locator("#frozen-notice")).to_be_hidden()
    assert (
        resident.call("POST", "/uploads", files={"file": ("p.jpg", photo(13))}).status_code == 201
    )
    tab.assert_no_js_errors()


def test_second_operator_created_in_the_console_then_disabled(console, operator, live_server):
    tab = console()
    tab.login(*operator)
    tab.open("accounts")
    tab.page.fill("#a-username", "wang")
    tab.page.fill("#a-nickname", "王芳")
    tab.page.click("#create-account")
    secret = tab.page.locator("#account-secret code[data-secret]")
    expect(secret).to_be_visible()
    password = secret.inner_text()
    assert len(password) >= 16
    tab.screenshot("accounts-created")

    second = console()
    second.login("wang", password)
    expect(second.page.locator("#whoami")).to_contain_text("王芳")

    _answer_prompts(tab, "")
    row = tab.page.locator('#account-list tr[data-username="wang"]')
    row.locator('button[data-action="disable"]').click()
    expect(row).to_contain_text("已停用")
    second.goto("/console/review")  # the next call of the disabled account: back to the login page
    second.page.wait_for_url(re.compile(r".*/console/login.*"))
    mine = tab.page.locator('#account-list tr[data-username="op1"]')
    expect(mine).to_contain_text("当前登录账号")
    tab.assert_no_js_errors()


def test_partner_secret_once_and_recent_events(console, operator, live_server, sandbox):
    tab = console()
    tab.login(*operator)
    tab.open("partners")
    tab.page.fill("#p-code", "city-bus")
    tab.page.fill("#p-name", "城市公交")
    tab.page.check('#p-scenarios input[value="bus_ride"]')
    tab.page.click("#create-partner")
    secret = tab.page.locator("#partner-secret code[data-secret]").inner_text()
    assert len(secret) > 20

    resident = Resident.login(live_server.url, sandbox)
    url = live_server.url + "/api/v1/partner/events"
    for event_id, key in (("trip-1", secret), ("trip-2", "wrong-secret")):
        body = partner_body(event_id, resident.openid)
        requests.post(url, data=body, headers=signed_headers("city-bus", key, body), timeout=10)
    resident.call("PUT", "/me/consents/bus_ride", json={"granted": True})
    body = partner_body("trip-3", resident.openid)
    ok = requests.post(url, data=body, headers=signed_headers("city-bus", secret, body), timeout=10)
    assert ok.status_code == 201, ok.text

    row = tab.page.locator('#partner-list tr[data-code="city-bus"]')
    expect(row).to_contain_text("公交出行")
    row.locator('button[data-action="events"]').click()
    events = tab.page.locator("#events-list")
    expect(events.locator("tbody tr")).to_have_count(3)
    expect(events.locator("tbody tr").nth(0)).to_contain_text("已入账")
    expect(events.locator("tbody tr").nth(0)).to_contain_text("10 积分")
    expect(events.locator("tbody tr").nth(1)).to_contain_text("invalid_signature")
    expect(events.locator("tbody tr").nth(2)).to_contain_text("consent_required")
    tab.screenshot("partner-events")

    _answer_prompts(tab, "")
    row.locator('button[data-action="rotate"]').click()
    new = tab.page.locator("#partner-secret code[data-secret]")
    expect(new).not_to_have_text(secret)
    tab.assert_no_js_errors()


def test_take_an_offer_down_and_freeze_its_merchant(app, client, console, operator, live_server):
    from tests.mall.factories import live_offer, new_user, open_shop

    _, op_token = new_user(app, roles=("operator",))
    shop = open_shop(app, client, operator_token=op_token)
    offer_id = live_offer(client, shop, title="燕麦拿铁")
    _, resident = new_user(app, points=100)

    tab = console()
    tab.login(*operator)
    tab.open("offers")
    tab.page.click('#status-filter button[data-status="live"]')
    row = tab.page.locator(f'#offer-list tr[data-id="{offer_id}"]')
    _answer_prompts(tab, "宣传与实物不符")
    row.locator('button[data-action="take-down"]').click()
    expect(row).to_have_count(0)  # left the live list
    tab.page.click('#status-filter button[data-status="taken_down"]')
    expect(row).to_contain_text("已下架")
    expect(row).to_contain_text("宣传与实物不符")
    redeem = requests.post(
        f"{live_server.url}/api/v1/offers/{offer_id}/redeem",
        json={},
        headers=bearer(resident),
        timeout=10,
    )
    assert redeem.json()["reason"] == "offer_not_live"
    row.locator('button[data-action="relist"]').click()
    expect(row).to_have_count(0)

    tab.open("merchants")
    merchant = tab.page.locator(f'#merchant-list tr[data-id="{shop.merchant_id}"]')
    merchant.locator('button[data-action="freeze"]').click()
    expect(merchant).to_contain_text("已冻结")
    expect(merchant).to_contain_text("宣传与实物不符")
    tab.open("audit")
    first = tab.page.locator("#audit-list tbody tr").first
    expect(first).to_contain_text("冻结商户")
    expect(first).to_contain_text("op1")  # the actor by name, not by #id
    expect(first.locator('.diff li[data-field="status"]')).to_contain_text("正常")
    expect(first.locator('.diff li[data-field="status"]')).to_contain_text("已冻结")
    tab.screenshot("audit-readable")
    tab.assert_no_js_errors()


def test_loading_skeleton_then_error_state_then_retry(console, operator, live_server, sandbox):
    Resident.login(live_server.url, sandbox)
    tab = console()
    tab.login(*operator)
    held = []
    tab.page.route("**/api/v1/admin/users?*", lambda route: held.append(route))
    tab.goto("/console/residents")
    expect(tab.page.locator("#resident-list .skeleton")).to_be_visible()  # not a blank card
    tab.screenshot("residents-loading")
    # The server fails the way a proxy in front does: a 500 with an HTML page.
    held.pop().fulfill(status=500, content_type="text/html", body="<h1>Internal Server Error</h1>")
    error = tab.page.locator("#resident-list .error-state")
    expect(error).to_contain_text("加载失败")
    expect(error).to_contain_text("服务器出错了，请稍后重试")
    expect(error).not_to_contain_text("Internal Server Error")
    tab.screenshot("residents-error")
    tab.page.unroute("**/api/v1/admin/users?*")
    error.locator('button[data-action="retry"]').click()
    expect(tab.page.locator("#resident-list tbody tr")).to_have_count(1)
    expect(tab.page.locator("#resident-list .error-state")).to_have_count(0)
