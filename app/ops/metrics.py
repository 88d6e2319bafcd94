"""Prometheus metrics: request latency per route, business counters, the job queue.

Counters move only for what happened: a check-in, redemption or ledger posting is counted
once its transaction commits (`count_after_commit`), a refusal when it is answered. They
are a view for dashboards and alerts, never the books (`flask ledger verify` is).

Several processes per node (gunicorn workers, RQ workers) each count in their own memory
unless PROMETHEUS_MULTIPROC_DIR is set (prometheus_client's multiprocess mode: each
process writes its values to files there). deploy/gunicorn.conf.py gives the web
workers `<TPH_METRICS_DIR>/web` and the worker units `<TPH_METRICS_DIR>/worker-N`; a
scrape of any worker adds up every directory beside its own, so one answer covers the
whole node (each service clears only its own directory when it starts).

This module only defines the metrics (and imports nothing of the app, so that any module
can count); app/ops/scrape.py answers `GET /metrics`.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "tanpuhui_http_requests_total", "Answers by route and status", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "tanpuhui_http_request_duration_seconds",
    "Time to answer, commit included, by route",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
ERROR_ANSWERS = Counter(
    "tanpuhui_error_responses_total",
    "Error answers by status and reason (409: business refusals)",
    ["status", "reason"],
)
CHECKINS = Counter(
    "tanpuhui_checkins_total",
    "Check-ins by scenario, evidence and outcome (approved, pending, or the refusal reason)",
    ["scenario", "evidence", "outcome"],
)
REDEMPTIONS = Counter(
    "tanpuhui_redemptions_total", "Redemptions: redeemed, or the refusal reason", ["outcome"]
)
GATE_ANSWERS = Counter(
    "tanpuhui_flash_sale_gate_answers_total", "What the flash-sale gate answered", ["answer"]
)
LEDGER_POSTINGS = Counter(
    "tanpuhui_ledger_postings_total", "Committed ledger transactions by code", ["code"]
)
JOBS = Counter("tanpuhui_jobs_total", "Background jobs run, by outcome", ["kind", "outcome"])
JOB_DURATION = Histogram(
    "tanpuhui_job_duration_seconds",
    "Background job run time",
    ["kind"],
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0),
)


def count_after_commit(counter: Counter, **labels: str) -> None:
    """Count once the current transaction commits (nothing on a rollback)."""
    from app.after_commit import after_transaction

    after_transaction(on_commit=lambda: counter.labels(**labels).inc())
