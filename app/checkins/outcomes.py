"""Counting check-ins by scenario, evidence and outcome for the metrics (app/ops/metrics.py).

A check-in that is kept is counted once its transaction commits, with the record's status
(`approved`, `pending` for review); one that is refused is counted when it is refused,
with its reason (`daily_cap_reached`, `rate_limited`...). A scenario code nobody has is
counted as `unknown`, so that what a client sends cannot make new series.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from app.carbon.models import RECORD_PENDING
from app.errors import AppError
from app.ops.metrics import CHECKINS, count_after_commit


@contextmanager
def counted(scenario: str, evidence: str) -> Iterator[Callable[[str], None]]:
    """Around one check-in: the block calls the yielded function with the outcome."""

    def kept(outcome: str) -> None:
        count_after_commit(CHECKINS, scenario=scenario, evidence=evidence, outcome=outcome)

    try:
        yield kept
    except AppError as exc:
        known = scenario if exc.reason != "scenario_not_found" else "unknown"
        CHECKINS.labels(known, evidence, exc.reason).inc()
        raise


def werun_outcome(days: list[dict]) -> str:
    """One WeRun sync's outcome: `pending` when a day waits for review, `approved` when one
    was paid, else `unchanged` (nothing new to credit)."""
    if any(day["status"] == RECORD_PENDING for day in days):
        return RECORD_PENDING
    return "approved" if any(day["points_added"] for day in days) else "unchanged"
