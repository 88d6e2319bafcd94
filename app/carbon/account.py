"""The resident's personal carbon account: totals, per-scenario figures, history."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from app.carbon.models import RECORD_APPROVED, RECORD_PENDING, CarbonRecord, Scenario
from app.carbon.rules import mg_to_g
from app.extensions import db
from app.ledger import service as ledger
from app.pagination import paginate_desc
from app.users import service as users

ACCOUNT_TTL_SECONDS = 600  # of the resident's cached view (app/carbon/api.py)
# Other domains' parts of the account (carbon sinks: `sink_total_g`), each a function of
# the user id returning JSON-ready fields; registered at import like personal data.
_SECTIONS: list[Callable[[int], dict]] = []


def register_account_section(section: Callable[[int], dict]) -> None:
    """Let a domain add fields to the resident's carbon account view; a change to them
    must bump the user's cache generation (`cache.bump_after_commit`)."""
    _SECTIONS.append(section)


def get_account(user_id: int) -> dict:
    """Points balance (from the ledger), approved carbon, counts and per-scenario totals.

    Read from the database. The resident's own view caches the answer in Redis under the
    user's generation (`cache.USER_GENERATION`, app/view_cache.py): every ledger posting
    on the resident's account and every change to their records bumps it after commit, so
    the answer is never older than the last commit that concerns them.
    """
    rows = db.session.execute(
        select(
            Scenario.code,
            Scenario.name,
            func.count(CarbonRecord.id),
            func.coalesce(func.sum(CarbonRecord.carbon_mg), 0),
            func.coalesce(func.sum(CarbonRecord.points), 0),
        )
        .join(Scenario, Scenario.id == CarbonRecord.scenario_id)
        .where(CarbonRecord.user_id == user_id, CarbonRecord.status == RECORD_APPROVED)
        .group_by(Scenario.code, Scenario.name)
        .order_by(func.sum(CarbonRecord.carbon_mg).desc(), Scenario.code)
    ).all()
    pending = db.session.scalar(
        select(func.count(CarbonRecord.id)).where(
            CarbonRecord.user_id == user_id, CarbonRecord.status == RECORD_PENDING
        )
    )
    total_mg = sum(int(row[3]) for row in rows)
    view = {
        "points_balance": ledger.get_points_balance(user_id),
        "carbon_total_g": mg_to_g(total_mg),
        "checkins_count": sum(int(row[2]) for row in rows),
        "pending_count": pending,
        "by_scenario": [
            {
                "scenario": code,
                "name": name,
                "count": int(count),
                "carbon_g": mg_to_g(int(carbon)),
                "points": int(points),
            }
            for code, name, count, carbon, points in rows
        ],
    }
    for section in _SECTIONS:
        view.update(section(user_id))
    return view


def get_resident_account(user_id: int) -> dict:
    """A resident's account for operators (the resident page). Raises NotFound
    (`user_not_found`)."""
    users.find_user(user_id)
    return get_account(user_id)


def list_records(
    user_id: int, limit: int, cursor: str | None, status: str | None = None
) -> tuple[list[CarbonRecord], str | None]:
    """A resident's own records, newest first. Raises InvalidCursor."""
    stmt = select(CarbonRecord).where(CarbonRecord.user_id == user_id)
    if status:
        stmt = stmt.where(CarbonRecord.status == status)
    return paginate_desc(stmt, CarbonRecord.id, limit, cursor)
