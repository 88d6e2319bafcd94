"""Configuration classes, read from the environment.

`create_app()` takes one of these classes (or an instance, or a mapping of overrides).
Everything that differs between a laptop and production comes from environment variables,
so the same code runs on the embedded default (SQLite + one local redis-server) and on
PostgreSQL + Redis.

Every setting can be given as `TPH_<NAME>` (one prefix for all of them, e.g.
`TPH_LOGIN_RATE_LIMIT`); the names documented before the prefix (`DATABASE_URL`,
`SECRET_KEY`, `LOGIN_RATE_LIMIT`...) still work. Values are read here as the text of the
environment; `create_app` checks and converts every one of them, and refuses to start
naming each bad one (app/tunables.py holds the types, ranges and the domains' defaults).
"""

from __future__ import annotations

import os
from pathlib import Path

PREFIX = "TPH_"
BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default=None):
    """`TPH_<name>`, else the unprefixed `<name>` (the names documented before the
    prefix), else `default`. Text as given: app/tunables.py converts and checks it."""
    value = os.environ.get(PREFIX + name)
    if value is None:
        value = os.environ.get(name)
    return default if value is None else value


INSTANCE_DIR = Path(_env("INSTANCE_PATH", BASE_DIR / "instance"))


# The WeChat sandbox's credentials (app/wechat/sandbox.py): production refuses them.
SANDBOX_APPID = "wx0000000000sandbox"
SANDBOX_SECRET = "sandbox-secret"  # noqa: S105 public by design; production refuses it


class ConfigError(RuntimeError):
    """A setting is missing or wrong: the message names each one and what it must be."""


