"""Shared pieces of the fault tests: our own gunicorn (never the session's), a redemption
storm with a hook to break something halfway, and the books that must balance after."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from tests.helpers import bearer
from tests.mall.factories import assert_ledger_clean, count_rows

THREADS = 32


@dataclass
class Outcome:
    user_id: int
    key: str
    status: int | None  # None: the connection broke (e.g. the worker was killed)
    reason: str | None = None
    coupon_id: int | None = None


def redeem(base_url: str, offer_id: int, token: str, key: str) -> requests.Response:
    return requests.post(
        f"{base_url}/api/v1/offers/{offer_id}/redeem",
        json={},
        headers={**bearer(token), "Idempotency-Key": key, "Connection": "close"},
        timeout=60,
    )


def storm(
    base_url: str, offer_id: int, users: list[tuple[int, str]], *, break_after: int = 0,
    breaker=None,
) -> list[Outcome]:  # fmt: skip
    """Every user redeems once, THREADS at a time; `breaker()` runs (once, in another
    thread) as soon as `break_after` answers have come back."""
    answered = 0
    lock = threading.Lock()
    fired = threading.Event()

    def one(user: tuple[int, str]) -> Outcome:
        nonlocal answered
        user_id, token = user
        key = f"storm-{offer_id}-{user_id}"
        try:
            response = redeem(base_url, offer_id, token, key)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            # Refused, reset, or cut after the headers (a worker killed while sending its
            # answer: the status line arrived, the body never did).
            outcome = Outcome(user_id, key, None)
        else:
            body = response.json() if response.content.startswith(b"{") else {}
            outcome = Outcome(user_id, key, response.status_code, body.get("reason"),
                              (body.get("coupon") or {}).get("id"))  # fmt: skip
        with lock:
            answered += 1
            trip = breaker is not None and answered >= break_after and not fired.is_set()
            if trip:
                fired.set()
        if trip:
            threading.Thread(target=breaker, daemon=True).start()
        return outcome

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(one, users))


def assert_books_balance(app, offer_id: int, per_user_limit: int = 1) -> int:
    """Coupons == stock taken == redemption debits == per-user counters; every coupon has
    its debit and every debit its coupon; `ledger verify` is clean. Returns the coupons."""
    coupons = count_rows(app, "SELECT count(*) FROM coupons WHERE offer_id = :o", o=offer_id)
    taken = count_rows(app, "SELECT stock_total - stock_left FROM offers WHERE id = :o", o=offer_id)
    debits = count_rows(
        app,
        "SELECT count(*) FROM ledger_transactions t JOIN coupons c "
        "ON t.reference = 'coupon:' || CAST(c.id AS VARCHAR(20)) "
        "WHERE t.code = 'redemption' AND c.offer_id = :o AND c.redemption_txn_id = t.id",
        o=offer_id,
    )
    counted = count_rows(
        app, "SELECT coalesce(sum(redeemed), 0) FROM offer_redemption_counters "
        "WHERE offer_id = :o", o=offer_id,
    )  # fmt: skip
    orphans = count_rows(
        app,
        "SELECT count(*) FROM ledger_transactions t WHERE t.code = 'redemption' AND NOT EXISTS "
        "(SELECT 1 FROM coupons c WHERE c.redemption_txn_id = t.id)",
    )
    over_limit = count_rows(
        app,
        "SELECT count(*) FROM (SELECT user_id FROM coupons WHERE offer_id = :o "
        "GROUP BY user_id HAVING count(*) > :limit) AS x",
        o=offer_id,
        limit=per_user_limit,
    )
    assert (coupons, taken, debits, counted, orphans, over_limit) == (
        coupons, coupons, coupons, coupons, 0, 0,
    ), "coupons, stock taken, debits, counters, orphan debits, users over the limit"  # fmt: skip
    assert_ledger_clean(app)
    return coupons
