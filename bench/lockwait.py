"""Backends waiting on a row lock during a measured run (PostgreSQL only).

A sampler thread lists the `pg_stat_activity` rows whose `wait_event_type` is `Lock`
every 50 ms while wrk runs. The mean and the maximum go into the table as "lock
waiters"; the statements they were waiting in are printed beside it, which names the hot
row (issue 13: every check-in queued on the `issuance` account). SQLite has one writer
by design and no such view, so its column stays empty.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

QUERY = (
    "SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 70) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
)


@dataclass
class Waiters:
    mean: float = 0.0
    peak: int = 0
    statements: Counter = field(default_factory=Counter)  # what the waiters were running

    def top(self, n: int = 3) -> str:
        return "; ".join(f"{count}x {text}" for text, count in self.statements.most_common(n))

    def __str__(self) -> str:
        return f"{self.mean:.1f} (max {self.peak})"


class LockSampler:
    """`with LockSampler(url) as waiters:` fills `waiters` when the block ends."""

    def __init__(self, database_url: str, interval: float = 0.05) -> None:
        self.url = database_url.replace("postgresql+psycopg://", "postgresql://")
        self.interval = interval
        self.waiters = Waiters()
        self._stop = threading.Event()
        self._samples: list[int] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Waiters:
        self._thread.start()
        return self.waiters

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(10)
        if self._samples:
            self.waiters.mean = sum(self._samples) / len(self._samples)
            self.waiters.peak = max(self._samples)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(self.interval):
                rows = conn.execute(QUERY).fetchall()
                self._samples.append(len(rows))
                self.waiters.statements.update(text for (text,) in rows)
