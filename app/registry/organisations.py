"""Organisations of the registry: holders (enterprises, event organisers, the platform)
and verification bodies, each with console logins; created by operators."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.checkins import service as checkins
from app.db import table_of, utcnow
from app.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.extensions import db
from app.registry.models import HOLDER_KINDS, HOLDER_PLATFORM, Holder, OrganisationMember, Verifier
from app.registry.settings import setting
from app.sql import conflict_insert
from app.users import service as users

PLATFORM_CODE = "PLATFORM"
_HOLDER_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")
ROLE_HOLDER = "holder"
ROLE_VERIFIER = "verifier"

_holders = table_of(Holder)


class HolderNotFound(NotFound):
    reason, message = "holder_not_found", "持有机构不存在"


class VerifierNotFound(NotFound):
    reason, message = "verifier_not_found", "核查机构不存在"


class NotAMember(Forbidden):
    reason, message = "not_registry_member", "当前账号不属于任何持有机构或核查机构"


def create_holder(code: str, name: str, kind: str, created_by: int | None) -> Holder:
    """An organisation account that can hold units.

    Raises Unprocessable (`invalid_holder`), Conflict (`holder_exists`)."""
    code = code.strip().upper()
    if not _HOLDER_CODE.match(code) or kind not in HOLDER_KINDS or kind == HOLDER_PLATFORM:
        raise Unprocessable(
            "机构代码为 2-32 位大写字母、数字、-、_；类型无效", reason="invalid_holder"
        )
    if db.session.scalar(select(Holder.id).where(Holder.code == code)):
        raise Conflict("机构代码已存在", reason="holder_exists")
    holder = Holder(code=code, name=name.strip(), kind=kind, created_by=created_by)
    db.session.add(holder)
    db.session.flush()
    return holder


def platform_holder() -> Holder:
    """The platform's own holder account, where issued units land (created on first use)."""
    lookup = select(Holder).where(Holder.code == PLATFORM_CODE)
    if (found := db.session.scalar(lookup)) is not None:
        return found
    db.session.execute(
        conflict_insert(_holders)
        .values(
            code=PLATFORM_CODE,
            name=setting("REGISTRY_PLATFORM_NAME"),
            kind=HOLDER_PLATFORM,
            active=True,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["code"])
    )
    return db.session.execute(lookup).scalar_one()


def get_holder(holder_id: int) -> Holder:
    """One holder. Raises HolderNotFound."""
    holder = db.session.get(Holder, holder_id)
    if holder is None:
        raise HolderNotFound()
    return holder


def create_verifier(name: str, accreditation: str, created_by: int | None) -> Verifier:
    """A third-party verification body. Raises Conflict (`verifier_exists`)."""
    if db.session.scalar(select(Verifier.id).where(Verifier.name == name.strip())):
        raise Conflict("核查机构已存在", reason="verifier_exists")
    verifier = Verifier(
        name=name.strip(), accreditation=accreditation.strip(), created_by=created_by
    )
    db.session.add(verifier)
    db.session.flush()
    return verifier


def get_verifier(verifier_id: int) -> Verifier:
    """One verifier. Raises VerifierNotFound."""
    verifier = db.session.get(Verifier, verifier_id)
    if verifier is None:
        raise VerifierNotFound()
    return verifier


def create_member_login(
    username: str, password: str, *, holder_id: int | None = None, verifier_id: int | None = None
) -> int:
    """A console login for a holder (role `holder`) or a verifier (role `verifier`);
    returns the user id. Raises HolderNotFound, VerifierNotFound, Conflict
    (`username_taken`)."""
    if holder_id is not None:
        name, role = get_holder(holder_id).name, ROLE_HOLDER
    else:
        # mypy: callers pass holder_id or verifier_id; None finds no verifier (VerifierNotFound).
        name, role = get_verifier(verifier_id).name, ROLE_VERIFIER  # type: ignore[arg-type]
    user = users.create_console_user(username, password, role=role, nickname=name)
    db.session.add(
        OrganisationMember(user_id=user.id, holder_id=holder_id, verifier_id=verifier_id)
    )
    db.session.flush()
    return user.id


def _membership(user_id: int) -> OrganisationMember:
    member = db.session.get(OrganisationMember, user_id)
    if member is None:
        raise NotAMember()
    return member


def holder_of(user_id: int) -> int:
    """The holder a console user acts for. Raises NotAMember (403)."""
    member = _membership(user_id)
    if member.holder_id is None:
        raise NotAMember()
    return member.holder_id


def verifier_of(user_id: int) -> int:
    """The verification body a console user works for. Raises NotAMember (403)."""
    member = _membership(user_id)
    if member.verifier_id is None:
        raise NotAMember()
    return member.verifier_id


def partners_claiming_reductions() -> list[str]:
    """Partners that count their reductions themselves: their records are never batched."""
    return checkins.partners_claiming_reductions()
