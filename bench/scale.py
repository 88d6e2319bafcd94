"""`make bench-scale`: do account reads, the leaderboard and redemption stay flat as the
data grows, and do the batch jobs stream in bounded memory?

    python -m bench.scale --levels 10000,100000,1000000

On its own PostgreSQL + Redis, the data grows level by level (bench.datagen: 5 check-in
rewards = 10 ledger entries per resident, 1 % of residents with points due to expire).
At each level: `flask carbon rebuild-leaderboard` and `flask points expire` run with
their peak RSS measured, then wrk measures GET /me/account (residents sampled across the
whole population), GET /leaderboard and POST /offers/{id}/redeem (distinct residents),
32 connections each. `--verify` also times `flask ledger verify` (long at 1M).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.run import machine_line
from bench.servers import ROOT, Gunicorn, PostgresServer, RedisServer, app_env, flask_cli
from bench.wrk import Result, require_wrk, run_wrk


@dataclass
class Job:
    name: str
    seconds: float
    peak_rss_mb: float
    output: str


def run_job(env: dict, *args: str) -> Job:
    """A flask CLI command with its wall time and peak resident memory (wait4 rusage)."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)  # fmt: skip
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed: {output[-2000:]}")
    last = output.strip().splitlines()[-1] if output.strip() else ""
    return Job(" ".join(args), time.monotonic() - started, usage.ru_maxrss / 1024, last)


def _app(database_url: str, env: dict):
    from app import create_app

    keys = ("REDIS_URL", "SECRET_KEY", "INSTANCE_PATH")
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, **{k: env[k] for k in keys}})


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _setup_mall(app, buyers_total: int) -> int:
    from datetime import timedelta

    from app.db import utcnow
    from app.extensions import db
    from app.mall.offers import approve_offer, create_offer
    from app.merchants.service import create_merchant
    from app.users.service import create_console_user

    with app.app_context():
        operator = create_console_user("scale-operator", "scale-operator-pw", role="operator")
        owner = create_console_user("scale-owner", "scale-owner-pw", role="resident")
        db.session.flush()
        create_merchant("规模压测店", owner.id, created_by=operator.id)
        offer = create_offer(owner.id, {
            "title": "秒杀：环保杯", "points_price": 10, "stock": buyers_total,
            "per_user_limit": 1, "valid_days": 7,
            "sale_starts_at": utcnow() - timedelta(minutes=1),
        })  # fmt: skip
        approve_offer(operator.id, offer.id)
        db.session.commit()
        offer_id = offer.id
        db.session.remove()
    return offer_id


def _tokens(app, user_ids: list[int], path: Path) -> Path:
    from app.extensions import db
    from bench.datagen import issue_tokens

    with app.app_context():
        tokens = issue_tokens(user_ids)
        db.session.remove()
    path.write_text("\n".join(tokens) + "\n")
    return path


def measure_level(args, env, app, tmp: Path, level: int, all_ids: list[int], fresh: list[int],
                  offer_id: int) -> dict:  # fmt: skip
    """Jobs and wrk runs at one data size; `fresh` residents buy in the flash sale."""
    row: dict = {"residents": level, "entries": level * 10}
    row["rebuild"] = run_job(env, "carbon", "rebuild-leaderboard")
    row["expire"] = run_job(env, "points", "expire", "--batch-size", "200")
    if args.verify:
        row["verify"] = run_job(env, "ledger", "verify", "--quiet")
    rng = random.Random(level)
    readers = _tokens(app, rng.sample(all_ids, min(3000, len(all_ids))), tmp / f"r{level}.txt")
    warm, buyers = fresh[:500], fresh[500:]
    warm_file = _tokens(app, warm, tmp / f"bw{level}.txt")
    buyer_file = _tokens(app, buyers, tmp / f"b{level}.txt")
    body = tmp / "empty.json"
    body.write_text("{}")
    server = Gunicorn("wsgi:app", env, tmp / f"app{level}.log").start()
    try:
        common = {"connections": args.connections}
        results: list[Result] = []
        reads = (("GET /me/account", "/api/v1/me/account"),
                 ("GET /leaderboard", "/api/v1/leaderboard?period=all"))  # fmt: skip
        for name, path in reads:
            tokens = readers
            run_wrk("warmup", server.url, path, tokens_file=tokens, duration=2, **common)
            results.append(run_wrk(name, server.url, path, tokens_file=tokens,
                                   duration=args.duration, **common))  # fmt: skip
        redeem = f"/api/v1/offers/{offer_id}/redeem"
        run_wrk("warmup", server.url, redeem, mode="post", tokens_file=warm_file, body_file=body,
                duration=2, run_id=f"w{level}", **common)  # fmt: skip
        results.append(run_wrk("POST redeem (flash sale)", server.url, redeem, mode="post",
                               tokens_file=buyer_file, body_file=body, duration=args.duration,
                               run_id=f"m{level}", **common))  # fmt: skip
    finally:
        server.stop()
    row["results"] = results
    return row


