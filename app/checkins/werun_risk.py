"""WeRun anti-cheat: server rules on a resident's daily step series, in the risk score.

WeChat signs the step counts, but a phone on a shaker, waved by hand or carried round in
circles makes "steps" that are real to WeChat (the seeds: walking in circles or waving
arms must not count). So each day a sync would credit is scored against the resident's
own history, kept as one WerunDay row per day (a payload carries the last 30 days):

- `werun_jump`: at least `WERUN_JUMP_MIN_STEPS` and `WERUN_JUMP_FACTOR` times the median
  of the 30 days before (given `WERUN_BASELINE_MIN_DAYS` of them);
- `werun_repeated`: a total of `WERUN_PATTERN_MIN_STEPS` or more seen on
  `WERUN_REPEAT_MIN_DAYS` other days of those 30 (a typed-in figure, replayed);
- `werun_round`: such a total that is a multiple of 1,000;
- `werun_shared_series`: another account has the very same seven days before the day
  (one phone feeding several accounts); found through the indexed fingerprint;
- `werun_campaign_spike`: `WERUN_CAMPAIGN_SPIKE_FACTOR` times the median while a walking
  campaign ends within `WERUN_CAMPAIGN_END_DAYS`;
- `recent_rejections`, as for every check-in.

Weights and the threshold are app/checkins/risk.py's. Only daily totals are read or kept.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from statistics import median_low

from sqlalchemy import select

from app.campaigns import service as campaigns
from app.carbon import service as carbon
from app.checkins.models import WerunDay
from app.checkins.risk import Risk, score_of
from app.checkins.settings import setting
from app.clock import SHANGHAI
from app.db import table_of
from app.extensions import db
from app.sql import conflict_insert

SERIES_DAYS = 7  # the days a fingerprint covers (the day itself still grows: not in it)
SERIES_MIN_WALKED_DAYS = 5  # of which this many >= WALKED_DAY_STEPS: idle phones all match
WALKED_DAY_STEPS = 1000
ROUND_UNIT = 1000

_days = table_of(WerunDay)


def store_baseline(user_id: int, by_day: dict[date, int], before: date, now: datetime) -> None:
    """Keep the payload's days before `before` as the resident's baseline (no record, no
    credit): one upsert that only ever raises a stored total, in day order (lock order)."""
    rows = [
        {"user_id": user_id, "day": day, "steps_reported": steps, "steps_credited": 0,
         "steps_base": 0, "syncs": 0, "updated_at": now}
        for day, steps in sorted(by_day.items())
        if day < before
    ]  # fmt: skip
    if not rows:
        return
    insert = conflict_insert(_days)
    db.session.execute(
        insert.values(rows).on_conflict_do_update(
            index_elements=[_days.c.user_id, _days.c.day],
            set_={"steps_reported": insert.excluded.steps_reported},
            where=_days.c.steps_reported < insert.excluded.steps_reported,
        )
    )


def load_series(user_id: int, since: date, by_day: dict[date, int]) -> dict[date, int]:
    """The resident's daily totals from `since` on: stored rows, raised by this payload."""
    stored = db.session.execute(
        select(WerunDay.day, WerunDay.steps_reported).where(
            WerunDay.user_id == user_id, WerunDay.day >= since
        )
    )
    series = dict(stored.tuples().all())
    for day, steps in by_day.items():
        if day >= since:
            series[day] = max(series.get(day, 0), steps)
    return series


def series_fingerprint(series: dict[date, int], day: date) -> str | None:
    """A digest of the seven daily totals before `day` (with the date), or None when they
    are incomplete or mostly idle: two accounts with the same digest share one phone."""
    days = [day - timedelta(days=n) for n in range(SERIES_DAYS, 0, -1)]
    values = [series.get(d) for d in days]
    # mypy: past `None in values` every v is an int.
    if None in values or sum(v >= WALKED_DAY_STEPS for v in values) < SERIES_MIN_WALKED_DAYS:  # type: ignore[operator]
        return None
    text = f"{day.isoformat()}:{','.join(str(v) for v in values)}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _baseline(series: dict[date, int], day: date) -> tuple[list[date], int | None]:
    prior = [d for d in series if day - timedelta(days=setting("WERUN_BASELINE_DAYS")) <= d < day]
    if len(prior) < setting("WERUN_BASELINE_MIN_DAYS"):
        return prior, None
    return prior, median_low(series[d] for d in prior)


