"""Verification and ownership over real HTTP (gunicorn, 4 workers): a coupon is used
exactly once however many clerks scan it, and nobody reaches another's coupons."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.helpers import bearer
from tests.mall.factories import (
    add_clerk,
    assert_ledger_clean,
    balance_of,
    count_rows,
    live_offer,
    new_user,
    open_shop,
)

pytestmark = pytest.mark.slow
PAIRS = 12


def _post(url: str, token: str, body: dict | None = None) -> requests.Response:
    return requests.post(
        url, json=body or {}, headers={**bearer(token), "Connection": "close"}, timeout=30
    )


def test_two_clerks_verifying_one_code_at_once_give_one_success(app, client, live_server):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=PAIRS, per_user_limit=PAIRS)
    clerks = [add_clerk(app, client, shop)[1] for _ in range(2)]
    _, resident = new_user(app, points=1000)
    codes = [
        _post(f"{live_server.url}/api/v1/offers/{offer_id}/redeem", resident).json()["coupon"][
            "code"
        ]
        for _ in range(PAIRS)
    ]
    barriers = {code: threading.Barrier(2) for code in codes}

    def verify(job):
        code, clerk = job
        barriers[code].wait()
        return code, _post(
            f"{live_server.url}/api/v1/merchant/coupons/verify", clerk, {"code": code}
        )

    jobs = [(code, clerk) for code in codes for clerk in clerks]
    with ThreadPoolExecutor(max_workers=2 * PAIRS) as pool:
        results = list(pool.map(verify, jobs))

    per_code = {code: Counter() for code in codes}
    for code, response in results:
        key = (
            response.status_code
            if response.ok
            else (response.status_code, response.json()["reason"])
        )
        per_code[code][key] += 1
    assert all(c == {200: 1, (409, "coupon_already_used"): 1} for c in per_code.values()), per_code
    assert count_rows(app, "SELECT count(*) FROM coupons WHERE status = 'used'") == PAIRS
    assert count_rows(app, "SELECT count(*) FROM coupons WHERE verified_by IS NULL") == 0
    assert_ledger_clean(app)


def test_cancel_racing_verify_settles_on_exactly_one(app, client, live_server):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=PAIRS, per_user_limit=PAIRS, points_price=10)
    _, clerk = add_clerk(app, client, shop)
    user_id, resident = new_user(app, points=10 * PAIRS)
    coupons = [
        _post(f"{live_server.url}/api/v1/offers/{offer_id}/redeem", resident).json()["coupon"]
        for _ in range(PAIRS)
    ]
    barriers = {c["id"]: threading.Barrier(2) for c in coupons}

    def act(job):
        coupon, action = job
        barriers[coupon["id"]].wait()
        if action == "cancel":
            return _post(f"{live_server.url}/api/v1/me/coupons/{coupon['id']}/cancel", resident)
        return _post(
            f"{live_server.url}/api/v1/merchant/coupons/verify", clerk, {"code": coupon["code"]}
        )

    jobs = [(c, a) for c in coupons for a in ("cancel", "verify")]
    with ThreadPoolExecutor(max_workers=2 * PAIRS) as pool:
        responses = list(pool.map(act, jobs))

    assert sum(r.ok for r in responses) == PAIRS  # per coupon: used or cancelled, never both
    used = count_rows(app, "SELECT count(*) FROM coupons WHERE status = 'used'")
    cancelled = count_rows(app, "SELECT count(*) FROM coupons WHERE status = 'cancelled'")
    assert used + cancelled == PAIRS
    assert balance_of(app, user_id) == 10 * cancelled  # refunds only for the cancelled ones
    assert count_rows(app, "SELECT stock_left FROM offers WHERE id = :o", o=offer_id) == cancelled
    assert_ledger_clean(app)


def test_merchant_and_resident_boundaries_hold_over_http(app, client, live_server):
    shop_a = open_shop(app, client, name="A 店")
    shop_b = open_shop(app, client, name="B 店", operator_token=shop_a.operator_token)
    _, clerk_b = add_clerk(app, client, shop_b)
    offer_id = live_offer(client, shop_a)
    owner_id, resident = new_user(app, points=100)
    _, other_resident = new_user(app, points=100)
    coupon = _post(f"{live_server.url}/api/v1/offers/{offer_id}/redeem", resident).json()["coupon"]
    base = live_server.url + "/api/v1"

    for code in (coupon["code"], coupon["short_code"]):
        for path in ("verify", "lookup"):
            response = _post(f"{base}/merchant/coupons/{path}", clerk_b, {"code": code})
            assert (response.status_code, response.json()["reason"]) == (404, "coupon_not_found")
    listed = requests.get(f"{base}/merchant/coupons", headers=bearer(clerk_b), timeout=10).json()
    assert listed["items"] == []
    stolen = _post(f"{base}/me/coupons/{coupon['id']}/cancel", other_resident)
    assert (stolen.status_code, stolen.json()["reason"]) == (404, "coupon_not_found")
    assert balance_of(app, owner_id) == 90
    assert count_rows(app, "SELECT count(*) FROM coupons WHERE status = 'issued'") == 1


def test_one_invite_code_used_by_eight_people_at_once_makes_one_clerk(app, client, live_server):
    shop = open_shop(app, client)
    invite = client.post("/api/v1/merchant/staff-invites", headers=shop.owner).get_json()
    code = {"invite_code": invite["invite_code"]}
    joiners = [new_user(app)[1] for _ in range(8)]
    barrier = threading.Barrier(len(joiners))

    def join(token):
        barrier.wait()
        return _post(f"{live_server.url}/api/v1/merchant/staff/join", token, code)

    with ThreadPoolExecutor(max_workers=len(joiners)) as pool:
        responses = list(pool.map(join, joiners))

    outcomes = Counter(r.status_code if r.ok else r.json()["reason"] for r in responses)
    assert outcomes == {200: 1, "invite_used": 7}
    assert count_rows(app, "SELECT count(*) FROM merchant_staff WHERE role = 'clerk'") == 1
