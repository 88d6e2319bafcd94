"""Check-in settings with their defaults; any of them can be set in the app config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from flask import current_app

from app.files import private_dir
from app.keys import derive_key, fernet_for

DEFAULTS: dict[str, Any] = {
    # Per-resident rate limits (Redis); `limits` notation, several joined by ";".
    "CHECKIN_RATE_LIMIT": "30 per minute;300 per day",
    "UPLOAD_RATE_LIMIT": "30 per hour",
    "WERUN_RATE_LIMIT": "30 per hour",
    # Photos: where they go and what is accepted.
    "UPLOAD_DIR": None,  # None: <instance>/uploads
    "UPLOAD_MAX_BYTES": 5 * 1024 * 1024,
    "UPLOAD_MAX_PIXELS": 40_000_000,
    "UPLOAD_MIN_SIDE": 64,
    # dHash distance (of 64 bits) at or below which two photos are one picture (0204).
    "PHOTO_DUPLICATE_DISTANCE": 3,
    # Window-signature distance (pHash + dHash, of 128 bits) for the same (docs/decisions/0702).
    "PHOTO_MATCH_DISTANCE": 20,
    # WeRun: how old a watermark may be, and how many days back a sync may credit.
    "WERUN_MAX_AGE_SECONDS": 300,
    "WERUN_SYNC_DAYS": 2,
    # WeRun anti-cheat (app/checkins/werun_risk.py): the resident's own baseline, how far
    # above it a day is a jump, which totals look typed in, spikes before a campaign ends.
    "WERUN_BASELINE_DAYS": 30,
    "WERUN_BASELINE_MIN_DAYS": 7,
    "WERUN_JUMP_FACTOR": 3,
    "WERUN_JUMP_MIN_STEPS": 10_000,
    "WERUN_PATTERN_MIN_STEPS": 5_000,
    "WERUN_REPEAT_MIN_DAYS": 2,
    "WERUN_CAMPAIGN_END_DAYS": 3,
    "WERUN_CAMPAIGN_SPIKE_FACTOR": 2,
    # Partners: signature timestamp window, nonce memory, oldest event accepted.
    "PARTNER_TIMESTAMP_WINDOW_SECONDS": 300,
    "PARTNER_NONCE_TTL_SECONDS": 900,
    "PARTNER_EVENT_MAX_AGE_DAYS": 7,
    # Events for a partner account nobody has bound yet are kept and paid to the resident
    # who binds it within this many days of the event (docs/decisions/0946).
    "PARTNER_HOLD_DAYS": 30,
    # How long a partner's one-time binding code may be entered; wrong codes per resident.
    "PARTNER_BINDING_CODE_TTL_SECONDS": 600,
    "PARTNER_BIND_FAILURE_LIMIT": "10 per hour",
    # Rotating site codes: how many past windows are still accepted (scan-to-submit lag).
    "QR_GRACE_WINDOWS": 1,
    # Weighing-station receipts: how long after weighing a receipt may be scanned.
    "STATION_RECEIPT_MAX_AGE_SECONDS": 24 * 3600,
    # A quantity the resident types alone (no site or station measured it) is paid at once
    # only up to this many base points; above, it waits for review (docs/decisions/0700).
    "DECLARED_AUTO_APPROVE_POINTS": 5,
    # Risk: at or above this score a check-in waits for an operator.
    "RISK_REVIEW_THRESHOLD": 50,
    "RISK_VELOCITY_WINDOW_SECONDS": 600,
    "RISK_VELOCITY_MAX": 5,
    "RISK_SITE_BURST_USERS": 20,
}


def setting(name: str) -> Any:
    """The configured value of a check-in setting, else its default."""
    return current_app.config.get(name, DEFAULTS[name])


def upload_dir() -> Path:
    """The directory photos are stored in (created on first use)."""
    configured = setting("UPLOAD_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    return private_dir(path)


def derived_key(purpose: bytes) -> bytes:
    """A 32-byte key for one purpose, derived from SECRET_KEY (cached per app)."""
    cache = current_app.extensions.setdefault("checkins_keys", {})
    if purpose not in cache:
        cache[purpose] = derive_key(current_app.config["SECRET_KEY"], b"tanpuhui-checkins", purpose)
    return cache[purpose]


def fernet(purpose: bytes) -> Fernet:
    """Authenticated encryption for secrets stored at rest (partner secrets)."""
    return fernet_for(derived_key(purpose))
