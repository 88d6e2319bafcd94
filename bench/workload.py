"""The benchmark's world: residents with tokens, a merchant with live offers (one of them a
flash sale with enough stock for every buyer), a QR site, and the files wrk reads.

Everything is made through the services (operator, merchant, offers, site, tokens via
app.auth.issue_token) except the residents' history, which bench.datagen writes in bulk.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from app.checkins.sites import create_site, site_qr
from app.db import utcnow
from app.extensions import db
from app.mall.offers import approve_offer, create_offer
from app.merchants.service import create_merchant
from app.users.service import create_console_user
from bench.datagen import Plan, generate, issue_tokens

QR_SCENARIO = "bus_ride"


@dataclass
class Pool:
    """Residents for one benchmark: a warm-up share and a measured share (token files);
    `prime`: each measured resident reads once before the warm-up (bench/wrk.py prime)."""

    warmup: Path
    measure: Path
    size: int
    prime: bool = False


@dataclass
class Workload:
    readers: Pool
    checkins: Pool
    buyers: Pool
    flash_offer_id: int
    sold_out_offer_id: int
    checkin_body: Path
    empty_body: Path
    batches: object = None  # the partner batches' world (bench/batch.py), when they run


def _pool(workdir: Path, name: str, tokens: list[str], warmup: int, prime: bool) -> Pool:
    warm, measured = workdir / f"{name}-warmup.txt", workdir / f"{name}.txt"
    warm.write_text("\n".join(tokens[:warmup]) + "\n")
    measured.write_text("\n".join(tokens[warmup:]) + "\n")
    return Pool(warm, measured, len(tokens) - warmup, prime=prime)


def _read_pool(workdir: Path, tokens: list[str]) -> Pool:
    """Readers are primed (each reads once) and warm up with the very residents they are
    measured with: the reads are measured in steady state, each resident's session and
    account already cached (a resident's first read after a change costs the database
    queries; 0606). A 2 s warm-up alone reached every resident only above ~1,000 req/s."""
    path = workdir / "readers.txt"
    path.write_text("\n".join(tokens) + "\n")
    return Pool(path, path, len(tokens), prime=True)


def build_workload(
    workdir: Path, *, readers: int = 2000, writers: int = 12000, warmup: int = 1000,
    warm_writers: bool = True, progress=print,
) -> Workload:  # fmt: skip
    """Create the benchmark data inside an app context; returns where wrk finds it.

    `warm_writers`: each measured writer reads once before its case (its session cached,
    as a resident's is who opened the mini-program before scanning or buying); else every
    write also loads a cold session (the bench's only way before 2026-12-03)."""
    workdir.mkdir(parents=True, exist_ok=True)
    total = readers + 2 * (writers + warmup)
    progress(f"generating {total} residents with history ...")
    stats = generate(Plan(total, rewards_per_resident=5, points_per_reward=20))
    ids = stats.user_ids
    progress("issuing tokens ...")
    tokens = issue_tokens(ids)
    reader_tokens = tokens[:readers]
    checkin_tokens = tokens[readers : readers + writers + warmup]
    buyer_tokens = tokens[readers + writers + warmup :]

    operator = create_console_user("bench-operator", "bench-operator-pw", role="operator")
    owner = create_console_user("bench-owner", "bench-owner-pw", role="resident")
    db.session.flush()
    create_merchant("压测咖啡馆", owner.id, created_by=operator.id, address="压测路 1 号")
    now = utcnow()
    for i in range(8):
        offer = create_offer(owner.id, {
            "title": f"低碳好礼 {i + 1}", "description": "压测用商品", "points_price": 30 + i,
            "stock": 1000, "per_user_limit": 2, "valid_days": 30, "settlement_value_fen": 500,
        })  # fmt: skip
        approve_offer(operator.id, offer.id)
    sale = {"points_price": 10, "per_user_limit": 1, "valid_days": 7,
            "sale_starts_at": now - timedelta(minutes=1), "settlement_value_fen": 300}  # fmt: skip
    flash = create_offer(owner.id, {"title": "秒杀：环保杯", "stock": len(buyer_tokens), **sale})
    approve_offer(operator.id, flash.id)
    sold_out = create_offer(owner.id, {"title": "秒杀：限量 10 份", "stock": 10, **sale})
    approve_offer(operator.id, sold_out.id)
    site = create_site("压测公交站", QR_SCENARIO, created_by=operator.id, per_user_daily_limit=1)
    db.session.flush()
    _site, payload, _expires = site_qr(site.id)
    db.session.commit()

    checkin_body = workdir / "checkin.json"
    checkin_body.write_text(
        json.dumps({"scenario": QR_SCENARIO, "evidence": {"type": "qr", "token": payload}})
    )
    empty_body = workdir / "empty.json"
    empty_body.write_text("{}")
    return Workload(
        readers=_read_pool(workdir, reader_tokens),
        checkins=_pool(workdir, "checkins", checkin_tokens, warmup, warm_writers),
        buyers=_pool(workdir, "buyers", buyer_tokens, warmup, warm_writers),
        flash_offer_id=flash.id,
        sold_out_offer_id=sold_out.id,
        checkin_body=checkin_body,
        empty_body=empty_body,
    )
