"""Partner event batches: the world, the driver bench.run uses, and a per-event profile.

    python -m bench.run --only batch              # events/s under gunicorn (a bench.run row)
    python -m bench.batch                         # per-event profile, in process (SQLite)
    python -m bench.batch --postgres --statements # ... on PostgreSQL, with one event's SQL

wrk cannot sign a request (HMAC of the body), so batches are sent by Python threads, one
keep-alive connection each: every batch holds BATCH_SIZE events of distinct residents
(consenting to bus_ride), none over a daily cap (at most 4 a resident per Asia/Shanghai
day, spread over the last 6 days), none seen before. The bench.run row counts events, not
requests: its rate is events/s, its latencies those of a whole batch, its statuses the
events' own codes (a batch that failed counts all its events under its status).

The profile posts batches through Flask's test client one at a time (no queueing): the
statements per event, grouped by table and verb, and where the CPU time goes (cProfile's
cumulative time of the steps of one event).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import hmac
import http.client
import json
import os
import pstats
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from bench.wrk import Result

BATCH_SIZE = 500
PATH = "/api/v1/partner/events/batch"
SCENARIO = "bus_ride"
CAP_PER_DAY = 4  # bus_ride's daily cap (../shared/data/scenarios.csv)
DAYS = 6  # within PARTNER_EVENT_MAX_AGE_DAYS (7)


@dataclass
class BatchWorld:
    """A partner and the residents its events name (openids), with what was sent so far."""

    partner: str
    secret: str
    openids: list[str]
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def capacity(self) -> int:
        return len(self.openids) * CAP_PER_DAY * DAYS

    def next_events(self, count: int) -> list[dict]:
        """`count` fresh events: resident n % R, on day (n // R) % DAYS, never a cap over."""
        with self.lock:
            start, self.sent = self.sent, self.sent + count
        if self.sent > self.capacity:
            raise RuntimeError(f"more than {self.capacity} events: add residents (--writers)")
        now = datetime.now(UTC)
        residents = len(self.openids)
        events = []
        for n in range(start, start + count):
            day = (n // residents) % DAYS
            events.append({
                "event_id": f"bench-{n}", "openid": self.openids[n % residents],
                "scenario": SCENARIO, "quantity": 1,
                "occurred_at": (now - timedelta(days=day, minutes=5)).isoformat(),
            })  # fmt: skip
        return events

    def signed(self, events: list[dict]) -> tuple[bytes, dict]:
        body = json.dumps({"events": events}).encode()
        timestamp, nonce = str(int(time.time())), secrets.token_hex(12)
        message = f"{timestamp}\n{nonce}\n".encode() + body
        return body, {
            "Content-Type": "application/json", "X-Partner-Id": self.partner,
            "X-Timestamp": timestamp, "X-Nonce": nonce,
            "X-Signature": hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest(),
        }  # fmt: skip


def build_batch_world(residents: int, progress=print) -> BatchWorld:
    """A partner for bus_ride and `residents` new residents consenting to it (inside an app
    context; commits). The residents are bench.datagen's, with their history."""
    from app.carbon import service as carbon
    from app.checkins.partners import create_partner
    from app.extensions import db
    from app.users.models import User
    from bench.datagen import Plan, generate

    progress(f"generating {residents} residents for the partner batches ...")
    ids = generate(Plan(residents, rewards_per_resident=5, points_per_reward=20)).user_ids
    partner, secret = create_partner("bench-bus", "压测公交", [SCENARIO])
    version = carbon.current_consent_version()
    for user_id in ids:
        carbon.set_consent(user_id, SCENARIO, True, version)
    openids = [db.session.get(User, user_id).openid for user_id in ids]
    db.session.commit()
    return BatchWorld(partner.code, secret, openids)


def push_batches(name: str, base_url: str, world: BatchWorld, *, duration: float,
                 connections: int) -> Result:  # fmt: skip
    """Send batches from `connections` threads for `duration` seconds; one Result of events."""
    target = urlsplit(base_url)
    statuses: Counter = Counter()
    latencies: list[float] = []
    guard = threading.Lock()
    deadline = time.monotonic() + duration

    def worker() -> None:
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
        while time.monotonic() < deadline:
            body, headers = world.signed(world.next_events(BATCH_SIZE))
            started = time.perf_counter()
            conn.request("POST", PATH, body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            elapsed = time.perf_counter() - started
            if response.status == 200:
                codes = Counter(str(r["code"]) for r in json.loads(answer)["results"])
            else:
                codes = Counter({str(response.status): BATCH_SIZE})
            with guard:
                statuses.update(codes)
                latencies.append(elapsed)
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    latencies.sort()
    at = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return Result(name=name, requests=sum(statuses.values()), seconds=seconds,
                  p50_ms=at(0.5), p99_ms=at(0.99), max_ms=latencies[-1] * 1000,
                  statuses=dict(statuses))  # fmt: skip


# The steps of one event, for the profile: (label, function as cProfile names it).
STEPS = [
    ("signature + nonce (once a batch)", "partners.py", "authenticate_partner"),
    ("schema loads (the batch, each event)", "schema.py", "load"),
    ("one event, with its savepoint", "partner_batches.py", "_record_one"),
    (
        "  record_partner_event (as the single endpoint)",
        "partner_events.py",
        "record_partner_event",
    ),
    ("  seen before? (SELECT)", "partner_events.py", "_seen"),
    ("  scenario", "scenarios.py", "get_scenario"),
    ("  resident by openid", "service.py", "find_resident_by_openid"),
    ("  frozen?", "standing.py", "require_not_frozen"),
    ("  consent", "consents.py", "has_consent"),
    ("  daily cap (upsert)", "caps.py", "reserve"),
    ("  credit: record + approval + posting", "partner_events.py", "_credit"),
    ("    carbon record (INSERT)", "service.py", "create_record"),
    ("    approve + base points", "service.py", "approve_record"),
    ("      ledger posting", "service.py", "earn_points"),
    ("        post_once", "posting.py", "post_once"),
    ("        lot", "lots.py", "credit_lot"),
    ("    campaigns", "service.py", "apply_campaigns"),
    ("  result of the event", "partner_events.py", "result_of"),
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
