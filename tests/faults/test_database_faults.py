"""The database briefly unavailable: clear 503s naming it, no partial writes, recovery.

What "unavailable" honestly means differs by backend, so each gets its own fault:
- SQLite (embedded default): another process holds the write lock longer than the busy
  timeout (a backup, a long migration). Writes answer 503 `database_unavailable` after
  the timeout; reads go on (WAL readers are not blocked); nothing is half-written.
- PostgreSQL: the server itself is stopped (`pg_ctl stop -m immediate`, a crash) in the
  middle of a redemption storm and started again. This runs on a throwaway cluster of
  its own, never the suite's database.
Each variant runs in the suite of its backend (CI runs both).
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import requests

from app.embedded import start_redis_server
from bench.servers import PostgresServer, flask_cli, pg_bin_dir
from tests.conftest import make_app
from tests.faults.support import assert_books_balance, redeem, storm
from tests.helpers import bearer, start_gunicorn
from tests.mall.factories import count_rows, live_offer, new_users, open_shop
from tests.mall.factories import redeem as redeem_in_process

pytestmark = pytest.mark.slow
TABLES = ("coupons", "ledger_transactions", "ledger_entries", "idempotency_records")


def _snapshot(app, offer_id: int) -> dict:
    state = {table: count_rows(app, f"SELECT count(*) FROM {table}") for table in TABLES}
    state["stock_left"] = count_rows(app, "SELECT stock_left FROM offers WHERE id = :o", o=offer_id)
    return state


def test_sqlite_write_lock_held_past_the_busy_timeout(app, client, app_settings, tmp_path):
    uri = app_settings["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite"):
        pytest.skip("SQLite variant (the PostgreSQL suite runs the server-stop variant)")
    server = start_gunicorn(app_settings, tmp_path, SQLITE_BUSY_TIMEOUT_MS="300")
    locker = sqlite3.connect(uri.removeprefix("sqlite:///"), isolation_level=None)
    try:
        shop = open_shop(app, client)
        offer_id = live_offer(client, shop, stock=20, points_price=10)
        users = new_users(app, 12, points=10)
        before = _snapshot(app, offer_id)

        locker.execute("BEGIN EXCLUSIVE")  # another writer that does not let go
        outcomes = storm(server.url, offer_id, users)
        read = requests.get(f"{server.url}/api/v1/me/account", headers=bearer(users[0][1]),
                            timeout=30)  # fmt: skip
        locker.execute("ROLLBACK")

        assert Counter((o.status, o.reason) for o in outcomes) == {
            (503, "database_unavailable"): len(users)
        }
        assert read.status_code == 200, "reads go on while a writer holds the lock"
        assert _snapshot(app, offer_id) == before, "nothing was half-written"

        retried = [redeem(server.url, offer_id, users[i][1], o.key) for i, o in
                   enumerate(outcomes)]  # fmt: skip
        assert {r.status_code for r in retried} == {201}
        assert assert_books_balance(app, offer_id) == len(users)
    finally:
        locker.close()
        server.stop()


def test_postgres_stopped_mid_storm(app_settings, tmp_path):
    if not app_settings["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL variant (the SQLite suite runs the write-lock variant)")
    if pg_bin_dir() is None:
        pytest.skip("PostgreSQL binaries not installed")
    # Not under tmp_path: pytest's base directory is closed to the `postgres` user.
    pg_dir = Path(tempfile.mkdtemp(prefix="tph-pg-fault-"))
    pg = PostgresServer(pg_dir).init().start()
    redis_process = start_redis_server(tmp_path / "redis" / "redis.sock")
    server = None
    try:
        settings = {
            **app_settings,
            "SQLALCHEMY_DATABASE_URI": pg.createdb("faults"),
            "REDIS_URL": f"unix://{tmp_path / 'redis' / 'redis.sock'}",
        }
        server = start_gunicorn(settings, tmp_path / "gunicorn")
        flask_cli(server.env, "db", "upgrade", "heads")
        own_app = make_app(settings)
        own_client = own_app.test_client()
        shop = open_shop(own_app, own_client)
        offer_id = live_offer(own_client, shop, stock=60, points_price=10)
        users = new_users(own_app, 90, points=10)

        outcomes = storm(server.url, offer_id, users, break_after=20,
                         breaker=lambda: pg.stop("immediate"))  # fmt: skip
        answers = Counter((o.status, o.reason) for o in outcomes)
        assert set(answers) <= {(201, None), (409, "out_of_stock"),
                                (503, "database_unavailable")}, answers  # fmt: skip
        assert answers[(503, "database_unavailable")] > 0

        pg.start()
        tokens = dict(users)
        for o in outcomes:
            if o.status == 503:
                again = redeem(server.url, offer_id, tokens[o.user_id], o.key)
                assert again.status_code in (201, 409), again.text
        coupons = assert_books_balance(own_app, offer_id)
        assert coupons == 60
        print(f"\nanswers while PostgreSQL went down: {dict(answers)}")
    finally:
        if server is not None:
            server.stop()
        pg.stop("immediate")
        shutil.rmtree(pg_dir, ignore_errors=True)
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=10)


def test_sqlite_writer_queue_is_released_after_a_failed_begin(app_settings, tmp_path):
    """A write that times out on SQLite's lock must not leave the writer queue held (the
    next write in that worker would otherwise wait for the whole busy timeout); a request
    that only reads (a refused login) is not held up by the lock at all."""
    if not app_settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    from app import sqlite_queue
    from app.extensions import db
    from app.users.service import create_console_user

    db_path = tmp_path / "queue.sqlite3"
    application = make_app(app_settings, SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}",
                           SQLITE_BUSY_TIMEOUT_MS=200)  # fmt: skip
    with application.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
        create_console_user("desk", "desk-password-1", role="operator")
        db.session.commit()
    client = application.test_client()
    good = {"username": "desk", "password": "desk-password-1"}  # a login writes its token
    locker = sqlite3.connect(db_path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        for _ in range(2):
            response = client.post("/api/v1/auth/operator-login", json=good)
            assert (response.status_code, response.get_json()["reason"]) == (
                503, "database_unavailable",
            )  # fmt: skip
            assert getattr(sqlite_queue._held, "queue", None) is None
        refused = client.post("/api/v1/auth/operator-login",
                              json={"username": "nobody", "password": "x"})  # fmt: skip
        assert refused.status_code == 401  # read only: answered while the lock is held
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    response = client.post("/api/v1/auth/operator-login", json=good)
    assert response.status_code == 200


def test_a_sold_out_answer_does_not_wait_for_the_sqlite_write_lock(app_settings, tmp_path):
    """A redemption that turns out read-only (sold out) never queues for the write lock:
    while another process holds it past the busy timeout, buyers still hear 409
    `out_of_stock` at once, and a buyer with stock left gets the 503 (issue 13, step 1)."""
    if not app_settings["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite only")
    db_path = tmp_path / "soldout.sqlite3"
    application = make_app(app_settings, SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}",
                           SQLITE_BUSY_TIMEOUT_MS=300)  # fmt: skip
    with application.app_context():
        from flask_migrate import upgrade

        upgrade(revision="heads")
    client = application.test_client()
    shop = open_shop(application, client)
    sold_out = live_offer(client, shop, stock=1, points_price=10)
    in_stock = live_offer(client, shop, stock=5, points_price=10)
    (_, first), (_, second) = new_users(application, 2, points=100)
    assert redeem_in_process(client, sold_out, first).status_code == 201
    locker = sqlite3.connect(db_path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        refused = redeem_in_process(client, sold_out, second)
        assert (refused.status_code, refused.get_json()["reason"]) == (409, "out_of_stock")
        waiting = redeem_in_process(client, in_stock, second)
        assert (waiting.status_code, waiting.get_json()["reason"]) == (503, "database_unavailable")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert redeem_in_process(client, in_stock, second).status_code == 201
