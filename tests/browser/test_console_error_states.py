"""Every console page, for every audience, says so when the API fails (issue 17): with
every call but the login's `/auth/me` answered by a proxy's 500 page, each page shows an
error state (加载失败, the friendly Chinese message, 重试) instead of blank cards or the
raw body, and no JavaScript error escapes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.console.pages import HOLDER_PAGES, MERCHANT_PAGES, OPERATOR_PAGES, VERIFIER_PAGES
from tests.checkins.support import seed
from tests.helpers import bearer
from tests.registry.support import PASSWORD, world

pytestmark = pytest.mark.browser

PROXY_500 = "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"


def _each_page_shows_its_error(tab, pages) -> None:
    failed: list[str] = []

    def fail_everything_but_me(route) -> None:
        if route.request.url.split("?")[0].endswith("/api/v1/auth/me"):
            route.continue_()
        else:
            failed.append(route.request.url)
            route.fulfill(status=500, content_type="text/html", body=PROXY_500)

    tab.page.route("**/api/v1/**", fail_everything_but_me)
    for page in pages:
        failed.clear()
        tab.open(page.slug)
        tab.page.wait_for_load_state("networkidle")
        if not failed:  # loads nothing from the API (exports: buttons that start jobs)
            expect(tab.page.locator(".error-state")).to_have_count(0)
            continue
        error = tab.page.locator(".error-state").first
        expect(error, f"{page.slug} shows no error state").to_be_visible()
        expect(error).to_contain_text("加载失败")
        expect(error).to_contain_text("服务器出错了")
        expect(tab.page.locator("#content")).not_to_contain_text("Bad Gateway")
        expect(tab.page.locator("[data-loads] > .skeleton")).to_have_count(0)
    tab.page.unroute("**/api/v1/**")


def test_every_page_shows_an_error_state_when_the_api_fails(
    app, client, console, live_server, make_operator
):
    seed(app)
    w = world(app, client, make_operator)  # op-one, the verifier "auditor", "platform-desk"
    shop = client.post(
        "/api/v1/admin/merchant-accounts",
        json={"name": "绿色咖啡馆", "username": "greencafe", "password": "cafe-password-1"},
        headers=bearer(w.op1),
    )
    assert shop.status_code == 201, shop.get_json()

    for (username, password, home), pages in (
        (("op-one", "op-password-1", "/console/"), OPERATOR_PAGES),
        (("greencafe", "cafe-password-1", "/console/m-offers"), MERCHANT_PAGES),
        (("auditor", PASSWORD, "/console/v-inbox"), VERIFIER_PAGES),
        (("platform-desk", PASSWORD, "/console/h-holdings"), HOLDER_PAGES),
    ):
        tab = console()
        tab.login(username, password, expect_path=home)
        _each_page_shows_its_error(tab, pages)
        # Only the failed calls were logged (by the browser and by Console.start): no
        # other exception escaped a page's script.
        escaped = [
            e for e in tab.errors if "status of 500" not in e and "ApiError: 服务器出错了" not in e
        ]
        assert escaped == [], escaped
