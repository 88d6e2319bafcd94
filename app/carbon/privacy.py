"""The carbon account's part of a resident's personal data (app/users/personal_data.py):
their consents and carbon records in the export; on deletion, consents withdrawn and the
resident off the leaderboards. Registered by the app factory."""

from __future__ import annotations

from app.carbon import leaderboard
from app.carbon.consents import consents_of_user, withdraw_all_consents
from app.carbon.models import CarbonRecord
from app.carbon.rules import mg_to_g, milli_to_number
from app.carbon.service import records_of_user


def export_consents(user_id: int) -> list[dict]:
    """The resident's consent per scenario, with its version."""
    return [
        {
            "scenario": c.scenario.code,
            "granted": c.granted,
            "version": c.version,
            "updated_at": c.updated_at.isoformat(),
        }
        for c in consents_of_user(user_id)
    ]


def export_records(user_id: int) -> list[dict]:
    """Every carbon record of the resident, of any status."""
    return [_record_row(record) for record in records_of_user(user_id)]


def withdraw_consents(user_id: int) -> None:
    """Deletion: every consent withdrawn (nothing more is paid or aggregated)."""
    withdraw_all_consents(user_id)


def leave_leaderboards(user_id: int) -> None:
    """Deletion: the resident no longer appears on any board."""
    leaderboard.remove_user(user_id)


def _record_row(record: CarbonRecord) -> dict:
    return {
        "id": record.id,
        "scenario": record.scenario.code,
        "quantity": milli_to_number(record.quantity_milli),
        "unit": record.scenario.unit,
        "carbon_g": mg_to_g(record.carbon_mg),
        "points": record.points,
        "status": record.status,
        "evidence_type": record.evidence_type,
        "methodology_version": record.methodology.version,
        "day": record.day.isoformat(),
        "created_at": record.created_at.isoformat(),
    }
