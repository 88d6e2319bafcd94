"""Demo console account for `flask seed --demo`."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.seed import register_seeder
from app.users.models import User
from app.users.service import create_console_user

DEMO_OPERATOR = ("admin", "admin-demo-pw")


@register_seeder
def seed_demo_operator(demo: bool) -> str | None:
    if not demo:
        return None
    username, password = DEMO_OPERATOR
    if db.session.scalar(select(User.id).where(User.username == username)):
        return None
    create_console_user(username, password, role="operator", nickname="演示运营")
    return f"demo operator {username} / {password}"
