"""The public registry in Chromium, no login: the home page with its totals, chart and
batches; a serial search that finds a retired block and leads to its certificate; the
certificate with its QR image, and as it prints (one A4 page, no navigation)."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from app.qrimage import qr_png
from tests.browser.support import ConsolePage
from tests.checkins.support import seed
from tests.registry.public_support import BENEFICIARY, BUYER, retired_story

pytestmark = pytest.mark.browser


@pytest.fixture
def story(app, client, make_operator):
    seed(app)
    return retired_story(app, client, make_operator)


@pytest.fixture
def tab(browser, live_server, tmp_path):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    yield ConsolePage(context.new_page(), live_server.url, tmp_path)
    context.close()


def test_home_page_shows_totals_chart_and_batches(tab, story):
    tab.goto("/registry/")
    expect(tab.page.locator("h1")).to_contain_text("信息披露")
    issued = tab.page.locator('[data-stat="issued"]')
    expect(issued.locator(".stat-value")).to_have_text("0.010 tCO2e")
    expect(issued.locator(".stat-sub")).to_have_text("10 kg")
    expect(tab.page.locator('[data-stat="retired"] .stat-sub')).to_have_text("3 kg · 1 笔")
    chart = tab.page.locator("#issuance-chart")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 600
    bar = chart.locator("rect.bar")
    expect(bar).to_have_count(1)
    assert bar.bounding_box()["height"] > 20  # drawn, not a zero-height placeholder
    expect(tab.page.locator(".legend")).to_contain_text("公交出行")
    row = tab.page.locator(f'#batch-list tr[data-batch-id="{story.batch["id"]}"]')
    for text in (story.batch["serial"], story.batch["merkle_root"], "已签发", "中环联合认证"):
        expect(row).to_contain_text(text)
    retirement = tab.page.locator(f'#retirement-list tr[data-certificate="{story.certificate_id}"]')
    expect(retirement).to_contain_text(BENEFICIARY)
    expect(retirement).to_contain_text("履约抵消")
    tab.screenshot("registry-home")
    tab.assert_no_js_errors()


def test_serial_search_finds_the_retired_block_and_its_certificate(tab, story, live_server):
    tab.goto("/registry/")
    tab.page.fill("#serial", f"{story.batch['serial']}-2")
    tab.page.click("#serial-search button[type=submit]")
    row = tab.page.locator('#serial-results tr[data-status="retired"]')
    expect(row).to_contain_text(story.retired_serial)
    expect(row).to_contain_text("已注销")
    row.locator("a.certificate-link").click()
    path = f"/registry/certificates/{story.certificate_id}"
    tab.page.wait_for_url(live_server.url + path)

    expect(tab.page.locator("#beneficiary")).to_have_text(BENEFICIARY)
    expect(tab.page.locator("#holder")).to_have_text(BUYER)
    expect(tab.page.locator("#quantity")).to_have_text("3 kgCO2e（0.003 tCO2e）")
    expect(tab.page.locator("#serials")).to_contain_text(story.retired_serial)
    expect(tab.page.locator("#merkle-root")).to_have_text(story.batch["merkle_root"])
    expect(tab.page.locator("#public-url")).to_have_text(live_server.url + path)
    qr = tab.page.locator("#qr")
    expect(qr).to_be_visible()
    assert tab.page.eval_on_selector("#qr", "img => img.complete && img.naturalWidth") > 100
    image = requests.get(live_server.url + qr.get_attribute("src"), timeout=10)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    assert image.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.content == qr_png(live_server.url + path)  # it encodes the page's own URL
    expect(tab.page.locator("#print-button")).to_be_visible()  # shown by the script
    tab.screenshot("registry-certificate")

    tab.page.emulate_media(media="print")
    expect(tab.page.locator("#certificate")).to_be_visible()
    expect(tab.page.locator(".topbar")).to_be_hidden()
    expect(tab.page.locator("#print-button")).to_be_hidden()
    pdf = tab.page.pdf(format="A4", print_background=True)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages == 1, f"the certificate prints on {pages} A4 pages"
    (tab.shots / "registry-certificate.pdf").write_bytes(pdf)
    tab.assert_no_js_errors()


def test_unknown_certificate_page(tab, story):
    tab.goto("/registry/certificates/RT000000000000")
    expect(tab.page.locator("#not-found h1")).to_have_text("未找到该页面或证书")
    tab.page.fill("#certificate-id", story.certificate_id.lower())
    tab.page.click("#not-found button[type=submit]")
    expect(tab.page.locator("#certificate-id")).to_have_text(story.certificate_id)
    tab.assert_no_js_errors()