def _times(steps: int, baseline: int) -> str:
    return f"{steps / baseline:.1f} 倍" if baseline else "许多倍（中位数为 0）"


def _twin_account(user_id: int, fingerprint: str | None) -> int | None:
    if fingerprint is None:
        return None
    return db.session.scalar(
        select(WerunDay.user_id)
        .where(WerunDay.series_fp == fingerprint, WerunDay.user_id != user_id)
        .order_by(WerunDay.id)
        .limit(1)
    )


def score_werun_day(
    *,
    user_id: int,
    scenario_code: str,
    day: date,
    steps: int,
    series: dict[date, int],
    fingerprint: str | None,
    at: datetime,
    now: datetime,
) -> Risk:
    """Score one WeRun day of `steps` from the resident's `series` (reads only); `at` is
    when the day's steps count (campaigns), `now` the sync's time."""
    reasons: list[str] = []
    notes: dict[str, str] = {}
    prior, baseline = _baseline(series, day)
    floor = setting("WERUN_JUMP_MIN_STEPS")
    window = setting("WERUN_BASELINE_DAYS")
    median_text = f"近 {window} 天（{len(prior)} 天有数据）中位数 {baseline or 0:,} 步"
    if baseline is not None and steps >= floor and steps >= setting("WERUN_JUMP_FACTOR") * baseline:
        reasons.append("werun_jump")
        notes["werun_jump"] = (
            f"当天 {steps:,} 步，是该居民{median_text}的 {_times(steps, baseline)}，"
            "可能使用了摇步器或甩手机刷步"
        )
    if steps >= setting("WERUN_PATTERN_MIN_STEPS"):
        same = sorted(d for d in prior if series[d] == steps)
        if len(same) >= setting("WERUN_REPEAT_MIN_DAYS"):
            reasons.append("werun_repeated")
            shown = "、".join(d.isoformat() for d in same[:3]) + ("等" if len(same) > 3 else "")
            notes["werun_repeated"] = (
                f"当天 {steps:,} 步，与 {shown} 共 {len(same)} 天的步数完全相同，真实步行很少如此"
            )
        if steps % ROUND_UNIT == 0:
            reasons.append("werun_round")
            notes["werun_round"] = f"当天步数恰为整千的 {steps:,} 步，常见于修改步数的工具"
    twin = _twin_account(user_id, fingerprint)
    if twin is not None:
        first = day - timedelta(days=SERIES_DAYS)
        reasons.append("werun_shared_series")
        notes["werun_shared_series"] = (
            f"{first.isoformat()} 至 {(day - timedelta(days=1)).isoformat()} 的每日步数"
            f"与居民 #{twin} 完全相同，疑似多个账号共用一台设备"
        )
    if baseline is not None and steps >= floor:
        within = timedelta(days=setting("WERUN_CAMPAIGN_END_DAYS"))
        spike = setting("WERUN_CAMPAIGN_SPIKE_FACTOR") * baseline
        ending = campaigns.campaigns_ending(scenario_code, at, within) if steps >= spike else []
        if ending:
            ends = ending[0].ends_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            reasons.append("werun_campaign_spike")
            notes["werun_campaign_spike"] = (
                f"活动「{ending[0].name}」将于 {ends} 结束，当天 {steps:,} 步是该居民"
                f"{median_text}的 {_times(steps, baseline)}，疑似为拿活动奖励刷步"
            )
    if carbon.count_rejected_records(user_id, now - timedelta(days=30)) >= 2:
        reasons.append("recent_rejections")
    return Risk(score_of(reasons), tuple(reasons), notes)
