"""Joining the alliance: a resident applies from the mini-program, an operator decides.

An application carries what a resident needs to find the shop (name, address, phone,
opening hours, position) and a licence photo (an upload of the applicant's, checked and
stored without metadata by the check-ins domain). One pending application per resident
(a unique column that is NULL once decided). A decision is one conditional UPDATE from
`pending`, so two operators deciding at once make one decision; approval admits the
merchant in the same transaction (the applicant becomes `merchant_owner`), rejection
keeps the operator's reason, and the applicant gets a WeChat notice after the commit.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.audit.service import record_audit
from app.checkins import service as checkins
from app.clock import SHANGHAI
from app.db import utcnow
from app.errors import Conflict, NotFound
from app.extensions import db
from app.merchants.models import (
    APPLICATION_APPROVED,
    APPLICATION_PENDING,
    APPLICATION_REJECTED,
    APPLICATION_WITHDRAWN,
    MerchantApplication,
    MerchantStaff,
)
from app.merchants.service import AlreadyMerchantStaff, create_merchant
from app.notices import notify_after_commit, thing
from app.pagination import paginate_desc
from app.users import service as users

APPLY_PAGE = "pages/merchant-apply/index"
WORKBENCH_PAGE = "merchant/index/index"
PLACE_FIELDS = ("name", "description", "address", "phone", "opening_hours",
                "latitude_e6", "longitude_e6")  # fmt: skip


class ApplicationNotFound(NotFound):
    reason, message = "application_not_found", "入驻申请不存在"


class ApplicationPending(Conflict):
    reason, message = "application_pending", "你已有一份待审核的入驻申请"


class ApplicationDecided(Conflict):
    reason, message = "application_decided", "该申请已处理"


def submit_application(user_id: int, fields: dict) -> MerchantApplication:
    """A resident asks to join the alliance with their shop's details and licence photo.

    Raises AlreadyMerchantStaff (409, they already work for a merchant), UploadNotFound
    (404, the licence photo is not theirs), ApplicationPending (409).
    """
    if db.session.scalar(select(MerchantStaff.id).where(MerchantStaff.user_id == user_id)):
        raise AlreadyMerchantStaff()
    licence = checkins.own_upload_id(user_id, fields["licence_upload_id"])
    application = MerchantApplication(
        user_id=user_id,
        pending_user_id=user_id,
        licence_upload_id=licence,
        status=APPLICATION_PENDING,
        **{name: fields[name] for name in PLACE_FIELDS},
    )
    try:
        with db.session.begin_nested():  # the unique pending_user_id: one at a time
            db.session.add(application)
    except IntegrityError:
        raise ApplicationPending() from None
    return application


def list_my_applications(user_id: int, limit: int, cursor: str | None):
    """The resident's applications, newest first. Raises InvalidCursor."""
    stmt = select(MerchantApplication).where(MerchantApplication.user_id == user_id)
    return paginate_desc(stmt, MerchantApplication.id, limit, cursor)


def withdraw_application(user_id: int, application_id: int) -> MerchantApplication:
    """The applicant takes back a pending application. Raises ApplicationNotFound (also
    another resident's), ApplicationDecided (409)."""
    application = db.session.get(MerchantApplication, application_id)
    if application is None or application.user_id != user_id:
        raise ApplicationNotFound()
    return _decide(application_id, APPLICATION_WITHDRAWN, decided_by=None, note="")


def list_applications(status: str | None, limit: int, cursor: str | None):
    """Applications for operators, newest first (`status` filters). Raises InvalidCursor."""
    stmt = select(MerchantApplication)
    if status:
        stmt = stmt.where(MerchantApplication.status == status)
    return paginate_desc(stmt, MerchantApplication.id, limit, cursor)


def get_application(application_id: int) -> MerchantApplication:
    """One application. Raises ApplicationNotFound."""
    application = db.session.get(MerchantApplication, application_id)
    if application is None:
        raise ApplicationNotFound()
    return application


