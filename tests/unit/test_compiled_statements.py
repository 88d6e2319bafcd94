"""Statements compiled once (app/sql.py) belong to their engine: a test run that builds
many apps does not keep every engine it ever made alive through them."""

from __future__ import annotations

import gc
import weakref

from sqlalchemy import bindparam, create_engine, literal_column, select

from app.sql import execute_prepared


def _one():
    return select(literal_column("1") + bindparam("n"))


def test_a_disposed_engine_is_not_kept_by_its_compiled_statements(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'gone.sqlite3'}")
    with engine.connect() as connection:
        assert execute_prepared("test.one", _one, {"n": 2}, connection).scalar() == 3
        assert execute_prepared("test.one", _one, {"n": 4}, connection).scalar() == 5
    dialect = weakref.ref(engine.dialect)
    engine.dispose()
    del engine, connection
    gc.collect()
    assert dialect() is None
