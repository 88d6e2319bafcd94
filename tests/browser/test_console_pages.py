"""Every console page opens without a JavaScript error for the audience it is for, a
printable site QR loads, and two operators complete a four-eyes points adjustment."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.console.pages import MERCHANT_PAGES, OPERATOR_PAGES
from tests.browser.support import Resident, console_user
from tests.checkins.support import seed

pytestmark = pytest.mark.browser


def test_every_page_opens_cleanly(app, client, console, live_server):
    seed(app)
    console_user(app, "op1", "op-password-1")
    operator = console()
    operator.login("op1", "op-password-1")
    for page in OPERATOR_PAGES:
        operator.open(page.slug if page.slug != "dashboard" else "")
        expect(operator.page.locator("h1")).to_have_text(page.title)
        expect(operator.page.locator(".nav a.active")).to_have_text(page.title)
    operator.open("merchants")
    operator.page.fill("#m-name", "绿色咖啡馆")
    operator.page.fill("#m-username", "greencafe")
    operator.page.fill("#m-password", "cafe-password-1")
    operator.page.click("#merchant-form button[type=submit]")
    expect(operator.page.locator("#created")).to_be_visible()

    owner = console()
    owner.login("greencafe", "cafe-password-1", expect_path="/console/m-offers")
    expect(owner.page.locator("nav[data-audience=operator]")).to_be_hidden()
    for page in MERCHANT_PAGES:
        owner.open(page.slug)
        expect(owner.page.locator("h1")).to_have_text(page.title)
    owner.open("")  # an operator page: a merchant is sent to their own pages
    owner.page.wait_for_url(live_server.url + "/console/m-offers")
    operator.assert_no_js_errors()
    owner.assert_no_js_errors()


def test_site_qr_prints(app, console, live_server):
    seed(app)
    console_user(app, "op1", "op-password-1")
    tab = console()
    tab.login("op1", "op-password-1")
    tab.open("sites")
    tab.page.fill("#s-name", "人民路公交站")
    tab.page.select_option("#s-scenario", "bus_ride")
    tab.page.click("#site-form button[type=submit]")
    row = tab.page.locator("#site-list tr", has_text="人民路公交站")
    expect(row).to_contain_text("公交出行")
    row.get_by_text("打印二维码").click()
    tab.page.wait_for_selector("body[data-loaded='1']")
    expect(tab.page.locator("#site-name")).to_have_text("人民路公交站")
    natural = tab.page.eval_on_selector("#qr", "img => img.complete && img.naturalWidth")
    assert natural and natural > 100
    tab.screenshot("site-qr")
    tab.assert_no_js_errors()


def test_two_operators_apply_an_adjustment(app, console, live_server, sandbox):
    seed(app)
    console_user(app, "op1", "op-password-1")
    console_user(app, "op2", "op-password-2")
    resident = Resident.login(live_server.url, sandbox)
    maker = console()
    maker.login("op1", "op-password-1")
    maker.open("adjustments")
    maker.page.fill("#a-user", str(resident.user_id))
    maker.page.fill("#a-amount", "25")
    maker.page.fill("#a-reason", "线下活动补发积分")
    maker.page.click("#adjust-form button[type=submit]")
    row = maker.page.locator("#adjustment-list tr", has_text="线下活动补发积分")
    expect(row.get_by_role("button", name="批准")).to_be_disabled()  # not your own

    checker = console()
    checker.login("op2", "op-password-2")
    checker.open("adjustments")
    row = checker.page.locator("#adjustment-list tr", has_text="线下活动补发积分")
    row.get_by_role("button", name="批准").click()
    expect(row).to_have_count(0)  # left the pending list
    checker.page.fill("#l-user", str(resident.user_id))
    checker.page.click("#lookup-form button[type=submit]")
    expect(checker.page.locator("#resident-balance")).to_have_text("25 积分")
    assert resident.balance() == 25
    checker.open("audit")
    expect(checker.page.locator("#audit-list")).to_contain_text("points.adjustment.approve")
    maker.assert_no_js_errors()
    checker.assert_no_js_errors()
