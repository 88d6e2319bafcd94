"""Partner event batches in the benchmark: their world, and the driver bench.run uses.

    python -m bench.run --only batch              # events/s under gunicorn (a bench.run row)
    python -m bench.batch_profile                 # per-event profile, in process (SQLite)

wrk cannot sign a request (HMAC of the body), so batches are sent by Python threads, one
keep-alive connection each: every batch holds BATCH_SIZE events of distinct residents
(consenting to bus_ride), none over a daily cap (at most 4 a resident per Asia/Shanghai
day, spread over the last 6 days), none seen before. The bench.run row counts events, not
requests: its rate is events/s, its latencies those of a whole batch, its statuses the
events' own codes (a batch that failed counts all its events under its status).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
