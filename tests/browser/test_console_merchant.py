"""The merchant console in Chromium: the operator opens a merchant with a console login,
the owner publishes an offer, the operator approves it, the owner verifies a coupon by
typing its code, and sees it in the redemptions and the month's settlement."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import Resident, console_user
from tests.checkins.support import seed
from tests.mall.factories import grant_points

pytestmark = pytest.mark.browser


def test_offer_from_creation_to_verification(app, console, live_server, sandbox):
    seed(app)
    console_user(app, "op1", "op-password-1")
    operator = console()
    operator.page.on("dialog", lambda dialog: dialog.accept())
    operator.login("op1", "op-password-1")
    operator.open("merchants")
    operator.page.fill("#m-name", "绿色咖啡馆")
    operator.page.fill("#m-username", "greencafe")
    operator.page.fill("#m-password", "cafe-password-1")
    operator.page.fill("#m-phone", "021-12345678")
    operator.page.click("#merchant-form button[type=submit]")
    expect(operator.page.locator("#created")).to_contain_text("greencafe")
    expect(operator.page.locator("#merchant-list")).to_contain_text("绿色咖啡馆")

    owner = console()
    owner.page.on("dialog", lambda dialog: dialog.accept())
    owner.login("greencafe", "cafe-password-1", expect_path="/console/m-offers")
    owner.page.fill("#o-title", "美式咖啡一杯")
    owner.page.fill("#o-price", "8")
    owner.page.fill("#o-stock", "20")
    owner.page.fill("#o-fen", "6.50")
    owner.page.fill("#o-desc", "到店出示券码")
    owner.page.click("#o-submit")
    row = owner.page.locator("#offer-list tr", has_text="美式咖啡一杯")
    expect(row).to_contain_text("待审核")
    offer_id = int(row.get_attribute("data-id"))

    operator.open("offers")
    pending = operator.page.locator(f'#offer-list tr[data-id="{offer_id}"]')
    expect(pending).to_contain_text("绿色咖啡馆")
    expect(pending).to_contain_text("¥6.50")
    operator.screenshot("offer-review")
    pending.locator('button[data-action="approve"]').click()
    expect(pending).to_have_count(0)  # gone from the review queue

    owner.page.reload()
    expect(owner.page.locator(f'#offer-list tr[data-id="{offer_id}"]')).to_contain_text("上架中")

    resident = Resident.login(live_server.url, sandbox)
    grant_points(app, resident.user_id, 30)
    redeemed = resident.call("POST", f"/offers/{offer_id}/redeem", json={})
    assert redeemed.status_code == 201, redeemed.text
    coupon = redeemed.json()["coupon"]

    owner.open("m-verify")
    owner.page.fill("#code", coupon["short_code"])
    owner.page.click("#lookup")
    expect(owner.page.locator("#result")).to_contain_text("美式咖啡一杯")
    owner.page.click("#confirm-verify")
    expect(owner.page.locator("#verify-ok")).to_have_text("✓ 核销成功")
    expect(owner.page.locator("#today")).to_contain_text(coupon["short_code"])
    owner.screenshot("verify")
    used = resident.call("GET", f"/me/coupons/{coupon['id']}").json()
    assert used["status"] == "used"

    owner.page.fill("#code", coupon["short_code"])  # the same code again is refused
    owner.page.click("#lookup")
    expect(owner.page.locator("#result")).to_contain_text("该券已核销")

    owner.open("m-settlement")
    expect(owner.page.locator("#totals")).to_contain_text("¥6.50")
    expect(owner.page.locator("#lines")).to_contain_text(coupon["short_code"])
    owner.screenshot("settlement")
    operator.assert_no_js_errors()
    owner.assert_no_js_errors()
