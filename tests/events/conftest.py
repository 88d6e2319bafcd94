"""Fixtures for the events and sinks tests: scenarios, event factors, sink methodologies."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.checkins.support import seed


@pytest.fixture(autouse=True)
def seeded(app):
    from app.events.factors import seed_factors
    from app.sinks.methodologies import seed_methodologies

    seed(app)
    with app.app_context():
        seed_factors()
        seed_methodologies()
        db.session.commit()
        db.session.remove()
