"""Fixtures for the ledger tests: residents made straight in the database."""

from __future__ import annotations

import itertools

import pytest

from app.extensions import db
from app.users.models import User, UserRole

_serial = itertools.count(1)


def create_resident(nickname: str = "") -> int:
    """Insert a resident user (inside an app context) and return its id."""
    n = next(_serial)
    user = User(openid=f"ledger-test-{n}", nickname=nickname or f"居民{n}")
    user.roles.append(UserRole(role="resident"))
    db.session.add(user)
    db.session.flush()
    return user.id


@pytest.fixture
def ctx(app):
    """An app context whose session is rolled back and removed afterwards."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def resident(ctx) -> int:
    user_id = create_resident()
    db.session.commit()
    return user_id
