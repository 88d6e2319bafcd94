"""The scheduler of periodic jobs (app/scheduler.py, app/periodic.py): the schedule is read
in Asia/Shanghai, each slot is queued once however many schedulers run, a missed slot is
caught up once, two runs of one job never overlap, and the queued jobs do the work of
their commands when a worker runs them."""

from __future__ import annotations

import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import update

from app import scheduler
from app.extensions import db
from tests.helpers import ROOT, process_env
from tests.mall.factories import balance_of, live_offer, new_user, open_shop, redeem

SCHEDULE = {
    "points_expiry": "10 0 * * *",
    "coupon_expiry": "*/10 * * * *",
    "identity_purge": "40 3 * * *",
    "leaderboard_rebuild": "30 4 * * *",
}
# 2026-12-31 23:51 UTC is 2027-01-01 07:51 in Shanghai (no 10-minute slot for 9 minutes).
NOW = datetime(2026, 12, 31, 23, 51, tzinfo=UTC)


def _queued(app) -> list[str]:
    from app.jobs import job_queue

    with app.app_context():
        return sorted(job_queue().job_ids)


def test_the_schedule(app):
    with app.app_context():
        assert {job.name: job.cron for job in scheduler.periodic_jobs()} == SCHEDULE
        needed = {job.name for job in scheduler.periodic_jobs() if job.needed is not None}
    assert needed == {"leaderboard_rebuild"}


def test_slots_are_read_in_shanghai_time():
    # 00:10 in Shanghai is 16:10 UTC the day before.
    assert scheduler.latest_slot("10 0 * * *", NOW) == datetime(2026, 12, 31, 16, 10, tzinfo=UTC)
    assert scheduler.next_slot("10 0 * * *", NOW) == datetime(2027, 1, 1, 16, 10, tzinfo=UTC)
    # A slot at exactly now is now's own; one second before, it is the previous one.
    at = datetime(2026, 12, 31, 16, 10, tzinfo=UTC)
    assert scheduler.latest_slot("10 0 * * *", at) == at
    before = at - timedelta(seconds=1)
    assert scheduler.latest_slot("10 0 * * *", before) == at - timedelta(days=1)
    assert scheduler.latest_slot("*/10 * * * *", NOW) == datetime(2026, 12, 31, 23, 50, tzinfo=UTC)


def test_each_slot_is_claimed_once(app):
    with app.app_context():
        conn = scheduler.rq_connection()
        slot = datetime(2026, 12, 31, 16, 10, tzinfo=UTC)
        assert scheduler.claim_slot(conn, "x", slot)
        assert not scheduler.claim_slot(conn, "x", slot)
        assert not scheduler.claim_slot(conn, "x", slot - timedelta(days=1))  # older: never
        assert scheduler.claim_slot(conn, "x", slot + timedelta(days=1))


def test_a_tick_queues_due_slots_once_and_catches_up_once(app):
    with app.app_context():
        first = scheduler.tick(NOW)
        again = scheduler.tick(NOW + timedelta(seconds=30))
        # Three days later: the missed slots of each daily job are run once, not three times.
        # (By then the first rebuild's flag has expired: a Redis TTL, counted in real time.)
        scheduler.rq_connection().delete("scheduler:needed:leaderboard_rebuild")
        later = scheduler.tick(NOW + timedelta(days=3))
    assert sorted(j.split("-")[1] for j in first) == sorted(SCHEDULE)
    assert again == []
    assert sorted(j.split("-")[1] for j in later) == sorted(SCHEDULE)
    third_slot = int(datetime(2027, 1, 3, 16, 10, tzinfo=UTC).timestamp())
    assert f"periodic-points_expiry-{third_slot}" in later
    assert len(_queued(app)) == 2 * len(SCHEDULE)


def test_several_schedulers_queue_each_slot_once(app):
    start = threading.Barrier(8)

    def one_scheduler(_n: int) -> list[str]:
        with app.app_context():
            start.wait()
            return scheduler.tick(NOW)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one_scheduler, range(8)))
    queued = [job_id for result in results for job_id in result]
    assert sorted(queued) == _queued(app)
    assert len(queued) == len(SCHEDULE)


def test_several_scheduler_processes_queue_each_slot_once(app, app_settings, tmp_path):
    env = process_env(app_settings, tmp_path)
    argv = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run", "--once",
            "--now", NOW.isoformat()]  # fmt: skip
    processes = [subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
                 for _ in range(3)]  # fmt: skip
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    # Between them they queued each job's slot once (which process queued which is chance).
    ids = [job_id for out in outputs if out.startswith("queued") for job_id in out.split()[2:]]
    assert sorted(ids) == _queued(app)
    assert len(ids) == len(SCHEDULE)


