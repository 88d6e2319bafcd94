"""Fixtures for the carbon account tests: seeded scenarios, an operator, a resident."""

from __future__ import annotations

import pytest

from tests.checkins.support import seed


@pytest.fixture
def seeded(app):
    seed(app)


@pytest.fixture
def op_token(make_operator, seeded):
    return make_operator()[0]


@pytest.fixture
def resident(login_resident, seeded):
    """(token, user, openid) of a freshly logged-in resident."""
    return login_resident()
