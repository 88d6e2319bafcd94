"""Many rows in one short statement (app/sql.py insert_rows, in_values): on PostgreSQL
the values travel as arrays, which must never cut a value to a column's length (a VALUES
list is refused by the column instead) nor match a longer value by its prefix."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select
from sqlalchemy.exc import DataError

from app.extensions import db
from app.sql import in_values, insert_rows

_metadata = MetaData()
_names = Table(
    "test_bulk_names", _metadata, Column("id", Integer, primary_key=True), Column("name", String(8))
)


@pytest.fixture
def names(app):
    with app.app_context():
        _metadata.create_all(db.engine)
        yield
        db.session.rollback()
        _metadata.drop_all(db.engine)
        db.session.remove()


def test_rows_come_back_each_with_its_id(names):
    connection = db.session.connection()
    rows = [{"name": "a"}, {"name": None}, {"name": "ccc"}]
    returned = insert_rows(connection, _names, rows, returning=(_names.c.id, _names.c.name))
    assert sorted((r.name or "") for r in returned) == ["", "a", "ccc"]
    found = db.session.scalars(select(_names.c.name).where(in_values(_names.c.name, ["a", "z"])))
    assert list(found) == ["a"]
    assert list(db.session.scalars(select(_names.c.id).where(in_values(_names.c.id, [])))) == []


def test_a_value_too_long_is_never_cut_to_fit(names):
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        with pytest.raises(DataError):
            insert_rows(connection, _names, [{"name": "123456789"}])
    else:  # SQLite keeps any length: the value is stored whole
        insert_rows(connection, _names, [{"name": "123456789"}])
        assert db.session.scalar(select(_names.c.name)) == "123456789"


def test_a_longer_value_does_not_match_by_its_prefix(names):
    insert_rows(db.session.connection(), _names, [{"name": "12345678"}])
    wanted = in_values(_names.c.name, ["123456789"])
    assert db.session.scalar(select(_names.c.id).where(wanted)) is None
