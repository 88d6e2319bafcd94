"""Scenarios and methodology versions: listing, operator changes, the version in force.

A methodology version is never edited: a new emission factor or points rule is a new
version with a `valid_from` and a cited source; records keep the version they used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import reference_cache
from app.carbon.models import EVIDENCE_TYPES, MethodologyVersion, Scenario
from app.carbon.rules import RuleError, factor_to_ug, parse_points_rule, to_milli
from app.db import utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db

reference_cache.register(Scenario, MethodologyVersion)


class ScenarioNotFound(NotFound):
    reason, message = "scenario_not_found", "场景不存在"


class InvalidRule(Unprocessable):
    reason, message = "invalid_rule", "积分规则或排放因子无效"


@dataclass(frozen=True)
class ScenarioView:
    """A scenario together with the methodology version in force now."""

    scenario: Scenario
    version: MethodologyVersion


def get_scenario(code: str) -> Scenario:
    """The scenario with this code. Raises ScenarioNotFound (404 `scenario_not_found`)."""
    scenario = reference_cache.lookup(
        ("scenario", code), lambda: db.session.scalar(select(Scenario).where(Scenario.code == code))
    )
    if scenario is None:
        raise ScenarioNotFound()
    return scenario


def current_version(scenario_id: int, at: datetime | None = None) -> MethodologyVersion:
    """The version in force at `at` (now by default): the latest valid_from <= at.

    Raises ScenarioNotFound when the scenario has no version in force.
    """
    return version_at(version_history(scenario_id), at or utcnow())


def version_history(scenario_id: int) -> list[MethodologyVersion]:
    """Every version of a scenario, the one in force longest from now first (valid_from,
    then version, descending): read once for `version_at` of many moments (a batch)."""

    def read() -> list[MethodologyVersion]:  # built only on a miss of the process's copies
        stmt = (
            select(MethodologyVersion)
            .where(MethodologyVersion.scenario_id == scenario_id)
            .order_by(MethodologyVersion.valid_from.desc(), MethodologyVersion.version.desc())
        )
        return list(db.session.scalars(stmt))

    return reference_cache.lookup(("versions", scenario_id), read)


def version_at(history: list[MethodologyVersion], at: datetime) -> MethodologyVersion:
    """The version of `history` (`version_history`) in force at `at`: the latest
    valid_from <= at. Raises ScenarioNotFound when none is in force yet."""
    for version in history:
        if version.valid_from <= at:
            return version
    raise ScenarioNotFound("该场景尚无生效的核算方法", reason="scenario_not_found")


def list_scenarios(include_inactive: bool = True) -> list[ScenarioView]:
    """Every scenario with its current methodology version, in code order."""
    stmt = select(Scenario).order_by(Scenario.id)
    if not include_inactive:
        stmt = stmt.where(Scenario.active.is_(True))
    now = utcnow()
    views = []
    for scenario in db.session.scalars(stmt):
        try:
            views.append(ScenarioView(scenario, current_version(scenario.id, now)))
        except ScenarioNotFound:
            continue  # a scenario whose first version starts later is not shown yet
    return views


def list_versions(code: str) -> list[MethodologyVersion]:
    """All methodology versions of a scenario, oldest first. Raises ScenarioNotFound."""
    return list(get_scenario(code).versions)


def update_scenario(
    code: str,
    *,
    daily_cap: float | None = None,
    evidence: list[str] | None = None,
    active: bool | None = None,
) -> ScenarioView:
    """Change a scenario's operator settings (cap, accepted evidence, active).

    Raises ScenarioNotFound, InvalidRule.
    """
    scenario = get_scenario(code)
    if daily_cap is not None:
        try:
            cap = to_milli(daily_cap)
        except RuleError as exc:
            raise InvalidRule(str(exc)) from None
        if cap <= 0:
            raise InvalidRule("每日上限必须大于 0")
        scenario.daily_cap_milli = cap
    if evidence is not None:
        unknown = set(evidence) - set(EVIDENCE_TYPES)
        if unknown:
            raise InvalidRule(f"未知的凭证类型: {', '.join(sorted(unknown))}")
        scenario.evidence = "|".join(dict.fromkeys(evidence)) or "none"
    if active is not None:
        scenario.active = active
    db.session.flush()
    return ScenarioView(scenario, current_version(scenario.id))


def add_methodology_version(
    code: str,
    *,
    g_co2e_per_unit: float | str,
    points_rule: str,
    source: str,
    valid_from: datetime | None = None,
) -> MethodologyVersion:
    """Publish a new factor/points rule for a scenario, effective from `valid_from`.

    Raises ScenarioNotFound, InvalidRule (422 `invalid_rule`), Conflict (`version_conflict`).
    """
    scenario = get_scenario(code)
    try:
        factor = factor_to_ug(g_co2e_per_unit)
        parse_points_rule(points_rule)
    except RuleError as exc:
        raise InvalidRule(str(exc)) from None
    # Versions are numbered per scenario; the unique (scenario, version) index settles
    # two operators publishing at once: the loser is told to try again.
    latest = db.session.scalar(
        select(func.max(MethodologyVersion.version)).where(
            MethodologyVersion.scenario_id == scenario.id
        )
    )
    version = MethodologyVersion(
        scenario_id=scenario.id,
        version=(latest or 0) + 1,
        factor_ug_per_unit=factor,
        points_rule=points_rule.strip(),
        valid_from=valid_from or utcnow(),
        source=source,
    )
    try:
        with db.session.begin_nested():
            db.session.add(version)
    except IntegrityError:
        raise Conflict("另一个版本刚刚发布，请重试", reason="version_conflict") from None
    return version


def find_methodology_version(scenario_id: int, version: int) -> MethodologyVersion:
    """Version `version` of a scenario's methodology.

    Raises NotFound (reason `methodology_version_not_found`)."""
    found = db.session.scalar(
        select(MethodologyVersion).where(
            MethodologyVersion.scenario_id == scenario_id, MethodologyVersion.version == version
        )
    )
    if found is None:
        raise NotFound("方法学版本不存在", reason="methodology_version_not_found")
    return found
