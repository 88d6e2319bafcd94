"""Demo console account for `flask seed --demo`, and the residents of the demo history
(app/demo/history.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.seed import register_seeder
from app.users.models import User
from app.users.service import create_console_user, grant_role

DEMO_OPERATOR = ("admin", "admin-demo-pw")


@register_seeder
def seed_demo_operator(demo: bool) -> str | None:
    """Demo seeder: the operator login `admin`.

    Returns its user name and password to print, or None outside the demo or when it exists."""
    if not demo:
        return None
    username, password = DEMO_OPERATOR
    if db.session.scalar(select(User.id).where(User.username == username)):
        return None
    create_console_user(username, password, role="operator", nickname="演示运营")
    return f"demo operator {username} / {password}"


def create_demo_resident(openid: str, nickname: str) -> int:
    """A resident of the demo history as WeChat login would make them, signed up now (the
    history sets the clock back); returns the id."""
    user = User(openid=openid, nickname=nickname)
    db.session.add(user)
    db.session.flush()
    grant_role(user.id, "resident")
    return user.id


def count_demo_residents(openid_prefix: str) -> int:
    """How many residents the demo history has made already (their openids share a prefix)."""
    return db.session.execute(
        select(func.count()).select_from(User).where(User.openid.startswith(openid_prefix))
    ).scalar_one()


def demo_operator_ids() -> list[int]:
    """The two demo operators, `admin` then `admin2` (the registry's demo makes the second)."""
    return list(
        db.session.scalars(
            select(User.id).where(User.username.in_(("admin", "admin2"))).order_by(User.username)
        )
    )
