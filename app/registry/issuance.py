"""Issuing a verified batch (签发): a second operator, whole units from the counted carbon
plus the programme's carried remainder, the remainder carried on, the buffer share apart
(docs/decisions/0804)."""

from __future__ import annotations

import math
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db import utcnow
from app.errors import Conflict
from app.extensions import db
from app.registry import books, organisations, programmes
from app.registry.batches import get_batch, move_status
from app.registry.models import (
    ACCOUNT_BUFFER,
    ACCOUNT_HELD,
    ACCOUNT_ISSUANCE,
    BATCH_ISSUED,
    BATCH_VERIFIED,
    MG_PER_UNIT,
    Batch,
)
from app.registry.settings import setting


class SameOperator(Conflict):
    reason, message = "same_operator", "签发需要另一位运营人员复核（四眼原则）"


IssueHook = Callable[[Batch, int], None]
_AFTER_ISSUE: dict[str, IssueHook] = {}


def register_after_issue(kind: str, hook: IssueHook) -> None:
    """Let a domain act, in the issuing transaction, on its programmes' newly issued
    batches (carbon sinks retire their adopters' share)."""
    _AFTER_ISSUE[kind] = hook


def issue_batch(batch_id: int, operator_id: int) -> Batch:
    """Issue a verified batch's units (签发) to the programme's holder (the platform's by
    default), buffer share apart; then the programme kind's after-issue hook runs.

    Raises BatchNotFound, BatchWrongState, SameOperator (409: the operator who assembled
    or submitted it cannot issue it), Conflict (`issue_conflict`: retry).
    """
    batch = get_batch(batch_id)
    if operator_id in (batch.created_by, batch.submitted_by):
        raise SameOperator()
    previous = _carry_source(batch)
    carry_in = previous.carry_out_mg if previous is not None else 0
    units, carry_out = divmod(batch.total_mg + carry_in, MG_PER_UNIT)
    buffer_units = math.ceil(units * setting("REGISTRY_BUFFER_PERCENT") / 100)
    try:
        with db.session.begin_nested():
            batch = move_status(
                batch.id,
                (BATCH_VERIFIED,),
                BATCH_ISSUED,
                issued_by=operator_id,
                issued_at=utcnow(),
                carried_from_id=previous.id if previous is not None else None,
                carry_in_mg=carry_in,
                units=units,
                carry_out_mg=carry_out,
                buffer_units=buffer_units,
                serial=programmes.batch_serial(batch),
            )
            if units:
                _post_issuance(batch, operator_id)
            if (hook := _AFTER_ISSUE.get(batch.programme.kind)) is not None:
                hook(batch, operator_id)
    except IntegrityError:
        raise Conflict("同一方法学的另一个批次正在签发，请重试", reason="issue_conflict") from None
    return batch


def _carry_source(batch: Batch) -> Batch | None:
    """The programme's latest issued batch whose remainder has not been carried on."""
    carried = select(Batch.carried_from_id).where(Batch.carried_from_id.is_not(None))
    return db.session.scalar(
        select(Batch)
        .where(
            Batch.programme_id == batch.programme_id,
            Batch.status == BATCH_ISSUED,
            Batch.id.not_in(carried),
        )
        .order_by(Batch.issued_at.desc(), Batch.id.desc())
        .limit(1)
    )


def _post_issuance(batch: Batch, operator_id: int) -> None:
    holder_id = batch.programme.issue_to_holder_id or organisations.platform_holder().id
    issuance = books.account_for(batch.id, ACCOUNT_ISSUANCE)
    legs = []
    held = batch.units - batch.buffer_units
    if held:
        legs.append(
            books.Leg(issuance, books.account_for(batch.id, ACCOUNT_HELD, holder_id), held, first=1)
        )
    if batch.buffer_units:
        legs.append(
            books.Leg(
                issuance,
                books.account_for(batch.id, ACCOUNT_BUFFER),
                batch.buffer_units,
                first=held + 1,
            )
        )
    books.post_movement(
        kind="issue",
        batch_id=batch.id,
        reference=f"batch:{batch.id}:issue",
        memo=f"签发 {batch.serial}",
        legs=legs,
        created_by=operator_id,
    )
