"""SQL helpers shared by every domain, for the two databases the code runs on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import (
    ClauseElement,
    ColumnElement,
    CursorResult,
    Dialect,
    Result,
    Select,
    String,
    Table,
    any_,
    bindparam,
    event,
    func,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Compiled
from sqlalchemy.orm import Session, SessionTransaction, make_transient_to_detached
from sqlalchemy.sql.compiler import SQLCompiler

from app.sqlite_engine import take_write_lock_now

# Kept on each engine's dialect: {(name, value keys): the compiled statement}. On the
# dialect itself, not in a module-level mapping keyed by it: a compiled statement holds
# its dialect, so such a mapping would keep every engine a test run ever made.
_COMPILED = "_tanpuhui_compiled_statements"


def _compiled_of(dialect: Dialect) -> dict[tuple, Compiled]:
    known = dialect.__dict__.get(_COMPILED)
    if known is None:
        known = dialect.__dict__.setdefault(_COMPILED, {})
    return known


def execute_built(name: str, build, values: dict, connection=None) -> CursorResult:
    """Run the statement `build(insert)` with `values` on `connection` (the session's by
    default), built and compiled once per database dialect and set of value keys; `insert`
    is the dialect's conflict-capable INSERT (ON CONFLICT, RETURNING).

    Why it is compiled here (issue 13): SQLAlchemy 2.0 gives the dialects' INSERT ... ON
    CONFLICT no cache key, so it compiles such a statement again at every execution
    (0.3-0.6 ms each, several in a check-in or a redemption). A Compiled object executes
    through the same execution context (bind processing, RETURNING) as the statement.
    Every column with a Python-side default must be in `values`: those are not filled in
    for a statement compiled once (ValueError, at the first call)."""
    from app.extensions import db

    connection = connection if connection is not None else db.session.connection()
    dialect = connection.dialect
    known, key = _compiled_of(dialect), (name, tuple(values))
    if (compiled := known.get(key)) is None:
        insert = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
        compiled = build(insert).compile(dialect=dialect, column_keys=list(values))
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError(f"{name}: give every column with a default a value")
        known[key] = compiled
    return connection.execute(compiled, values)  # a Compiled executes like its statement


def execute_prepared(
    name: str, build: Callable[[], ClauseElement], params: dict | None = None, connection=None
) -> CursorResult:
    """Run `build()`, a Core statement whose inputs are all `bindparam`s, with `params` on
    `connection` (the session's by default), built and compiled once per database dialect.

    For the hot paths' reads and updates (issue 13): SQLAlchemy caches their compiled SQL
    already, but a statement built at every call still costs its construction and its
    cache key (about 0.15 ms of Python for a small SELECT through the session, against
    0.03 ms executed compiled). Core columns only: the rows are Core rows, no ORM entity
    is loaded, and no autoflush runs (the caller makes sure nothing pending matters).
    Every value that changes between calls must be a `bindparam`: a literal is frozen in at
    the first call (constants, such as a status name, may be literals). A bindparam left
    without a value is refused by SQLAlchemy at execution."""
    from app.extensions import db

    connection = connection if connection is not None else db.session.connection()
    dialect = connection.dialect
    known, key = _compiled_of(dialect), (name, None)
    if (compiled := known.get(key)) is None:
        sql = cast(SQLCompiler, build().compile(dialect=dialect))
        if sql.insert_prefetch or sql.update_prefetch:
            raise ValueError(f"{name}: a column default would be computed once")
        known[key] = compiled = sql
    return connection.execute(compiled, params or {})


def _dialect_name() -> str:
    """The current session's database: "postgresql" or "sqlite"."""
    from app.extensions import db

    return db.session.get_bind().dialect.name


def conflict_insert(table: Table):
    """An INSERT that can say `ON CONFLICT DO NOTHING / DO UPDATE ... WHERE` (and
    RETURNING) on the current session's database, PostgreSQL or SQLite."""
    return (postgresql.insert if _dialect_name() == "postgresql" else sqlite.insert)(table)


def _array_of(column_type):
    """A PostgreSQL array of the column's type, without its length: a cast to
    `varchar(n)[]` would cut a longer value to fit, silently (the column itself refuses
    it, as a VALUES list would)."""
    if type(column_type) is String and column_type.length is not None:
        column_type = String()
    return postgresql.ARRAY(column_type)


def insert_rows(
    connection,
    table: Table,
    rows: list[dict],
    *,
    returning=(),
    on_conflict_do_nothing: bool = False,
    on_conflict: Callable[[Any], Any] | None = None,
) -> CursorResult:
    """INSERT many `rows` (dicts with the same keys) in one statement, RETURNING the
    `returning` columns of each row inserted (in no particular order: return a unique
    column to match them). `on_conflict(insert)` adds an `ON CONFLICT DO UPDATE` to the
    dialect's INSERT (its `excluded` names a row's values); no two rows may meet the same
    conflicting row (the database refuses to update one twice in a statement).

    SQLite: one multi-row VALUES. PostgreSQL: `INSERT ... SELECT unnest(:column_1),
    unnest(:column_2), ...`, one array per column, so the statement stays a few hundred
    characters whatever the number of rows (psycopg parses a statement's text for its
    placeholders at every execution: ~20 ms for a VALUES list of 500 rows, issue 13).
    A column left out of the rows gets its Python-side default computed once for the
    statement on PostgreSQL (once a row on SQLite): give every column that must differ."""
    columns = list(rows[0])
    statement: Any
    if connection.dialect.name == "postgresql":
        arrays = [func.unnest(bindparam(c, type_=_array_of(table.c[c].type))) for c in columns]
        statement = postgresql.insert(table).from_select(columns, select(*arrays))
        params: dict | list[dict] = {c: [row[c] for row in rows] for c in columns}
    else:
        statement, params = sqlite.insert(table), rows
    if on_conflict_do_nothing:
        statement = statement.on_conflict_do_nothing()
    elif on_conflict is not None:
        statement = on_conflict(statement)
    if returning:
        statement = statement.returning(*returning)
    return connection.execute(statement, params)


def update_rows(connection, table: Table, key: str, rows: list[dict]) -> None:
    """Set each row's other values on the row of `table` whose `key` column is its
    `key` value: an executemany UPDATE on SQLite; on PostgreSQL one `UPDATE ... FROM
    (SELECT unnest(:key), unnest(:c1), ...)` (see `insert_rows` for why). That statement
    locks the rows in the join's order, not the list's: only for rows no other transaction
    can be waiting for (this transaction's own inserts), never where lock order matters."""
    columns = [c for c in rows[0] if c != key]
    if connection.dialect.name != "postgresql":
        where = table.c[key] == bindparam(f"_{key}")
        statement = update(table).where(where).values({c: bindparam(f"_{c}") for c in columns})
        connection.execute(statement, [{f"_{c}": v for c, v in row.items()} for row in rows])
        return
    source = select(*[  # parameters named apart from the columns (SQLAlchemy's rule)
        func.unnest(bindparam(f"_{c}", type_=_array_of(table.c[c].type))).label(c)
        for c in (key, *columns)
    ]).subquery()  # fmt: skip
    statement = (
        update(table).where(table.c[key] == source.c[key]).values({c: source.c[c] for c in columns})
    )
    connection.execute(statement, {f"_{c}": [row[c] for row in rows] for c in (key, *columns)})


def in_values(column, values) -> ColumnElement[bool]:
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`: one parameter however
    many values (see `insert_rows` for why)."""
    values = list(values)
    if _dialect_name() == "postgresql":
        return column == any_(bindparam(None, values, type_=_array_of(column.type)))
    return column.in_(values)


def pairs_in(first, second, pairs) -> ColumnElement[bool]:
    """`(first, second) IN (pairs)`; on PostgreSQL against two unnested arrays (one
    parameter each, see `insert_rows`)."""
    pairs = list(pairs)
    if _dialect_name() != "postgresql":
        return tuple_(first, second).in_(pairs)
    arrays = [
        func.unnest(bindparam(None, [p[i] for p in pairs], type_=_array_of(c.type)))
        for i, c in enumerate((first, second))
    ]
    return tuple_(first, second).in_(select(*arrays))


def transaction_lock(key: int) -> None:
    """Hold lock `key` (a signed 64-bit number) until the current transaction ends, so
    that transactions taking it run one at a time: PostgreSQL's advisory transaction lock.
    On SQLite, the write lock taken now (a request reads without it until its first
    write, app/sqlite_engine.py): every writer is then kept out, so what follows reads
    the latest rows, as after the advisory lock."""
    from app.extensions import db

    if _dialect_name() == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(key)))
    else:
        take_write_lock_now(db.session.connection())


def select_for_update(statement: Select) -> Result:
    """Run `statement` holding the rows it reads until the transaction ends: `FOR UPDATE`
    on PostgreSQL; on SQLite the write lock taken before the read (a request's reads run
    without it until its first write, app/sqlite_engine.py, and a read there could be a
    moment old), so the rows are the latest and no other writer moves them meanwhile."""
    from app.extensions import db

    if _dialect_name() != "postgresql":
        take_write_lock_now(db.session.connection())
    return db.session.execute(statement.with_for_update())


# Objects whose row a Core INSERT wrote, attached as loaded (`attach_inserted`): with the
# (sub)transaction each was attached in, so a rollback of it detaches them as the ORM
# detaches the objects it inserted itself. Kept in session.info; the root's list is set
# aside when it ends, since SQLAlchemy ends a transaction before it says it rolled back.
_ATTACHED = "sql.attached_inserted"
_ENDED = "sql.attached_inserted_ended"


def attach_inserted(obj) -> None:
    """Make `obj`, whose row (with its id) a Core INSERT on the session's connection just
    wrote, the entity the ORM would have loaded: in the session, no query, no flush. If
    the savepoint or transaction it was attached in rolls back, it leaves the session
    (as an ORM-inserted object does), so nothing later finds a row that is gone."""
    from app.extensions import db

    session = db.session()
    make_transient_to_detached(obj)
    session.add(obj)
    owner = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_ATTACHED, []).append((owner, obj))


@event.listens_for(Session, "after_transaction_end")
def _set_aside_at_the_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info[_ENDED] = session.info.pop(_ATTACHED, [])


@event.listens_for(Session, "after_soft_rollback")
def _detach_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    gone: list[tuple[SessionTransaction, object]] = []
    if rolled_back.parent is None:
        gone = session.info.pop(_ENDED, [])
    else:
        kept: list[tuple[SessionTransaction, object]] = []
        for owner, obj in session.info.get(_ATTACHED, []):
            ancestor = owner
            while ancestor is not None and ancestor is not rolled_back:
                ancestor = ancestor.parent
            (kept if ancestor is None else gone).append((owner, obj))
        session.info[_ATTACHED] = kept
    for _owner, obj in gone:
        if obj in session:
            session.expunge(obj)
