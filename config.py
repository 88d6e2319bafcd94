"""Configuration classes, read from the environment.

`create_app()` takes one of these classes (or an instance, or a mapping of overrides).
Everything that differs between a laptop and production comes from environment variables,
so the same code runs on the embedded default (SQLite + one local redis-server) and on
PostgreSQL + Redis.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class Config:
    """Production-safe defaults; every setting can be overridden from the environment."""

    INSTANCE_PATH = str(INSTANCE_DIR)
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    # Embedded default: SQLite in instance/ and the launcher's redis-server on a unix socket.
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'tanpuhui.sqlite3'}"
    )
    REDIS_URL = os.environ.get("REDIS_URL", f"unix://{INSTANCE_DIR / 'redis.sock'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 30_000)

    WECHAT_APPID = os.environ.get("WECHAT_APPID", "wx0000000000sandbox")
    WECHAT_SECRET = os.environ.get("WECHAT_SECRET", "sandbox-secret")
    WECHAT_API_BASE_URL = os.environ.get("WECHAT_API_BASE_URL", "https://api.weixin.qq.com/")
    WECHAT_TIMEOUT_SECONDS = float(os.environ.get("WECHAT_TIMEOUT_SECONDS", "5"))
    # Subscribe-message template telling a resident how their check-in review went.
    WECHAT_TEMPLATE_CHECKIN_REVIEW = os.environ.get(
        "WECHAT_TEMPLATE_CHECKIN_REVIEW", "checkin_review_result"
    )
    # ... telling an applicant whether their shop was admitted to the alliance, and an
    # adopter that a dead tree was replaced. The mini-program asks for all of them
    # (wx.requestSubscribeMessage) before the actions they follow (GET /notice-templates).
    WECHAT_TEMPLATE_MERCHANT_APPLICATION = os.environ.get(
        "WECHAT_TEMPLATE_MERCHANT_APPLICATION", "merchant_application_result"
    )
    WECHAT_TEMPLATE_TREE_REPLACED = os.environ.get("WECHAT_TEMPLATE_TREE_REPLACED", "tree_replaced")
    # Which build a site's or event's mini-program code opens: release, trial or develop.
    WECHAT_WXACODE_ENV_VERSION = os.environ.get("WECHAT_WXACODE_ENV_VERSION", "release")

    AUTH_TOKEN_TTL_SECONDS = _env_int("AUTH_TOKEN_TTL_SECONDS", 7 * 24 * 3600)
    OPERATOR_TOKEN_TTL_SECONDS = _env_int("OPERATOR_TOKEN_TTL_SECONDS", 12 * 3600)
    # Failed console logins: per username (locks it for addresses that failed on it) and
    # per client address across usernames (app/users/login_limits.py).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute")
    LOGIN_IP_RATE_LIMIT = os.environ.get("LOGIN_IP_RATE_LIMIT", "20 per 10 minutes")
    # How many proxies in front set X-Forwarded-For (werkzeug ProxyFix x_for); 0 = none, and
    # the client address is the socket's peer. Never more than the proxies really there:
    # a client could then pick its own address.
    PROXY_FIX_X_FOR = _env_int("PROXY_FIX_X_FOR", 0)
    # When earned points expire: end_of_following_year | days:N | never (docs/decisions/0100).
    POINTS_EXPIRY_POLICY = os.environ.get("POINTS_EXPIRY_POLICY", "end_of_following_year")
    # How long a deleted account's keyed WeChat identity hash is kept so that signing up
    # again continues its per-person limits (docs/decisions/0701).
    IDENTITY_RETENTION_DAYS = _env_int("IDENTITY_RETENTION_DAYS", 400)
    RATELIMIT_HEADERS_ENABLED = True

    # The public address of the site, e.g. https://tanpuhui.example.cn/, for links that leave
    # it (the QR code on a retirement certificate); empty: the request's own root URL.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")

    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)
    # `X-Served-By: host:pid` on every answer (which node and worker served it), for
    # scale-out tests and benchmarks; off, so production does not publish hosts and pids.
    SERVED_BY_HEADER = _env_flag("SERVED_BY_HEADER")
    JSON_SORT_KEYS = False

    API_TITLE = "碳普惠 Carbon-inclusion points API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Served by the app itself (app/docs_assets.py): many deployments have no internet.
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/assets/"
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    TESTING = False


class DevelopmentConfig(Config):
    """The embedded default started by `make run`: sandbox WeChat, demo secret key."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-key-change-me")
    WECHAT_API_BASE_URL = os.environ.get("WECHAT_API_BASE_URL", "http://127.0.0.1:8765/")


class TestConfig(DevelopmentConfig):
    """Used by the test suite; tests override the URLs with their own servers."""

    TESTING = True
    SECRET_KEY = "test-secret-key"


CONFIGS = {"production": Config, "development": DevelopmentConfig, "testing": TestConfig}


def config_from_env() -> type[Config]:
    """Pick the config class named by APP_ENV (production, development, testing)."""
    return CONFIGS[os.environ.get("APP_ENV", "development")]
