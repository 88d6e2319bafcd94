"""Per-request cost of the write paths in one process: statements, CPU and wall ms.

    python -m bench.inprocess                 # SQLite + embedded redis-server
    python -m bench.inprocess --postgres      # PostgreSQL + Redis (throwaway servers)
    python -m bench.inprocess --statements    # also list one request's statements

No wrk and no gunicorn: each request goes through Flask's test client, one at a time, so
the figures are the work of one request without queueing (issue 13's "profile of what is
left, per request, in ms"). The same world as `bench.run` (bench/workload.py).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import event

from bench.run import _prepare, _start_backends
from bench.servers import app_env

_WRITES = ("INSERT", "UPDATE", "DELETE")
_CASES = (
    "POST /checkins (QR, auto-approved)",
    "POST /offers/{id}/redeem (flash sale)",
    "POST /offers/{id}/redeem (sold out: 409 by design)",
    "POST /offers/{id}/redeem (sold out, session cached)",
)


class StatementLog:
    """Counts the statements an engine runs, and those from a request's first write on
    (its write section: SQLite's writer queue, PostgreSQL's row locks), times that section
    from the first write to the COMMIT, and keeps the statements' text while `keep`."""

    def __init__(self, engine) -> None:
        self.count = 0
        self.writing = 0
        self._wrote: float | None = None
        self.section_ms = 0.0
        self.keep = False
        self.texts: list[str] = []
        event.listen(engine, "before_cursor_execute", self._seen)
        event.listen(engine, "commit", self._committing)

    def start(self, keep: bool) -> None:
        self.keep, self.texts, self._wrote, self.section_ms = keep, [], None, 0.0

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.count += 1
        if self._wrote is None and statement.lstrip()[:6].upper() in _WRITES:
            self._wrote = time.perf_counter()
        self.writing += self._wrote is not None
        if self.keep:
            self.texts.append(" ".join(statement.split())[:160])

    def _committing(self, conn) -> None:
        if self._wrote is not None:
            self.section_ms += (time.perf_counter() - self._wrote) * 1000
            self._wrote = None


def _measure(client, path: str, tokens: list[str], body: dict, log: StatementLog,
             show: bool, key: str = "inproc") -> dict:  # fmt: skip
    cpu, wall, statements, writing, section, statuses = [], [], [], [], [], {}
    for n, token in enumerate(tokens):
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{key}-{path}-{n}"}
        log.start(keep=show and n == len(tokens) - 1)
        before, written = log.count, log.writing
        c0, w0 = time.process_time(), time.perf_counter()
        response = client.post(path, json=body, headers=headers)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        statements.append(log.count - before)
        writing.append(log.writing - written)
        section.append(log.section_ms)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    if show:
        print(f"\n-- statements of the last {path}:")
        for text in log.texts:
            print("   ", text)
    skip = len(tokens) // 5  # the first fifth warms the caches and the code
    return {
        "requests": len(tokens) - skip,
        "statuses": statuses,
        "statements": statistics.median(statements[skip:]),
        "writing": statistics.median(writing[skip:]),
        "section_ms": statistics.median(section[skip:]),
        "cpu_ms": statistics.median(cpu[skip:]),
        "wall_ms": statistics.median(wall[skip:]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--statements", action="store_true")
    parser.add_argument("--cprofile", type=Path, help="write a cProfile of one case here")
    parser.add_argument(
        "--cprofile-case",
        choices=_CASES,
        default=_CASES[0],
        help="the case --cprofile profiles (default: the check-ins)",
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tph-inproc-"))
    tmp.chmod(0o755)
    with ExitStack() as stack:
        database_url, redis_url, label = _start_backends(args, tmp, stack)
        env = app_env(database_url, redis_url, tmp / "instance")
        args.writers = args.requests
        workload = _prepare(database_url, env, tmp, args)
        from app import create_app
        from app.extensions import db

        app = create_app({
            "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url,
            "SECRET_KEY": env["SECRET_KEY"], "INSTANCE_PATH": env["INSTANCE_PATH"],
        })  # fmt: skip
        client = app.test_client()
        with app.app_context():
            log = StatementLog(db.engine)
        checkin = json.loads(workload.checkin_body.read_text())
        checkers = workload.checkins.measure.read_text().split()
        buyers = workload.buyers.measure.read_text().split()
        readers = workload.readers.measure.read_text().split()[: args.requests]
        flash = f"/api/v1/offers/{workload.flash_offer_id}/redeem"
        sold_out = f"/api/v1/offers/{workload.sold_out_offer_id}/redeem"
        # The warm case asks again with the same readers (their sessions now cached, as
        # bench.run's sold-out case primes them) and new Idempotency-Keys.
        cases = {
            _CASES[0]: (client, "/api/v1/checkins", checkers, checkin, log, args.statements),
            _CASES[1]: (client, flash, buyers, {}, log, args.statements),
            _CASES[2]: (client, sold_out, readers, {}, log, args.statements),
            _CASES[3]: (client, sold_out, readers, {}, log, args.statements, "warm"),
        }
        results = {}
        for name, measure_args in cases.items():
            profiler = cProfile.Profile() if args.cprofile and name == args.cprofile_case else None
            if profiler:
                profiler.enable()
            results[name] = _measure(*measure_args)
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.cprofile)
    print(f"\n{label}, one request at a time through the test client:\n")
    print("| path | requests | statuses | statements | from the first write | first write "
          "to COMMIT ms | CPU ms | wall ms |")  # fmt: skip
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['requests']} | {r['statuses']} | {r['statements']:.0f} | "
              f"{r['writing']:.0f} | {r['section_ms']:.2f} | {r['cpu_ms']:.2f} | "
              f"{r['wall_ms']:.2f} |")  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    main()
