"""Synthetic residents with a history the application itself could have written.

For each resident: the user and its role, a `points` ledger account, N check-in rewards
(an approved carbon record and one `checkin_reward` ledger transaction from `issuance`,
with both entries hash-chained exactly as app/ledger/chain.py does), the lots those
points sit in and their lot movements. Every Nth resident also has points earned two
years ago whose lot is already due, so the expiry job has work. `flask ledger verify`
accepts the result; the generator continues the `issuance` chain where it stands, so it
can be run again to grow the data (10k -> 100k -> 1M residents).

PostgreSQL is loaded with COPY (foreign-key triggers off for the load: the rows are
consistent by construction and `ledger verify` checks the ledger afterwards); SQLite with
multi-row INSERTs. Run: `python -m bench.datagen --residents 100000` (DATABASE_URL).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from app.carbon.models import MethodologyVersion, Scenario
from app.carbon.rules import carbon_mg_for, shanghai_day
from app.extensions import db
from app.ledger.accounts import ISSUANCE, named_account
from app.ledger.chain import entry_hash
from app.ledger.lots import expiry_for
from app.ledger.models import GENESIS_HASH, LedgerAccount, LedgerEntry

TABLES = {
    "users": ("id", "openid", "nickname", "frozen_reason", "created_at"),
    "user_roles": ("user_id", "role"),
    "ledger_accounts": ("id", "kind", "owner", "user_id", "balance", "version",
                        "allow_negative", "created_at"),
    "ledger_transactions": ("id", "code", "reference", "memo", "created_at"),
    "ledger_lots": ("id", "account_id", "expires_at", "remaining", "created_at"),
    "ledger_entries": ("id", "transaction_id", "account_id", "amount", "balance_after",
                       "account_version", "prev_hash", "hash"),
    "ledger_lot_movements": ("id", "lot_id", "transaction_id", "amount"),
    "carbon_records": ("id", "user_id", "scenario_id", "methodology_version_id",
                       "quantity_milli", "carbon_mg", "points", "status", "evidence_type",
                       "evidence_ref", "day", "occurred_at", "risk_score", "risk_reasons",
                       "decided_at", "decision_note", "created_at"),
}  # fmt: skip
QR_SCENARIOS = ("bus_ride", "metro_ride", "parcel_box_return", "old_clothes")


@dataclass
class Plan:
    residents: int
    rewards_per_resident: int = 5  # two ledger entries each
    points_per_reward: int = 20
    due_every: int = 100  # every Nth resident also holds a lot that is already due
    days_back: int = 28


@dataclass
class _State:
    """Next ids and the issuance chain head, read from the database before a run."""

    next_ids: dict[str, int]
    issuance_id: int
    issuance_balance: int
    issuance_version: int
    issuance_hash: str
    scenarios: list[tuple[int, int, str, int]]  # scenario id, version id, name, factor
    policy: str

    def take(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value


@dataclass
class Stats:
    residents: int = 0
    transactions: int = 0
    entries: int = 0
    seconds: float = 0.0
    user_ids: list[int] = field(default_factory=list)


def _load_state(policy: str) -> _State:
    issuance = named_account(ISSUANCE)  # first: it takes an account id
    db.session.commit()
    next_ids = {}
    for table in TABLES:
        if table == "user_roles":
            continue
        next_ids[table] = int(db.session.scalar(text(f"SELECT max(id) FROM {table}")) or 0) + 1
    account = db.session.get(LedgerAccount, issuance.id, populate_existing=True)
    last_hash = GENESIS_HASH
    if account.version:
        last_hash = db.session.scalar(
            select(LedgerEntry.hash).where(
                LedgerEntry.account_id == account.id,
                LedgerEntry.account_version == account.version,
            )
        )
    rows = db.session.execute(
        select(Scenario.id, func.max(MethodologyVersion.id), Scenario.name)
        .join(MethodologyVersion, MethodologyVersion.scenario_id == Scenario.id)
        .where(Scenario.code.in_(QR_SCENARIOS))
        .group_by(Scenario.id, Scenario.name)
        .order_by(Scenario.id)
    ).all()
    if not rows:
        raise RuntimeError("no scenarios: run `flask seed` first")
    version_factors = select(MethodologyVersion.id, MethodologyVersion.factor_ug_per_unit)
    factors = dict(db.session.execute(version_factors).all())
    scenarios = [(sid, vid, name, int(factors[vid])) for sid, vid, name in rows]
    return _State(next_ids, account.id, int(account.balance), int(account.version), last_hash,
                  scenarios, policy)  # fmt: skip


def _resident_rows(state: _State, plan: Plan, now: datetime, out: dict[str, list]) -> int:
    """Append one resident's rows to `out`; returns the user id."""
    uid = state.take("users")
    account_id = state.take("ledger_accounts")
    joined = now - timedelta(days=60)
    out["users"].append((uid, f"bench-{uid}", f"居民{uid}", "", joined))
    out["user_roles"].append((uid, "resident"))
    lots: dict[datetime | None, list] = {}
    balance = version = 0
    last_hash = GENESIS_HASH
    points = plan.points_per_reward
    for k in range(plan.rewards_per_resident):
        if k == 0 and uid % plan.due_every == 0:
            created = datetime(now.year - 2, 1, 15, 2, 0, uid % 60, tzinfo=UTC)
        else:
            offset = (uid * 7919 + k * 104729) % (plan.days_back * 86400)
            created = now - timedelta(seconds=offset, microseconds=uid % 997)
        scenario_id, version_id, name, factor = state.scenarios[(uid + k) % len(state.scenarios)]
        record_id = state.take("carbon_records")
        txn_id = state.take("ledger_transactions")
        code, reference, memo = "checkin_reward", f"checkin:{record_id}", f"{name} +{points}"
        out["carbon_records"].append((
            record_id, uid, scenario_id, version_id, 1000, carbon_mg_for(1000, factor), points,
            "approved", "qr", "site:bench", shanghai_day(created), created, 0, "", created, "",
            created,
        ))  # fmt: skip
        out["ledger_transactions"].append((txn_id, code, reference, memo, created))
        # Legs in account id order, as the posting code applies them.
        state.issuance_version += 1
        state.issuance_balance -= points
        issuance_hash = entry_hash(
            prev_hash=state.issuance_hash, account_id=state.issuance_id,
            account_version=state.issuance_version, transaction_id=txn_id, amount=-points,
            balance_after=state.issuance_balance, code=code, reference=reference, memo=memo,
            created_at=created,
        )  # fmt: skip
        out["ledger_entries"].append((
            state.take("ledger_entries"), txn_id, state.issuance_id, -points,
            state.issuance_balance, state.issuance_version, state.issuance_hash, issuance_hash,
        ))  # fmt: skip
        state.issuance_hash = issuance_hash
        version += 1
        balance += points
        own_hash = entry_hash(
            prev_hash=last_hash, account_id=account_id, account_version=version,
            transaction_id=txn_id, amount=points, balance_after=balance, code=code,
            reference=reference, memo=memo, created_at=created,
        )  # fmt: skip
        out["ledger_entries"].append(
            (state.take("ledger_entries"), txn_id, account_id, points, balance, version,
             last_hash, own_hash)
        )  # fmt: skip
        last_hash = own_hash
        expires = expiry_for(created, state.policy)
        lot = lots.setdefault(expires, [state.take("ledger_lots"), 0, created])
        lot[1] += points
        out["ledger_lot_movements"].append((state.take("ledger_lot_movements"), lot[0], txn_id,
                                            points))  # fmt: skip
    out["ledger_accounts"].append(
        (account_id, "resident", str(uid), uid, balance, version, False, joined)
    )
    for expires, (lot_id, remaining, created) in lots.items():
        out["ledger_lots"].append((lot_id, account_id, expires, remaining, created))
    return uid


