"""A resident's own data: export it all as JSON (a file to keep), or delete the account
(anonymise).

Deletion keeps what the books need and nothing that identifies the person: the user row
stays as a pseudonymous id (no openid, nickname, session key), carbon records and the
ledger keep pointing at that id, consents are withdrawn, evidence photos are erased,
unused coupons are voided, the resident leaves the leaderboards and every login session
is revoked.

Each domain contributes one section (and, if it holds something to erase, one deletion
step) through `register_personal_data`. The registrations are made in one place, the app
factory (app/__init__.py `_register_personal_data`), in the order of the export's
sections and of the deletion steps; this module imports no other domain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.auth import revoke_user_tokens
from app.clock import SHANGHAI, utcnow
from app.users import service as users


@dataclass(frozen=True)
class PersonalData:
    name: str
    export: Callable[[int], object] | None
    erase: Callable[[int], None] | None


_PARTS: dict[str, PersonalData] = {}


def register_personal_data(
    name: str,
    export: Callable[[int], object] | None,
    erase: Callable[[int], None] | None = None,
) -> None:
    """Add a section to the export (`export(user_id)` under `name`) and/or a step to
    account deletion (`erase(user_id)`). Registering a name again replaces it."""
    _PARTS[name] = PersonalData(name, export, erase)


def export_user_data(user_id: int) -> dict:
    """Everything we hold about the resident, as one JSON document.

    Raises UserNotFound when the account no longer exists.
    """
    user = users.get_user(user_id)
    data: dict = {
        "exported_at": utcnow().isoformat(),
        "user": {
            "id": user.id,
            "nickname": user.nickname,
            "avatar_url": users.avatar_url(user),
            "roles": user.role_names,
            "created_at": user.created_at.isoformat(),
        },
    }
    for part in _PARTS.values():
        if part.export is not None:
            data[part.name] = part.export(user_id)
    return data


def export_filename(user_id: int) -> str:
    """The name the export is saved under: tanpuhui-export-<id>-<YYYYMMDD, Beijing>.json."""
    return f"tanpuhui-export-{user_id}-{utcnow().astimezone(SHANGHAI):%Y%m%d}.json"


def delete_account(user_id: int) -> None:
    """Anonymise the resident's account (see the module docstring); cannot be undone.

    Raises UserNotFound (404 `user_not_found`).
    """
    for part in _PARTS.values():
        if part.erase is not None:
            part.erase(user_id)
    users.anonymise_user(user_id)
    revoke_user_tokens(user_id)
