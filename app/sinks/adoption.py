"""Residents adopting a tree for a year with points (认领树苗), the adoption certificate,
and a tree found dead: replaced from the project's spare trees, the resident told.

An adoption is an exclusive (tree, year) claim: one INSERT ... ON CONFLICT DO NOTHING on
the unique (tree_id, year), so of any number of residents adopting one tree-year at once
exactly one wins (409 `tree_already_adopted` for the rest). The points go to the
project's owner through the ledger (`holder:<owner>`), in the same transaction.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update

from app.clock import shanghai_today
from app.db import table_of, utcnow
from app.errors import Conflict, NotFound, Unprocessable
from app.extensions import db
from app.ledger import service as ledger
from app.notices import notify_after_commit, thing
from app.sinks.models import (
    ADOPTION_ACTIVE,
    ADOPTION_REPLACED,
    TREE_ALIVE,
    TREE_DEAD,
    Adoption,
    SinkCredit,
    SinkProject,
    Tree,
)
from app.sinks.projects import get_tree
from app.sql import conflict_insert
from app.users import service as users

_adoptions = table_of(Adoption)
ADOPTIONS_PAGE = "pages/trees/index"


class TreeAlreadyAdopted(Conflict):
    reason, message = "tree_already_adopted", "这棵树今年已被认领，换一棵吧"


class TreeNotAdoptable(Conflict):
    reason, message = "tree_not_adoptable", "这棵树暂不可认领"


def _insert(tree_id: int, year: int, user_id: int, points: int, replaces_id=None) -> int | None:
    row = db.session.execute(
        conflict_insert(_adoptions)
        .values(
            tree_id=tree_id,
            year=year,
            user_id=user_id,
            points=points,
            status=ADOPTION_ACTIVE,
            replaces_id=replaces_id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["tree_id", "year"])
        .returning(_adoptions.c.id)
    ).first()
    return row.id if row else None


def adopt_tree(
    user_id: int,
    tree_id: int,
    year: int | None = None,
    *,
    idempotency_key: str | None = None,
    request_hash: str | None = None,
) -> Adoption:
    """Adopt a living tree for a year (this year by default, or next) for the project's
    price in points. Raises AccountFrozen (403 `account_frozen`), TreeNotFound (404),
    Unprocessable (`invalid_year`), TreeNotAdoptable, TreeAlreadyAdopted, InsufficientPoints
    (409)."""
    users.require_not_frozen(user_id)
    tree = get_tree(tree_id)
    this_year = shanghai_today().year
    year = this_year if year is None else year
    if year not in (this_year, this_year + 1):
        raise Unprocessable("只能认领今年或明年", reason="invalid_year")
    project = db.session.get_one(SinkProject, tree.project_id)
    if tree.status != TREE_ALIVE or tree.spare or project.adoption_points <= 0:
        raise TreeNotAdoptable()
    adoption_id = _insert(tree.id, year, user_id, project.adoption_points)
    if adoption_id is None:
        raise TreeAlreadyAdopted()
    txn = ledger.spend_points(
        user_id,
        project.adoption_points,
        code="tree_adoption",
        reference=f"adoption:{adoption_id}",
        memo=f"认领 {tree.species} {tree.code}（{year}年）"[:200],
        counter_account=f"holder:{project.owner_holder_id}",
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    adoption = db.session.get_one(Adoption, adoption_id)
    adoption.ledger_txn_id = txn.id
    db.session.flush()
    return adoption


def my_adoptions(user_id: int) -> list[dict]:
    """The resident's adoptions with tree, project and, after monitoring, the verified
    sequestration (their sink credit) for the certificate."""
    rows = db.session.execute(
        select(Adoption, Tree, SinkProject)
        .join(Tree, Tree.id == Adoption.tree_id)
        .join(SinkProject, SinkProject.id == Tree.project_id)
        .where(Adoption.user_id == user_id)
        .order_by(Adoption.id.desc())
    ).all()
    credits = {
        c.adoption_id: c
        for c in db.session.scalars(select(SinkCredit).where(SinkCredit.user_id == user_id))
    }
    moved = dict(
        db.session.execute(
            select(Adoption.replaces_id, Tree.code)
            .join(Tree, Tree.id == Adoption.tree_id)
            .where(Adoption.user_id == user_id, Adoption.replaces_id.is_not(None))
        )
        .tuples()
        .all()
    )
    refund_refs = [
        f"adoption-refund:{a.id}"
        for a, _t, _p in rows
        if a.status == ADOPTION_REPLACED and a.id not in moved
    ]
    refunded = {ref for ref in refund_refs if ledger.find_transaction_by_reference(ref)}
    return [
        {
            "adoption": a,
            "tree": t,
            "project": p,
            "credit": credits.get(a.id),
            "estimated_kg": p.methodology.mg_per_year / 1_000_000,
            "replaced_by": moved.get(a.id),
            "refunded": f"adoption-refund:{a.id}" in refunded,
        }
        for a, t, p in rows
    ]


def mark_tree_dead(tree_id: int, operator_id: int) -> list[Adoption]:
    """A tree found dead: its adoptions of this year and later move to spare (else free)
    trees of the same project, and each resident is told; with no tree left their points
    come back. Returns the new adoptions. Raises TreeNotFound, Conflict (`tree_dead`)."""
    moved = db.session.execute(  # type: ignore[attr-defined]  # a DML result is a CursorResult
        update(Tree)
        .where(Tree.id == tree_id, Tree.status == TREE_ALIVE)
        .values(status=TREE_DEAD)
        .execution_options(synchronize_session=False)
    ).rowcount
    tree = get_tree(tree_id)
    if moved != 1:
        raise Conflict("这棵树已登记为枯死", reason="tree_dead")
    adoptions = db.session.scalars(
        select(Adoption).where(
            Adoption.tree_id == tree.id,
            Adoption.status == ADOPTION_ACTIVE,
            Adoption.year >= shanghai_today().year,
        )
    ).all()
    replaced = []
    for old in adoptions:
        new = _replace(old, tree)
        old.status = ADOPTION_REPLACED
        db.session.flush()
        if new is not None:
            replaced.append(new)
        _tell(old, tree, new)
    return replaced


def _replace(old: Adoption, dead: Tree) -> Adoption | None:
    candidates = db.session.scalars(
        select(Tree)
        .where(Tree.project_id == dead.project_id, Tree.status == TREE_ALIVE, Tree.id != dead.id)
        .order_by(Tree.spare.desc(), Tree.id)
    ).all()
    for candidate in candidates:
        new_id = _insert(candidate.id, old.year, old.user_id, old.points, replaces_id=old.id)
        if new_id is not None:
            return db.session.get(Adoption, new_id)
    if old.ledger_txn_id is not None:  # nothing left to adopt: the points come back
        ledger.reverse_transaction(
            old.ledger_txn_id,
            code="tree_adoption_refund",
            reference=f"adoption-refund:{old.id}",
            memo=f"认领树苗退还（{dead.code} 枯死）",
        )
    return None


def _tell(old: Adoption, dead: Tree, new: Adoption | None) -> None:
    try:
        openid = users.find_user(old.user_id).openid
    except NotFound:  # no such user any more: nobody to tell
        return
    replacement = get_tree(new.tree_id).code if new else None
    data = {
        "thing1": thing(f"{dead.species} {dead.code}"),
        "thing2": thing(f"已为你更换为 {replacement}" if replacement else "积分已退还"),
        "time3": {"value": f"{utcnow():%Y-%m-%d %H:%M}"},
    }
    template = current_app.config.get("WECHAT_TEMPLATE_TREE_REPLACED", "tree_replaced")
    notify_after_commit(openid, template, data, ADOPTIONS_PAGE)
