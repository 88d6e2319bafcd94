"""Property test: any sequence of earn / spend / reverse / expire / retry keeps every
invariant (`verify_ledger`), and balances and lots match a plain-Python model of the
rules (lots by expiry, earliest first; refunds give back the same lots)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from app.errors import AppError
from app.extensions import db
from app.ledger import service
from app.ledger.expiry import expire_due_lots
from app.ledger.models import LedgerAccount, LedgerEntry, LedgerTransaction
from app.ledger.verify import verify_ledger
from tests.ledger.conftest import create_resident

pytestmark = pytest.mark.slow
EXPIRIES = [datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 7, 1, tzinfo=UTC),
            datetime(2028, 1, 1, tzinfo=UTC)]  # fmt: skip
LEDGER_TABLES = ("audit_log", "ledger_adjustments", "ledger_lot_movements", "ledger_lots",
                 "ledger_entries", "ledger_transactions", "ledger_accounts")  # fmt: skip

earn = st.tuples(
    st.just("earn"), st.integers(0, 1), st.integers(1, 50), st.integers(0, 2), st.booleans()
)
spend = st.tuples(st.just("spend"), st.integers(0, 1), st.integers(1, 30))
ops = st.lists(
    st.one_of(
        earn,
        earn,
        spend,
        spend,
        st.tuples(st.just("reverse"), st.integers(0, 40)),
        st.tuples(st.just("expire"), st.integers(0, 2)),
        st.tuples(st.just("retry"), st.integers(0, 40)),
    ),
    min_size=6,
    max_size=30,
)


@dataclass
class Txn:
    """The model's view of one posted transaction."""

    id: int
    user: int
    kind: str  # earn, spend, expiry, reversal
    moves: list[tuple[int, int]]  # (expiry index, signed amount)
    call: tuple | None = None  # how to repeat it (retry)
    reversed: bool = False


@dataclass
class Model:
    lots: list[dict[int, int]] = field(default_factory=lambda: [{}, {}])
    txns: list[Txn] = field(default_factory=list)

    def balance(self, user: int) -> int:
        return sum(self.lots[user].values())

    def take(self, user: int, amount: int, prefer: tuple[int, ...] = ()) -> list[tuple[int, int]]:
        moves, left = [], amount
        order = [e for e in prefer if e in self.lots[user]]
        order += sorted(e for e in self.lots[user] if e not in prefer)
        for e in order:
            part = min(left, self.lots[user][e])
            if part:
                self.lots[user][e] -= part
                moves.append((e, -part))
                left -= part
        assert left == 0
        return moves

    def give(self, user: int, moves: list[tuple[int, int]]) -> None:
        for e, amount in moves:
            self.lots[user][e] = self.lots[user].get(e, 0) + amount


def _wipe() -> None:
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(LEDGER_TABLES)} RESTART IDENTITY CASCADE"))
    else:
        for table in LEDGER_TABLES:
            db.session.execute(text(f"DELETE FROM {table}"))
    db.session.commit()


def _attempt(kind: str, call) -> tuple[object | None, str | None]:
    try:
        result = call()
        db.session.commit()
        event(f"{kind}: ok")
        return result, None
    except AppError as error:
        db.session.rollback()
        event(f"{kind}: {error.reason}")
        return None, error.reason


def _new_expiries(known: set[int], users: list[int]) -> dict[int, int]:
    """user index -> id of the expiry transaction just posted for them."""
    rows = db.session.execute(
        select(LedgerTransaction.id, LedgerAccount.user_id)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerTransaction.code == "expiry", LedgerAccount.user_id.is_not(None))
    ).all()
    return {users.index(uid): tid for tid, uid in rows if tid not in known}


