"""WeRun step sync: decrypt getWeRunData, credit each recent day once, pay only growth.

One WerunDay row and one carbon record per resident per Asia/Shanghai day (unique
index). A later sync of the same day with more steps moves both up by compare-and-set
and pays only the difference, as ledger transaction `werun:<user>:<date>:<n>`; steps
above the scenario's daily cap are kept as reported but never credited. Only daily
totals are stored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.carbon import service as carbon
from app.carbon.models import Scenario
from app.carbon.rules import day_start_utc, mg_to_g, shanghai_day
from app.checkins import ratelimit
from app.checkins.models import WerunDay
from app.checkins.settings import setting
from app.db import utcnow
from app.errors import Conflict
from app.extensions import db
from app.users import service as users
from app.wechat import wechat
from app.wechat.errors import InvalidEncryptedData

WERUN_SCENARIO = "walk_steps"
MAX_STEPS_PER_DAY = 200_000  # more than anyone walks: a larger figure is not WeRun data
# WeRun stamps each day with its midnight in Unix seconds: anything before 1970 or after
# 2100 is not WeRun data (and some of it is beyond what a datetime can hold).
MAX_TIMESTAMP = 4_102_444_800  # 2100-01-01T00:00:00Z


def _steps_by_day(data: dict, earliest: date, today: date) -> dict[date, int]:
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
        if earliest <= day <= today:
            by_day[day] = max(by_day.get(day, 0), steps)
    return by_day


def sync_werun(user_id: int, encrypted_data: str, iv: str) -> list[dict]:
    """Credit the recent days of a getWeRunData payload; returns one entry per day.

    A resident who withdrew consent for `walk_steps` is refused; one who was never asked
    is not (the sync is their own act, after WeChat's scope.werun prompt).
    Raises RateLimited (429), InvalidEncryptedData / StaleData (400), ScenarioNotFound,
    Conflict (409 `consent_required`).
    """
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
    by_day = _steps_by_day(data, earliest, today)
    return [_credit_day(user_id, scenario, day, n, now) for day, n in sorted(by_day.items())]


def _find_day(user_id: int, day: date) -> WerunDay | None:
    return db.session.scalar(
        select(WerunDay)
        .where(WerunDay.user_id == user_id, WerunDay.day == day)
        .execution_options(populate_existing=True)
    )


def _reward(user_id: int, day: date, n: int) -> carbon.Reward:
    return carbon.Reward("werun_reward", f"werun:{user_id}:{day.isoformat()}:{n}")


def _first_sync(
    user_id: int, scenario: Scenario, day: date, steps: int, credited: int, now: datetime
) -> WerunDay | None:
    # The behaviour happened on `day`: the methodology in force then applies.
    occurred_at = min(now, day_start_utc(day + timedelta(days=1)) - timedelta(seconds=1))
    try:
        with db.session.begin_nested():
            record = carbon.create_record(
                user_id, scenario, credited * 1000, evidence_type="werun",
                evidence_ref=f"werun:{day.isoformat()}", occurred_at=occurred_at,
            )  # fmt: skip
            row = WerunDay(
                user_id=user_id, day=day, steps_reported=steps, steps_credited=credited,
                syncs=1, record_id=record.id, updated_at=now,
            )  # fmt: skip
            db.session.add(row)
    except IntegrityError:
        return None  # a concurrent sync created the day first: grow it instead
    carbon.approve_record(record.id, reward=_reward(user_id, day, 1))
    return row


def _credit_day(user_id: int, scenario: Scenario, day: date, steps: int, now: datetime) -> dict:
    cap_steps = scenario.daily_cap_milli // 1000
    target = min(steps, cap_steps)
    row = _find_day(user_id, day)
    paid = 0
    if row is None:
        row = _first_sync(user_id, scenario, day, steps, target, now)
        if row is not None:
            record = carbon.get_record(row.record_id)
            return _day_result(row, record, record.points)
        row = _find_day(user_id, day)
    for _attempt in range(5):
        old = row.steps_credited
        if target <= old:
            db.session.execute(
                update(WerunDay)
                .where(WerunDay.id == row.id, WerunDay.steps_reported < steps)
                .values(steps_reported=steps, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            break
        moved = db.session.execute(
            update(WerunDay)
            .where(WerunDay.id == row.id, WerunDay.steps_credited == old)
            .values(
                steps_credited=target,
                steps_reported=steps,
                syncs=WerunDay.syncs + 1,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        row = _find_day(user_id, day)
        if moved:
            paid = carbon.grow_record(
                row.record_id, old * 1000, target * 1000, _reward(user_id, day, row.syncs)
            )
            if paid < 0:
                raise Conflict("步数同步冲突，请重试", reason="werun_conflict")
            break
    else:
        raise Conflict("步数同步冲突，请重试", reason="werun_conflict")
    row = _find_day(user_id, day)
    return _day_result(row, carbon.get_record(row.record_id), paid)


def _day_result(row: WerunDay, record, paid: int) -> dict:
    return {
        "date": row.day,
        "steps": row.steps_reported,
        "credited_steps": row.steps_credited,
        "carbon_g": mg_to_g(record.carbon_mg),
        "points": record.points,
        "points_added": paid,
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
