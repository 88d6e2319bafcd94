"""Fixtures for the registry tests: seeded scenarios."""

from __future__ import annotations

import pytest

from tests.checkins.support import seed


@pytest.fixture(autouse=True)
def seeded(app):
    seed(app)
