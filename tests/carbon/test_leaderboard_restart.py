"""An increment is applied only when the outermost transaction commits, never when a
savepoint inside it is released."""

from __future__ import annotations

import time
from datetime import timedelta

import redis

from app.db import utcnow
from app.extensions import db
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
