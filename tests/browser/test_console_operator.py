"""The operator console in Chromium: review with the resident's balance, campaigns taking
effect on the next check-in, bulk approval with progress (RQ worker), the dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import Resident, console_user, png_size
from tests.checkins.support import photo, seed, werun_steps

pytestmark = pytest.mark.browser

OP = ("op1", "op-password-1")


@pytest.fixture
def operator(app, live_server):
    seed(app)
    console_user(app, *OP)
    return OP


def test_operator_approves_a_photo_checkin_and_sees_the_balance_change(
    console, operator, live_server, sandbox
):
    resident = Resident.login(live_server.url, sandbox)
    record = resident.photo_checkin(photo(7))
    assert record["status"] == "pending" and resident.balance() == 0

    tab = console()
    tab.login(*operator)
    tab.open("review")
    card = tab.page.locator(f'.review-card[data-id="{record["id"]}"]')
    expect(card.locator(".balance")).to_have_text("0")
    expect(card.locator(".evidence img")).to_be_visible()  # fetched with the bearer token
    expect(card).to_contain_text("光盘打卡")
    expect(card.locator(".risk")).to_contain_text("风险")
    tab.screenshot("review-queue")

    card.locator('button[data-action="approve"]').click()
    expect(card.locator(".outcome")).to_contain_text("余额 0 → 5")
    expect(card.locator(".balance")).to_have_text("5")
    assert resident.balance() == 5
    tab.assert_no_js_errors()


def test_operator_reads_why_a_werun_day_is_held_and_approves_it(
    console, operator, live_server, sandbox
):
    resident = Resident.login(live_server.url, sandbox)
    steps = {n + 2: 4000 + 37 * n for n in range(29)} | {0: 15321}  # about 4,500 a day, then
    payload = sandbox.werun_data(resident.openid, werun_steps(steps))
    synced = resident.call("POST", "/werun/sync", json=payload).json()
    [today] = synced["days"]
    assert today["status"] == "pending" and resident.balance() == 0

    tab = console()
    tab.login(*operator)
    tab.open("review")
    card = tab.page.locator(".review-card", has_text="低碳步行")
    why = card.locator('.risk-why li[data-reason="werun_jump"]')
    expect(why).to_contain_text("步数骤增 +50")
    expect(why).to_contain_text("当天 15,321 步")
    expect(why).to_contain_text("中位数")
    expect(card).to_contain_text("微信运动步数")
    tab.screenshot("review-werun")
    card.locator('button[data-action="approve"]').click()
    expect(card.locator(".outcome")).to_contain_text("余额 0 → 30")
    assert resident.balance() == 30
    tab.assert_no_js_errors()


def test_campaign_created_in_the_console_pays_on_the_next_checkin(
    console, operator, live_server, sandbox
):
    tab = console()
    tab.login(*operator)
    tab.open("campaigns")
    tab.page.fill("#c-name", "光盘双倍周")
    tab.page.fill("#c-multiplier", "2")
    tab.page.fill("#c-budget", "1000")
    tab.page.check('#c-scenarios input[value="clean_plate"]')
    tab.page.click("#campaign-form button[type=submit]")
    row = tab.page.locator("#campaign-list tr", has_text="光盘双倍周")
    expect(row).to_contain_text("0 / 1,000")
    expect(row).to_contain_text("进行中")

    resident = Resident.login(live_server.url, sandbox)
    record = resident.photo_checkin(photo(8))
    tab.open("review")
    card = tab.page.locator(f'.review-card[data-id="{record["id"]}"]')
    expect(card.locator(".balance")).to_have_text("0")  # loaded before we decide
    card.locator('button[data-action="approve"]').click()
    expect(card.locator(".outcome")).to_contain_text("余额 0 → 10")  # 5 base + 5 bonus

    tab.open("campaigns")
    row = tab.page.locator("#campaign-list tr", has_text="光盘双倍周")
    expect(row).to_contain_text("5 / 1,000")
    expect(row).to_contain_text("1 次")
    tab.screenshot("campaigns")
    memos = [e["memo"] for e in resident.call("GET", "/me/ledger").json()["items"]]
    assert "活动「光盘双倍周」加成 +5" in memos
    assert resident.balance() == 10
    tab.assert_no_js_errors()


def test_bulk_approval_and_export_show_progress(console, operator, live_server, sandbox, rq_worker):
    residents = [Resident.login(live_server.url, sandbox) for _ in range(3)]
    for i, resident in enumerate(residents):
        resident.photo_checkin(photo(20 + i))

    tab = console()
    tab.page.on("dialog", lambda dialog: dialog.accept())
    tab.login(*operator)
    tab.open("review")
    expect(tab.page.locator(".review-card")).to_have_count(3)
    tab.page.check("#select-all")
    expect(tab.page.locator("#selected-count")).to_have_text("已选 3 条")
    tab.page.click("#bulk-approve")
    job = tab.page.locator("#bulk-jobs .job")
    expect(job).to_have_attribute("data-status", "finished", timeout=30_000)
    expect(job).to_contain_text("3/3（100%）")
    expect(job).to_contain_text("成功 3 条")
    assert [r.balance() for r in residents] == [5, 5, 5]

    tab.open("exports")
    tab.page.click('button[data-table="checkins"]')
    download = tab.page.locator("button[data-download]")
    expect(download).to_contain_text("3 行", timeout=30_000)
    with tab.page.expect_download() as info:
        download.click()
    text = info.value.path().read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("id,created_at,day,user_id,scenario")
    assert len(text.splitlines()) == 4
    tab.assert_no_js_errors()


def test_dashboard_draws_its_charts(app, client, console, operator, live_server, sandbox):
    from tests.helpers import bearer
    from tests.mall.factories import grant_points, live_offer, open_shop, redeem

    op_token = client.post(
        "/api/v1/auth/operator-login", json={"username": OP[0], "password": OP[1]}
    ).get_json()["token"]
    shop = open_shop(app, client, operator_token=op_token)
    offer_id = live_offer(client, shop, points_price=5)
    for i in range(4):
        resident = Resident.login(live_server.url, sandbox)
        record = resident.photo_checkin(photo(40 + i))
        if i < 3:
            approved = client.post(
                f"/api/v1/admin/checkins/{record['id']}/approve", headers=bearer(op_token)
            )
            assert approved.status_code == 200
        grant_points(app, resident.user_id, 20 + i)
        coupon = redeem(client, offer_id, resident.token).get_json()["coupon"]
        if i % 2 == 0:
            client.post(
                "/api/v1/merchant/coupons/verify", json={"code": coupon["code"]}, headers=shop.owner
            )

    tab = console()
    tab.login(*operator)
    tab.page.wait_for_selector("body[data-loaded='1']")
    expect(tab.page.locator("#kpis .kpi")).to_have_count(7)
    # 4 residents; the shop owner is merchant staff, not counted (issue 17)
    expect(tab.page.locator("#kpis .kpi").first).to_contain_text("居民4")
    expect(tab.page.locator("#scenario-table")).to_contain_text("光盘打卡")
    expect(tab.page.locator("canvas[data-drawn='1']")).to_have_count(6)  # animations done
    drawn = tab.page.evaluate(
        """() => Array.from(document.querySelectorAll("canvas")).map((canvas) => {
            const ctx = canvas.getContext("2d");
            const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
            return {id: canvas.id, width: canvas.width, height: canvas.height, painted};
        })"""
    )
    assert len(drawn) == 6, drawn
    for chart in drawn:
        assert chart["width"] >= 300 and chart["height"] >= 200, chart
        assert chart["painted"] > 2000, chart  # axes, labels, bars and lines were drawn
    shot = tab.screenshot("dashboard")
    width, height = png_size(shot)
    assert width == 1440 and height >= 900
    assert shot.stat().st_size > 60_000  # a page of charts, not a blank frame
    tab.assert_no_js_errors()
