"""Extension objects, created here and bound to the app in `create_app`.

Domains import what they need from here (`from app.extensions import db, redis_client`);
nothing in this module knows about a particular app instance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis
from flask import Flask, current_app
from flask_migrate import Migrate
from flask_smorest import Api, Blueprint
from flask_sqlalchemy import SQLAlchemy
from marshmallow import RAISE
from webargs.flaskparser import FlaskParser

from app.db import Base
from app.errors import ErrorSchema


class RedisClient:
    """Proxy to the current app's redis-py client (one per app, shared by its threads)."""

    def init_app(self, app: Flask) -> redis.Redis:
        client = redis.Redis.from_url(
            app.config["REDIS_URL"],
            decode_responses=True,
            socket_timeout=2,
            socket_connect_timeout=2,
            health_check_interval=30,
        )
        app.extensions["redis"] = client
        return client

    def __getattr__(self, name: str):
        return getattr(current_app.extensions["redis"], name)


def limiter_storage_uri(redis_url: str) -> str:
    """Translate a redis-py URL into the form the `limits` package expects."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url


class _Api(Api):
    # Document the error body we actually send (with `reason`), not flask-smorest's.
    ERROR_SCHEMA = ErrorSchema


class _StrictParser(FlaskParser):
    """Unknown query parameters are refused (422) like unknown body fields: a filter the
    server does not know must not be silently ignored (`?user_id=` that filtered nothing).
    Headers and cookies stay lenient (clients and proxies add their own)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
    }


Blueprint.ARGUMENTS_PARSER = _StrictParser()


db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:
    # mypy sees `db.Model` as an attribute, not a class: models subclass `Model` instead, which
    # is `db.Model` at run time and its declarative base for the type checker.
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
api = _Api()
redis_client = RedisClient()
