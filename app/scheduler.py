"""The scheduler of periodic jobs: one cron-like loop that only queues; RQ workers run them.

Infrastructure below the domains (it imports none of them): a periodic job is registered
with `register_periodic` (app/periodic.py holds the schedule) with a cron expression read
in Asia/Shanghai, the day the product counts in. `flask scheduler run` ticks every
`TICK_SECONDS`; on each tick, for each job, the latest slot of its schedule that has come
is queued unless it was queued before, so a slot missed while no scheduler ran (a deploy,
a crash) is run once when one runs again, never once per missed slot.

Exactly once per slot, with any number of scheduler processes (a restart that overlaps,
a second machine by mistake): the slot is claimed in Redis by one atomic
compare-and-set of the job's last queued slot (`scheduler:last:<job>`), so of several
schedulers that see it, one queues it. A worker running a periodic job holds the job's
run lock (`scheduler:running:<job>`) for the run, so two runs of one job never overlap
(a slow run and the next slot); the second one is skipped. Every job is idempotent: a
slot queued again (after Redis lost `scheduler:last:*`) does no harm.

A job may also say it is `needed` now, whatever its schedule (the leaderboards are gone
from Redis after a restart): the scheduler queues it once, and not again for the job's
timeout while the flag `scheduler:needed:<job>` stands.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import redis
from croniter import croniter
from rq import Retry

from app.db import utcnow
from app.jobs import app_context, job_queue, rq_connection
from app.ops.telemetry import track_job

log = logging.getLogger(__name__)

SCHEDULE_TZ = ZoneInfo("Asia/Shanghai")
TICK_SECONDS = 15.0
KEY = "scheduler:"
KEEP_RESULT_SECONDS = 8 * 86400

# Set `last` to the slot if it is later than the one stored: 1 if this caller claimed it.
_CLAIM = """
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > last then
  redis.call('SET', KEYS[1], ARGV[1])
  return 1