def render(rows: list[dict]) -> str:
    head = ("| residents with history (all users) | ledger entries | GET /me/account req/s "
            "(p99 ms) | GET /leaderboard req/s (p99 ms) | POST redeem req/s (p99 ms) | errors | "
            "leaderboard rebuild s (peak RSS MB) | points expire s (peak RSS MB) | "
            "ledger verify s (peak RSS MB) |")  # fmt: skip
    lines = [head, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        cells = [f"{r.rps:,.0f} ({r.p99_ms:.0f})" for r in row["results"]]
        errors = sum(r.errors for r in row["results"])
        rebuild, expire = row["rebuild"], row["expire"]
        check = row.get("verify")
        verify = f"{check.seconds:.0f} ({check.peak_rss_mb:.0f})" if check else "not run"
        lines.append(
            f"| {row['residents']:,} ({row.get('population', 0):,}) | {row['entries']:,} | "
            f"{' | '.join(cells)} | {errors} | "
            f"{rebuild.seconds:.1f} ({rebuild.peak_rss_mb:.0f}) | "
            f"{expire.seconds:.1f} ({expire.peak_rss_mb:.0f}) | {verify} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="10000,100000,1000000")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--verify", action="store_true", help="also time `flask ledger verify`")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory")
    args = parser.parse_args()
    require_wrk()
    levels = sorted(int(x) for x in args.levels.split(","))
    started, machine = datetime.now(UTC), machine_line()
    tmp = Path(tempfile.mkdtemp(prefix="tph-scale-"))
    tmp.chmod(0o755)  # PostgreSQL runs as `postgres` and must reach its directory
    rows: list[dict] = []
    with ExitStack() as stack:
        if not args.keep:
            stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        pg = PostgresServer(tmp / "pg").init().start()
        stack.callback(pg.stop)
        redis_server = RedisServer(tmp / "redis").start()
        stack.callback(redis_server.stop)
        database_url = pg.createdb("scale")
        env = app_env(database_url, redis_server.url, tmp / "instance")
        flask_cli(env, "db", "upgrade", "heads")
        flask_cli(env, "seed")
        app = _app(database_url, env)
        buyers_per_level = 12_000
        offer_id = _setup_mall(app, buyers_per_level * len(levels))
        from app.extensions import db
        from bench.datagen import Plan, generate

        all_ids: list[int] = []
        have = 0
        for level in levels:
            _say(f"growing to {level:,} residents ...")
            with app.app_context():
                stats = generate(Plan(level - have), chunk=10_000, progress=_say)
                all_ids += stats.user_ids
                fresh = generate(Plan(buyers_per_level, due_every=10**9)).user_ids
                db.session.remove()
            _say(f"  generated in {stats.seconds:.0f}s; measuring ...")
            have = level
            row = measure_level(args, env, app, tmp, level, all_ids, fresh, offer_id)
            row["population"] = len(all_ids) + buyers_per_level * (len(rows) + 1)
            rows.append(row)
            _say(render(rows[-1:]))
    print(f"\n## Scale: PostgreSQL 15 + Redis\n\n{started:%Y-%m-%d %H:%M} UTC, {machine}; "
          f"wrk -t2 -c{args.connections} -d{args.duration:g}s per cell\n")  # fmt: skip
    print(render(rows))
    for row in rows:
        print(f"\n{row['residents']:,}: rebuild: {row['rebuild'].output}; "
              f"expire: {row['expire'].output}")  # fmt: skip
        if "verify" in row:
            print(f"  ledger verify {row['verify'].seconds:.0f}s, "
                  f"peak RSS {row['verify'].peak_rss_mb:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
