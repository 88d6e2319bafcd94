"""`flask registry verify` replays each account's serial ranges in its chain's order: a
movement numbered before another but applied after it (on PostgreSQL its row is written
before it waits for its accounts' locks) is no breach, and units an account sends without
holding them still are."""

from __future__ import annotations

from sqlalchemy import update

from app.db import utcnow
from app.extensions import db
from app.registry import books
from app.registry.models import ACCOUNT_HELD, UnitAccount, UnitTransaction
from tests.registry.support import issued_batch, new_holder, registry_verify, world

HOLDER = "/api/v1/holder"


def _two_holders(app, client, make_operator) -> tuple[int, int, int, int]:
    """An issued batch of 10 units; 1-3 sent to a first holder, 4-6 to a second (whose
    account has the higher id). Returns (batch, platform, first, second) ids."""
    w = world(app, client, make_operator)
    batch = issued_batch(app, client, w)  # 10 units: 9 platform, 1 buffer
    ids = [new_holder(client, w, f"H{i}", f"持有方 {i}")[0] for i in range(2)]
    for to, first in zip(ids, (1, 4), strict=True):
        body = {"batch_id": batch["id"], "to_holder_id": to, "quantity": 3, "first": first}
        assert w.post(client, f"{HOLDER}/transfers", body, w.platform).status_code == 201
    return batch["id"], w.platform_id, ids[0], ids[1]


def _movement_row(batch_id: int, reference: str) -> UnitTransaction:
    txn = UnitTransaction(
        kind="transfer", batch_id=batch_id, reference=reference, memo="转让", created_at=utcnow()
    )
    db.session.add(txn)
    db.session.flush()
    return txn


def test_a_movement_applied_after_a_later_numbered_one_replays_in_chain_order(
    app, client, make_operator
):
    batch_id, platform, first, second = _two_holders(app, client, make_operator)
    with app.app_context():

        def held(holder: int) -> int:
            return books.account_for(batch_id, ACCOUNT_HELD, holder)

        # What post_movement does, interleaved as on PostgreSQL: the second holder's
        # onward transfer of 7-9 claims its row (and id) first, then waits for the
        # accounts' locks while the platform's transfer of 7-9 to it is posted.
        waiter = _movement_row(batch_id, "transfer:waiter")
        later = books.post_movement(
            kind="transfer",
            batch_id=batch_id,
            reference="transfer:later",
            memo="转让",
            legs=[books.Leg(held(platform), held(second), 3, 7)],
            created_by=None,
        )
        books._apply(waiter, [books.Leg(held(second), held(first), 3, 7)], {})
        db.session.commit()
        assert waiter.id < later.id
        db.session.remove()
    registry_verify(app)  # failed before: replayed in id order, 7-9 left before arriving


def test_units_sent_without_being_held_are_a_replay_breach(app, client, make_operator):
    batch_id, _, first, second = _two_holders(app, client, make_operator)
    with app.app_context():
        source = books.account_for(batch_id, ACCOUNT_HELD, first)
        target = books.account_for(batch_id, ACCOUNT_HELD, second)
        # A forged movement with sound chains and balances: 7-9 "leave" the first holder,
        # which holds only 1-3 (its blocks are left alone).
        txn = _movement_row(batch_id, "transfer:forged")
        heads = {account: books._hold(account, delta) for account, delta in
                 ((source, -3), (target, 3))}  # fmt: skip
        books._entry(txn, heads, source, -3, 7, 9)
        books._entry(txn, heads, target, 3, 7, 9)
        for account, head in heads.items():
            db.session.execute(
                update(UnitAccount).where(UnitAccount.id == account).values(version=head.version)
            )
        db.session.commit()
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["registry", "verify"])
    assert result.exit_code != 0
    assert f"serials 7-9 left account #{source} that did not hold them" in result.output
    assert "chain" not in result.output  # the forgery's chains are sound: replay finds it
