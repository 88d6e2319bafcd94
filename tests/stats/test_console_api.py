"""The console's own endpoints and pages: merchant and clerk console accounts, page
shells with their security headers, the vendored Chart.js."""

from __future__ import annotations

import re

import pytest

from app.console.pages import PAGES
from tests.helpers import bearer
from tests.mall.factories import new_user

OWNER = {"name": "绿色咖啡馆", "username": "GreenCafe", "password": "cafe-password-1",
         "phone": "021-12345678"}  # fmt: skip


@pytest.fixture
def op(make_operator):
    return make_operator()[0]


def login(client, username, password):
    response = client.post(
        "/api/v1/auth/operator-login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_operator_opens_a_merchant_with_a_console_login(client, op):
    response = client.post("/api/v1/admin/merchant-accounts", json=OWNER, headers=bearer(op))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["merchant"]["name"] == "绿色咖啡馆"
    assert body["owner"]["username"] == "greencafe"  # usernames are case-insensitive
    assert body["owner"]["roles"] == ["merchant_owner"]
    assert body["merchant"]["owner_user_id"] == body["owner"]["id"]

    owner = login(client, "greencafe", "cafe-password-1")
    profile = client.get("/api/v1/merchant/profile", headers=bearer(owner["token"]))
    assert profile.status_code == 200 and profile.get_json()["phone"] == "021-12345678"
    offer = client.post(
        "/api/v1/merchant/offers",
        json={"title": "美式咖啡", "points_price": 8, "stock": 5, "valid_days": 7},
        headers=bearer(owner["token"]),
    )
    assert offer.status_code == 201

    again = client.post(
        "/api/v1/admin/merchant-accounts", json={**OWNER, "name": "另一家"}, headers=bearer(op)
    )
    assert again.status_code == 409 and again.get_json()["reason"] == "username_taken"
    audit = client.get(
        "/api/v1/admin/audit-log?action=console.account.create", headers=bearer(op)
    ).get_json()["items"]
    assert audit[0]["target"] == f"user:{body['owner']['id']}"
    assert audit[0]["after"]["merchant_id"] == body["merchant"]["id"]


def test_merchant_account_input_is_checked(app, client, op):
    bad = client.post(
        "/api/v1/admin/merchant-accounts",
        json={**OWNER, "username": "a b", "password": "short"},
        headers=bearer(op),
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"username", "password"}
    unknown = client.post(
        "/api/v1/admin/merchant-accounts", json={**OWNER, "role": "operator"}, headers=bearer(op)
    )
    assert unknown.status_code == 422
    _, resident = new_user(app)
    denied = client.post("/api/v1/admin/merchant-accounts", json=OWNER, headers=bearer(resident))
    assert denied.status_code == 403


def test_owner_creates_a_clerk_console_login(client, op):
    client.post("/api/v1/admin/merchant-accounts", json=OWNER, headers=bearer(op))
    owner = login(client, "greencafe", "cafe-password-1")
    made = client.post(
        "/api/v1/merchant/console-clerks",
        json={"username": "clerk1", "password": "clerk-password-1", "nickname": "小王"},
        headers=bearer(owner["token"]),
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["roles"] == ["merchant_clerk"]

    clerk = login(client, "clerk1", "clerk-password-1")
    assert clerk["user"]["nickname"] == "小王"
    coupons = client.get("/api/v1/merchant/coupons", headers=bearer(clerk["token"]))
    assert coupons.status_code == 200  # a clerk of the owner's merchant
    staff = client.get("/api/v1/merchant/staff", headers=bearer(owner["token"])).get_json()
    assert {s["role"] for s in staff["items"]} == {"owner", "clerk"}
    for token in (clerk["token"], op):  # clerks and operators cannot make clerks
        denied = client.post(
            "/api/v1/merchant/console-clerks",
            json={"username": "clerk2", "password": "clerk-password-2"},
            headers=bearer(token),
        )
        assert denied.status_code == 403


@pytest.mark.parametrize("slug", sorted(PAGES))
def test_every_page_shell_renders_with_its_script(app, client, slug):
    response = client.get("/console/" if slug == "dashboard" else f"/console/{slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'data-page="{slug}"' in html and PAGES[slug].title in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script>" not in html and " style=" not in html  # nothing inline: CSP allows none
    for src in re.findall(r'src="([^"]+)"', html):
        asset = client.get(src)
        assert asset.status_code == 200, src


def test_login_page_vendored_chart_and_unknown_pages(app, client):
    assert client.get("/console/login").status_code == 200
    assert client.get("/console/sites/3/print").status_code == 200
    assert client.get("/console/nope").status_code == 404
    chart = client.get("/console/static/vendor/chart.umd.js")
    assert chart.status_code == 200
    assert b"Released under the MIT License" in chart.data[:300]
    chart.close()
