"""What one event of a partner batch costs, in process: statements and CPU, by step.

    python -m bench.batch_profile                          # SQLite + embedded redis-server
    python -m bench.batch_profile --postgres --statements  # PostgreSQL, with one event's SQL

Batches of bench/batch.py's world go through Flask's test client one at a time (no
queueing, as bench/inprocess.py does for single requests): the statements per event,
grouped by table and verb, the CPU and wall time per event, and the shares of the steps
of one event under cProfile, shown in ms of the CPU measured without the profiler.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from bench.batch import BATCH_SIZE, PATH, BatchWorld, build_batch_world

# The steps of one event, for the profile: (label, function as cProfile names it).
STEPS = [
    ("signature + nonce (once a batch)", "partners.py", "authenticate_partner"),
    ("schema loads (the batch, each event)", "schema.py", "load"),
    ("reads for all events (once a batch)", "partner_reads.py", "__init__"),
    ("settle the events", "partner_settle.py", "settle_events"),
    ("  checks (as the single endpoint)", "partner_events.py", "check_event"),
    ("  claims (one INSERT ... ON CONFLICT)", "partner_settle.py", "_claim_all"),
    ("  daily caps (an upsert each)", "caps.py", "reserve"),
    ("  all credited: records, points, campaigns", "partner_settle.py", "_credit_all"),
    ("    records (one INSERT)", "bulk.py", "create_approved_records"),
    ("      bulk posting", "bulk.py", "earn_points_in_bulk"),
    ("        entry hashes", "chain.py", "entry_hash"),
    ("        lots", "bulk.py", "_book_lots"),
    ("    campaigns", "service.py", "apply_campaigns"),
    ("answer (marshmallow dump)", "schema.py", "dump"),
    ("delivery log (once a batch)", "deliveries.py", "record_deliveries"),
    ("commit at the request boundary", "requests.py", "_commit_or_rollback"),
]
_VERB = re.compile(r"^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|SAVEPOINT|RELEASE SAVEPOINT|"
                   r"ROLLBACK TO SAVEPOINT|BEGIN|COMMIT|ROLLBACK)\b\s*(\S+)?", re.I)  # fmt: skip


def _statement_kind(statement: str) -> str:
    match = _VERB.match(statement)
    if not match:
        return statement.split()[0].upper() if statement.split() else "?"
    verb = match.group(1).upper()
    if verb.endswith("SAVEPOINT") or verb in ("BEGIN", "COMMIT", "ROLLBACK"):
        return verb
    if verb == "SELECT":
        found = re.search(r"\bFROM\s+(\w+)", statement, re.I)
        return f"SELECT {found.group(1) if found else '(no table)'}"
    return f"{verb} {match.group(2)}"


def profile(args) -> None:
    """Batches through the test client, one at a time: statements and CPU per event, then
    one more batch under cProfile for the shares of the steps (scaled to the CPU measured
    without the profiler, which inflates Python-heavy steps)."""
    from sqlalchemy import event as sa_event

    from bench.run import _start_backends
    from bench.servers import app_env, flask_cli

    tmp = Path(tempfile.mkdtemp(prefix="tph-batch-prof-"))
    tmp.chmod(0o755)
    with ExitStack() as stack:
        database_url, redis_url, label = _start_backends(args, tmp, stack)
        env = app_env(database_url, redis_url, tmp / "instance")
        flask_cli(env, "db", "upgrade", "heads")
        flask_cli(env, "seed")
        from app import create_app
        from app.extensions import db

        app = create_app({
            "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": redis_url,
            "SECRET_KEY": env["SECRET_KEY"], "INSTANCE_PATH": env["INSTANCE_PATH"],
        })  # fmt: skip
        with app.app_context():
            world = build_batch_world(args.residents, progress=_say)
            kinds: Counter = Counter()
            counting = {"on": False}

            def seen(conn, cursor, statement, parameters, context, executemany) -> None:
                if counting["on"]:
                    kinds[_statement_kind(statement)] += 1

            sa_event.listen(db.engine, "before_cursor_execute", seen)
            db.session.remove()
        client = app.test_client()

        def post_one() -> None:
            body, headers = world.signed(world.next_events(BATCH_SIZE))
            counts = client.post(PATH, data=body, headers=headers).get_json()["counts"]
            assert counts["credited"] == BATCH_SIZE, counts

        for _ in range(args.warmup):
            post_one()
        cpu, wall = [], []
        counting["on"] = True
        for _ in range(args.batches):
            # Thread CPU time: what other processes on the machine do is not counted.
            c0, w0 = time.thread_time(), time.perf_counter()
            post_one()
            cpu.append(time.thread_time() - c0)
            wall.append(time.perf_counter() - w0)
        counting["on"] = False
        profiler = cProfile.Profile(time.thread_time)
        profiler.runcall(post_one)
        with app.app_context():
            one = _one_event_statements(client, world, db) if args.statements else []
            verify = app.test_cli_runner().invoke(args=["ledger", "verify", "--quiet"])
    _report(label, args, kinds, cpu, wall, pstats.Stats(profiler), verify, one)


def _report(label, args, kinds, cpu, wall, stats, verify, one) -> None:
    events = args.batches * BATCH_SIZE
    cpu_event = statistics.median(cpu) / BATCH_SIZE
    wall_event = statistics.median(wall) / BATCH_SIZE
    print(f"\n{label}: {args.batches} batches of {BATCH_SIZE} (after {args.warmup} warm-up), "
          f"one at a time through the test client, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
          f"load average {os.getloadavg()[0]:.2f}\n")  # fmt: skip
    rate = 1 / cpu_event
    print(f"per event (median batch): CPU {cpu_event * 1000:.2f} ms, "
          f"wall {wall_event * 1000:.2f} ms: {rate:,.0f} events/s a core at most")  # fmt: skip
    print(f"\nstatements per event: {sum(kinds.values()) / events:.1f}")
    print("| statement | per event |\n|---|---:|")
    for kind, n in kinds.most_common():
        if n / events >= 0.01:
            print(f"| {kind} | {n / events:.2f} |")
    whole = sum(tt for (_f, _l, _n), (_cc, _nc, tt, _ct, _c) in stats.stats.items())
    print("\nCPU per event by step (cProfile shares of one batch, in ms of the unprofiled CPU):")
    print("| step | ms per event | share |\n|---|---:|---:|")
    for name, filename, function in STEPS:
        cumulative = sum(ct for (f, _l, n), (_cc, _nc, _tt, ct, _c) in stats.stats.items()
                         if n == function and f.endswith(filename))  # fmt: skip
        share = cumulative / whole
        print(f"| {name} | {share * cpu_event * 1000:.2f} | {share:.0%} |")
    print(f"\nledger verify: {'clean' if verify.exit_code == 0 else 'FAILED ' + verify.output}")
    if one:
        print("\n-- the statements of a batch of one event:")
        for text in one:
            print("   ", text)


def _one_event_statements(client, world: BatchWorld, db) -> list[str]:
    from sqlalchemy import event as sa_event

    texts: list[str] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:
        texts.append(" ".join(statement.split())[:150])

    sa_event.listen(db.engine, "before_cursor_execute", keep)
    body, headers = world.signed(world.next_events(1))
    client.post(PATH, data=body, headers=headers)
    sa_event.remove(db.engine, "before_cursor_execute", keep)
    return texts


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=6, help="measured batches of 500")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--statements", action="store_true", help="list one event's statements")
    profile(parser.parse_args())


if __name__ == "__main__":
    main()