def _run(model: Model, users: list[int], n: int, op: tuple) -> None:
    kind = op[0]
    if kind == "earn":
        _, u, amount, e, with_key = op
        key = {"idempotency_key": f"{users[u]}:k{n}", "request_hash": f"h{n}"} if with_key else {}

        def call():
            return service.earn_points(
                users[u], amount, code="checkin_reward", reference=f"op:{n}", memo="+",
                expires_at=EXPIRIES[e], **key,
            )  # fmt: skip

        txn, error = _attempt(kind, call)
        assert error is None
        model.give(u, [(e, amount)])
        model.txns.append(Txn(txn.id, u, "earn", [(e, amount)], call))
    elif kind == "spend":
        _, u, amount = op

        def call():
            return service.spend_points(
                users[u], amount, code="redemption", reference=f"op:{n}", memo="-"
            )

        txn, error = _attempt(kind, call)
        if model.balance(u) < amount:
            assert error == "insufficient_points"
            return
        assert error is None
        model.txns.append(Txn(txn.id, u, "spend", model.take(u, amount), call))
    elif kind == "reverse" and model.txns:
        target = model.txns[op[1] % len(model.txns)]

        def call():
            return service.reverse_transaction(
                target.id, code="reversal", reference=f"op:{n}", memo="冲正"
            )

        txn, error = _attempt(kind, call)
        if target.kind == "reversal":
            assert error == "cannot_reverse_reversal"
            return
        if target.reversed:
            assert error == "already_reversed"
            return
        amount = sum(m for _, m in target.moves)
        if amount > 0 and model.balance(target.user) < amount:
            assert error == "insufficient_points"
            return
        assert error is None, error
        if amount > 0:
            moves = model.take(target.user, amount, prefer=tuple(e for e, _ in target.moves))
        else:
            moves = [(e, -m) for e, m in target.moves]
            model.give(target.user, moves)
        target.reversed = True
        model.txns.append(Txn(txn.id, target.user, "reversal", moves, call))
    elif kind == "expire":
        now = EXPIRIES[op[1]]
        known = {t.id for t in model.txns}
        after = 0
        while (batch := expire_due_lots(now, after_account_id=after, limit=1)).last_account_id:
            after = batch.last_account_id
        db.session.commit()
        posted = _new_expiries(known, users)
        for u in (0, 1):
            due = [(e, -r) for e, r in sorted(model.lots[u].items()) if EXPIRIES[e] <= now and r]
            assert (u in posted) == bool(due)
            if due:
                event("expire: points expired")
                model.give(u, due)
                model.txns.append(Txn(posted[u], u, "expiry", due))
    elif kind == "retry" and model.txns:
        target = model.txns[op[1] % len(model.txns)]
        if target.call is None:
            return
        txn, error = _attempt(f"retry {target.kind}", target.call)
        assert error is None and txn.id == target.id


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=ops)
@example(  # a refund after the refunded points' lot expired, then expiry again
    sequence=[("earn", 0, 30, 0, True), ("earn", 0, 20, 2, False), ("spend", 0, 40),
              ("expire", 0), ("reverse", 2), ("retry", 2), ("expire", 1), ("reverse", 4),
              ("spend", 0, 10), ("retry", 0), ("reverse", 1)]
)  # fmt: skip
@example(  # both residents, a reversed credit that was partly spent, expiry of all lots
    sequence=[("earn", 0, 10, 1, False), ("earn", 1, 50, 0, True), ("spend", 1, 25),
              ("earn", 0, 5, 0, False), ("reverse", 1), ("spend", 0, 12), ("reverse", 0),
              ("retry", 2), ("expire", 2), ("reverse", 3)]
)  # fmt: skip
def test_any_sequence_keeps_every_invariant(pair, sequence):
    users = pair
    _wipe()
    model = Model()
    for n, op in enumerate(sequence):
        _run(model, users, n, op)
        for u in (0, 1):
            assert service.get_points_balance(users[u]) == model.balance(u)
            real = {lot.expires_at: lot.remaining for lot in service.list_expiring_lots(users[u])}
            assert real == {EXPIRIES[e]: r for e, r in model.lots[u].items() if r}
    report = verify_ledger()
    db.session.rollback()
    assert report.ok, [str(b) for b in report.breaches]


@pytest.fixture
def pair(ctx) -> list[int]:
    """Two residents for every example (examples wipe only the ledger tables)."""
    users = [create_resident(), create_resident()]
    db.session.commit()
    return users
