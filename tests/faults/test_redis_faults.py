"""Redis dies in the middle of a flash sale, then comes back empty.

Redis is never the source of truth (DESIGN.md), so while it is gone: no oversell (the
database's conditional UPDATEs decide), every redemption still gets an answer (201 or a
409, never a 5xx), logins keep working (tokens are read from the database), and what
needs Redis says so: /readyz 503 naming Redis, the leaderboard 503
`leaderboard_unavailable`. When Redis is back, empty: the flash-sale gate rebuilds itself
from the database, and `flask carbon rebuild-leaderboard` restores the boards exactly.
This test runs its OWN redis-server and gunicorn (it kills that redis-server).
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
import requests

from app.embedded import start_redis_server
from app.extensions import db
from app.mall.gate import BREAKER_SECONDS
from tests.faults.support import assert_books_balance, redeem, storm
from tests.helpers import ROOT, bearer, start_gunicorn
from tests.mall.factories import live_offer, new_user, new_users, open_shop

pytestmark = pytest.mark.slow
STOCK = 40


def _qr_payload(app, operator_id: int) -> str:
    from app.carbon.seed import seed_scenarios
    from app.checkins.sites import create_site, site_qr

    with app.app_context():
        seed_scenarios()
        site = create_site("公交站", "bus_ride", created_by=operator_id, per_user_daily_limit=1)
        db.session.flush()
        payload = site_qr(site.id)[1]
        db.session.commit()
        db.session.remove()
    return payload


def _board(url: str, token: str) -> requests.Response:
    return requests.get(f"{url}/api/v1/leaderboard?period=all", headers=bearer(token), timeout=10)


def test_redis_lost_mid_flash_sale(app, client, app_settings, tmp_path):
    socket_path = tmp_path / "redis" / "redis.sock"
    redis_process = start_redis_server(socket_path)
    settings = {**app_settings, "REDIS_URL": f"unix://{socket_path}"}
    server = start_gunicorn(settings, tmp_path / "gunicorn")
    try:
        operator_id, _ = new_user(app, roles=("operator",))
        payload = _qr_payload(app, operator_id)
        walkers = new_users(app, 5)
        for _user_id, token in walkers:
            response = requests.post(
                f"{server.url}/api/v1/checkins", headers=bearer(token), timeout=10,
                json={"scenario": "bus_ride", "evidence": {"type": "qr", "token": payload}},
            )  # fmt: skip
            assert response.status_code == 201 and response.json()["status"] == "approved"
        board_before = _board(server.url, walkers[0][1]).json()["items"]
        assert len(board_before) == len(walkers)

        shop = open_shop(app, client)
        start = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
        offer_id = live_offer(client, shop, stock=STOCK, points_price=10, sale_starts_at=start)
        # A second flash sale, partly sold before the outage: its gate is lost with Redis.
        other_id = live_offer(client, shop, stock=10, points_price=10, sale_starts_at=start)
        early = new_users(app, 3, points=20)  # enough for a second try
        for user_id, token in early:
            assert redeem(server.url, other_id, token, f"early-{user_id}").status_code == 201
        buyers = new_users(app, 150, points=10)
        outcomes = storm(server.url, offer_id, buyers, break_after=25,
                         breaker=lambda: redis_process.kill())  # fmt: skip
        redis_process.wait(timeout=10)

        answers = {(o.status, o.reason) for o in outcomes}
        assert answers <= {(201, None), (409, "out_of_stock")}, answers
        assert assert_books_balance(app, offer_id) == STOCK  # sold out: no more, no less

        # Degraded, and saying so.
        ready = requests.get(f"{server.url}/readyz", timeout=10)
        assert ready.status_code == 503 and ready.json()["checks"]["redis"] == "unavailable"
        board = _board(server.url, walkers[0][1])
        assert (board.status_code, board.json()["reason"]) == (503, "leaderboard_unavailable")
        late = redeem(server.url, offer_id, buyers[0][1], "after-redis-died")
        assert late.status_code in (201, 409) and late.json().get("reason") != "internal_error"

        # Redis is back, empty.
        redis_process = start_redis_server(socket_path)
        time.sleep(BREAKER_SECONDS + 0.5)  # each worker's gate circuit breaker closes
        assert requests.get(f"{server.url}/readyz", timeout=10).status_code == 200
        _, newcomer = new_user(app, points=10)
        assert redeem(server.url, other_id, newcomer, "after-redis-returned").status_code == 201
        fresh = redis.Redis(unix_socket_path=str(socket_path), decode_responses=True)
        gate = f"{{mall:gate:{other_id}}}"
        assert fresh.get(f"{gate}:stock") == "6", "the gate was rebuilt from the database"
        assert set(fresh.hgetall(f"{gate}:users")) >= {str(uid) for uid, _ in early}
        again = redeem(server.url, other_id, early[0][1], "early-buyer-again")
        assert (again.status_code, again.json()["reason"]) == (409, "limit_reached")
        assert _board(server.url, walkers[0][1]).json()["items"] == []

        env = {**server.env, "REDIS_URL": settings["REDIS_URL"]}
        rebuilt = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "carbon", "rebuild-leaderboard"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert _board(server.url, walkers[0][1]).json()["items"] == board_before
        assert_books_balance(app, offer_id)
        assert assert_books_balance(app, other_id) == 4
    finally:
        server.stop()
        if redis_process is not None and redis_process.poll() is None:
            redis_process.terminate()
            redis_process.wait(timeout=10)
