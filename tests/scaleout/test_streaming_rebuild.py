"""The leaderboard rebuild streams in batches (bounded memory at a million residents):
with a tiny batch size it must give exactly the boards a one-shot computation gives,
leave out deleted residents, drop boards nobody is on any more, and leave no staging
keys behind. (Peak memory at scale is measured by `make bench-scale`.)"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import redis

from app.carbon import leaderboard
from app.carbon.models import RECORD_APPROVED, RECORD_PENDING, CarbonRecord
from app.carbon.rules import shanghai_day
from app.db import utcnow
from app.extensions import db
from tests.checkins.support import seed
from tests.mall.factories import new_users


def _records(app, user_ids: list[int]) -> dict[str, dict[str, int]]:
    """Approved records over a few days for each resident; returns the expected boards."""
    from app.carbon.models import MethodologyVersion, Scenario

    expected: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with app.app_context():
        scenario_id, version_id = db.session.execute(
            db.select(Scenario.id, MethodologyVersion.id)
            .join(MethodologyVersion, MethodologyVersion.scenario_id == Scenario.id)
            .where(Scenario.code == "bus_ride")
        ).first()
        now = utcnow()
        for n, user_id in enumerate(user_ids):
            for k in range(n % 4 + 1):
                moment = now - timedelta(days=9 * k)
                status = RECORD_PENDING if k == 3 else RECORD_APPROVED
                carbon = 1000 * (n + 1) + k
                db.session.add(CarbonRecord(
                    user_id=user_id, scenario_id=scenario_id, methodology_version_id=version_id,
                    quantity_milli=1000, carbon_mg=carbon, points=1, status=status,
                    evidence_type="qr", evidence_ref="site:0", day=shanghai_day(moment),
                    occurred_at=moment, created_at=moment,
                ))  # fmt: skip
                if status == RECORD_APPROVED:
                    for key in leaderboard.board_keys(shanghai_day(moment)).values():
                        expected[key][str(user_id)] += carbon
        db.session.commit()
        db.session.remove()
    return expected


def test_rebuild_in_small_batches_matches_the_records(app, app_settings, monkeypatch):
    seed(app)
    users = [uid for uid, _ in new_users(app, 13)]
    expected = _records(app, users)
    gone = users[5]
    with app.app_context():
        from app.users.service import anonymise_user

        anonymise_user(gone)
        db.session.commit()
        db.session.remove()
    for scores in expected.values():
        scores.pop(str(gone), None)
    conn = redis.Redis.from_url(app_settings["REDIS_URL"], decode_responses=True)
    conn.zadd("carbon:lb:week:1999-W01", {"42": 1})  # a stale board nobody is on any more
    monkeypatch.setattr(leaderboard, "_REBUILD_BATCH", 3)

    with app.app_context():
        written = leaderboard.rebuild_leaderboards()
        db.session.remove()

    boards = {key: dict(conn.zrange(key, 0, -1, withscores=True))
              for key in conn.scan_iter(match=leaderboard.PREFIX + "*")}  # fmt: skip
    assert written == len(expected) == len(boards)
    assert boards == {k: {m: float(v) for m, v in s.items()} for k, s in expected.items()}
    assert not list(conn.scan_iter(match=leaderboard.STAGING_PREFIX + "*"))
    assert conn.ttl(f"{leaderboard.PREFIX}all") == -1
    week_key = leaderboard.board_keys(shanghai_day(utcnow()))["week"]
    assert 0 < conn.ttl(week_key) <= leaderboard.TTL_SECONDS["week"]
