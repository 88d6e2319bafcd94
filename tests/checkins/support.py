"""Helpers shared by the carbon, check-in and check-in concurrency tests."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import random
import secrets
import time
from datetime import datetime, timedelta

from PIL import Image, ImageDraw

from app.extensions import db
from tests.helpers import bearer


def seed(app) -> None:
    """Load the published scenario table into the (emptied) test database."""
    from app.carbon.seed import seed_scenarios

    with app.app_context():
        seed_scenarios()
        db.session.commit()


def photo(seed_value: int, size: tuple[int, int] = (320, 240), fmt: str = "JPEG") -> bytes:
    """A distinct picture per seed: random coloured rectangles on a random background."""
    rng = random.Random(seed_value)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(20, 160), y0 + rng.randrange(20, 120)
        draw.rectangle((x0, y0, x1, y1), fill=tuple(rng.randrange(256) for _ in range(3)))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, quality=92) if fmt == "JPEG" else image.save(buffer, fmt)
    return buffer.getvalue()


def upload(client, token: str, data: bytes, filename: str = "p.jpg"):
    return client.post(
        "/api/v1/uploads",
        data={"file": (io.BytesIO(data), filename)},
        headers=bearer(token),
        content_type="multipart/form-data",
    )


def create_site(client, op_token: str, scenario: str = "bus_ride", **extra) -> dict:
    response = client.post(
        "/api/v1/admin/sites",
        json={"name": f"站点 {scenario}", "scenario": scenario, **extra},
        headers=bearer(op_token),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def site_payload(client, op_token: str, site_id: int) -> str:
    response = client.get(f"/api/v1/admin/sites/{site_id}/qr", headers=bearer(op_token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["payload"]


def qr_checkin(client, token: str, payload: str, scenario: str = "bus_ride", **extra):
    body = {"scenario": scenario, "evidence": {"type": "qr", "token": payload}, **extra}
    return client.post("/api/v1/checkins", json=body, headers=bearer(token))


def set_cap(client, op_token: str, scenario: str, cap: float) -> None:
    response = client.patch(
        f"/api/v1/admin/scenarios/{scenario}", json={"daily_cap": cap}, headers=bearer(op_token)
    )
    assert response.status_code == 200, response.get_json()


def signed_headers(
    partner: str,
    secret: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict:
    """The four partner headers, signed as API.md says."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    nonce = nonce or secrets.token_hex(12)
    message = f"{timestamp}\n{nonce}\n".encode() + body
    return {
        "X-Partner-Id": partner,
        "X-Timestamp": str(timestamp),
        "X-Nonce": nonce,
        "X-Signature": hmac.new(secret.encode(), message, hashlib.sha256).hexdigest(),
        "Content-Type": "application/json",
    }


def partner_body(
    event_id: str,
    openid: str,
    scenario: str = "bus_ride",
    quantity=1,
    occurred_at: str | None = None,
) -> bytes:
    from app.db import utcnow

    return json.dumps({
        "event_id": event_id,
        "openid": openid,
        "scenario": scenario,
        "quantity": quantity,
        "occurred_at": occurred_at or utcnow().isoformat(),
    }).encode()  # fmt: skip


def account(client, token: str) -> dict:
    """GET /me/account of a resident."""
    response = client.get("/api/v1/me/account", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def werun_steps(by_days_ago: dict[int, int]) -> list[dict]:
    """A WeRun stepInfoList: {days ago: steps} stamped with Asia/Shanghai midnights."""
    from app.carbon.rules import SHANGHAI

    today = datetime.now(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        {"timestamp": int((today - timedelta(days=n)).timestamp()), "step": steps}
        for n, steps in sorted(by_days_ago.items(), reverse=True)
    ]
