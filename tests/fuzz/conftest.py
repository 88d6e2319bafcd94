"""A small world for the fuzzers: a resident with points, an operator, a merchant owner with
a live offer, a QR site, and one bearer token per audience."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest

from app.auth import issue_token
from app.extensions import db
from app.users.models import User, UserRole
from tests.helpers import bearer

TTL = 3600


@dataclass
class World:
    resident: str
    operator: str
    owner: str
    holder: str
    verifier: str
    resident_id: int
    offer_id: int
    site_id: int

    def headers_for(self, path: str) -> dict:
        """The token a real caller of `path` would hold."""
        if path.startswith("/api/v1/admin/"):
            return bearer(self.operator)
        if path.startswith("/api/v1/merchant/"):
            return bearer(self.owner)
        if path.startswith("/api/v1/holder/"):
            return bearer(self.holder)
        if path.startswith("/api/v1/verifier/"):
            return bearer(self.verifier)
        if path.startswith(("/api/v1/partner/", "/api/v1/public/")):
            return {}
        return bearer(self.resident)


def _user(roles: tuple[str, ...], **fields) -> User:
    user = User(nickname=fields.pop("nickname", "测试"), **fields)
    user.roles = [UserRole(role=r) for r in roles]
    db.session.add(user)
    db.session.flush()
    return user


def build_world(app) -> World:
    from app.carbon.seed import scenarios_csv_path, seed_scenarios
    from app.checkins.sites import create_site
    from app.ledger.service import earn_points
    from app.mall.offers import approve_offer, create_offer
    from app.merchants.service import create_merchant
    from app.registry import service as registry

    with app.app_context():
        seed_scenarios(scenarios_csv_path())
        resident = _user(("resident",), openid=f"fuzz-{secrets.token_hex(6)}")
        operator = _user(("operator",), username=f"fuzz-op-{secrets.token_hex(4)}")
        owner = _user(("resident",), openid=f"fuzz-owner-{secrets.token_hex(6)}")
        earn_points(resident.id, 500, code="test_grant", reference=f"grant:{resident.id}",
                    memo="测试")  # fmt: skip
        create_merchant("模糊测试店", owner.id, created_by=operator.id)
        offer = create_offer(owner.id, {"title": "测试券", "points_price": 10, "stock": 50,
                                        "per_user_limit": 5, "valid_days": 7})  # fmt: skip
        approve_offer(operator.id, offer.id)
        site = create_site("测试站", "bus_ride", created_by=operator.id)
        holder = registry.create_member_login(
            f"fuzz-holder-{secrets.token_hex(4)}", "fuzz-password-1",
            holder_id=registry.platform_holder().id,
        )  # fmt: skip
        body = registry.create_verifier("模糊核查", "", operator.id)
        verifier = registry.create_member_login(
            f"fuzz-verifier-{secrets.token_hex(4)}", "fuzz-password-1", verifier_id=body.id
        )
        world = World(
            resident=issue_token(resident, TTL)[0],
            operator=issue_token(operator, TTL)[0],
            owner=issue_token(owner, TTL)[0],
            holder=issue_token(db.session.get(User, holder), TTL)[0],
            verifier=issue_token(db.session.get(User, verifier), TTL)[0],
            resident_id=resident.id,
            offer_id=offer.id,
            site_id=site.id,
        )
        db.session.commit()
        db.session.remove()
    return world


@pytest.fixture
def world(app) -> World:
    return build_world(app)
