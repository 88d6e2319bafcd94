"""Seed scenarios and methodology versions from the published factor table (idempotent).

The table is `SCENARIOS_CSV` when set, else `../shared/data/scenarios.csv` beside the
checkout, else the copy shipped in `app/carbon/data/scenarios.csv` (so a bare clone
seeds too). A new scenario is created with version 1 valid since 2020; for a known
scenario, a changed factor or points rule becomes a new version valid from now, and
operator settings (cap, evidence, active) are left as the operators set them.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from app.carbon.models import MethodologyVersion, Scenario
from app.carbon.rules import (
    FRACTIONAL_UNITS,
    factor_to_ug,
    parse_daily_cap,
    parse_points_rule,
)
from app.carbon.scenarios import add_methodology_version
from app.extensions import db
from app.seed import register_seeder

SHARED_CSV = Path(__file__).resolve().parents[2].parent / "shared/data/scenarios.csv"
BUNDLED_CSV = Path(__file__).resolve().parent / "data/scenarios.csv"
FIRST_VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)
ACTIVE_STATUSES = frozenset({"published", "derived"})


@dataclass(frozen=True)
class ScenarioRow:
    code: str
    name: str
    name_en: str
    unit: str
    g_co2e_per_unit: str
    points_rule: str
    daily_cap: str
    evidence: str
    status: str
    source: str


def scenarios_csv_path() -> Path:
    """Where the factor table is read from (see the module docstring)."""
    if override := os.environ.get("SCENARIOS_CSV"):
        return Path(override)
    return SHARED_CSV if SHARED_CSV.is_file() else BUNDLED_CSV


def read_scenarios(path: Path) -> list[ScenarioRow]:
    """Parse and check every row; raises ValueError naming the bad row."""
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for number, raw in enumerate(csv.DictReader(handle), start=2):
            try:
                row = ScenarioRow(
                    code=raw["code"].strip(),
                    name=raw["name_zh"].strip(),
                    name_en=raw["name_en"].strip(),
                    unit=raw["unit"].strip(),
                    g_co2e_per_unit=raw["g_co2e_per_unit"].strip(),
                    points_rule=raw["points_rule"].strip(),
                    daily_cap=raw["daily_cap"].strip(),
                    evidence=raw["evidence"].strip(),
                    status=raw["status"].strip(),
                    source=raw["source"].strip(),
                )
                factor_to_ug(row.g_co2e_per_unit)
                parse_points_rule(row.points_rule)
                parse_daily_cap(row.daily_cap)
            except (KeyError, AttributeError, ValueError) as exc:
                raise ValueError(f"{path}:{number}: {exc}") from None
            rows.append(row)
    return rows


def _create(row: ScenarioRow) -> None:
    scenario = Scenario(
        code=row.code,
        name=row.name,
        name_en=row.name_en,
        unit=row.unit,
        evidence=row.evidence,
        daily_cap_milli=parse_daily_cap(row.daily_cap),
        fractional=row.unit.lower() in FRACTIONAL_UNITS,
        status=row.status,
        active=row.status in ACTIVE_STATUSES,
    )
    db.session.add(scenario)
    db.session.flush()
    db.session.add(
        MethodologyVersion(
            scenario_id=scenario.id,
            version=1,
            factor_ug_per_unit=factor_to_ug(row.g_co2e_per_unit),
            points_rule=row.points_rule,
            valid_from=FIRST_VALID_FROM,
            source=row.source,
        )
    )


def seed_scenarios(path: Path | None = None) -> tuple[int, int]:
    """Create missing scenarios and new versions for changed factors.

    Returns (scenarios created, versions added); running it twice adds nothing.
    Raises ValueError for a malformed table.
    """
    created = versions = 0
    for row in read_scenarios(path or scenarios_csv_path()):
        scenario = db.session.scalar(select(Scenario).where(Scenario.code == row.code))
        if scenario is None:
            _create(row)
            created += 1
            continue
        latest = db.session.scalar(
            select(MethodologyVersion)
            .where(MethodologyVersion.scenario_id == scenario.id)
            .order_by(MethodologyVersion.version.desc())
            .limit(1)
        )
        if latest is None or (
            latest.factor_ug_per_unit != factor_to_ug(row.g_co2e_per_unit)
            or latest.points_rule != row.points_rule
        ):
            add_methodology_version(
                row.code,
                g_co2e_per_unit=row.g_co2e_per_unit,
                points_rule=row.points_rule,
                source=row.source,
            )
            versions += 1
    db.session.flush()
    return created, versions


@register_seeder
def seed_carbon(demo: bool) -> str | None:
    """Seeder: the built-in scenarios and their methodology versions (demo or not).

    Returns a summary line, or None when nothing new was added."""
    created, versions = seed_scenarios()
    if created or versions:
        return f"carbon: {created} scenarios, {versions} new methodology versions"
    return None
