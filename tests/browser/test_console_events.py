"""Events and sinks in the console (Chromium): an organiser registers an event, adds lines
by hand and from a CSV, deletes one, sees the totals, marks it held, completes the
accounting and offsets it (once, however often the form is sent), with its QR and public
page; a verifier confirms an event's accounting; an operator creates a sink project,
adds trees from the table form and a CSV paste, marks an adopted tree dead and sees its
replacement, records a year and assembles its batch on the batches page, opens and
closes a personal-offset pool, and lists the events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.carbon.rules import shanghai_day
from app.db import utcnow
from tests.checkins.support import seed
from tests.events.support import account, make_event, seed_events, units_for
from tests.helpers import bearer
from tests.mall.factories import new_user
from tests.registry.support import PASSWORD, new_holder, world

pytestmark = pytest.mark.browser

CSV = (
    "category,factor,quantity,note\nmaterials,materials_paper,25,会刊\nwaste,waste_landfill,150,\n"
)


def test_an_organiser_accounts_and_offsets_an_event(
    app, client, console, live_server, make_operator
):
    seed(app)
    seed_events(app)
    w = world(app, client, make_operator)
    organiser_id, organiser = new_holder(client, w, "FORUM", "论坛组委会", kind="event_organiser")
    batch = units_for(app, client, w, organiser_id, 2000)
    today = shanghai_day(utcnow())

    tab = console()
    tab.page.on("dialog", lambda dialog: dialog.accept())
    tab.login("forum-desk", PASSWORD, expect_path="/console/h-holdings")
    tab.page.click("nav[data-audience=holder] a[data-slug=h-events]")
    tab.page.wait_for_selector("#content:not(.hidden)")
    page = tab.page
    page.fill("#e-name", "2026 绿色发展论坛")
    page.select_option("#e-kind", label="论坛")
    page.fill("#e-start", (today - timedelta(days=10)).isoformat())
    page.fill("#e-end", (today - timedelta(days=8)).isoformat())
    page.fill("#e-venue", "市会展中心")
    page.fill("#e-attendees", "10")
    expect(page.locator("#e-mode")).to_have_value("travel_car")
    page.fill("#e-plan", "无纸化会议；会后一个月内注销核证减排量抵消")
    page.click("#e-submit")
    detail = page.locator("#event-detail")
    expect(detail).to_have_attribute("data-stage", "planned")
    expect(page.locator("#detail-title")).to_contain_text("筹备中")
    event_id = int(detail.get_attribute("data-id"))

    # The detail draws its QR image last: held back here, the next line is typed while the
    # first line's redraw is still running, and what was typed must survive its end.
    held_images: list = []
    page.route("**/qr.png", lambda route: held_images.append(route))
    qr = page.locator("#event-qr")
    before = qr.get_attribute("src")
    for category, factor, quantity in (("electricity", "grid_electricity", "1200"),
                                       ("catering", "catering_meal", "300")):  # fmt: skip
        page.select_option("#l-category", category)
        page.select_option("#l-factor", factor)
        page.fill("#l-quantity", quantity)
        if held_images:
            for image in held_images:
                image.continue_()
            page.unroute("**/qr.png")
            expect(qr).not_to_have_attribute("src", before)  # the redraw has ended
            expect(page.locator("#l-quantity")).to_have_value(quantity)
        page.click("#l-submit")
        expect(page.locator(f'#line-list tr[data-factor="{factor}"]')).to_be_visible()
        expect(page.locator("#l-quantity")).to_have_value("")  # cleared once it is saved
    grid = page.locator('#line-list tr[data-factor="grid_electricity"]')
    for text in (
        "grid_electricity · v1",
        "官方发布",
        "1,200 kWh",
        "0.5366 / kWh",
        "643.920",
        "2022",
    ):
        expect(grid).to_contain_text(text)
    page.set_input_files(
        "#l-csv", files=[{"name": "lines.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.click("#csv-submit")
    expect(page.locator("#line-list tbody tr")).to_have_count(4)
    page.locator('#line-list tr[data-factor="waste_landfill"] [data-delete-line]').click()
    expect(page.locator("#line-list tbody tr")).to_have_count(3)
    # 1,200 x 0.5366 + 300 x 2 + 25 x 1.2 = 1,273.920 kg so far.
    expect(page.locator("#source-list")).to_contain_text("1,273.920")
    expect(page.locator("#detail-facts")).to_contain_text("暂计 1,273.920 kg")

    page.click("#held")
    expect(detail).to_have_attribute("data-stage", "held")
    page.select_option("#a-verifier", label="中环联合认证（CNAS）")
    page.click("#account")
    expect(detail).to_have_attribute("data-stage", "accounted")
    expect(page.locator("#detail-facts")).to_contain_text("自我声明（已提交 中环联合认证 核查）")
    # + 10 unrecorded attendees x 20 km x 0.12 = 24 kg: 1,297.920 kg, 1,298 to retire.
    expect(page.locator('#line-list tr[data-factor="travel_car"]')).to_contain_text("24.000")
    expect(page.locator("#detail-facts")).to_contain_text("1,297.920 kg（1.298 t）")
    expect(page.locator("#detail-facts")).to_contain_text("1,298 / 0 kg")
    expect(page.locator("#line-list [data-delete-line]")).to_have_count(0)
    expect(page.locator("#o-batch")).to_have_value(str(batch["id"]))
    expect(page.locator("#o-quantity")).to_have_value("1298")
    keys = []
    page.on(
        "request",
        lambda r: (
            keys.append(r.headers.get("idempotency-key"))
            if r.method == "POST" and r.url.endswith(f"/holder/events/{event_id}/offsets")
            else None
        ),
    )
    # The form sent twice at once (a double submit): one key, one retirement.
    page.eval_on_selector("#offset-form", "f => { f.requestSubmit(); f.requestSubmit(); }")
    expect(page.locator("#offset-result")).to_contain_text("活动已实现碳中和")
    expect(detail).to_have_attribute("data-stage", "offset")
    expect(page.locator("#retirement-list tbody tr")).to_have_count(1)
    expect(page.locator("#retirement-list")).to_contain_text(f"{batch['serial']}-1-1298")
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1], keys
    view = client.get(f"/api/v1/holder/events/{event_id}", headers=bearer(organiser)).get_json()
    assert [r["quantity"] for r in view["retirements"]] == [1298]
    assert page.eval_on_selector("#event-qr", "img => img.complete && img.naturalWidth") > 100
    tab.screenshot("organiser-event")

    public = page.locator("#detail-tools a[data-public]")
    expect(public).to_have_attribute("href", f"/registry/events/{view['event']['public_id']}")
    tab.goto(public.get_attribute("href"))
    expect(page.locator("h1")).to_have_text("活动碳中和证明")
    expect(page.locator("#assurance")).to_contain_text("自我声明")
    tab.goto(f"/console/events/{event_id}/qr")
    page.wait_for_selector("body[data-loaded='1']")
    expect(page.locator("#event-name")).to_have_text("2026 绿色发展论坛")
    assert page.eval_on_selector("#qr", "img => img.complete && img.naturalWidth") > 100
    tab.assert_no_js_errors()


def test_a_verifier_confirms_and_the_operator_lists_events(
    app, client, console, live_server, make_operator
):
    seed(app)
    seed_events(app)
    w = world(app, client, make_operator)
    _, organiser = new_holder(client, w, "EXPO", "会展主办方", kind="event_organiser")
    event = make_event(
        client, w, organiser, name="低碳生活展", kind="exhibition", expected_attendees=0
    )
    w.post(
        client,
        f"/api/v1/holder/events/{event['id']}/lines",
        {"category": "electricity", "factor": "grid_electricity", "quantity": 500},
        organiser,
    )
    account(client, w, organiser, event["id"], w.verifier_id)  # asked through the API

    auditor = console()
    auditor.page.on("dialog", lambda dialog: dialog.accept())
    auditor.login("auditor", PASSWORD, expect_path="/console/v-inbox")
    auditor.open("v-events")
    row = auditor.page.locator(f'#event-list tr[data-id="{event["id"]}"]')
    expect(row).to_contain_text("待确认")
    expect(row).to_contain_text("268.300 kg")  # 500 kWh x 0.5366
    row.get_by_role("button", name="核查").click()
    expect(auditor.page.locator('#line-list tr[data-factor="grid_electricity"]')).to_contain_text(
        "grid_electricity · v1"
    )
    auditor.page.fill("#c-note", "核对电费单，与填报一致")
    auditor.page.click("#check")
    expect(auditor.page.locator("#checked-note")).to_be_visible()
    expect(row).to_contain_text("已确认")
    auditor.goto(f"/registry/events/{event['public_id']}")
    expect(auditor.page.locator("#assurance")).to_have_attribute("data-checked", "true")
    expect(auditor.page.locator("#assurance")).to_contain_text("中环联合认证")

    operator = console()
    operator.login("op-one", "op-password-1")
    operator.open("events")
    listed = operator.page.locator(f'#event-list tr[data-public="{event["public_id"]}"]')
    expect(listed).to_contain_text("会展主办方")
    expect(listed).to_contain_text("第三方核查")
    expect(listed.locator("a[data-public]")).to_have_attribute(
        "href", f"/registry/events/{event['public_id']}"
    )
    for tab in (auditor, operator):
        tab.assert_no_js_errors()


def test_an_operator_creates_a_sink_project_with_trees(
    app, client, console, live_server, make_operator
):
    seed(app)
    seed_events(app)
    w = world(app, client, make_operator)
    owner_id, _ = new_holder(client, w, "NMFOREST", "内蒙古林业合作社")
    tab = console()
    tab.page.on("dialog", lambda dialog: dialog.accept())
    tab.login("op-one", "op-password-1")
    tab.open("sinks")
    page = tab.page
    expect(page.locator("#methodology-list")).to_contain_text("forest_tree_default v1")
    expect(page.locator("#methodology-list")).to_contain_text("European Environment Agency")
    page.fill("#p-code", "NM-FOREST-1")
    page.fill("#p-name", "乌兰察布防护林")
    page.select_option("#p-kind", "forest")
    page.select_option("#p-methodology", "forest_tree_default|1")
    page.select_option("#p-owner", str(owner_id))
    page.fill("#p-points", "100")
    page.click("#p-submit")
    detail = page.locator("#project-detail")
    expect(page.locator("#detail-title")).to_have_text("乌兰察布防护林（NM-FOREST-1）")
    expect(page.locator("#detail-facts")).to_contain_text("内蒙古林业合作社")
    project_id = int(detail.get_attribute("data-id"))

    rows = page.locator("#tree-rows tr")
    rows.nth(0).locator("[name=code]").fill("T001")
    rows.nth(0).locator("[name=species]").fill("樟子松")
    rows.nth(0).locator("[name=planted_year]").fill("2020")
    page.click("#add-row")
    rows.nth(1).locator("[name=code]").fill("T002")
    rows.nth(1).locator("[name=species]").fill("樟子松")
    rows.nth(1).locator("[name=planted_year]").fill("2020")
    page.click("#t-submit")
    expect(page.locator("#tree-list tbody tr")).to_have_count(2)
    page.fill("#t-csv", "code,species,planted_year,spare\nS001,樟子松,2020,1\nT003,油松,2021\n")
    page.click("#t-csv-submit")
    expect(page.locator("#tree-list tbody tr")).to_have_count(4)
    expect(page.locator('#tree-list tr[data-tree="S001"]')).to_contain_text("备用")
    expect(page.locator("#detail-facts")).to_contain_text("66 kg")  # 3 trees x 22 kg, 预估

    # A resident adopts T001; it is found dead: the adoption moves to the spare tree.
    trees = client.get(
        f"/api/v1/admin/sinks/projects/{project_id}/trees", headers=bearer(w.op1)
    ).get_json()["items"]
    t001 = next(t["id"] for t in trees if t["code"] == "T001")
    _, resident = new_user(app, points=300)
    assert w.post(client, f"/api/v1/sinks/trees/{t001}/adopt", {}, resident).status_code == 201
    tab.open(f"sinks?project={project_id}")
    expect(page.locator('#tree-list tr[data-tree="T001"]')).to_contain_text("已认领")
    page.locator('#tree-list tr[data-tree="T001"] [data-dead]').click()
    expect(page.locator("#dead-result")).to_contain_text("认领已转至备用树 S001")
    expect(page.locator('#tree-list tr[data-tree="T001"]')).to_contain_text("死亡")

    year = shanghai_day(utcnow()).year - 1
    expect(page.locator("#m-year")).to_have_value(str(year))
    page.click("#m-submit")
    expect(page.locator("#measure-result")).to_contain_text(f"已登记 {year} 年度监测结果 3 条")
    link = page.locator("#assemble-link")
    programme_id = client.get("/api/v1/admin/sinks/projects", headers=bearer(w.op1)).get_json()[
        "items"
    ][0]["programme_id"]
    expect(link).to_have_attribute(
        "href", f"/console/batches?programme={programme_id}&start={year}-01-01&end={year}-12-31"
    )
    tab.screenshot("sink-project")
    link.click()
    page.wait_for_selector("#content:not(.hidden)")
    expect(page.locator("#b-programme")).to_have_value(str(programme_id))
    expect(page.locator("#b-start")).to_have_value(f"{year}-01-01")
    expect(page.locator("#b-end")).to_have_value(f"{year}-12-31")
    page.click("#assemble")  # the year's sink batch, assembled like any batch
    expect(page.locator("#detail-title")).to_contain_text("草稿")
    members = page.locator("#member-list tbody tr")
    expect(members).to_have_count(3)
    expect(members.first).to_contain_text("sink-measurement:")
    expect(page.locator("#member-list input[type=checkbox]")).to_have_count(0)
    tab.open(f"sinks?project={project_id}")
    expect(page.locator("#batch-list")).to_contain_text("草稿")

    tab.open("offset-pools")
    page.fill("#pool-name", "一元碳汇 · 乌兰察布")
    page.select_option("#pool-kind", "sink")
    page.fill("#pool-price", "10")
    page.select_option("#pool-holder", str(owner_id))
    page.click("#pool-submit")
    pool = page.locator("#pool-list tbody tr", has_text="一元碳汇 · 乌兰察布")
    expect(pool).to_contain_text("开放中")
    expect(pool).to_contain_text("0 kg")  # nothing issued yet
    pool.locator("[data-toggle]").click()
    expect(pool).to_contain_text("已关闭")
    tab.assert_no_js_errors()