end
return 0
"""
# Delete the lock only if it is still ours (it may have expired and been taken since).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


@dataclass(frozen=True)
class PeriodicJob:
    """A job that runs by itself: its schedule (cron, Asia/Shanghai), what it does (commits
    its own batches, returns a JSON summary), and optionally when it is needed at once."""

    name: str
    cron: str
    label: str
    run: Callable[[], dict]
    needed: Callable[[], bool] | None = None
    timeout_seconds: int = 1800


_JOBS: dict[str, PeriodicJob] = {}


def register_periodic(
    name: str, cron: str, label: str, *, needed: Callable[[], bool] | None = None,
    timeout_seconds: int = 1800,
) -> Callable:  # fmt: skip
    """Register the decorated function as periodic job `name`. Raises ValueError for a
    cron expression croniter does not read."""
    if not croniter.is_valid(cron):
        raise ValueError(f"{name}: invalid cron expression {cron!r}")

    def decorator(func: Callable[[], dict]) -> Callable[[], dict]:
        _JOBS[name] = PeriodicJob(name, cron, label, func, needed, timeout_seconds)
        return func

    return decorator


def periodic_jobs() -> list[PeriodicJob]:
    """Every registered periodic job, in registration order."""
    return list(_JOBS.values())


def latest_slot(cron: str, now: datetime) -> datetime:
    """The latest instant at or before `now` that `cron` (read in Asia/Shanghai) names."""
    # croniter's get_prev from an instant that matches returns the match before it, so
    # start one second after `now` (truncated): a slot at exactly `now` is its own.
    start = now.astimezone(SCHEDULE_TZ).replace(microsecond=0) + timedelta(seconds=1)
    return croniter(cron, start).get_prev(datetime).astimezone(UTC)


def next_slot(cron: str, now: datetime) -> datetime:
    """The first instant after `now` that `cron` (read in Asia/Shanghai) names."""
    return croniter(cron, now.astimezone(SCHEDULE_TZ)).get_next(datetime).astimezone(UTC)


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def claim_slot(conn: redis.Redis, name: str, slot: datetime) -> bool:
    """True for exactly one caller per (job, slot) and only for slots later than the last
    one claimed; atomic in Redis, whatever the number of schedulers."""
    return bool(conn.eval(_CLAIM, 1, f"{KEY}last:{name}", _stamp(slot)))


def _enqueue(job: PeriodicJob, slot: datetime, why: str) -> str:
    job_id = f"periodic-{job.name}-{_stamp(slot)}" + ("-needed" if why == "needed" else "")
    job_queue().enqueue(
        "app.scheduler.run_periodic", job.name, slot.isoformat(), why,
        job_id=job_id, job_timeout=job.timeout_seconds, result_ttl=KEEP_RESULT_SECONDS,
        # Waits up to a day for a worker (one per slot: at most a day of slots piles up).
        failure_ttl=KEEP_RESULT_SECONDS, ttl=86400,
        meta={"kind": job.name, "label": job.label, "request_id": job_id},
        # A run that fails (database briefly away) is tried again; the next slot would
        # anyway, but a daily job should not wait a day.
        retry=Retry(max=2, interval=[60, 300]),
    )  # fmt: skip
    log.info("queued %s (%s, slot %s)", job.name, why, slot.astimezone(SCHEDULE_TZ).isoformat(),
             extra={"job_kind": job.name})  # fmt: skip
    return job_id


def _is_needed(job: PeriodicJob) -> bool:
    if job.needed is None:
        return False
    try:
        return job.needed()
    except Exception:  # a failing check must not stop the schedule of the others
        log.exception("could not tell whether %s is needed", job.name)
        return False


def tick(now: datetime | None = None, jobs: list[PeriodicJob] | None = None) -> list[str]:
    """One pass of the scheduler: queue each job whose latest slot has not been queued yet,
    and each job that says it is needed now. Returns the ids of the RQ jobs queued.
    Raises redis.RedisError when Redis is down (the loop logs it and tries again)."""
    now = now or utcnow()
    conn = rq_connection()
    queued = []
    for job in jobs if jobs is not None else periodic_jobs():
        slot = latest_slot(job.cron, now)
        if claim_slot(conn, job.name, slot):
            why = "schedule"
        elif _is_needed(job):
            why, slot = "needed", now
        else:
            continue
        # A job that can be needed has one queued run at a time: the flag stands from the
        # queueing until the run is done (the run clears it). Its scheduled slot, when a
        # run is already queued (another scheduler found it needed a moment ago) or going,
        # is that run; queueing a second would only repeat it.
        if job.needed is not None and not conn.set(
            f"{KEY}needed:{job.name}", _stamp(now), nx=True, ex=job.timeout_seconds
        ):
            continue
        queued.append(_enqueue(job, slot, why))
    return queued


def run_scheduler(stop: threading.Event, tick_seconds: float = TICK_SECONDS) -> None:
    """Tick until `stop` is set; Redis being away is logged and waited out."""
    from app.extensions import db

    for job in periodic_jobs():
        log.info("schedule: %s %r (Asia/Shanghai), next %s", job.name, job.cron,
                 next_slot(job.cron, utcnow()).astimezone(SCHEDULE_TZ).isoformat())  # fmt: skip
    while not stop.is_set():
        try:
            tick()
        except redis.RedisError as exc:
            log.warning("scheduler tick failed, Redis unavailable: %s", exc)
        finally:
            db.session.remove()  # a `needed` check may have read the database
        stop.wait(tick_seconds)


def _lock_key(name: str) -> str:
    return f"{KEY}running:{name}"


def run_periodic(name: str, slot: str, why: str = "schedule") -> dict:
    """Entry point the RQ worker calls: run periodic job `name` under its run lock (a run
    of the same job already going: skipped). Raises whatever the job raises (after a
    rollback), so RQ records the failure and retries."""
    from app.extensions import db

    with app_context(), track_job(name):
        job = _JOBS[name]
        conn = rq_connection()
        token = secrets.token_hex(8)
        if not conn.set(_lock_key(name), token, nx=True, ex=job.timeout_seconds):
            log.info("%s skipped: a run of it is still going", name)
            return {"job": name, "slot": slot, "skipped": "already running"}
        started = utcnow()
        try:
            result = job.run()
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
            conn.eval(_RELEASE, 1, _lock_key(name), token)
        # Done: if it is needed again (Redis lost once more), the next tick may queue it.
        # A failed run keeps the flag until it expires, so a failing job is not re-queued
        # every tick (RQ's retries and the next slot try it again).
        conn.delete(f"{KEY}needed:{name}")
        summary = {"job": name, "slot": slot, "why": why, "started": started.isoformat(),
                   "finished": utcnow().isoformat(), "result": result}  # fmt: skip
        conn.set(f"{KEY}result:{name}", json.dumps(summary), ex=KEEP_RESULT_SECONDS)
        return summary


def job_status(name: str) -> tuple[datetime | None, dict | None]:
    """(the last slot queued, the last finished run's summary) of a job, from Redis."""
    conn = rq_connection()
    last, result = conn.mget(f"{KEY}last:{name}", f"{KEY}result:{name}")
    slot = datetime.fromtimestamp(int(last), UTC) if last is not None else None
    return slot, json.loads(result) if result is not None else None
