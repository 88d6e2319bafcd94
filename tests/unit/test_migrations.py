"""The migrations are the schema: one head, and the models match what they build."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.extensions import db


def test_migrations_have_a_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"merge the migration heads: {heads}"


def test_models_match_the_migrated_schema(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": False, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []
