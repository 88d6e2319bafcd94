"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import os

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.errors import error_body
from app.extensions import db, redis_client

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    """200 while the process runs; `worker` tells which gunicorn worker answered."""
    return jsonify({"status": "ok", "worker": os.getpid()})


@blp.get("/readyz")
def readyz():
    """200 when the database and Redis both answer, else 503 naming what is down."""
    checks = {"database": "ok", "redis": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        checks["database"] = "unavailable"
    try:
        redis_client.ping()
    except Exception:
        checks["redis"] = "unavailable"
    if all(value == "ok" for value in checks.values()):
        return jsonify({"status": "ready", "checks": checks})
    body = error_body(503, "not_ready", "依赖服务不可用", checks=checks)
    return jsonify(body), 503
