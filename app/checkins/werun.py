"""WeRun step sync: decrypt getWeRunData, credit each recent day once, pay only growth,
and hold for review what the anti-cheat rules find suspicious.

Each Asia/Shanghai day is one WerunDay row (unique index). The days a sync credits
(today, yesterday) point at the carbon record that takes their growth; the payload's
older days are kept without a record, as the resident's baseline (app/checkins/werun_risk.py
scores every credited day on that series).

- First sync of a day: one record. Scored below `RISK_REVIEW_THRESHOLD` it is approved
  and paid as ledger transaction `werun:<user>:<date>:1`; at or above, it stays pending
  and nothing is paid.
- Later syncs with more steps move the row by compare-and-set on `steps_credited` (and
  the record it points at), then: a pending record only grows, unpaid; an approved one
  grows and pays the difference as `werun:<user>:<date>:<n>` if the day still scores
  low (or an operator approved it for the same reasons), else the growth becomes a new
  pending record (the row now points at it and `steps_base` says what the earlier
  records cover); after a rejection nothing more of the day is credited.
- An operator's approval pays a held record's whole amount once, as
  `werun:<user>:<date>:record:<id>` (`review_reward`).
Steps above the scenario's daily cap are kept as reported but never credited. Only daily
totals are stored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.carbon import service as carbon
from app.carbon.models import RECORD_PENDING, RECORD_REJECTED, Scenario
from app.checkins import approval, outcomes, ratelimit, werun_risk
from app.checkins.models import WerunDay
from app.checkins.risk import Risk
from app.checkins.settings import setting
from app.clock import day_start_utc, shanghai_day
from app.db import utcnow
from app.errors import Conflict
from app.extensions import db
from app.units import mg_to_g
from app.users import service as users
from app.wechat import wechat
from app.wechat.errors import InvalidEncryptedData

WERUN_SCENARIO = "walk_steps"
MAX_STEPS_PER_DAY = 200_000  # more than anyone walks: a larger figure is not WeRun data
# WeRun stamps each day with its midnight in Unix seconds: anything before 1970 or after
# 2100 is not WeRun data (and some of it is beyond what a datetime can hold).
MAX_TIMESTAMP = 4_102_444_800  # 2100-01-01T00:00:00Z


class _Lost(Exception):
    """A concurrent sync or decision moved the day first: undo the savepoint, re-read."""


def _steps_by_day(data: dict, oldest: date, today: date) -> dict[date, int]:
    items = data.get("stepInfoList")
    if not isinstance(items, list):
        raise InvalidEncryptedData("微信运动数据格式不正确")
    by_day: dict[date, int] = {}
    for item in items:
        try:
            timestamp, steps = int(item["timestamp"]), int(item["step"])
        except (KeyError, TypeError, ValueError, OverflowError):  # OverflowError: inf
            raise InvalidEncryptedData("微信运动数据格式不正确") from None
        if not 0 <= timestamp < MAX_TIMESTAMP:
            raise InvalidEncryptedData("微信运动日期异常")
        if not 0 <= steps <= MAX_STEPS_PER_DAY:
            raise InvalidEncryptedData("微信运动步数异常")
        day = shanghai_day(datetime.fromtimestamp(timestamp, UTC))
        if oldest <= day <= today:
            by_day[day] = max(by_day.get(day, 0), steps)
    return by_day


def sync_werun(user_id: int, encrypted_data: str, iv: str) -> list[dict]:
    """Credit the recent days of a getWeRunData payload; returns one entry per day.

    A resident who withdrew consent for `walk_steps` is refused; one who was never asked
    is not (the sync is their own act, after WeChat's scope.werun prompt).
    Raises AccountFrozen (403 `account_frozen`), RateLimited (429), InvalidEncryptedData /
    StaleData (400), ScenarioNotFound, Conflict (409 `consent_required`).
    """
    with outcomes.counted(WERUN_SCENARIO, "werun") as kept:
        days = _sync_werun(user_id, encrypted_data, iv)
        kept(outcomes.werun_outcome(days))
    return days


def _sync_werun(user_id: int, encrypted_data: str, iv: str) -> list[dict]:
    users.require_not_frozen(user_id)
    ratelimit.hit("werun", user_id)
    scenario = carbon.get_scenario(WERUN_SCENARIO)
    if carbon.consent_withdrawn(user_id, scenario.id):
        message = "你已关闭微信运动授权，请先在「授权与隐私」中开启"
        raise Conflict(message, reason="consent_required")
    user = users.get_user(user_id)
    if not user.wx_session_key_enc:
        raise InvalidEncryptedData("登录状态已失效，请重新登录")
    session_key = wechat.decrypt_session_key(user.wx_session_key_enc)
    data = wechat.decrypt_user_data(
        session_key, encrypted_data, iv, setting("WERUN_MAX_AGE_SECONDS")
    )
    now = utcnow()
    today = shanghai_day(now)
    earliest = today - timedelta(days=setting("WERUN_SYNC_DAYS") - 1)
    oldest = earliest - timedelta(days=setting("WERUN_BASELINE_DAYS"))
    by_day = _steps_by_day(data, oldest, today)
    werun_risk.store_baseline(user_id, by_day, earliest, now)
    series = werun_risk.load_series(user_id, oldest, by_day)
    return [
        _credit_day(user_id, scenario, day, steps, now, series)
        for day, steps in sorted(by_day.items())
        if day >= earliest
    ]


def _find_day(user_id: int, day: date) -> WerunDay | None:
    return db.session.scalar(
        select(WerunDay)
        .where(WerunDay.user_id == user_id, WerunDay.day == day)
        .execution_options(populate_existing=True)
    )


def _reward(user_id: int, day: date, n: int) -> carbon.Reward:
    return carbon.Reward("werun_reward", f"werun:{user_id}:{day.isoformat()}:{n}")


def review_reward(record) -> tuple[carbon.Reward, bool]:
    """How an operator's approval of a held WeRun record pays: under its own reference,
    and with campaign bonuses only for the day's first record (a held growth is not a
    second walk, so it earns no second bonus)."""
    first = carbon.day_records(record.user_id, record.day, record.evidence_ref)[0]
    reference = f"werun:{record.user_id}:{record.day.isoformat()}:record:{record.id}"
    return carbon.Reward("werun_reward", reference), first.id == record.id


def _create_record(user_id, scenario, day, steps, occurred_at, risk: Risk):
    return carbon.create_record(
        user_id, scenario, steps * 1000, evidence_type="werun",
        evidence_ref=f"werun:{day.isoformat()}", occurred_at=occurred_at,
        risk_score=risk.score, risk_reasons=",".join(risk.reasons), risk_notes=risk.notes,
    )  # fmt: skip


def _first_sync(user_id, scenario, day, steps, credited, now, occurred_at, risk, fingerprint,
                baseline_row: WerunDay | None) -> WerunDay | None:  # fmt: skip
    try:
        with db.session.begin_nested():
            record = _create_record(user_id, scenario, day, credited, occurred_at, risk)
            values = dict(
                steps_reported=steps, steps_credited=credited, steps_base=0, syncs=1,
                record_id=record.id, series_fp=fingerprint, updated_at=now,
            )  # fmt: skip
            if baseline_row is None:
                db.session.add(WerunDay(user_id=user_id, day=day, **values))
                db.session.flush()
            elif not db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
                update(WerunDay)
                .where(WerunDay.id == baseline_row.id, WerunDay.record_id.is_(None))
                .values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount:
                raise _Lost()  # a baseline day entering the window (WERUN_SYNC_DAYS raised)
    except (IntegrityError, _Lost):
        return None  # a concurrent sync created the day first: grow it instead
    if not risk.needs_review:
        approval.approve(record.id, reward=_reward(user_id, day, 1))
    return _find_day(user_id, day)


def _credit_day(
    user_id: int, scenario: Scenario, day: date, steps: int, now: datetime, series: dict
) -> dict:
    # The behaviour happened on `day`: the methodology (and campaigns) in force then apply.
    occurred_at = min(now, day_start_utc(day + timedelta(days=1)) - timedelta(seconds=1))
    fingerprint = werun_risk.series_fingerprint(series, day)

    @cache
    def assess() -> Risk:
        return werun_risk.score_werun_day(
            user_id=user_id, scenario_code=scenario.code, day=day, steps=steps,
            series=series, fingerprint=fingerprint, at=occurred_at, now=now,
        )  # fmt: skip

    # WeRun reports the day's total: what a deleted account of this person was already
    # credited for it is not credited again (docs/decisions/0701).
    target = max(
        0, min(steps, scenario.daily_cap_milli // 1000) - _credited_elsewhere(user_id, day)
    )
    row = _find_day(user_id, day)
    if row is None or row.record_id is None:
        created = _first_sync(
            user_id, scenario, day, steps, target, now, occurred_at, assess(), fingerprint, row
        )
        if created is not None:
            # mypy: a day made by _first_sync has its record.
            return _day_result(created, carbon.get_record(created.record_id).points)  # type: ignore[arg-type]
        row = _find_day(user_id, day)
    for _attempt in range(5):
        paid = _grow_day(row, scenario, steps, target, now, occurred_at, fingerprint, assess)
        if paid is not None:
            # mypy: the day row exists: it was just synced.
            return _day_result(_find_day(user_id, day), paid)  # type: ignore[arg-type]
        row = _find_day(user_id, day)
    raise Conflict("步数同步冲突，请重试", reason="werun_conflict")


def _credited_elsewhere(user_id: int, day: date) -> int:
    """Steps of `day` credited to this person's deleted accounts (an account signed up
    again continues the person's day). Only one account of a person is ever live, so
    nothing moves those rows meanwhile."""
    earlier = users.earlier_accounts(user_id)
    if not earlier:
        return 0
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(WerunDay.steps_credited), 0)).where(
                WerunDay.user_id.in_(earlier), WerunDay.day == day
            )
        )
    )


def _grow_day(row, scenario, steps, target, now, occurred_at, fingerprint, assess) -> int | None:
    """One attempt at moving a day up to `target`: the points paid, None when lost."""
    old, base = row.steps_credited, row.steps_base
    record = carbon.get_record(row.record_id, fresh=True)
    if target <= old or record.status == RECORD_REJECTED:
        _note_reported(row, steps, fingerprint, now)
        return 0
    risk = assess()
    try:
        with db.session.begin_nested():
            if record.status == RECORD_PENDING:  # held: it grows, still unpaid
                _move(row, record.id, old, target, steps, fingerprint, now)
                if risk.score < record.risk_score:  # keep what it was held for
                    held_for = tuple(r for r in record.risk_reasons.split(",") if r)
                    risk = Risk(record.risk_score, held_for, record.risk_notes or {})
                if not carbon.resize_pending_record(
                    record.id, (old - base) * 1000, (target - base) * 1000,
                    risk_score=risk.score, risk_reasons=",".join(risk.reasons),
                    risk_notes=risk.notes,
                ):  # fmt: skip
                    raise _Lost()
                return 0
            if risk.needs_review and not _cleared(record, risk):  # this growth waits
                held = _create_record(
                    row.user_id, scenario, row.day, target - old, occurred_at, risk
                )
                _move(row, record.id, old, target, steps, fingerprint, now,
                      record_id=held.id, steps_base=old)  # fmt: skip
                return 0
            n = _move(row, record.id, old, target, steps, fingerprint, now)
            paid = carbon.grow_record(
                record.id, (old - base) * 1000, (target - base) * 1000,
                _reward(row.user_id, row.day, n),
            )  # fmt: skip
            if paid < 0:
                raise _Lost()
            return paid
    except _Lost:
        return None


def _cleared(record, risk: Risk) -> bool:
    # An operator approved this record knowing its reasons: more steps the same day for
    # the same reasons are not put to them again (a new reason is).
    approved_for = set(record.risk_reasons.split(","))
    return record.decided_by is not None and set(risk.reasons) <= approved_for


def _move(row, current_id, old, target, steps, fingerprint, now, **values) -> int:
    """Compare-and-set the day from `old` credited steps on record `current_id` to `target`;
    returns the sync number (unique per day: it names the payment). Raises _Lost."""
    moved = db.session.execute(
        update(WerunDay)
        .where(
            WerunDay.id == row.id,
            WerunDay.steps_credited == old,
            WerunDay.record_id == current_id,
        )
        .values(
            steps_credited=target,
            steps_reported=steps,
            syncs=WerunDay.syncs + 1,
            series_fp=fingerprint,
            updated_at=now,
            **values,
        )
        .returning(WerunDay.syncs)
        .execution_options(synchronize_session=False)
    ).first()
    if moved is None:
        raise _Lost()
    return moved[0]


def _note_reported(row: WerunDay, steps: int, fingerprint: str | None, now: datetime) -> None:
    # Nothing more to credit: keep the highest total seen and the latest fingerprint.
    db.session.execute(
        update(WerunDay)
        .where(WerunDay.id == row.id, WerunDay.steps_reported < steps)
        .values(steps_reported=steps, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if fingerprint is not None and row.series_fp != fingerprint:
        db.session.execute(
            update(WerunDay)
            .where(WerunDay.id == row.id)
            .values(series_fp=fingerprint)
            .execution_options(synchronize_session=False)
        )


def _day_result(row: WerunDay, paid: int) -> dict:
    records = carbon.day_records(row.user_id, row.day, f"werun:{row.day.isoformat()}")
    counted = [r for r in records if r.status != RECORD_REJECTED]
    statuses = {r.status for r in records}
    status = RECORD_PENDING if RECORD_PENDING in statuses else records[-1].status
    return {
        "date": row.day,
        "steps": row.steps_reported,
        "credited_steps": row.steps_credited,
        "carbon_g": mg_to_g(sum(r.carbon_mg for r in counted)),
        "points": sum(r.points for r in records),
        "points_added": paid,
        "status": status,
    }


def export_werun_days(user_id: int) -> list[dict]:
    """The resident's daily step totals (data export)."""
    rows = db.session.scalars(
        select(WerunDay).where(WerunDay.user_id == user_id).order_by(WerunDay.day)
    )
    return [
        {"date": r.day.isoformat(), "steps": r.steps_reported, "credited_steps": r.steps_credited}
        for r in rows
    ]
