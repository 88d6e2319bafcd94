"""Limits on guessing hold under parallel bursts through gunicorn (4 workers, one Redis).

A guess is counted before it is checked, so 60 wrong coupon or invite codes at once have
exactly the limit (10) checked and the rest refused with 429, never 10 + however many were
in flight. A right code gives its count back, so it never uses up the budget.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.helpers import bearer
from tests.mall.factories import add_clerk, live_offer, new_user, open_shop, redeem

pytestmark = pytest.mark.slow
LIMIT = 10  # the defaults: COUPON_CODE_FAILURE_LIMIT, STAFF_JOIN_FAILURE_LIMIT
VERIFY = "/api/v1/merchant/coupons/verify"
JOIN = "/api/v1/merchant/staff/join"


def _burst(url: str, token: str, bodies: list[dict]) -> dict[int, int]:
    """All `bodies` posted at once; how many answers had each status."""

    def post(body: dict) -> int:
        headers = {**bearer(token), "Connection": "close"}
        return requests.post(url, json=body, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return dict(Counter(pool.map(post, bodies)))


def _coupon_code(app, client, shop) -> str:
    offer_id = live_offer(client, shop)
    _, resident = new_user(app, points=100)
    return redeem(client, offer_id, resident).get_json()["coupon"]["code"]


def test_parallel_wrong_coupon_codes_check_exactly_the_limit(app, client, live_server):
    shop = open_shop(app, client)
    _, clerk = add_clerk(app, client, shop)
    code = _coupon_code(app, client, shop)

    wrong = [{"code": f"{i:010d}"} for i in range(60)]
    statuses = _burst(live_server.url + VERIFY, clerk, wrong)
    assert statuses == {404: LIMIT, 429: 60 - LIMIT}
    # Over the limit, even the right code waits for the window.
    right = requests.post(live_server.url + VERIFY, json={"code": code}, headers=bearer(clerk))
    assert right.status_code == 429


def test_a_right_coupon_code_after_a_few_wrong_ones_verifies_and_costs_nothing(
    app, client, live_server
):
    shop = open_shop(app, client)
    _, clerk = add_clerk(app, client, shop)
    codes = [_coupon_code(app, client, shop) for _ in range(3)]
    url = live_server.url + VERIFY

    assert _burst(url, clerk, [{"code": f"{i:010d}"} for i in range(3)]) == {404: 3}
    assert _burst(url, clerk, [{"code": c} for c in codes]) == {200: 3}
    # The right codes gave their count back: 7 wrong ones are still checked, then 429.
    statuses = _burst(url, clerk, [{"code": f"{i:010d}"} for i in range(100, 120)])
    assert statuses == {404: LIMIT - 3, 429: 20 - LIMIT + 3}


def test_parallel_wrong_invite_codes_check_exactly_the_limit(app, client, live_server):
    shop = open_shop(app, client)
    _, joiner = new_user(app)
    statuses = _burst(live_server.url + JOIN, joiner, [{"invite_code": f"W{i}"} for i in range(60)])
    assert statuses == {404: LIMIT, 429: 60 - LIMIT}

    # Another user's right invite after a few wrong ones joins, and costs nothing.
    _, newcomer = new_user(app)
    assert _burst(live_server.url + JOIN, newcomer, [{"invite_code": "W1"}] * 4) == {404: 4}
    invite = client.post("/api/v1/merchant/staff-invites", headers=shop.owner).get_json()
    joined = requests.post(live_server.url + JOIN, json={"invite_code": invite["invite_code"]},
                           headers=bearer(newcomer), timeout=30)  # fmt: skip
    assert joined.status_code == 200, joined.json()
