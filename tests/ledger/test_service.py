"""The ledger service API that check-ins, the mall and campaigns call (contracts.md)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.errors import AppError
from app.extensions import db
from app.ledger import service
from app.ledger.lots import expiry_for
from app.ledger.models import LedgerAccount, LedgerEntry, LedgerLot, LedgerTransaction
from tests.ledger.conftest import create_resident


def _earn(user_id: int, amount: int, ref: str, **kwargs) -> LedgerTransaction:
    return service.earn_points(
        user_id, amount, code="checkin_reward", reference=ref, memo=f"打卡 +{amount}", **kwargs
    )


def _spend(user_id: int, amount: int, ref: str, **kwargs) -> LedgerTransaction:
    return service.spend_points(
        user_id, amount, code="redemption", reference=ref, memo=f"兑换 -{amount}", **kwargs
    )


def _lots(user_id: int) -> list[tuple[datetime | None, int]]:
    return [(lot.expires_at, lot.remaining) for lot in service.list_expiring_lots(user_id)]


def test_earn_credits_the_resident_from_issuance_in_one_balanced_transaction(resident):
    txn = _earn(resident, 5, "checkin:1")
    db.session.commit()

    assert service.get_points_balance(resident) == 5
    entries = service.transaction_entries(txn.id)
    assert sorted(e.amount for e in entries) == [-5, 5]
    # The resident's issuance shard (docs/decisions/1001): "issuance" or "issuance:<n>".
    issuance = next(db.session.get(LedgerAccount, e.account_id) for e in entries if e.amount < 0)
    assert issuance.owner.partition(":")[0] == "issuance"
    assert issuance.balance == -5 and issuance.allow_negative
    assert txn.code == "checkin_reward" and txn.memo == "打卡 +5"
    resident_entry = next(e for e in entries if e.amount == 5)
    assert resident_entry.balance_after == 5 and resident_entry.account_version == 1


def test_same_reference_credits_once(resident):
    first = _earn(resident, 5, "checkin:7")
    again = _earn(resident, 5, "checkin:7")
    db.session.commit()

    assert again.id == first.id
    assert service.get_points_balance(resident) == 5
    assert service.find_transaction_by_reference("checkin:7").id == first.id
    assert service.find_transaction_by_reference("checkin:8") is None


def test_idempotency_key_replays_the_same_request_and_refuses_another(resident):
    first = _earn(resident, 5, "checkin:1", idempotency_key="9:k", request_hash="h1")
    replay = _earn(resident, 5, "checkin:1", idempotency_key="9:k", request_hash="h1")
    assert replay.id == first.id
    with pytest.raises(service.IdempotencyKeyReused) as caught:
        _earn(resident, 5, "checkin:1", idempotency_key="9:k", request_hash="other")
    assert caught.value.status == 422 and caught.value.reason == "idempotency_key_reused"
    # The same key used for another ledger operation is refused too, never silently merged.
    with pytest.raises(service.IdempotencyKeyReused):
        _earn(resident, 5, "checkin:2", idempotency_key="9:k", request_hash="h1")
    db.session.commit()
    assert service.get_points_balance(resident) == 5


def test_spend_takes_points_and_refuses_to_go_below_zero(resident):
    _earn(resident, 100, "e:1")
    _spend(resident, 30, "coupon:1")
    with pytest.raises(service.InsufficientPoints) as caught:
        _spend(resident, 71, "coupon:2")
    assert caught.value.status == 409 and caught.value.reason == "insufficient_points"
    db.session.commit()

    assert service.get_points_balance(resident) == 70
    assert service.find_transaction_by_reference("coupon:2") is None  # nothing half-written
    redemptions = db.session.scalar(
        select(func.sum(LedgerAccount.balance)).where(
            (LedgerAccount.owner == "redemptions") | LedgerAccount.owner.startswith("redemptions:")
        )
    )
    assert redemptions == 30  # over the shards (docs/decisions/1001)


def test_spend_without_any_points_is_insufficient(resident):
    with pytest.raises(service.InsufficientPoints):
        _spend(resident, 1, "coupon:1")


def test_spend_to_a_merchant_settlement_account(resident):
    _earn(resident, 10, "e:1")
    txn = _spend(resident, 10, "coupon:1", counter_account="merchant:42")
    accounts = {e.account_id: e.amount for e in service.transaction_entries(txn.id)}
    merchant = db.session.scalar(
        select(LedgerAccount).where(LedgerAccount.kind == "merchant", LedgerAccount.owner == "42")
    )
    assert accounts[merchant.id] == 10
    with pytest.raises(ValueError):
        _spend(resident, 1, "coupon:2", counter_account="nowhere")


def test_spending_takes_the_earliest_expiring_lots_first(resident):
    soon = datetime(2027, 1, 1, tzinfo=UTC)
    later = datetime(2028, 1, 1, tzinfo=UTC)
    _earn(resident, 10, "e:later", expires_at=later)
    _earn(resident, 10, "e:soon", expires_at=soon)
    _earn(resident, 5, "e:soon2", expires_at=soon)  # same expiry: the same lot
    _spend(resident, 18, "coupon:1")

    assert _lots(resident) == [(later, 7)]


def test_reversing_a_spend_gives_back_the_same_lots(resident):
    soon = datetime(2027, 1, 1, tzinfo=UTC)
    later = datetime(2028, 1, 1, tzinfo=UTC)
    _earn(resident, 10, "e:1", expires_at=soon)
    _earn(resident, 10, "e:2", expires_at=later)
    spend = _spend(resident, 15, "coupon:1")
    _earn(resident, 3, "e:3", expires_at=soon)

    refund = service.reverse_transaction(
        spend.id, code="redemption_refund", reference="coupon-refund:1", memo="退券 +15"
    )
    db.session.commit()

    assert refund.reverses_id == spend.id
    assert service.get_points_balance(resident) == 23
    assert _lots(resident) == [(soon, 13), (later, 10)]
    original = {e.account_id: e.amount for e in service.transaction_entries(spend.id)}
    opposite = {e.account_id: e.amount for e in service.transaction_entries(refund.id)}
    assert opposite == {k: -v for k, v in original.items()}


def test_a_transaction_is_reversed_at_most_once(resident):
    _earn(resident, 10, "e:1")
    spend = _spend(resident, 10, "coupon:1")
    first = service.reverse_transaction(spend.id, code="r", reference="refund:1", memo="退")
    assert service.reverse_transaction(spend.id, code="r", reference="refund:1", memo="退") is first
    with pytest.raises(service.AlreadyReversed) as caught:
        service.reverse_transaction(spend.id, code="r", reference="refund:other", memo="退")
    assert caught.value.reason == "already_reversed"
    with pytest.raises(service.CannotReverseReversal):
        service.reverse_transaction(first.id, code="r", reference="refund:2", memo="退")
    with pytest.raises(service.TransactionNotFound):
        service.reverse_transaction(999_999, code="r", reference="refund:3", memo="退")
    db.session.commit()
    assert service.get_points_balance(resident) == 10


def test_reversing_a_credit_takes_its_own_lot_first_and_never_goes_negative(resident):
    soon = datetime(2027, 1, 1, tzinfo=UTC)
    later = datetime(2028, 1, 1, tzinfo=UTC)
    _earn(resident, 10, "e:1", expires_at=soon)
    credit = _earn(resident, 10, "e:2", expires_at=later)
    service.reverse_transaction(credit.id, code="reversal", reference="rev:e:2", memo="撤销")
    assert _lots(resident) == [(soon, 10)]

    other = _earn(resident, 10, "e:3", expires_at=later)
    _spend(resident, 15, "coupon:1")
    with pytest.raises(service.InsufficientPoints):
        service.reverse_transaction(other.id, code="reversal", reference="rev:e:3", memo="撤销")
    db.session.commit()
    assert service.get_points_balance(resident) == 5


def test_default_expiry_is_the_end_of_the_following_year_in_shanghai(resident):
    txn = _earn(resident, 1, "e:1")
    (lot,) = service.list_expiring_lots(resident)
    assert lot.expires_at == expiry_for(txn.created_at)
    # Earned 2026-12-31 20:00 UTC = 2027-01-01 04:00 in Shanghai: counts as 2027.
    earned = datetime(2026, 12, 31, 20, tzinfo=UTC)
    assert expiry_for(earned, "end_of_following_year") == datetime(2028, 12, 31, 16, tzinfo=UTC)
    assert expiry_for(earned, "days:30") == datetime(2027, 1, 31, 16, tzinfo=UTC)
    assert expiry_for(earned, "never") is None
    with pytest.raises(ValueError):
        expiry_for(earned, "fortnightly")


def test_balance_of_someone_without_points_is_zero(ctx):
    assert service.get_points_balance(123_456) == 0
    assert service.list_ledger_entries(123_456, 20, None) == ([], None)


def test_ensure_resident_account_is_get_or_create(resident):
    first = service.ensure_resident_account(resident)
    assert service.ensure_resident_account(resident).id == first.id
    assert first.balance == 0 and not first.allow_negative
    with pytest.raises(service.AccountNotFound) as caught:
        service.ensure_resident_account(987_654)
    assert caught.value.status == 404


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_amounts_must_be_positive_integers(resident, amount):
    with pytest.raises(ValueError):
        _earn(resident, amount, "e:bad")
    with pytest.raises(ValueError):
        _spend(resident, amount, "s:bad")


def test_every_transaction_balances_and_chains(resident):
    other = create_resident()
    _earn(resident, 50, "e:1")
    _earn(other, 20, "e:2")
    spend = _spend(resident, 20, "c:1")
    service.reverse_transaction(spend.id, code="redemption_refund", reference="cr:1", memo="退")
    db.session.commit()

    sums = db.session.execute(
        select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount), func.count()).group_by(
            LedgerEntry.transaction_id
        )
    ).all()
    assert all(total == 0 and count >= 2 for _, total, count in sums)
    for account in db.session.scalars(select(LedgerAccount)):
        entries = list(
            db.session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.account_id == account.id)
                .order_by(LedgerEntry.account_version)
            )
        )
        assert [e.account_version for e in entries] == list(range(1, len(entries) + 1))
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
        assert sum(e.amount for e in entries) == account.balance
    lots_total = db.session.scalar(select(func.sum(LedgerLot.remaining)))
    assert lots_total == 50 + 20


def test_service_errors_are_app_errors():
    for error in (service.InsufficientPoints, service.AlreadyReversed, service.TransactionNotFound):
        assert issubclass(error, AppError)


def test_expires_at_must_be_timezone_aware(resident):
    with pytest.raises(ValueError):
        _earn(resident, 1, "e:naive", expires_at=datetime(2030, 1, 1) + timedelta(0))