def _write_postgres(out: dict[str, list]) -> None:
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table, columns in TABLES.items():
            if not out[table]:
                continue
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in out[table]:
                    copy.write_row(row)


def _write_generic(out: dict[str, list]) -> None:
    for table, columns in TABLES.items():
        rows = out[table]
        if rows:
            target = db.metadata.tables[table]
            db.session.execute(target.insert(), [dict(zip(columns, r, strict=True)) for r in rows])


def generate(
    plan: Plan, *, chunk: int = 5000, progress: Callable[[str], None] | None = None
) -> Stats:
    """Add `plan.residents` residents (inside an app context; commits each chunk)."""
    from flask import current_app

    started = time.monotonic()
    db.session.rollback()
    state = _load_state(current_app.config.get("POINTS_EXPIRY_POLICY") or "end_of_following_year")
    writer = _write_postgres if db.engine.dialect.name == "postgresql" else _write_generic
    now = datetime.now(UTC)
    stats = Stats()
    done = 0
    while done < plan.residents:
        out: dict[str, list] = {table: [] for table in TABLES}
        size = min(chunk, plan.residents - done)
        for _ in range(size):
            stats.user_ids.append(_resident_rows(state, plan, now, out))
        stats.entries += len(out["ledger_entries"])
        stats.transactions += len(out["ledger_transactions"])
        writer(out)
        db.session.execute(
            LedgerAccount.__table__.update()
            .where(LedgerAccount.id == state.issuance_id)
            .values(balance=state.issuance_balance, version=state.issuance_version)
        )
        db.session.commit()
        done += size
        if progress:
            rate = done / max(time.monotonic() - started, 1e-9)
            progress(f"  {done}/{plan.residents} residents ({rate:,.0f}/s)")
    stats.residents = done
    if db.engine.dialect.name == "postgresql":
        for table in TABLES:
            if table != "user_roles":
                db.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                ))  # fmt: skip
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    stats.seconds = time.monotonic() - started
    return stats


def issue_tokens(user_ids: list[int], ttl_seconds: int = 7 * 86400) -> list[str]:
    """Bearer tokens for these users, made with app.auth.issue_token (commits)."""
    from app.auth import issue_token
    from app.users.models import User

    tokens: list[str] = []
    for start in range(0, len(user_ids), 1000):
        batch = user_ids[start : start + 1000]
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(batch)))}
        tokens.extend(issue_token(users[uid], ttl_seconds)[0] for uid in batch)
        db.session.commit()
    return tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, required=True)
    parser.add_argument("--rewards", type=int, default=5, help="check-in rewards per resident")
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args()
    from app import create_app

    app = create_app()
    with app.app_context():
        stats = generate(
            Plan(args.residents, rewards_per_resident=args.rewards), chunk=args.chunk,
            progress=lambda line: print(line, flush=True),
        )  # fmt: skip
    print(
        f"added {stats.residents} residents, {stats.transactions} transactions, "
        f"{stats.entries} ledger entries in {stats.seconds:.1f}s"
    )


if __name__ == "__main__":
    main()
