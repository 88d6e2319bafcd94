"""Redemptions racing through gunicorn (4 workers): stock, limits and points stay exact.

Open-source malls have oversold here (a stock-1 coupon claimed 9 times by 64 requests);
these tests fire real concurrent HTTP requests at `live_server` and count what the
database kept: coupons, stock, ledger debits, balances, and `flask ledger verify`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.helpers import bearer
from tests.mall.factories import (
    assert_ledger_clean,
    balance_of,
    count_rows,
    live_offer,
    new_user,
    new_users,
    open_shop,
)

pytestmark = pytest.mark.slow
THREADS = 32


def _redeem(base_url: str, offer_id: int, token: str, barrier=None) -> requests.Response:
    if barrier is not None:
        barrier.wait()
    # A fresh connection per request, so requests spread over the workers.
    return requests.post(
        f"{base_url}/api/v1/offers/{offer_id}/redeem",
        json={},
        headers={**bearer(token), "Connection": "close"},
        timeout=60,
    )


def _fire(base_url: str, offer_id: int, tokens: list[str], barrier_size: int = 0) -> list:
    barrier = threading.Barrier(barrier_size) if barrier_size else None
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(lambda t: _redeem(base_url, offer_id, t, barrier), tokens))


def _outcomes(responses) -> Counter:
    return Counter(
        r.status_code if r.status_code < 400 else (r.status_code, r.json()["reason"])
        for r in responses
    )


def _redemption_debits(app, offer_id: int) -> int:
    return count_rows(
        app,
        "SELECT count(*) FROM ledger_transactions t JOIN coupons c "
        "ON t.reference = 'coupon:' || CAST(c.id AS VARCHAR(20)) "
        "WHERE t.code = 'redemption' AND c.offer_id = :o",
        o=offer_id,
    )


def _flash_start() -> str:
    return (datetime.now(UTC) - timedelta(seconds=1)).isoformat()


@pytest.mark.parametrize("path", ["database", "gate", "drifted_gate"])
def test_64_users_race_for_a_stock_of_one(app, client, live_server, path):
    shop = open_shop(app, client)
    terms = {"sale_starts_at": _flash_start()} if path != "database" else {}
    offer_id = live_offer(client, shop, stock=1, points_price=10, **terms)
    users = new_users(app, 64, points=10)
    redis_conn = app.extensions["redis"]
    if path == "drifted_gate":  # a gate that wrongly believes 50 are left
        redis_conn.set(f"{{mall:gate:{offer_id}}}:stock", 50, ex=60)

    responses = _fire(live_server.url, offer_id, [t for _, t in users], barrier_size=THREADS)

    assert _outcomes(responses) == {201: 1, (409, "out_of_stock"): 63}
    assert len({r.headers["X-Served-By"] for r in responses}) >= 2
    assert count_rows(app, "SELECT count(*) FROM coupons WHERE offer_id = :o", o=offer_id) == 1
    assert count_rows(app, "SELECT stock_left FROM offers WHERE id = :o", o=offer_id) == 0
    assert _redemption_debits(app, offer_id) == 1
    balances = Counter(balance_of(app, user_id) for user_id, _ in users)
    assert balances == {10: 63, 0: 1}
    assert_ledger_clean(app)


@pytest.mark.parametrize("flash_sale", [False, True], ids=["database", "gate"])
def test_1000_users_race_for_a_stock_of_100(app, client, live_server, flash_sale):
    shop = open_shop(app, client)
    terms = {"sale_starts_at": _flash_start()} if flash_sale else {}
    offer_id = live_offer(client, shop, stock=100, points_price=7, **terms)
    started = time.perf_counter()
    users = new_users(app, 1000, points=7)
    made = time.perf_counter()

    responses = _fire(live_server.url, offer_id, [t for _, t in users])

    fired = time.perf_counter() - made
    print(f"\n1000 users made in {made - started:.1f}s; 1000 redemptions in {fired:.1f}s")

    assert _outcomes(responses) == {201: 100, (409, "out_of_stock"): 900}
    assert count_rows(app, "SELECT count(*) FROM coupons WHERE offer_id = :o", o=offer_id) == 100
    assert (
        count_rows(
            app, "SELECT count(DISTINCT user_id) FROM coupons WHERE offer_id = :o", o=offer_id
        )
        == 100
    )
    assert count_rows(app, "SELECT stock_left FROM offers WHERE id = :o", o=offer_id) == 0
    assert _redemption_debits(app, offer_id) == 100
    winners = {r.json()["coupon"]["id"] for r in responses if r.status_code == 201}
    assert len(winners) == 100
    total = count_rows(
        app,
        "SELECT sum(balance) FROM ledger_accounts WHERE kind = 'resident' AND user_id IN "
        "(SELECT user_id FROM user_roles WHERE role = 'resident' AND user_id >= :first)",
        first=users[0][0],
    )
    assert total == 7 * 900
    assert_ledger_clean(app)


def test_one_user_with_points_for_one_fires_20_redemptions(app, client, live_server):
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=50, points_price=30, per_user_limit=10)
    user_id, token = new_user(app, points=30)

    responses = _fire(live_server.url, offer_id, [token] * 20, barrier_size=20)

    assert _outcomes(responses) == {201: 1, (409, "insufficient_points"): 19}
    assert count_rows(app, "SELECT count(*) FROM coupons") == 1
    assert count_rows(app, "SELECT stock_left FROM offers WHERE id = :o", o=offer_id) == 49
    assert balance_of(app, user_id) == 0
    assert_ledger_clean(app)


@pytest.mark.parametrize("flash_sale", [False, True], ids=["database", "gate"])
def test_one_user_at_a_limit_of_one_fires_20_redemptions(app, client, live_server, flash_sale):
    shop = open_shop(app, client)
    terms = {"sale_starts_at": _flash_start()} if flash_sale else {}
    offer_id = live_offer(client, shop, stock=50, points_price=5, per_user_limit=1, **terms)
    user_id, token = new_user(app, points=1000)

    responses = _fire(live_server.url, offer_id, [token] * 20, barrier_size=20)

    assert _outcomes(responses) == {201: 1, (409, "limit_reached"): 19}
    assert count_rows(app, "SELECT count(*) FROM coupons") == 1
    assert balance_of(app, user_id) == 995
    assert_ledger_clean(app)