class Config:
    """Production-safe defaults; every setting can be overridden from the environment."""

    ENV_NAME = "production"  # the APP_ENV that picks this class; production checks more
    INSTANCE_PATH = str(INSTANCE_DIR)
    SECRET_KEY = _env("SECRET_KEY", "")
    # Embedded default: SQLite in instance/ and the launcher's redis-server on a unix socket.
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'tanpuhui.sqlite3'}")
    REDIS_URL = _env("REDIS_URL", f"unix://{INSTANCE_DIR / 'redis.sock'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = _env("SQLITE_BUSY_TIMEOUT_MS", 30_000)
    # SQLite's `PRAGMA synchronous` (WAL): FULL syncs the WAL at every commit, so a commit
    # the client heard of survives a power loss; NORMAL only at checkpoints (docs/decisions/1007).
    SQLITE_SYNCHRONOUS = _env("SQLITE_SYNCHRONOUS", "FULL")

    WECHAT_APPID = _env("WECHAT_APPID", SANDBOX_APPID)
    WECHAT_SECRET = _env("WECHAT_SECRET", SANDBOX_SECRET)
    WECHAT_API_BASE_URL = _env("WECHAT_API_BASE_URL", "https://api.weixin.qq.com/")
    WECHAT_TIMEOUT_SECONDS = _env("WECHAT_TIMEOUT_SECONDS", 5.0)
    # Subscribe-message template telling a resident how their check-in review went.
    WECHAT_TEMPLATE_CHECKIN_REVIEW = _env("WECHAT_TEMPLATE_CHECKIN_REVIEW", "checkin_review_result")
    # ... telling an applicant whether their shop was admitted to the alliance, and an
    # adopter that a dead tree was replaced. The mini-program asks for all of them
    # (wx.requestSubscribeMessage) before the actions they follow (GET /notice-templates).
    WECHAT_TEMPLATE_MERCHANT_APPLICATION = _env(
        "WECHAT_TEMPLATE_MERCHANT_APPLICATION", "merchant_application_result"
    )
    WECHAT_TEMPLATE_TREE_REPLACED = _env("WECHAT_TEMPLATE_TREE_REPLACED", "tree_replaced")
    # Which build a site's or event's mini-program code opens: release, trial or develop.
    WECHAT_WXACODE_ENV_VERSION = _env("WECHAT_WXACODE_ENV_VERSION", "release")

    AUTH_TOKEN_TTL_SECONDS = _env("AUTH_TOKEN_TTL_SECONDS", 7 * 24 * 3600)
    OPERATOR_TOKEN_TTL_SECONDS = _env("OPERATOR_TOKEN_TTL_SECONDS", 12 * 3600)
    # Failed console logins: per username (locks it for addresses that failed on it) and
    # per client address across usernames (app/users/login_limits.py).
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "5 per minute")
    LOGIN_IP_RATE_LIMIT = _env("LOGIN_IP_RATE_LIMIT", "20 per 10 minutes")
    # How many proxies in front set X-Forwarded-For (werkzeug ProxyFix x_for); 0 = none, and
    # the client address is the socket's peer. Never more than the proxies really there:
    # a client could then pick its own address.
    PROXY_FIX_X_FOR = _env("PROXY_FIX_X_FOR", 0)
    # How many proxies in front set X-Forwarded-Proto (ProxyFix x_proto): behind nginx
    # terminating TLS, 1, so the app knows its own links are https.
    PROXY_FIX_X_PROTO = _env("PROXY_FIX_X_PROTO", 0)
    # When earned points expire: end_of_following_year | days:N | never (docs/decisions/0100).
    POINTS_EXPIRY_POLICY = _env("POINTS_EXPIRY_POLICY", "end_of_following_year")
    # How long a deleted account's keyed WeChat identity hash is kept so that signing up
    # again continues its per-person limits (docs/decisions/0701).
    IDENTITY_RETENTION_DAYS = _env("IDENTITY_RETENTION_DAYS", 400)

    # The public address of the site, e.g. https://tanpuhui.example.cn/, for links that leave
    # it (the QR code on a retirement certificate); empty: the request's own root URL.
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", "")

    MAX_CONTENT_LENGTH = _env("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)
    # `X-Served-By: host:pid` on every answer (which node and worker served it), for
    # scale-out tests and benchmarks; off, so production does not publish hosts and pids.
    SERVED_BY_HEADER = _env("SERVED_BY_HEADER", False)
    JSON_SORT_KEYS = False

    API_TITLE = "碳普惠 Carbon-inclusion points API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Served by the app itself (app/docs_assets.py): many deployments have no internet.
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/assets/"
    LOG_LEVEL = _env("LOG_LEVEL", "INFO")
    # `text` (one readable line, the default) or `json` (one JSON object a line, for a log
    # shipper); both carry the request id (app/ops/logs.py).
    LOG_FORMAT = _env("LOG_FORMAT", "text")
    # Bearer token that /metrics asks for; empty: /metrics answers 404 (app/ops/metrics.py).
    METRICS_TOKEN = _env("METRICS_TOKEN", "")
    # Error reports to Sentry when set (app/ops/sentry.py); no DSN, no Sentry.
    SENTRY_DSN = _env("SENTRY_DSN", "")
    SENTRY_ENVIRONMENT = _env("SENTRY_ENVIRONMENT", "")  # empty: the APP_ENV
    SENTRY_TRACES_SAMPLE_RATE = _env("SENTRY_TRACES_SAMPLE_RATE", 0.0)
    TESTING = False


class DevelopmentConfig(Config):
    """The embedded default started by `make run`: sandbox WeChat, demo secret key."""

    ENV_NAME = "development"
    SECRET_KEY = _env("SECRET_KEY", "dev-only-secret-key-change-me")
    # The sandbox `make run` starts (on TPH_SANDBOX_PORT; the launcher also sets this).
    WECHAT_API_BASE_URL = _env(
        "WECHAT_API_BASE_URL", f"http://127.0.0.1:{os.environ.get(PREFIX + 'SANDBOX_PORT', 8765)}/"
    )


class TestConfig(DevelopmentConfig):
    """Used by the test suite; tests override the URLs with their own servers."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key"  # noqa: S105 the test suite's own key, never deployed


CONFIGS = {"production": Config, "development": DevelopmentConfig, "testing": TestConfig}


def config_from_env() -> type[Config]:
    """Pick the config class named by APP_ENV (production, development, testing).
    Raises ConfigError for any other name."""
    name = _env("APP_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(
            f"Invalid configuration:\n  - APP_ENV={name!r}: must be one of {', '.join(CONFIGS)}"
        )
    return CONFIGS[name]
