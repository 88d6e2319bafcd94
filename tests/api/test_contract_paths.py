"""Every endpoint of the API contract (../shared/API.md) is served and documented."""

from __future__ import annotations

import re

import pytest

CONTRACT = [
    ("post", "/auth/wx-login"),
    ("post", "/auth/operator-login"),
    ("post", "/auth/logout"),
    ("get", "/scenarios"),
    ("post", "/checkins"),
    ("post", "/uploads"),
    ("post", "/werun/sync"),
    ("get", "/me/account"),
    ("get", "/me/ledger"),
    ("get", "/leaderboard"),
    ("get", "/offers"),
    ("get", "/offers/{id}"),
    ("post", "/offers/{id}/redeem"),
    ("get", "/me/coupons"),
    ("post", "/me/coupons/{id}/cancel"),
    ("get", "/me/consents"),
    ("put", "/me/consents/{scenario}"),
    ("get", "/me/export"),
    ("delete", "/me"),
    ("post", "/merchant/offers"),
    ("patch", "/merchant/offers/{id}"),
    ("post", "/merchant/offers/{id}/pause"),
    ("post", "/merchant/staff-invites"),
    ("post", "/merchant/staff/join"),
    ("post", "/merchant/coupons/verify"),
    ("get", "/merchant/settlement"),
    ("post", "/admin/sites"),
    ("get", "/admin/sites/{id}/qr"),
    ("post", "/admin/merchants"),
    ("post", "/admin/offers/{id}/approve"),
    ("post", "/admin/points/adjustments"),
    ("post", "/admin/points/adjustments/{id}/approve"),
    ("get", "/admin/checkins"),
    ("post", "/admin/checkins/{id}/approve"),
    ("post", "/admin/checkins/{id}/reject"),
    ("post", "/admin/campaigns"),
    ("get", "/admin/stats"),
    ("post", "/partner/events"),
    ("post", "/partner/events/batch"),
]


def _normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.fixture(scope="module")
def documented(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    return {
        (method, _normalise(path.removeprefix("/api/v1")))
        for path, operations in spec["paths"].items()
        for method in operations
    }


@pytest.mark.parametrize(("method", "path"), CONTRACT)
def test_contract_endpoint_is_documented(documented, method, path):
    assert (method, _normalise(path)) in documented


def test_every_contract_endpoint_is_routed(app):
    routed = {
        (method.lower(), _normalise(re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)))
        for rule in app.url_map.iter_rules()
        for method in rule.methods
    }
    missing = [(m, p) for m, p in CONTRACT if (m, _normalise("/api/v1" + p)) not in routed]
    assert missing == []
