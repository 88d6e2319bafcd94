"""`make bench`: the API under wrk next to a bare Flask baseline, one table.

    python -m bench.run                # embedded default: SQLite file + one redis-server
    python -m bench.run --postgres     # PostgreSQL + Redis (own throwaway servers)

Both gunicorns run with the same settings (4 gthread workers x 4 threads). Each case
gets a short warm-up with its own residents, then a measured wrk run (32 connections);
the baseline is measured first and last and each endpoint is shown as a share of their
mean. Write benchmarks spread over thousands of distinct residents (no cap or limit is
hit); the sold-out case is all 409 by design. The partner-batch case is driven by Python
threads (wrk cannot sign a body; bench/batch.py) and counts events: its rate is events/s.
Afterwards the ledger is verified and the coupons are counted against stock and debits.
Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench.lockwait import LockSampler, Waiters
from bench.servers import (
    Gunicorn,
    PostgresServer,
    RedisServer,
    app_env,
    flask_cli,
)
from bench.wrk import Result, prime, require_wrk, run_wrk


def machine_line() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return (f"{os.cpu_count()} cores ({model}), Python {platform.python_version()}, "
            f"load average {load:.2f} at start")  # fmt: skip


def _start_backends(args, tmp: Path, stack: ExitStack) -> tuple[str, str, str]:
    """Start the database and Redis; returns (database url, redis url, label)."""
    if args.postgres:
        pg = PostgresServer(tmp / "pg").init().start()
        stack.callback(pg.stop)
        redis_server = RedisServer(tmp / "redis").start()
        stack.callback(redis_server.stop)
        return pg.createdb("bench"), redis_server.url, "PostgreSQL 15 + Redis (TCP loopback)"
    from app.embedded import start_redis_server

    socket_path = tmp / "redis.sock"
    process = start_redis_server(socket_path)
    if process is not None:
        stack.callback(lambda: (process.terminate(), process.wait(10)))
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    label = f"SQLite (WAL, synchronous={_synchronous()}) + embedded redis-server (unix socket)"
    return url, f"unix://{socket_path}", label


BATCH_CASE = "POST /partner/events/batch (500 a request; rate = events/s)"


def _prepare(database_url: str, env: dict, tmp: Path, args) -> object:
    flask_cli(env, "db", "upgrade", "heads")
    flask_cli(env, "seed")
    from app import create_app
    from app.extensions import db
    from bench.workload import build_workload

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": env["REDIS_URL"],
        "SECRET_KEY": env["SECRET_KEY"], "INSTANCE_PATH": env["INSTANCE_PATH"],
    })  # fmt: skip
    with app.app_context():
        warm = not getattr(args, "cold_writers", False)  # bench.inprocess has no such flag
        workload = build_workload(tmp / "wrk", writers=args.writers, warm_writers=warm,
                                  progress=_say)  # fmt: skip
        if _wants_batches(args):
            from bench.batch import build_batch_world

            workload.batches = build_batch_world(args.batch_residents, progress=_say)
        db.session.remove()
        db.engine.dispose()
    return workload


def _wants_batches(args) -> bool:
    """Whether the partner-batch case runs (bench.inprocess shares _prepare, never runs it)."""
    only = getattr(args, "only", None)
    return hasattr(args, "batch_residents") and (not only or only in BATCH_CASE)


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _cases(workload) -> list[dict]:
    w = workload
    return [
        # Reference rows: the product's own stack with no work (healthz), then one trivial
        # database query and one Redis PING (readyz), before the real endpoints.
        {"name": "GET /healthz (no database, no Redis)", "path": "/healthz", "pool": w.readers},
        {"name": "GET /readyz (SELECT 1 + Redis PING)", "path": "/readyz", "pool": w.readers},
        {"name": "GET /me/account", "path": "/api/v1/me/account", "pool": w.readers},
        {"name": "GET /offers", "path": "/api/v1/offers", "pool": w.readers},
        # Writers are primed by a read too, unless --cold-writers (bench/workload.py).
        {"name": "POST /checkins (QR, auto-approved)", "path": "/api/v1/checkins",
         "pool": w.checkins, "body": w.checkin_body, "prime_path": "/api/v1/me/account"},
        {"name": "POST /offers/{id}/redeem (flash sale)",
         "path": f"/api/v1/offers/{w.flash_offer_id}/redeem", "pool": w.buyers,
         "body": w.empty_body, "prime_path": "/api/v1/me/account"},
        {"name": "POST /offers/{id}/redeem (sold out: 409 by design)",
         "path": f"/api/v1/offers/{w.sold_out_offer_id}/redeem", "pool": w.readers,
         # Primed by a read (a GET of the POST path is a 405 that caches no session).
         "prime_path": "/api/v1/me/account", "body": w.empty_body, "extra": True},
        {"name": BATCH_CASE, "batches": w.batches},
    ]  # fmt: skip


def _measure(
    case: dict, url: str, args, profile_dir: Path | None, masters: list, database_url: str = ""
) -> Result:
    if "batches" in case:
        return _measure_batches(case, url, args, profile_dir, masters, database_url)
    body = case.get("body")
    common = {"mode": "post" if body else "get", "body_file": body,
              "connections": args.connections}  # fmt: skip
    pool = case["pool"]
    if getattr(pool, "prime", False):
        statuses = prime(url, case.get("prime_path", case["path"]), pool.measure)
        _say(f"  primed {case['name']}: {statuses}")
    run_wrk("warmup", url, case["path"], tokens_file=pool.warmup, duration=2,
            run_id=f"w{os.getpid()}{abs(hash(case['name'])) % 10_000}", **common)  # fmt: skip
    profiler = None
    if profile_dir is not None:
        profiler = _start_profiler(profile_dir, case["name"], masters, args.duration)
    sampler = LockSampler(database_url) if database_url.startswith("postgresql") else None
    with sampler or _no_sampler() as waiters:
        result = run_wrk(case["name"], url, case["path"], tokens_file=pool.measure,
                         duration=args.duration,
                         run_id=f"m{os.getpid()}{abs(hash(case['name'])) % 10_000}",
                         **common)  # fmt: skip
    result.lock_waiters = str(waiters) if sampler else ""
    if sampler and waiters.statements:
        _say(f"  lock waits in {case['name']}: {waiters.top()}")
    if profiler is not None:
        profiler.wait(timeout=args.duration + 60)
    return result


def _measure_batches(case: dict, url: str, args, profile_dir: Path | None, masters: list,
                     database_url: str) -> Result:  # fmt: skip
    from bench.batch import push_batches

    world = case["batches"]
    push_batches("warmup", url, world, duration=2, connections=args.batch_connections)
    profiler = None
    if profile_dir is not None:
        profiler = _start_profiler(profile_dir, case["name"], masters, args.duration)
    sampler = LockSampler(database_url) if database_url.startswith("postgresql") else None
    with sampler or _no_sampler() as waiters:
        result = push_batches(case["name"], url, world, duration=args.duration,
                              connections=args.batch_connections)  # fmt: skip
    result.lock_waiters = str(waiters) if sampler else ""
    if sampler and waiters.statements:
        _say(f"  lock waits in {case['name']}: {waiters.top()}")
    if profiler is not None:
        profiler.wait(timeout=args.duration + 60)
    return result


@contextmanager
def _no_sampler():
    yield Waiters()


def _start_profiler(profile_dir: Path, name: str, masters: list, duration: float):
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40]
    out = profile_dir / f"{slug}.txt"
    _say(f"  profiling {name} -> {out}")
    return subprocess.Popen(
        [spy, "record", "--pid", str(masters[0]), "--subprocesses", "--format", "raw",
         "--duration", str(int(duration)), "--rate", "200", "--nonblocking", "-o", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _check_consistency(env: dict) -> str:
    verify = flask_cli(env, "ledger", "verify", "--quiet", check=False)
    status = "ledger verify: clean" if verify.returncode == 0 else "ledger verify: FAILED"
    if verify.returncode != 0:
        status += "\n" + verify.stdout[-2000:]
    return status


def render_table(results: list[Result], baseline_rps: float) -> str:
    waits = any(r.lock_waiters for r in results)
    head = "| endpoint | req/s | p50 ms | p99 ms | 2xx | 409 (business) | errors | vs baseline |"
    lines = [
        head + (" lock waiters |" if waits else ""),
        "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if waits else ""),
    ]
    for r in results:
        ratio = r.rps / baseline_rps if baseline_rps else 0
        errors = f"{r.errors} ({r.error_detail()})" if r.errors else "0"
        lines.append(
            f"| {r.name} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.ok:,} | "
            f"{r.business:,} | {errors} | {ratio:.0%} |" + (f" {r.lock_waiters} |" if waits else "")
        )
    return "\n".join(lines)


def _server_line(args) -> str:
    line = f"gunicorn {args.workers} {args.worker_class} workers x {args.threads} threads"
    if args.switch_interval is not None:
        line += f", switch interval {args.switch_interval:g} ms"
    if args.reference_baseline:
        line += " (baseline: 4 gthread x 4)"
    return line


def _synchronous() -> str:
    from config import Config

    return Config.SQLITE_SYNCHRONOUS  # TPH_SQLITE_SYNCHRONOUS when set (docs/decisions/1007)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis variant")
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--worker-class",
        choices=("gthread", "sync"),
        default="gthread",
        help="gunicorn's worker class (sync: one request at a time, --threads 1)",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        metavar="MS",
        help="each product worker's sys.setswitchinterval (Python's: 5 ms)",
    )
    parser.add_argument(
        "--reference-baseline",
        action="store_true",
        help="the baseline at 4 gthread x 4 whatever the product's settings "
        "(one yardstick when comparing settings)",
    )
    parser.add_argument("--writers", type=int, default=12000, help="residents per write pool")
    parser.add_argument(
        "--cold-writers",
        action="store_true",
        help="writers not primed by a read: every write also loads its session "
        "(the bench's only way before 2026-12-03)",
    )
    parser.add_argument(
        "--batch-residents",
        type=int,
        default=3000,
        help="residents the partner batches name (24 events each at most)",
    )
    parser.add_argument(
        "--batch-connections", type=int, default=2, help="threads pushing partner batches at once"
    )
    parser.add_argument("--profile", action="store_true", help="py-spy every measured case")
    parser.add_argument("--output", type=Path, help="also write the results as JSON here")
    parser.add_argument("--only", help="run only the cases whose name contains this text")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory")
    args = parser.parse_args()
    if args.worker_class == "sync" and args.threads != 1:
        parser.error("--worker-class sync takes --threads 1 (gunicorn would use gthread)")
    require_wrk()
    started = datetime.now(UTC)
    machine = machine_line()
    tmp = Path(tempfile.mkdtemp(prefix="tph-bench-"))
    tmp.chmod(0o755)  # PostgreSQL runs as `postgres` and must reach its directory
    with ExitStack() as stack:
        if not (args.keep or args.profile):
            stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        database_url, redis_url, label = _start_backends(args, tmp, stack)
        env = app_env(database_url, redis_url, tmp / "instance")
        _say(f"backend: {label}; preparing data in {tmp}")
        workload = _prepare(database_url, env, tmp, args)
        settings = {"workers": args.workers, "threads": args.threads,
                    "worker_class": args.worker_class}  # fmt: skip
        reference = {"workers": 4, "threads": 4} if args.reference_baseline else settings
        baseline = Gunicorn("bench.baseline:app", env, tmp / "baseline.log", **reference).start()
        stack.callback(baseline.stop)
        product = Gunicorn("wsgi:app", env, tmp / "app.log", **settings,
                           switch_interval_ms=args.switch_interval).start()  # fmt: skip
        stack.callback(product.stop)
        profile_dir = (tmp / "profiles") if args.profile else None
        if profile_dir:
            profile_dir.mkdir()
        base_case = {"name": "baseline: bare Flask GET /json", "path": "/json",
                     "pool": type("P", (), {"warmup": None, "measure": None})()}  # fmt: skip
        first = _measure(base_case, baseline.url, args, None, [])
        _say(f"  {first.name}: {first.rps:,.0f} req/s")
        results = []
        for case in _cases(workload):
            if args.only and args.only not in case["name"]:
                continue
            results.append(
                _measure(case, product.url, args, profile_dir, [product.process.pid], database_url)
            )
            unit = "events/s" if "batches" in case else "req/s"
            _say(f"  {case['name']}: {results[-1].rps:,.0f} {unit}")
        last = _measure(base_case, baseline.url, args, None, [])
        baseline_rps = (first.rps + last.rps) / 2
        consistency = _check_consistency(env)
    table = render_table([first, *results, last], baseline_rps)
    print(f"\n## {label}\n")
    print(f"{started:%Y-%m-%d %H:%M} UTC, {machine}; {_server_line(args)}; "
          f"wrk -t2 -c{args.connections} -d{args.duration:g}s; "
          f"partner batches: {args.batch_connections} threads\n")  # fmt: skip
    print(table)
    print(f"\nbaseline drift: {first.rps:,.0f} -> {last.rps:,.0f} req/s; {consistency}")
    if profile_dir:
        print(f"profiles (py-spy raw stacks): {profile_dir}")
    if args.output:
        args.output.write_text(json.dumps({
            "date": started.isoformat(), "machine": machine, "backend": label,
            "server": _server_line(args), "sqlite_synchronous": _synchronous(),
            "baseline_rps": baseline_rps, "table": table,
            "results": [r.__dict__ | {"rps": r.rps} for r in [first, *results, last]],
        }, indent=2, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
