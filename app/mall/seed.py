"""Demo data for `flask seed --demo`: one alliance merchant with its owner's console
login and three live offers (one of them a flash sale starting soon)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.db import utcnow
from app.extensions import db
from app.mall.models import Offer
from app.mall.offers import approve_offer, create_offer
from app.merchants.models import Merchant
from app.merchants.service import create_merchant
from app.seed import register_seeder
from app.users.models import User
from app.users.service import create_console_user

DEMO_MERCHANT = "绿色咖啡馆（演示）"
DEMO_OWNER = ("shop", "shop-demo-pw")


@register_seeder
def seed_demo_mall(demo: bool) -> str | None:
    """Demo seeder: a merchant with its owner and a few live offers.

    Returns a summary line, or None outside the demo or when the merchant exists."""
    if not demo or db.session.scalar(select(Merchant.id).where(Merchant.name == DEMO_MERCHANT)):
        return None
    username, password = DEMO_OWNER
    owner = db.session.scalar(select(User).where(User.username == username))
    if owner is None:
        owner = create_console_user(username, password, role="resident", nickname="演示店主")
    create_merchant(DEMO_MERCHANT, owner.id, created_by=None, address="人民路 1 号")
    now = utcnow()
    offers = [
        {"title": "美式咖啡一杯", "description": "自带杯再减 2 元", "points_price": 20,
         "stock": 100, "per_user_limit": 2, "valid_days": 30, "settlement_value_fen": 1200},
        {"title": "可降解环保袋", "description": "到店领取", "points_price": 50, "stock": 20,
         "valid_until": now + timedelta(days=60), "settlement_value_fen": 500},
        {"title": "秒杀：半价低碳午餐", "description": "每人限 1 份，不可退", "points_price": 80,
         "stock": 10, "valid_days": 7, "sale_starts_at": now + timedelta(minutes=5),
         "cancel_policy": "not_cancellable", "expiry_policy": "no_refund",
         "settlement_value_fen": 1800},
    ]  # fmt: skip
    for data in offers:
        approve_offer(None, create_offer(owner.id, data).id)
    return f"demo merchant {DEMO_MERCHANT}: owner {username} / {password}, {len(offers)} offers"


DEMO_GROCER = "低碳生活超市（演示）"
DEMO_GROCER_OWNER = ("grocer", "grocer-demo-pw")


def demo_grocer() -> tuple[int, list[tuple[int, int]]]:
    """The merchant of the demo history (app/demo/history.py), opened as of now (the
    history sets the clock back): its owner's id and its live offers, everyday ones with
    stock for a few hundred residents. Made once; found again on a re-run."""
    username, password = DEMO_GROCER_OWNER
    merchant = db.session.scalar(select(Merchant).where(Merchant.name == DEMO_GROCER))
    if merchant is not None:
        return merchant.owner_user_id, []
    owner = create_console_user(username, password, role="resident", nickname="演示超市店长")
    create_merchant(DEMO_GROCER, owner.id, created_by=None, address="光明路 88 号")
    offers = [
        {"title": "有机蔬菜 8 折券", "description": "满 30 元可用", "points_price": 30,
         "stock": 400, "per_user_limit": 5, "valid_days": 14, "settlement_value_fen": 600},
        {"title": "环保购物袋", "description": "收银台领取", "points_price": 15, "stock": 300,
         "per_user_limit": 2, "valid_days": 30, "settlement_value_fen": 300},
        {"title": "鲜牛奶一瓶", "description": "玻璃瓶装，退瓶再减 1 元", "points_price": 40,
         "stock": 200, "per_user_limit": 3, "valid_days": 10, "settlement_value_fen": 800},
    ]  # fmt: skip
    live = [approve_offer(None, create_offer(owner.id, data).id) for data in offers]
    return owner.id, [(offer.id, offer.points_price) for offer in live]


def demo_cafe_offers() -> tuple[int, list[tuple[int, int]]]:
    """The first demo merchant's owner and its offers that are not flash sales."""
    merchant = db.session.execute(
        select(Merchant).where(Merchant.name == DEMO_MERCHANT)
    ).scalar_one()
    offers = db.session.execute(
        select(Offer.id, Offer.points_price)
        .where(Offer.merchant_id == merchant.id, Offer.sale_starts_at.is_(None))
        .order_by(Offer.id)
    ).all()
    return merchant.owner_user_id, [(row.id, row.points_price) for row in offers]
