"""The registry in the console (Chromium): an operator registers a programme, assembles
a batch, excludes a record and submits it; the verifier verifies it with an uploaded
report; the same operator's issue is refused in Chinese and a second operator issues it;
holders transfer (once, however often the form is sent) and retire, and see the public
certificate link; an operator cancels the buffer's unit; lists export CSV; every role
lands on its own pages."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect

from app.console.pages import HOLDER_PAGES, VERIFIER_PAGES
from tests.browser.support import console_user
from tests.checkins.support import seed
from tests.helpers import bearer
from tests.mall.factories import new_user
from tests.registry.support import (
    PASSWORD,
    add_records,
    consent,
    issued_batch,
    new_holder,
    world,
)

pytestmark = pytest.mark.browser

OP1 = ("op1", "op-password-1")
OP2 = ("op2", "op-password-2")


def read_download(tab, click) -> str:
    with tab.page.expect_download() as info:
        click()
    return info.value.path().read_text(encoding="utf-8-sig")


def residents_with_rides(app, client, residents: int = 1, rides: int = 65) -> None:
    """Residents who agreed to aggregation, with `rides` bus rides (80 g each) last month."""
    for _ in range(residents):
        user_id, token = new_user(app)
        consent(client, token)
        add_records(app, user_id, rides)


def test_a_batch_from_assembly_to_issuance(app, client, console, live_server):
    seed(app)
    console_user(app, *OP1)
    console_user(app, *OP2)
    residents_with_rides(app, client, residents=2)  # 130 rides

    maker = console()
    maker.page.on("dialog", lambda dialog: dialog.accept())
    maker.login(*OP1)
    maker.open("verifiers")
    maker.page.fill("#v-name", "中环联合认证")
    maker.page.fill("#v-accreditation", "CNAS")
    maker.page.click("#verifier-form button[type=submit]")
    expect(maker.page.locator("#verifier-list")).to_contain_text("中环联合认证")
    maker.page.fill("#l-username", "auditor")
    maker.page.fill("#l-password", PASSWORD)
    maker.page.click("#login-form button[type=submit]")
    expect(maker.page.locator("#login-created")).to_contain_text("auditor")

    maker.open("programmes")
    maker.page.select_option("#p-scenario", "bus_ride")
    expect(maker.page.locator("#p-version option")).not_to_have_count(0)
    maker.page.select_option("#p-version", "1")
    maker.page.click("#programme-form button[type=submit]")
    expect(maker.page.locator("#programme-list")).to_contain_text("bus_ride")

    maker.open("batches")
    maker.page.click("#assemble")  # the first programme, last month (the defaults)
    detail = maker.page.locator("#batch-detail")
    expect(detail.locator("#detail-title")).to_contain_text("草稿")
    expect(detail.locator("#detail-facts")).to_contain_text("130")
    batch_id = int(detail.get_attribute("data-id"))
    members = maker.page.locator("#member-list tbody tr")
    expect(members).to_have_count(100)  # the first page
    excluded = int(members.first.get_attribute("data-record"))
    members.first.locator("input[type=checkbox]").check()
    maker.page.fill("#x-reason", "同一行程重复上报")
    maker.page.click("#exclude")
    expect(detail.locator("#detail-facts")).to_contain_text("129")
    row = maker.page.locator(f'#member-list tr[data-record="{excluded}"]')
    expect(row).to_contain_text("已剔除")
    expect(row).to_contain_text("同一行程重复上报")
    maker.page.select_option("#d-verifier", label="中环联合认证")
    maker.page.click("#submit")
    expect(detail.locator("#detail-title")).to_contain_text("待核查")
    maker.screenshot("registry-batch")

    auditor = console()
    auditor.page.on("dialog", lambda dialog: dialog.accept())
    auditor.login("auditor", PASSWORD, expect_path="/console/v-inbox")
    expect(auditor.page.locator("nav[data-audience=operator]")).to_be_hidden()
    expect(auditor.page.locator("nav[data-audience=verifier]")).to_be_visible()
    auditor.page.locator(f'#inbox-list tr[data-id="{batch_id}"] button').click()
    evidence = read_download(auditor, lambda: auditor.page.click("[data-evidence]"))
    lines = evidence.splitlines()
    assert lines[0].startswith("position,record_id,resident,scenario,methodology_version")
    assert len(lines) == 1 + 129 + 1  # header, the counted members, the totals row
    assert str(excluded) not in {line.split(",")[1] for line in lines[1:]}
    report = b"%PDF-1.4 verification report for batch"
    auditor.page.set_input_files(
        "#r-file", files=[{"name": "report.pdf", "mimeType": "application/pdf", "buffer": report}]
    )
    auditor.page.click("#r-upload")
    expect(auditor.page.locator("#report-sha")).to_contain_text(hashlib.sha256(report).hexdigest())
    auditor.page.fill("#d-note", "抽查 10 条记录，与证据一致")
    auditor.page.click("#verify")
    expect(auditor.page.locator("#detail-title")).to_contain_text("已核查")
    expect(auditor.page.locator(f'#inbox-list tr[data-id="{batch_id}"]')).to_have_count(0)

    maker.open(f"batches?batch={batch_id}")
    expect(detail.locator("#detail-title")).to_contain_text("已核查")
    maker.page.click("#issue")
    refusal = maker.page.locator("#issue-result")
    expect(refusal).to_have_attribute("data-reason", "same_operator")
    expect(refusal).to_contain_text("签发被拒绝")
    expect(refusal).to_contain_text("另一位运营人员")
    expect(detail.locator("#detail-title")).to_contain_text("已核查")

    checker = console()
    checker.login(*OP2)
    checker.open(f"batches?batch={batch_id}")
    checker.page.click("#issue")
    issued = checker.page.locator("#issue-result")
    expect(issued).to_contain_text("已签发 CN-XX-PH-")
    expect(issued).to_contain_text("10 kg，其中缓冲账户 1 kg")  # 129 x 80 g = 10.32 kg
    expect(checker.page.locator("#detail-title")).to_contain_text("已签发")

    checker.open("audit")
    log = checker.page.locator("#audit-list")
    for label in ("核算组批", "批次剔除记录", "提交核查", "登记核查报告", "核查通过", "签发减排量"):
        expect(log).to_contain_text(label)
    expect(log).to_contain_text("registry.batch.issue")
    checker.open("buffer")
    expect(checker.page.locator("#buffer-total")).to_have_text("1 kg")
    for tab in (maker, auditor, checker):
        tab.assert_no_js_errors()


def test_holders_transfer_once_retire_and_see_the_certificate(
    app, client, console, live_server, make_operator
):
    seed(app)
    w = world(app, client, make_operator)  # platform-desk holds the platform's units
    batch = issued_batch(app, client, w)  # 10 units: 9 held by the platform, 1 buffer
    new_holder(client, w, "GREENCO", "绿色制造有限公司")  # login greenco-desk

    seller = console()
    seller.login("platform-desk", PASSWORD, expect_path="/console/h-holdings")
    expect(seller.page.locator("nav[data-audience=holder]")).to_be_visible()
    expect(seller.page.locator("nav[data-audience=operator]")).to_be_hidden()
    row = seller.page.locator(f'#holdings-list tr[data-batch="{batch["id"]}"]')
    expect(row).to_contain_text("9 kg")
    row.get_by_text("转让").click()
    seller.page.wait_for_url(f"**/console/h-transfer?batch={batch['id']}")
    seller.page.wait_for_selector("#content:not(.hidden)")
    expect(seller.page.locator("#t-batch")).to_have_value(str(batch["id"]))
    seller.page.select_option("#t-to", label="绿色制造有限公司（GREENCO）")
    seller.page.fill("#t-quantity", "4")
    seller.page.fill("#t-price", "25.50")
    keys = []
    seller.page.on(
        "request",
        lambda r: (
            keys.append(r.headers.get("idempotency-key"))
            if r.method == "POST" and r.url.endswith("/api/v1/holder/transfers")
            else None
        ),
    )
    # The form sent twice at once (a double submit): both carry one key, one transfer.
    seller.page.eval_on_selector("#transfer-form", "f => { f.requestSubmit(); f.requestSubmit(); }")
    result = seller.page.locator("#transfer-result")
    expect(result).to_contain_text("已转让 4 kg 给 绿色制造有限公司（GREENCO），成交价 ¥25.50")
    expect(seller.page.locator("#t-batch")).to_contain_text("可转 5 kg")
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1], keys
    transfers = client.get("/api/v1/holder/transfers", headers=bearer(w.platform)).get_json()
    assert [(t["quantity"], t["price_fen"]) for t in transfers["items"]] == [(4, 2550)]

    buyer = console()
    buyer.login("greenco-desk", PASSWORD, expect_path="/console/h-holdings")
    expect(buyer.page.locator("#held-total")).to_have_text("4 kg")
    buyer.open(f"h-retire?batch={batch['id']}")
    buyer.page.fill("#r-quantity", "3")
    buyer.page.select_option("#r-purpose", label="履约抵消")
    expect(buyer.page.locator("#r-year")).to_be_visible()
    buyer.page.fill("#r-year", "2025")
    buyer.page.fill("#r-beneficiary", "绿色制造有限公司 2025 年度履约")
    buyer.page.fill("#r-jurisdiction", "CN-SH")
    buyer.page.click("#r-submit")
    link = buyer.page.locator("#retire-result a[data-certificate]")
    expect(link).to_be_visible()
    certificate = link.inner_text()
    assert certificate.startswith("RT")
    expect(link).to_have_attribute("href", f"/registry/certificates/{certificate}")
    expect(buyer.page.locator("#retire-result")).to_contain_text("履约抵消")

    buyer.open("h-records")
    expect(buyer.page.locator("#transfer-list")).to_contain_text("转入")
    expect(buyer.page.locator("#transfer-list")).to_contain_text("碳普惠平台")
    retired = buyer.page.locator("#retirement-list")
    expect(retired).to_contain_text("履约抵消（2025 年度）")
    expect(retired.locator(f'a[href="/registry/certificates/{certificate}"]')).to_be_visible()
    csv = read_download(buyer, lambda: buyer.page.click("#retirement-tools [data-csv]"))
    assert csv.splitlines()[0].startswith("id,certificate_id,batch_id,holder_id,quantity")
    assert certificate in csv
    buyer.screenshot("registry-holder-records")

    operator = console()
    operator.login("op-one", "op-password-1")
    operator.open("movements")
    expect(operator.page.locator("#transfer-list")).to_contain_text("¥25.50")
    expect(operator.page.locator("#retirement-list")).to_contain_text(certificate)
    csv = read_download(operator, lambda: operator.page.click("#transfer-tools [data-csv]"))
    lines = csv.splitlines()
    assert lines[0] == "id,batch_id,from_holder_id,to_holder_id,quantity,price_fen,created_at"
    assert len(lines) == 2 and ",4,2550," in lines[1]
    operator.page.on("dialog", lambda dialog: dialog.accept())
    operator.open(f"movements?batch={batch['id']}")
    expect(operator.page.locator("#c-source")).to_have_value("buffer")
    operator.page.fill("#c-quantity", "1")
    operator.page.fill("#c-reason", "签发后发现重复计算")
    operator.page.click("#c-submit")
    cancelled = operator.page.locator("#cancellation-list")
    expect(cancelled).to_contain_text("签发后发现重复计算")
    expect(cancelled).to_contain_text("缓冲账户")
    operator.open("buffer")
    expect(operator.page.locator("#buffer-total")).to_have_text("0 kg")
    for tab in (seller, buyer, operator):
        tab.assert_no_js_errors()


def test_each_role_sees_only_its_pages(app, client, console, live_server, make_operator):
    seed(app)
    world(app, client, make_operator)
    auditor = console()
    auditor.login("auditor", PASSWORD, expect_path="/console/v-inbox")
    for page in VERIFIER_PAGES:
        auditor.open(page.slug)
        expect(auditor.page.locator("h1")).to_have_text(page.title)
    expect(auditor.page.locator("nav:not(.hidden)")).to_have_count(1)
    auditor.goto("/console/h-holdings")  # a holder's page: refused, not shown
    expect(auditor.page.locator("#denied")).to_be_visible()
    expect(auditor.page.locator("#content")).to_be_hidden()
    holder = console()
    holder.login("platform-desk", PASSWORD, expect_path="/console/h-holdings")
    for page in HOLDER_PAGES:
        holder.open(page.slug)
        expect(holder.page.locator("h1")).to_have_text(page.title)
        expect(holder.page.locator(".nav a.active")).to_have_text(page.title)
    expect(holder.page.locator("nav:not(.hidden) a")).to_have_count(len(HOLDER_PAGES))
    holder.goto("/console/batches")  # an operator page: a holder is sent home
    holder.page.wait_for_url(live_server.url + "/console/h-holdings")
    auditor.assert_no_js_errors()
    holder.assert_no_js_errors()
