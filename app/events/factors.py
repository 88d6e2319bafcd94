"""The event emission factors: cited and versioned, loaded from
app/events/data/event_factors.csv by `flask seed` (idempotent; a new figure is a new
version, never an edit, and accounting lines keep the version they used)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from app.errors import NotFound
from app.events.models import EventFactor
from app.extensions import db
from app.seed import register_seeder

DATA = Path(__file__).parent / "data" / "event_factors.csv"


class FactorNotFound(NotFound):
    reason, message = "factor_not_found", "排放因子不存在"


def seed_factors(path: Path = DATA) -> int:
    """Add the factor versions of the file not yet in the database; returns how many."""
    added = 0
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            version = int(row["version"])
            exists = select(EventFactor.id).where(
                EventFactor.code == row["code"], EventFactor.version == version
            )
            if db.session.scalar(exists):
                continue
            db.session.add(
                EventFactor(
                    code=row["code"],
                    version=version,
                    category=row["category"],
                    name=row["name_zh"],
                    unit=row["unit"],
                    mg_per_unit=int(Decimal(row["kg_co2e_per_unit"]) * 1_000_000),
                    status=row["status"],
                    source=row["source"],
                    valid_from=date.fromisoformat(row["valid_from"]),
                )
            )
            added += 1
    db.session.flush()
    return added


@register_seeder
def seed_event_factors(_demo: bool) -> str | None:
    """Seeder: the built-in emission factor versions; returns a summary line or None."""
    added = seed_factors()
    return f"events: {added} new emission factor versions" if added else None


def current_factor(code: str, on: date) -> EventFactor:
    """The version of a factor in force on a day (the latest valid_from <= it, else the
    earliest version). Raises FactorNotFound."""
    versions = list(
        db.session.scalars(
            select(EventFactor).where(EventFactor.code == code).order_by(EventFactor.valid_from)
        )
    )
    if not versions:
        raise FactorNotFound()
    in_force = [f for f in versions if f.valid_from <= on]
    return in_force[-1] if in_force else versions[0]


def list_factors() -> list[EventFactor]:
    """Every emission factor version, by category, code and version."""
    return list(
        db.session.scalars(
            select(EventFactor).order_by(
                EventFactor.category, EventFactor.code, EventFactor.version
            )
        )
    )


def emissions_mg(factor: EventFactor, quantity_milli: int) -> int:
    """Emissions of a quantity (thousandths of the factor's unit), rounded up to the
    milligram: an accounting never under-counts."""
    return -(-factor.mg_per_unit * quantity_milli // 1000)
