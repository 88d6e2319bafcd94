"""An event's public certificate in Chromium, no login: the hand-computed event, checked
by a verifier and offset, shows its sources, factor versions, serial ranges, dates and
who checked it, with a QR image of its own URL, and prints on one A4 page; an overdue,
self-declared event shows the banner, on the page and in the list."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect

from app.registry.pages import qr_png
from tests.browser.support import ConsolePage
from tests.checkins.support import seed
from tests.events.support import offset_event_story, overdue_event, seed_events
from tests.registry.support import new_holder, world

pytestmark = pytest.mark.browser


@pytest.fixture
def tab(browser, live_server, tmp_path):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    yield ConsolePage(context.new_page(), live_server.url, tmp_path)
    context.close()


def _pages_of(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


def test_a_checked_offset_event_certificate(tab, app, client, make_operator, live_server):
    seed(app)
    seed_events(app)
    w = world(app, client, make_operator)
    organiser_id, organiser = new_holder(client, w, "FORUM", "论坛组委会", kind="event_organiser")
    story = offset_event_story(app, client, w, organiser_id, organiser)
    path = f"/registry/events/{story.event['public_id']}"

    tab.goto("/registry/")
    tab.page.click("#events-link-a")
    tab.page.wait_for_url(live_server.url + "/registry/events/")
    row = tab.page.locator(f'#event-list tr[data-event="{story.event["public_id"]}"]')
    expect(row).to_contain_text("已碳中和")
    expect(row).to_contain_text("3.305")
    row.get_by_role("link", name="2026 绿色发展论坛").click()
    tab.page.wait_for_url(live_server.url + path)

    page = tab.page
    expect(page.locator("h1")).to_have_text("活动碳中和证明")
    expect(page.locator("#organiser")).to_have_text("论坛组委会")
    expect(page.locator("#venue")).to_have_text("市会展中心")
    expect(page.locator("#total")).to_have_text("3,305.060 kgCO2e（3.305 tCO2e）")
    expect(page.locator("#required")).to_contain_text("3,306 kgCO2e")
    sources = page.locator("#by-source thead th[data-category]")
    expect(sources).to_have_text(["电力", "化石燃料", "交通出行", "住宿", "餐饮", "物料", "废弃物"])
    expect(page.locator('#by-source td[data-category="travel"]')).to_have_text("232.300")
    expect(page.locator("#by-source td.total")).to_have_text("3,305.060")
    lines = page.locator("#lines tbody tr")
    expect(lines).to_have_count(10)
    grid = page.locator('#lines tr[data-factor="grid_electricity"]')
    expect(grid).to_have_attribute("data-version", "1")
    for text in ("grid_electricity · v1", "1,200 kWh", "0.5366 /kWh", "643.920", "官方发布"):
        expect(grid).to_contain_text(text)
    expect(grid.locator(".source")).to_contain_text("2022")
    expect(page.locator('#lines tr[data-factor="diesel"]')).to_contain_text("按标准推算")
    serial = story.batch["serial"]
    retirements = page.locator("#retirements tbody tr")
    expect(retirements).to_have_count(2)
    expect(retirements.nth(0)).to_contain_text(f"{serial}-1-3000")
    expect(retirements.nth(1)).to_contain_text(f"{serial}-3001-3306")
    date = retirements.nth(0).locator("td").first.inner_text()
    assert re.fullmatch(r"20\d\d-\d\d-\d\d \d\d:\d\d", date), date
    link = retirements.nth(0).locator("a.certificate-link")
    expect(link).to_have_attribute("href", f"/registry/certificates/{story.certificates[0]}")
    assurance = page.locator("#assurance")
    expect(assurance).to_have_attribute("data-checked", "true")
    expect(assurance).to_contain_text("第三方核查")
    expect(assurance).to_contain_text("中环联合认证")
    expect(page.locator("#overdue-banner")).to_have_count(0)

    expect(page.locator("#public-url")).to_have_text(live_server.url + path)
    expect(page.locator("#qr")).to_be_visible()
    assert page.eval_on_selector("#qr", "img => img.complete && img.naturalWidth") > 100
    image = requests.get(live_server.url + page.locator("#qr").get_attribute("src"), timeout=10)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    assert image.content == qr_png(live_server.url + path)  # it encodes the page's own URL
    expect(page.locator("#print-button")).to_be_visible()
    tab.screenshot("event-certificate")

    page.emulate_media(media="print")
    expect(page.locator("#certificate")).to_be_visible()
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#print-button")).to_be_hidden()
    pdf = page.pdf(format="A4", print_background=True)
    assert _pages_of(pdf) == 1, f"the certificate prints on {_pages_of(pdf)} A4 pages"
    (tab.shots / "event-certificate.pdf").write_bytes(pdf)
    tab.assert_no_js_errors()


def test_an_overdue_self_declared_event_shows_the_banner(
    tab, app, client, make_operator, live_server
):
    seed(app)
    seed_events(app)
    w = world(app, client, make_operator)
    _, organiser = new_holder(client, w, "LATE", "迟到的主办方", kind="event_organiser")
    event = overdue_event(client, w, organiser)

    tab.goto("/registry/events/")
    row = tab.page.locator(f'#event-list tr[data-event="{event["public_id"]}"]')
    expect(row.locator(".badge.overdue")).to_have_text("逾期未抵消")
    tab.goto(f"/registry/events/{event['public_id']}")
    banner = tab.page.locator("#overdue-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("逾期未抵消")
    expect(banner).to_contain_text("已抵消 0 / 78 kg")
    expect(tab.page.locator("#assurance")).to_have_attribute("data-checked", "false")
    expect(tab.page.locator("#assurance")).to_contain_text("自我声明")
    expect(tab.page.locator("#no-retirements")).to_be_visible()
    tab.screenshot("event-overdue")
    tab.page.emulate_media(media="print")
    expect(banner).to_be_visible()  # the banner prints too
    assert _pages_of(tab.page.pdf(format="A4", print_background=True)) == 1
    tab.assert_no_js_errors()
