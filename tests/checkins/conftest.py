"""Fixtures for the check-in tests: seeded scenarios, an operator, a resident; for the
partner-batch tests (test_partner_batch*.py) their partner and a consenting resident
(the other partner tests define a `partner` of their own)."""

from __future__ import annotations

import pytest

from tests.checkins.batch_support import consent_to_trips, new_partner
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


@pytest.fixture
def partner(client, op_token):
    """The bus company of the batch tests: (code, secret)."""
    return new_partner(client, op_token)


@pytest.fixture
def consenting(client, resident):
    """(token, openid) of a resident who consented to the partner's trips."""
    token, _user, openid = resident
    consent_to_trips(client, token)
    return token, openid