def test_a_job_that_is_needed_is_queued_once_until_it_ran(app):
    from app.carbon import leaderboard

    with app.app_context():
        scheduler.tick(NOW)  # the slots of the day are queued
        assert leaderboard.leaderboards_missing()
        # Not once more while the slot's run waits in the queue.
        assert scheduler.tick(NOW + timedelta(seconds=15)) == []
        scheduler.run_periodic("leaderboard_rebuild", NOW.isoformat())
        assert not leaderboard.leaderboards_missing()
        assert scheduler.tick(NOW + timedelta(seconds=30)) == []
        redis.Redis.from_url(app.config["REDIS_URL"]).flushdb()  # Redis lost everything
        queued = scheduler.tick(NOW + timedelta(seconds=45))
        queued += scheduler.tick(NOW + timedelta(seconds=50))
    # The flush also lost the claims: the day's slots are queued again (harmless, every job
    # is idempotent), and the rebuild once, by its schedule.
    assert sorted(j.split("-")[1] for j in queued) == sorted(SCHEDULE)


def test_a_slot_whose_job_another_scheduler_just_queued_as_needed(app):
    # Eight schedulers at once, Redis empty: one claims the rebuild's slot while another,
    # not claiming it, finds the boards missing and queues the rebuild as needed first.
    with app.app_context():
        conn = scheduler.rq_connection()
        conn.set("scheduler:needed:leaderboard_rebuild", "1", ex=60)  # that one's run
        queued = scheduler.tick(NOW)
    assert sorted(j.split("-")[1] for j in queued) == sorted(
        set(SCHEDULE) - {"leaderboard_rebuild"}
    ), "the rebuild is queued once, not twice"


def test_a_job_that_is_needed_between_slots(app):
    with app.app_context():
        scheduler.tick(NOW)
        scheduler.run_periodic("leaderboard_rebuild", NOW.isoformat())
        redis.Redis.from_url(app.config["REDIS_URL"]).delete("carbon:lb-meta:built")
        queued = scheduler.tick(NOW + timedelta(minutes=1))
        assert scheduler.tick(NOW + timedelta(minutes=2)) == []
    assert queued == [
        f"periodic-leaderboard_rebuild-{int((NOW + timedelta(minutes=1)).timestamp())}-needed"
    ]


def test_two_runs_of_one_job_never_overlap(app, monkeypatch):
    calls = []
    job = scheduler.PeriodicJob("slow", "* * * * *", "慢", lambda: calls.append(1) or {"n": 1})
    monkeypatch.setitem(scheduler._JOBS, "slow", job)
    with app.app_context():
        conn = scheduler.rq_connection()
        conn.set("scheduler:running:slow", "another-run", ex=60)
        skipped = scheduler.run_periodic("slow", NOW.isoformat())
        conn.delete("scheduler:running:slow")
        ran = scheduler.run_periodic("slow", NOW.isoformat())
        assert conn.get("scheduler:running:slow") is None  # released after the run
    assert skipped["skipped"] == "already running"
    assert ran["result"] == {"n": 1} and calls == [1]


def test_the_queued_jobs_run_in_a_worker_and_do_their_work(app, client, app_settings,
                                                            tmp_path):  # fmt: skip
    from app.carbon import leaderboard
    from app.ledger.service import earn_points
    from app.mall.models import Coupon

    past = datetime.now(UTC) - timedelta(minutes=1)
    holder, _ = new_user(app)
    with app.app_context():
        earn_points(holder, 30, code="test_grant", reference="grant:due", memo="测试",
                    expires_at=past)  # fmt: skip
        db.session.commit()
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, points_price=10, expiry_policy="refund")
    buyer, token = new_user(app, points=50)
    coupon = redeem(client, offer_id, token).get_json()["coupon"]
    with app.app_context():
        db.session.execute(update(Coupon).where(Coupon.id == coupon["id"]).values(expires_at=past))
        db.session.commit()
        db.session.remove()
        queued = scheduler.tick()
    assert len(queued) == len(SCHEDULE)

    env = process_env(app_settings, tmp_path)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "ops", "worker",
                             "--burst"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=180)  # fmt: skip

    assert result.returncode == 0, result.stderr
    with app.app_context():
        statuses = {scheduler.job_status(name)[1]["job"]: scheduler.job_status(name)[1]["result"]
                    for name in SCHEDULE}  # fmt: skip
        assert not leaderboard.leaderboards_missing()
    assert statuses["points_expiry"]["points"] == 30
    assert statuses["coupon_expiry"] == {**statuses["coupon_expiry"], "expired": 1, "refunded": 1,
                                         "points_refunded": 10}  # fmt: skip
    assert statuses["identity_purge"] == {"forgotten": 0}
    assert balance_of(app, holder) == 0 and balance_of(app, buyer) == 50
    listing = app.test_cli_runner().invoke(args=["scheduler", "list"])
    assert listing.exit_code == 0 and "last run" in listing.output


@pytest.mark.parametrize("bad", ["yesterday", "2026-12-01T00:00:00"])
def test_once_refuses_a_bad_instant(app, bad):
    result = app.test_cli_runner().invoke(args=["scheduler", "run", "--once", "--now", bad])
    assert result.exit_code == 2 and "--now" in result.output
