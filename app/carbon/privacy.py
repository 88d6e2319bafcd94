"""A resident's own data: export it all as JSON (a file to keep), or delete the account
(anonymise).

Deletion keeps what the books need and nothing that identifies the person: the user row
stays as a pseudonymous id (no openid, nickname, session key), carbon records and the
ledger keep pointing at that id, consents are withdrawn, evidence photos are erased,
the resident leaves the leaderboards and every login session is revoked.

Other domains add their part with `register_personal_data(name, export, erase)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.auth import revoke_user_tokens
from app.carbon import leaderboard
from app.carbon.consents import consents_of_user, withdraw_all_consents
from app.carbon.models import CarbonRecord
from app.carbon.rules import SHANGHAI, mg_to_g, milli_to_number
from app.carbon.service import records_of_user
from app.db import utcnow
from app.ledger import service as ledger
from app.users import service as users


@dataclass(frozen=True)
class PersonalData:
    name: str
    export: Callable[[int], object]
    erase: Callable[[int], None] | None


_PARTS: dict[str, PersonalData] = {}


def register_personal_data(
    name: str, export: Callable[[int], object], erase: Callable[[int], None] | None = None
) -> None:
    """Let a domain add a section to the export and a step to account deletion."""
    _PARTS[name] = PersonalData(name, export, erase)


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


def export_user_data(user_id: int) -> dict:
    """Everything we hold about the resident, as one JSON document.

    Raises Unauthorized when the account no longer exists.
    """
    user = users.get_user(user_id)
    data = {
        "exported_at": utcnow().isoformat(),
        "user": {
            "id": user.id,
            "nickname": user.nickname,
            "avatar_url": users.avatar_url(user),
            "roles": user.role_names,
            "created_at": user.created_at.isoformat(),
        },
        "points_balance": ledger.get_points_balance(user_id),
        "points_history": ledger.export_points_history(user_id),
        "consents": [
            {
                "scenario": c.scenario.code,
                "granted": c.granted,
                "version": c.version,
                "updated_at": c.updated_at.isoformat(),
            }
            for c in consents_of_user(user_id)
        ],
        "carbon_records": [_record_row(r) for r in records_of_user(user_id)],
    }
    for part in _PARTS.values():
        data[part.name] = part.export(user_id)
    return data


def export_filename(user_id: int) -> str:
    """The name the export is saved under: tanpuhui-export-<id>-<YYYYMMDD, Beijing>.json."""
    return f"tanpuhui-export-{user_id}-{utcnow().astimezone(SHANGHAI):%Y%m%d}.json"


def delete_account(user_id: int) -> None:
    """Anonymise the resident's account (see the module docstring); cannot be undone.

    Raises NotFound (reason `user_not_found`).
    """
    for part in _PARTS.values():
        if part.erase is not None:
            part.erase(user_id)
    withdraw_all_consents(user_id)
    users.anonymise_user(user_id)
    revoke_user_tokens(user_id)
    leaderboard.remove_user(user_id)
