"""kill -9 gunicorn workers in the middle of a flash-sale redemption storm.

The killed workers' in-flight requests die at an arbitrary point: before, inside or just
after their database transaction. Afterwards nothing may be half-done (a coupon without
its debit, a debit without its coupon, stock taken for nothing), `ledger verify` must be
clean, and retrying every broken request with its Idempotency-Key must give each resident
exactly one outcome: the coupon they were charged for, or a clear 409. The dead workers'
gate slots must not cost anyone their coupon: a retry is never `limit_reached` without a
coupon, and the whole stock is sold (more residents ask than there is stock), none of it
left behind a sold-out answer.
"""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.faults.support import Outcome, assert_books_balance, redeem, storm
from tests.helpers import start_gunicorn
from tests.mall.factories import balance_of, live_offer, new_users, open_shop

pytestmark = pytest.mark.slow
STOCK = 120


def test_killed_workers_leave_no_half_redemption(app, client, app_settings, tmp_path):
    server = start_gunicorn(app_settings, tmp_path)
    try:
        shop = open_shop(app, client)
        start = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        offer_id = live_offer(client, shop, stock=STOCK, points_price=10, sale_starts_at=start)
        users = new_users(app, STOCK + 40, points=10)
        victims = server.worker_pids()[:2]

        def kill_two_workers() -> None:
            for pid in victims:
                os.kill(pid, signal.SIGKILL)
                time.sleep(0.05)

        outcomes = storm(server.url, offer_id, users, break_after=40, breaker=kill_two_workers)
        broken = [o for o in outcomes if o.status is None or o.status >= 500]
        assert broken, "the kills should have cut some requests short"
        assert not set(victims) & set(server.wait_workers()), "gunicorn replaced the dead workers"

        # Retrying with the same key: a committed redemption is replayed, a lost one is
        # made now (or refused with a 409); never a second coupon.
        tokens = dict(users)
        final = {o.user_id: o for o in outcomes if o not in broken}
        for o in broken:
            response = redeem(server.url, offer_id, tokens[o.user_id], o.key)
            assert response.status_code in (201, 409), response.text
            final[o.user_id] = Outcome(o.user_id, o.key, response.status_code,
                                       response.json().get("reason"))  # fmt: skip

        coupons = assert_books_balance(app, offer_id)
        winners = {uid for uid, o in final.items() if o.status == 201}
        assert len(winners) == coupons
        assert {o.reason for o in final.values() if o.status == 409} <= {"out_of_stock"}
        assert coupons == STOCK, "stock left behind an out_of_stock answer"
        for user_id, _token in users:
            assert balance_of(app, user_id) == (0 if user_id in winners else 10)
        print(f"\n{len(broken)} requests cut by kill -9; {coupons} coupons after retries")
    finally:
        server.stop()
