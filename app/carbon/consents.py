"""Per-scenario consents: may partners' data about this resident be credited?

One row per (resident, scenario) holds the current answer, the version of the consent
text it was given under and when; the latest answer wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.carbon.models import Consent, Scenario
from app.carbon.scenarios import get_scenario
from app.db import utcnow
from app.extensions import db
from app.sql import in_values

DEFAULT_CONSENT_VERSION = "2025-01"


def current_consent_version() -> str:
    """The version of the consent text residents are shown now (`CONSENT_VERSION`)."""
    return current_app.config.get("CONSENT_VERSION", DEFAULT_CONSENT_VERSION)


@dataclass(frozen=True)
class ConsentView:
    scenario: str
    name: str
    granted: bool
    version: str | None
    updated_at: datetime | None


def list_consents(user_id: int) -> list[ConsentView]:
    """The resident's answer for every active scenario (not granted when never asked)."""
    given = {
        c.scenario_id: c
        for c in db.session.scalars(select(Consent).where(Consent.user_id == user_id))
    }
    views = []
    for scenario in db.session.scalars(select(Scenario).order_by(Scenario.id)):
        consent = given.get(scenario.id)
        if consent is None and not scenario.active:
            continue
        views.append(
            ConsentView(
                scenario=scenario.code,
                name=scenario.name,
                granted=bool(consent and consent.granted),
                version=consent.version if consent else None,
                updated_at=consent.updated_at if consent else None,
            )
        )
    return views


def set_consent(user_id: int, scenario_code: str, granted: bool, version: str) -> ConsentView:
    """Record the resident's yes/no for a scenario. Raises ScenarioNotFound."""
    scenario = get_scenario(scenario_code)
    now = utcnow()
    values = {"granted": granted, "version": version, "updated_at": now}
    changed = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        update(Consent)
        .where(Consent.user_id == user_id, Consent.scenario_id == scenario.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        try:
            with db.session.begin_nested():
                db.session.add(Consent(user_id=user_id, scenario_id=scenario.id, **values))
        except IntegrityError:  # a concurrent first answer: ours is the later one
            db.session.execute(
                update(Consent)
                .where(Consent.user_id == user_id, Consent.scenario_id == scenario.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    return ConsentView(scenario.code, scenario.name, granted, version, now)


def consent_withdrawn(user_id: int, scenario_id: int) -> bool:
    """True when the resident explicitly said no (or withdrew) for the scenario."""
    granted = db.session.scalar(
        select(Consent.granted).where(
            Consent.user_id == user_id, Consent.scenario_id == scenario_id
        )
    )
    return granted is False


def has_consent(user_id: int, scenario_id: int) -> bool:
    """True when the resident currently grants consent for the scenario."""
    return bool(
        db.session.scalar(
            select(Consent.granted).where(
                Consent.user_id == user_id, Consent.scenario_id == scenario_id
            )
        )
    )


def consented_pairs(user_ids: set[int], scenario_ids: set[int]) -> set[tuple[int, int]]:
    """The (user_id, scenario_id) pairs among these for which consent is granted now
    (`has_consent` for many at once: a partner batch)."""
    if not user_ids or not scenario_ids:
        return set()
    rows = db.session.execute(
        select(Consent.user_id, Consent.scenario_id).where(
            in_values(Consent.user_id, user_ids),
            Consent.scenario_id.in_(scenario_ids),
            Consent.granted.is_(True),
        )
    )
    return {(row.user_id, row.scenario_id) for row in rows}


def withdraw_all_consents(user_id: int) -> None:
    """Set every consent of a resident to not granted (account deletion)."""
    db.session.execute(
        update(Consent)
        .where(Consent.user_id == user_id)
        .values(granted=False, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def consents_of_user(user_id: int) -> list[Consent]:
    """The resident's stored consent rows (data export)."""
    return list(db.session.scalars(select(Consent).where(Consent.user_id == user_id)))
