"""The leaderboards come back by themselves when Redis restarts empty: the scheduler sees
that no rebuild is in Redis (`carbon:lb-meta:built` is gone) and queues one, a worker
runs it, and the boards equal the approved records again, including the increments that
arrived in between. And an increment is applied only when the outermost transaction
commits, never when a savepoint inside it is released, and never at all when the
savepoint it was made in rolls back."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta

import redis

from app.carbon import leaderboard
from app.db import utcnow
from app.embedded import start_redis_server
from app.extensions import db
from tests.conftest import make_app
from tests.helpers import ROOT, process_env
from tests.mall.factories import new_users


def _approve(app, user_id: int, quantity_milli: int, days_ago: int = 0) -> int:
    from app.carbon import service as carbon

    with app.app_context():
        record = carbon.create_record(
            user_id, carbon.get_scenario("bus_ride"), quantity_milli, evidence_type="qr",
            evidence_ref="site:0", occurred_at=utcnow() - timedelta(days=days_ago),
        )  # fmt: skip
        carbon.approve_record(record.id)
        db.session.commit()
        carbon_mg = record.carbon_mg
        db.session.remove()
    return carbon_mg


def _all_board(conn: redis.Redis) -> dict[str, int]:
    return {m: int(s) for m, s in conn.zrange("carbon:lb:all", 0, -1, withscores=True)}


def _wait_for(what, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := what()) is not None:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def _seed_scenarios(app) -> None:
    from app.carbon.seed import seed_scenarios

    with app.app_context():
        seed_scenarios()
        db.session.commit()
        db.session.remove()


def test_an_increment_waits_for_the_outer_commit(app):
    _seed_scenarios(app)
    (user_id, _), = new_users(app, 1)  # fmt: skip
    from app.carbon import service as carbon

    conn = redis.Redis.from_url(app.config["REDIS_URL"], decode_responses=True)
    with app.app_context():
        record = carbon.create_record(user_id, carbon.get_scenario("bus_ride"), 1000,
                                      evidence_type="qr", evidence_ref="site:0")  # fmt: skip
        carbon.approve_record(record.id)
        with db.session.begin_nested():  # e.g. a later posting in the same request
            pass
        assert _all_board(conn) == {}  # not before the commit
        db.session.rollback()  # ... which never comes
        db.session.remove()
    assert _all_board(conn) == {}


def test_an_increment_from_a_rolled_back_savepoint_never_shows(app):
    _seed_scenarios(app)
    (kept, _), (refused, _) = new_users(app, 2)
    from app.carbon import service as carbon

    conn = redis.Redis.from_url(app.config["REDIS_URL"], decode_responses=True)
    with app.app_context():
        scenario = carbon.get_scenario("bus_ride")
        record = carbon.create_record(kept, scenario, 1000, evidence_type="qr",
                                      evidence_ref="site:0")  # fmt: skip
        carbon.approve_record(record.id)
        try:
            with db.session.begin_nested():  # one approval of a batch fails afterwards
                other = carbon.create_record(refused, scenario, 1000, evidence_type="qr",
                                             evidence_ref="site:1")  # fmt: skip
                carbon.approve_record(other.id)
                raise LookupError("refused later in the same step")
        except LookupError:
            pass
        db.session.commit()
        carbon_mg = record.carbon_mg
        db.session.remove()
    assert _all_board(conn) == {str(kept): carbon_mg}


def test_the_boards_are_rebuilt_after_redis_restarts_empty(app, app_settings, tmp_path):
    socket_path = tmp_path / "redis" / "redis.sock"
    redis_process = start_redis_server(socket_path)
    settings = {**app_settings, "REDIS_URL": f"unix://{socket_path}"}
    own = make_app(settings)
    _seed_scenarios(own)
    users = [uid for uid, _ in new_users(own, 4)]
    expected: dict[str, int] = {}
    for n, user_id in enumerate(users):
        for days_ago in range(n + 1):
            expected[str(user_id)] = expected.get(str(user_id), 0) + _approve(
                own, user_id, 1000 * (n + 1), days_ago * 3
            )
    env = process_env(settings, tmp_path)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    children = [
        subprocess.Popen([*flask, "scheduler", "run", "--tick-seconds", "0.5"], cwd=ROOT, env=env),
        subprocess.Popen([*flask, "ops", "worker"], cwd=ROOT, env=env),
    ]
    conn = redis.Redis(unix_socket_path=str(socket_path), decode_responses=True)
    try:
        # Start-up: the boards have the increments but no rebuild was ever made; one is.
        _wait_for(lambda: conn.get(leaderboard.BUILT_KEY))
        assert _all_board(conn) == expected

        redis_process.kill()
        redis_process.wait(timeout=10)
        redis_process = start_redis_server(socket_path)  # back, empty
        assert _all_board(conn) == {}
        newcomer = users[0]
        expected[str(newcomer)] += _approve(own, newcomer, 5000)
        # Only what came since is there, until the rebuild the scheduler queues by itself.
        _wait_for(lambda: conn.get(leaderboard.BUILT_KEY))
        assert _all_board(conn) == expected
        assert [child.poll() for child in children] == [None, None]  # both rode it out
    finally:
        for child in children:
            child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        redis_process.terminate()
        redis_process.wait(timeout=10)
    assert [child.returncode for child in children] == [0, 0]
