"""Test set-up for the mall and merchants: users with tokens and points made directly in
the database (fast), merchants and live offers made through the real API."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, text

from app.auth import issue_token
from app.extensions import db
from app.ledger.service import earn_points
from app.users.models import User, UserRole
from tests.helpers import bearer, statements_of

TOKEN_TTL = 3600


def new_user(app, *, points: int = 0, roles: tuple[str, ...] = ("resident",)) -> tuple[int, str]:
    """A user with a bearer token (and points, credited through the ledger)."""
    return new_users(app, 1, points=points, roles=roles)[0]


def new_users(
    app, count: int, *, points: int = 0, roles: tuple[str, ...] = ("resident",)
) -> list[tuple[int, str]]:
    """`count` users made in one transaction: [(user id, token)]."""
    with app.app_context():
        users = [
            User(openid=f"test-{secrets.token_hex(10)}", nickname=f"测试{i}") for i in range(count)
        ]
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all(UserRole(user_id=u.id, role=r) for u in users for r in roles)
        tokens = [issue_token(u, TOKEN_TTL)[0] for u in users]
        if points:
            for user in users:
                earn_points(
                    user.id, points, code="test_grant", reference=f"grant:{user.id}", memo="测试"
                )
        db.session.commit()
        result = [(u.id, t) for u, t in zip(users, tokens, strict=True)]
        db.session.remove()
    return result


def grant_points(app, user_id: int, points: int, tag: str = "extra") -> None:
    with app.app_context():
        earn_points(
            user_id, points, code="test_grant", reference=f"grant:{user_id}:{tag}", memo="测试"
        )
        db.session.commit()
        db.session.remove()


@dataclass
class Shop:
    merchant_id: int
    owner_id: int
    owner_token: str
    operator_token: str

    @property
    def owner(self) -> dict:
        return bearer(self.owner_token)

    @property
    def operator(self) -> dict:
        return bearer(self.operator_token)


def open_shop(app, client, name: str = "绿色咖啡馆", operator_token: str | None = None) -> Shop:
    """An operator admits a merchant through the API; returns its owner's credentials."""
    if operator_token is None:
        _, operator_token = new_user(app, roles=("operator",))
    owner_id, owner_token = new_user(app)
    response = client.post(
        "/api/v1/admin/merchants",
        json={"name": name, "owner_user_id": owner_id},
        headers=bearer(operator_token),
    )
    assert response.status_code == 201, response.get_json()
    return Shop(response.get_json()["id"], owner_id, owner_token, operator_token)


OFFER_DEFAULTS = {
    "title": "美式咖啡一杯",
    "description": "到店出示券码",
    "points_price": 10,
    "stock": 5,
    "per_user_limit": 1,
    "valid_days": 7,
}


def live_offer(client, shop: Shop, **terms) -> int:
    """Create an offer as the owner and approve it as the operator; returns its id."""
    body = {**OFFER_DEFAULTS, **terms}
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post("/api/v1/merchant/offers", json=body, headers=shop.owner)
    assert response.status_code == 201, response.get_json()
    offer_id = response.get_json()["id"]
    response = client.post(f"/api/v1/admin/offers/{offer_id}/approve", headers=shop.operator)
    assert response.status_code == 200, response.get_json()
    return offer_id


def add_clerk(app, client, shop: Shop) -> tuple[int, str]:
    """A new user joins the shop as a clerk through an invite."""
    clerk_id, clerk_token = new_user(app)
    invite = client.post("/api/v1/merchant/staff-invites", headers=shop.owner)
    assert invite.status_code == 201, invite.get_json()
    joined = client.post(
        "/api/v1/merchant/staff/join",
        json={"invite_code": invite.get_json()["invite_code"]},
        headers=bearer(clerk_token),
    )
    assert joined.status_code == 200, joined.get_json()
    return clerk_id, clerk_token


def redeem(client, offer_id: int, token: str, **headers):
    return client.post(
        f"/api/v1/offers/{offer_id}/redeem", json={}, headers={**bearer(token), **headers}
    )


def tables_read(call) -> list[str]:
    """The table of each statement `call` sends, leaving out authentication's reads (run
    inside an app context)."""
    seen = []
    for statement in statements_of(call):
        if not statement.startswith("BEGIN"):
            match = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", statement)
            seen.append(match.group(1) if match else statement)
    return [t for t in seen if t not in ("auth_tokens", "user_roles")]


def balance_of(app, user_id: int) -> int:
    from app.ledger.service import get_points_balance

    with app.app_context():
        value = get_points_balance(user_id)
        db.session.remove()
    return value


def count_rows(app, sql: str, **params) -> int:
    with app.app_context():
        value = db.session.scalar(text(sql), params)
        db.session.remove()
    return int(value or 0)


def assert_ledger_clean(app) -> None:
    """`flask ledger verify` when it exists; the basic invariants by SQL either way."""
    if "ledger" in app.cli.commands:
        result = app.test_cli_runner().invoke(args=["ledger", "verify"])
        assert result.exit_code == 0, result.output
    from app.ledger.models import LedgerAccount, LedgerEntry

    with app.app_context():
        assert db.session.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0))) == 0
        sums = dict(
            db.session.execute(
                select(LedgerEntry.account_id, func.sum(LedgerEntry.amount)).group_by(
                    LedgerEntry.account_id
                )
            ).all()
        )
        for account in db.session.scalars(select(LedgerAccount)):
            assert account.balance == sums.get(account.id, 0), account.owner
            if not account.allow_negative:
                assert account.balance >= 0, account.owner
        db.session.remove()