def approve_application(application_id: int, operator_id: int) -> MerchantApplication:
    """Admit the applicant's shop: the merchant is created with the application's details
    and the applicant becomes its owner (`merchant_owner`), in this transaction.

    Raises ApplicationNotFound, ApplicationDecided (409), AlreadyMerchantStaff (409: they
    joined another merchant meanwhile; the application stays pending),
    NotFound (`user_not_found`: the applicant deleted their account).
    """
    application = _decide(application_id, APPLICATION_APPROVED, operator_id, "")
    merchant = create_merchant(
        created_by=operator_id,
        owner_user_id=application.user_id,
        **{name: getattr(application, name) for name in PLACE_FIELDS},
    )
    application.merchant_id = merchant.id
    db.session.flush()
    after = {"status": APPLICATION_APPROVED, "merchant_id": merchant.id}
    record_audit(
        operator_id, "merchant_application.approve", f"merchant_application:{application.id}",
        {"status": APPLICATION_PENDING}, after,
    )  # fmt: skip
    _notify(application, WORKBENCH_PAGE)
    return application


def reject_application(application_id: int, operator_id: int, reason: str) -> MerchantApplication:
    """Turn an application down with the reason the applicant will read.

    Raises ApplicationNotFound, ApplicationDecided (409)."""
    application = _decide(application_id, APPLICATION_REJECTED, operator_id, reason.strip())
    record_audit(
        operator_id, "merchant_application.reject", f"merchant_application:{application.id}",
        {"status": APPLICATION_PENDING}, {"status": APPLICATION_REJECTED, "reason": reason},
    )  # fmt: skip
    _notify(application, APPLY_PAGE)
    return application


def _decide(
    application_id: int, status: str, decided_by: int | None, note: str
) -> MerchantApplication:
    # Conditional UPDATE: of two decisions at once exactly one moves it out of pending.
    moved = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        update(MerchantApplication)
        .where(
            MerchantApplication.id == application_id,
            MerchantApplication.status == APPLICATION_PENDING,
        )
        .values(
            status=status,
            pending_user_id=None,
            decided_by=decided_by,
            decided_at=utcnow(),
            review_note=note,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    application = db.session.get(MerchantApplication, application_id, populate_existing=True)
    if application is None:
        raise ApplicationNotFound()
    if moved != 1:
        raise ApplicationDecided()
    return application


def _notify(application: MerchantApplication, page: str) -> None:
    openid = users.find_user(application.user_id).openid
    approved = application.status == APPLICATION_APPROVED
    # mypy: notified only once decided: decided_at is set.
    decided = application.decided_at.astimezone(SHANGHAI)  # type: ignore[union-attr]
    data = {
        "thing1": thing(application.name),
        "phrase2": {"value": "已通过" if approved else "未通过"},
        "thing3": thing("欢迎加入低碳商业联盟" if approved else application.review_note),
        "time4": {"value": f"{decided:%Y-%m-%d %H:%M}"},
    }
    template = current_app.config.get(
        "WECHAT_TEMPLATE_MERCHANT_APPLICATION", "merchant_application_result"
    )
    notify_after_commit(openid, template, data, page)


def export_applications(user_id: int) -> list[dict]:
    """The resident's applications (data export)."""
    rows = db.session.scalars(
        select(MerchantApplication)
        .where(MerchantApplication.user_id == user_id)
        .order_by(MerchantApplication.id)
    )
    return [
        {
            "id": a.id,
            **{name: getattr(a, name) for name in PLACE_FIELDS},
            "licence_upload_id": a.licence_upload_id,
            "status": a.status,
            "review_note": a.review_note,
            "created_at": a.created_at.isoformat(),
            "decided_at": a.decided_at.isoformat() if a.decided_at else None,
        }
        for a in rows
    ]


def withdraw_pending_of_user(user_id: int) -> None:
    """Account deletion: a pending application is withdrawn (decided ones stay: they are
    the record of why a merchant was admitted or not)."""
    db.session.execute(
        update(MerchantApplication)
        .where(
            MerchantApplication.user_id == user_id,
            MerchantApplication.status == APPLICATION_PENDING,
        )
        .values(status=APPLICATION_WITHDRAWN, pending_user_id=None, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
