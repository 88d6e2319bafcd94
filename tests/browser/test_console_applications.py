"""Alliance applications in the operator console (Chromium): the queue with each shop's
place and licence photo, a rejection that needs a reason the applicant then reads, an
approval that makes the applicant merchant_owner, and a decision refused because the
applicant withdrew meanwhile (shown on the row, then the list catches up)."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect

from tests.browser.support import Resident, console_user
from tests.checkins.support import photo, seed

pytestmark = pytest.mark.browser

OP = ("op1", "op-password-1")


@pytest.fixture
def operator(app, live_server):
    seed(app)
    console_user(app, *OP)
    return OP


def _apply(resident: Resident, name: str, seed_: int) -> dict:
    uploaded = resident.call(
        "POST", "/uploads", files={"file": ("l.jpg", io.BytesIO(photo(seed_)))}
    )
    assert uploaded.status_code == 201, uploaded.text
    body = {
        "name": name,
        "address": "泸州市江阳区酒城大道 88 号",
        "phone": "0830-1234567",
        "opening_hours": "每天 8:00-22:00",
        "latitude_e6": 28_871_234,
        "longitude_e6": 105_443_210,
        "licence_upload_id": uploaded.json()["upload_id"],
    }
    applied = resident.call("POST", "/me/merchant-applications", json=body)
    assert applied.status_code == 201, applied.text
    return applied.json()


def _row(tab, application: dict):
    return tab.page.locator(f'#application-list tr[data-id="{application["id"]}"]')


def test_operator_rejects_with_a_reason_and_approves(console, operator, live_server, sandbox):
    turned_down = Resident.login(live_server.url, sandbox)
    admitted = Resident.login(live_server.url, sandbox)
    first = _apply(turned_down, "路边小摊", 3)
    second = _apply(admitted, "绿叶便利店", 4)

    tab = console()
    tab.login(*operator)
    tab.open("applications")
    row = _row(tab, first)
    expect(row).to_contain_text("路边小摊")
    expect(row).to_contain_text("每天 8:00-22:00")
    expect(row).to_contain_text("28.871234, 105.443210")
    expect(row.locator("img.licence-thumb")).to_be_visible()  # fetched with the bearer token
    tab.screenshot("applications-queue")

    row.locator('button[data-action="reject"]').click()  # no reason yet: refused here
    expect(row.locator(".row-error")).to_contain_text("请填写驳回理由")
    row.locator("input.reason").fill("营业执照照片不清晰，请重新拍摄")
    row.locator('button[data-action="reject"]').click()
    expect(row).to_have_count(0)  # left the pending queue
    mine = turned_down.call("GET", "/me/merchant-applications").json()["items"][0]
    assert (mine["status"], mine["review_note"]) == ("rejected", "营业执照照片不清晰，请重新拍摄")

    _row(tab, second).locator('button[data-action="approve"]').click()
    expect(_row(tab, second)).to_have_count(0)
    assert "merchant_owner" in admitted.call("GET", "/auth/me").json()["roles"]

    tab.page.click('#status-filter button[data-status="approved"]')
    expect(_row(tab, second)).to_contain_text("已通过")
    expect(_row(tab, second)).to_contain_text("商户 #")
    tab.page.click('#status-filter button[data-status="rejected"]')
    expect(_row(tab, first)).to_contain_text("营业执照照片不清晰")
    tab.assert_no_js_errors()


def test_a_withdrawn_application_cannot_be_approved(console, operator, live_server, sandbox):
    resident = Resident.login(live_server.url, sandbox)
    application = _apply(resident, "绿叶咖啡", 5)

    tab = console()
    tab.login(*operator)
    tab.open("applications")
    row = _row(tab, application)
    expect(row.locator('button[data-action="approve"]')).to_be_enabled()
    withdrawn = resident.call("POST", f"/me/merchant-applications/{application['id']}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.text

    row.locator('button[data-action="approve"]').click()
    expect(row.locator(".row-error")).to_contain_text("该申请已处理")
    expect(tab.page.locator(".toast.error")).to_contain_text("该申请已处理")
    tab.screenshot("applications-decided")
    expect(row).to_have_count(0)  # the queue reloads without it
    assert "merchant_owner" not in resident.call("GET", "/auth/me").json()["roles"]
    tab.page.click('#status-filter button[data-status="withdrawn"]')
    expect(_row(tab, application)).to_contain_text("已撤回")
    tab.assert_no_js_errors()
