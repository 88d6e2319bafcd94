"""Background jobs on RQ: the queue, progress, the worker's app, and the registry of job
kinds (the console's bulk review, CSV exports and expiry run register theirs in
app/console/job_kinds.py; app/notices.py queues WeChat notices here too). Infrastructure
below the domains: it imports none of them.

The web process only enqueues; an `rq worker` process (started by the launcher; several in
production) runs `run_job`, which commits after every item and writes its progress
(`done` of `total`) into the job's meta for the page to poll. Job arguments and results
are JSON (RQ's JSON serializer: a job is data, never a pickled object). Redis keeps a job
for an hour; everything a job changes is in the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from rq import Queue, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from app.errors import NotFound, ServiceUnavailable
from app.ops.logs import current_request_id
from app.ops.telemetry import track_job

QUEUE_NAME = "tanpuhui"
KEEP_SECONDS = 3600
JOB_TIMEOUT_SECONDS = 1800
PROGRESS_EVERY_SECONDS = 0.25


class JobNotFound(NotFound):
    reason, message = "job_not_found", "任务不存在或已过期"


class JobQueueUnavailable(ServiceUnavailable):
    reason, message = "job_queue_unavailable", "后台任务队列暂时不可用，请稍后再试"


def rq_connection() -> redis.Redis:
    """A Redis connection for RQ (bytes, not decoded strings), one per app."""
    conn = current_app.extensions.get("rq_redis")
    if conn is None:
        conn = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2)
        current_app.extensions["rq_redis"] = conn
    return conn


def job_queue() -> Queue:
    """The RQ queue of the console's background jobs (JSON serializer)."""
    return Queue(QUEUE_NAME, connection=rq_connection(), serializer=JSONSerializer)


class Progress:
    """Writes `done`/`total` into the running job's meta (throttled) for the page to poll."""

    def __init__(self, total: int) -> None:
        self.job = get_current_job()
        self.total = total
        self.done = 0
        self._last = 0.0
        self._save(force=True)

    def step(self, n: int = 1) -> None:
        self.done += n
        self._save()

    def set_total(self, total: int) -> None:
        self.total = total
        self._save(force=True)

    def _save(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.job is None or (not force and now - self._last < PROGRESS_EVERY_SECONDS):
            return
        self._last = now
        self.job.meta.update(done=self.done, total=self.total)
        self.job.save_meta()

    def finish(self) -> None:
        self._save(force=True)


@dataclass(frozen=True)
class JobKind:
    """A kind of job: what it is called on the page and the function that runs it."""

    label: str
    run: Callable[[dict, int, Progress], dict]


_KINDS: dict[str, JobKind] = {}


def register_job(name: str, label: str) -> Callable:
    """Decorator: register `func(params, user_id, progress) -> result` as job kind `name`,
    shown as `label`."""

    def decorator(func: Callable[[dict, int, Progress], dict]) -> Callable:
        _KINDS[name] = JobKind(label, func)
        return func

    return decorator


def enqueue_job(kind: str, params: dict, owner_id: int, total: int | None = None) -> Job:
    """Queue a job for the worker. Raises JobQueueUnavailable (503) when Redis is down.
    Kinds are registered at import by the modules that define them (create_app imports
    them all, in the web process and in the worker alike)."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    meta = {"kind": kind, "label": _KINDS[kind].label, "owner": owner_id,
            "done": 0, "total": total,
            # The id of the request that queues the job: the worker logs the job's lines
            # with it (app/ops/telemetry.py track_job), so one id follows the whole story.
            "request_id": current_request_id()}  # fmt: skip
    try:
        return job_queue().enqueue(
            "app.jobs.run_job",
            kind,
            params,
            owner_id,
            job_timeout=JOB_TIMEOUT_SECONDS,
            result_ttl=KEEP_SECONDS,
            failure_ttl=KEEP_SECONDS,
            ttl=KEEP_SECONDS,
            meta=meta,
        )
    except redis.RedisError:
        raise JobQueueUnavailable() from None


def get_job(job_id: str, owner_id: int) -> Job:
    """A job started by this operator. Raises JobNotFound (also someone else's job),
    JobQueueUnavailable."""
    try:
        job = Job.fetch(job_id, connection=rq_connection(), serializer=JSONSerializer)
    except (NoSuchJobError, ValueError):  # rq refuses ids outside [A-Za-z0-9_-]
        raise JobNotFound() from None
    except redis.RedisError:
        raise JobQueueUnavailable() from None
    if job.meta.get("owner") != owner_id:
        raise JobNotFound()
    return job


def job_view(job: Job) -> dict[str, Any]:
    """What the page shows: status, progress, the result or the error."""
    state = job.get_status(refresh=False)
    status = state.value if state is not None else "expired"
    meta = job.meta
    view = {
        "id": job.id,
        "kind": meta.get("kind"),
        "label": meta.get("label"),
        "status": status,
        "done": meta.get("done", 0),
        "total": meta.get("total"),
        "enqueued_at": job.enqueued_at,
        "ended_at": job.ended_at,
        "result": None,
        "error": None,
    }
    if status == "finished":
        view["result"] = job.return_value()
    elif status == "failed":
        view["error"] = meta.get("error") or "任务失败，请查看服务器日志"
    return view


_worker_app: Flask | None = None


def app_context():
    """The worker's own app (made once per worker process); in-process callers (tests,
    the CLI) already have one."""
    global _worker_app
    if has_app_context():
        return nullcontext()
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app.app_context()


def run_job(kind: str, params: dict, owner_id: int) -> dict:
    """Entry point the RQ worker calls. A job kind's function commits its own batches."""
    from app.extensions import db

    # track_job: the queuing request's id on the job's log lines, the job metrics.
    with app_context(), track_job(kind):
        try:
            return _KINDS[kind].run(params, owner_id, Progress(0))
        except Exception as exc:
            db.session.rollback()
            job = get_current_job()
            if job is not None:
                job.meta["error"] = getattr(exc, "message", None) or type(exc).__name__
                job.save_meta()
            raise
        finally:
            db.session.remove()
