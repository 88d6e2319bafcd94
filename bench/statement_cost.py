"""What one small SELECT costs in Python, by the way it is sent (issue 13, note 1003).

    python -m bench.statement_cost

A primary-key read of two columns from a 1,000-row SQLite table in a temporary file,
5,000 times each way: built at every call and run through an ORM session (how most
queries are written), built once through the session, built once on the connection,
compiled once on the connection (app/sql.py `execute_prepared`), and the raw sqlite3
cursor. Prints CPU microseconds a statement; compare within one run.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, Integer, bindparam, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

TIMES = 5_000


class _Base(DeclarativeBase):
    pass


class _Row(_Base):
    __tablename__ = "rows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    frozen_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


def _time(label: str, call) -> None:
    started = time.process_time()
    for i in range(TIMES):
        call(i % 1000 + 1)
    print(f"{label:<48} {(time.process_time() - started) / TIMES * 1e6:7.1f} us")


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        engine = create_engine(f"sqlite:///{Path(directory) / 'cost.db'}")
        _Base.metadata.create_all(engine)
        now = datetime.now(UTC)
        with Session(engine) as session:
            session.add_all(_Row(id=i, created_at=now) for i in range(1, 1001))
            session.commit()
        session = Session(engine)
        connection = session.connection()
        once = select(_Row.frozen_at, _Row.created_at).where(_Row.id == bindparam("id"))
        compiled = once.compile(dialect=engine.dialect)
        cursor = connection.connection.dbapi_connection
        sql = str(compiled)
        _time(
            "built at every call, through the session",
            lambda i: session.execute(
                select(_Row.frozen_at, _Row.created_at).where(_Row.id == i)
            ).one_or_none(),
        )
        _time("built once, through the session", lambda i: session.execute(once, {"id": i}).one())
        _time("built once, on the connection", lambda i: connection.execute(once, {"id": i}).one())
        _time(
            "compiled once, on the connection",
            lambda i: connection.execute(compiled, {"id": i}).one(),
        )
        _time("raw sqlite3 cursor", lambda i: cursor.execute(sql, (i,)).fetchone())
        session.close()
        engine.dispose()


if __name__ == "__main__":
    main()
