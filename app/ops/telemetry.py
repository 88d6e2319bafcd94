"""Per request: the request id, one access log line, the latency metrics; per job: the
request id of the request that queued it, a log line and the job metrics.

The request id is the client's (or nginx's) `X-Request-ID` when it is a sane token (at
most 128 of `A-Z a-z 0-9 . _ : -`, so nobody writes into our logs through it), else a new
one (32 hex digits, the shape nginx's `$request_id` has). It is returned as
`X-Request-ID`, is in every log line written during the request, and goes into the meta
of every job the request queues (app/jobs.py, app/notices.py).

The hooks are installed before any other (app/__init__.py): the id exists for the other
before-request hooks' errors too, and the access line is written after the commit, with
the final status.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, g, request
from rq import get_current_job

from app.ops import metrics
from app.ops.logs import request_id_context, reset_request_id, set_request_id

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Probes and scrapes come every few seconds: their lines would drown the rest at INFO.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

access_log = logging.getLogger("app.access")
jobs_log = logging.getLogger("app.jobs")


def request_id_from(header: str | None) -> str:
    """The id to use for a request that sent `header` (None: none sent)."""
    if header and _SANE.fullmatch(header):
        return header
    return secrets.token_hex(16)  # a uuid4's hex without the UUID object: 3x cheaper


def install_telemetry(app: Flask) -> None:
    """Give each request its request id, one access log line and its latency metrics."""
    # Every request counts and times itself: the metrics' children for each (method, route,
    # status) are looked up once, not on every request (the same children either way).
    counted: dict[tuple[str, str, int], tuple] = {}

    @app.before_request
    def _start() -> None:
        # `g` and `request` bound once: each use of Flask's proxies costs a context lookup.
        ctx = g._get_current_object()
        ctx.request_started = time.perf_counter()
        ctx.request_id = request_id_from(request.headers.get(HEADER))
        ctx.request_id_token = set_request_id(ctx.request_id)

    @app.after_request
    def _finish(response: Response) -> Response:
        ctx = g._get_current_object()
        started = ctx.get("request_started")
        if started is None:  # a request that never reached before_request
            return response
        seconds = time.perf_counter() - started
        response.headers[HEADER] = ctx.request_id
        req = request._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy
        method, path, status = req.method, req.path, response.status_code
        rule = req.url_rule.rule if req.url_rule is not None else "unmatched"
        children = counted.get((method, rule, status))
        if children is None:
            children = counted[(method, rule, status)] = (
                metrics.HTTP_REQUESTS.labels(method, rule, str(status)),
                metrics.HTTP_LATENCY.labels(method, rule),
            )
        children[0].inc()
        children[1].observe(seconds)
        principal = ctx.get("principal")
        level = logging.DEBUG if path in QUIET_PATHS else logging.INFO
        access_log.log(
            level,
            "%s %s %s %.1fms",
            method,
            path,
            status,
            seconds * 1000,
            extra={
                "method": method,
                "path": path,
                "route": rule,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "user_id": principal.user_id if principal is not None else None,
            },
        )
        return response

    @app.teardown_request
    def _forget(_exc) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            reset_request_id(token)


@contextmanager
def track_job(kind: str) -> Iterator[None]:
    """Around a job in the worker: log with the id of the request that queued it (the job's
    own id when none did), one line when it ends, and count it."""
    job = get_current_job()
    request_id = None
    if job is not None:
        request_id = job.meta.get("request_id") or f"job-{job.id}"
    started = time.perf_counter()
    with request_id_context(request_id):
        try:
            yield
        except Exception:
            seconds = time.perf_counter() - started
            metrics.JOBS.labels(kind, "failed").inc()
            metrics.JOB_DURATION.labels(kind).observe(seconds)
            jobs_log.warning("job %s failed after %.2fs", kind, seconds,
                             extra={"job_kind": kind, "outcome": "failed"})  # fmt: skip
            raise
        seconds = time.perf_counter() - started
        metrics.JOBS.labels(kind, "finished").inc()
        metrics.JOB_DURATION.labels(kind).observe(seconds)
        jobs_log.info("job %s finished in %.2fs", kind, seconds,
                      extra={"job_kind": kind, "outcome": "finished"})  # fmt: skip
