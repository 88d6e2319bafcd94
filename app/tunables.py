"""Every setting's type and range, checked once at boot (`create_app`).

config.py reads the core settings from the environment as text (`TPH_<NAME>`, or the
unprefixed names documented before the prefix); the domains keep their own defaults
(app/checkins/settings.py, app/registry/settings.py, the mall's and merchants' failure
limits, the privacy consent version) and take `TPH_<NAME>` too. `check_config` fills in
the domains' settings, converts every value to its type and collects every problem, so a
bad deployment stops at boot with one message naming each variable and what it must be,
instead of failing on some request later. Precedence: a value set in code (a config class
or mapping given to `create_app`, as tests do) > the environment > the default.

Production (APP_ENV=production) also refuses the WeChat sandbox's credentials and a
SECRET_KEY shorter than 32 characters.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from app.tunable_types import (
    Parser,
    choice,
    database_url,
    flag,
    integer,
    number,
    optional_path,
    rate_limit,
    text,
    url,
)
from config import PREFIX, SANDBOX_APPID, SANDBOX_SECRET, ConfigError

MIN_SECRET_KEY_LENGTH = 32


@dataclass(frozen=True)
class Tunable:
    """One setting: its app config key, how to read it, and its environment name (without
    the prefix) when that differs or was documented without the prefix (`legacy`)."""

    key: str
    parse: Parser
    default: Any = None  # only for the domains' settings: config.py holds the others
    env: str | None = None
    legacy: bool = False
    secret: bool = False

    @property
    def env_name(self) -> str:
        return self.env or self.key


def _core() -> list[Tunable]:
    """The settings of config.py, with the environment names the README documents."""
    legacy: dict[str, Any] = {"legacy": True}
    return [
        Tunable("SECRET_KEY", text(), secret=True, **legacy),
        Tunable("SQLALCHEMY_DATABASE_URI", database_url, env="DATABASE_URL", **legacy),
        Tunable("REDIS_URL", url("redis://", "rediss://", "unix://"), **legacy),
        Tunable("INSTANCE_PATH", text(), **legacy),
        Tunable("SQLITE_BUSY_TIMEOUT_MS", integer(0), **legacy),
        Tunable("SQLITE_SYNCHRONOUS", choice("NORMAL", "FULL")),
        Tunable("WECHAT_APPID", text(), **legacy),
        Tunable("WECHAT_SECRET", text(), secret=True, **legacy),
        Tunable("WECHAT_API_BASE_URL", url("http://", "https://"), **legacy),
        Tunable("WECHAT_TIMEOUT_SECONDS", number(0, 120, above=True), **legacy),
        Tunable("WECHAT_TEMPLATE_CHECKIN_REVIEW", text(), **legacy),
        Tunable("WECHAT_TEMPLATE_MERCHANT_APPLICATION", text()),
        Tunable("WECHAT_TEMPLATE_TREE_REPLACED", text()),
        Tunable("WECHAT_WXACODE_ENV_VERSION", choice("release", "trial", "develop")),
        Tunable("AUTH_TOKEN_TTL_SECONDS", integer(60), **legacy),
        Tunable("OPERATOR_TOKEN_TTL_SECONDS", integer(60), **legacy),
        Tunable("LOGIN_RATE_LIMIT", rate_limit, **legacy),
        Tunable("LOGIN_IP_RATE_LIMIT", rate_limit, **legacy),
        Tunable("PROXY_FIX_X_FOR", integer(0, 5), **legacy),
        Tunable("PROXY_FIX_X_PROTO", integer(0, 5), **legacy),
        Tunable("IDENTITY_RETENTION_DAYS", integer(0), **legacy),
        Tunable("PUBLIC_BASE_URL", url("http://", "https://", allow_empty=True), **legacy),
        Tunable("MAX_CONTENT_LENGTH", integer(1024), **legacy),
        Tunable("SERVED_BY_HEADER", flag, **legacy),
        Tunable("LOG_LEVEL", choice("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), **legacy),
        Tunable("LOG_FORMAT", choice("text", "json")),
        Tunable("METRICS_TOKEN", text(allow_empty=True), secret=True),
        Tunable("SENTRY_DSN", url("http://", "https://", allow_empty=True), secret=True, **legacy),
        Tunable("SENTRY_ENVIRONMENT", text(allow_empty=True)),
        Tunable("SENTRY_TRACES_SAMPLE_RATE", number(0, 1)),
    ]


# Read by deploy/gunicorn.conf.py and the launcher (`make run`), not the app: listed so that
# they are known names (a typo in any TPH_ name stops the boot) and checked like the rest.
_SERVER = [
    Tunable("APP_ENV", choice("production", "development", "testing"), "development"),
    Tunable("WEB_BIND", text(), "0.0.0.0:8000"),
    Tunable("WEB_WORKERS", integer(1, 64), None),
    Tunable("WEB_THREADS", integer(1, 64), 4),
    Tunable("METRICS_DIR", optional_path, None),
    # `make run` (app/launcher.py): where it serves, and the WeChat sandbox's port.
    Tunable("HOST", text(), "127.0.0.1"),
    Tunable("PORT", integer(1, 65535), 8000),
    Tunable("SANDBOX_PORT", integer(1, 65535), 8765),
]

# Ranges of the domains' settings where "a whole number, 0 or more" is not enough.
_RANGES: dict[str, Parser] = {
    "UPLOAD_MAX_BYTES": integer(1),
    "UPLOAD_MAX_PIXELS": integer(1),
    "UPLOAD_MIN_SIDE": integer(1),
    "PHOTO_DUPLICATE_DISTANCE": integer(0, 64),
    "WERUN_MAX_AGE_SECONDS": integer(1),
    "WERUN_SYNC_DAYS": integer(1, 30),
    "WERUN_BASELINE_DAYS": integer(1),
    "WERUN_BASELINE_MIN_DAYS": integer(1),
    "WERUN_JUMP_FACTOR": number(1),
    "WERUN_CAMPAIGN_SPIKE_FACTOR": number(1),
    "PARTNER_TIMESTAMP_WINDOW_SECONDS": integer(1),
    "PARTNER_NONCE_TTL_SECONDS": integer(1),
    "PARTNER_EVENT_MAX_AGE_DAYS": integer(1),
    "PARTNER_HOLD_DAYS": integer(1),
    "PARTNER_BINDING_CODE_TTL_SECONDS": integer(1),
    "QR_GRACE_WINDOWS": integer(0, 10),
    "RISK_VELOCITY_WINDOW_SECONDS": integer(1),
    "RISK_VELOCITY_MAX": integer(1),
    "RISK_SITE_BURST_USERS": integer(1),
    "REGISTRY_BUFFER_PERCENT": integer(0, 100),
    "REGISTRY_REGION": text(r"[A-Z0-9]{2,8}", hint="must be 2-8 capital letters or digits"),
    "REGISTRY_CONSENT_VERSION": text(r"[\w.-]{1,32}", hint="must be a short version tag"),
    "CONSENT_VERSION": text(r"[\w.-]{1,32}", hint="must be a short version tag"),
    "REGISTRY_REPORT_MAX_BYTES": integer(1),
    "LEDGER_SYSTEM_SHARDS": integer(1, 256),
}


def _inferred(key: str, default: Any) -> Parser:
    if key in _RANGES:
        return _RANGES[key]
    if key.endswith("_LIMIT") and isinstance(default, str):
        return rate_limit
    if default is None:
        return optional_path
    if isinstance(default, bool):
        return flag
    if isinstance(default, int):
        return integer(0)
    if isinstance(default, float):
        return number(0)
    return text()


_DOMAIN_TUNABLES: dict[str, Tunable] = {}


def domain_tunable(key: str, default: Any, parse: Parser | None = None, **kw: Any) -> Tunable:
    """A domain's setting with its default; its parser inferred from the key and default
    unless given."""
    return Tunable(key, parse or _inferred(key, default), default, **kw)


def register_tunables(tunables: list[Tunable]) -> None:
    """Add the domains' settings (the app factory names them all, app/__init__.py: this
    module sits below the domains and imports none of them). Idempotent."""
    _DOMAIN_TUNABLES.update((tunable.key, tunable) for tunable in tunables)


def _domains() -> list[Tunable]:
    return list(_DOMAIN_TUNABLES.values())


def all_tunables() -> list[Tunable]:
    """Every setting that can be given in the environment, core ones first."""
    return _core() + _domains() + _SERVER


def _source(tunable: Tunable, environ: Mapping[str, str]) -> str:
    for name in (PREFIX + tunable.env_name, tunable.env_name if tunable.legacy else None):
        if name and name in environ:
            return name
    return tunable.key


def _environment_problems(tunables: list[Tunable], environ: Mapping[str, str]) -> list[str]:
    known = {PREFIX + t.env_name: t for t in tunables}
    problems = []
    for name in sorted(n for n in environ if n.startswith(PREFIX) and n not in known):
        near = difflib.get_close_matches(name, known, n=1)
        problems.append(f"{name}: not a setting" + (f" (did you mean {near[0]}?)" if near else ""))
    for name, tunable in known.items():
        legacy = tunable.env_name
        both = tunable.legacy and name in environ and legacy in environ
        if both and environ[name] != environ[legacy]:
            problems.append(f"{name} and {legacy}: both set, to different values")
    return problems


def check_config(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """Fill in the domains' settings (code > `TPH_<NAME>` > default), convert every
    setting to its type in place and check it. Raises ConfigError naming every problem."""
    tunables = all_tunables()
    problems = _environment_problems(tunables, environ)
    for tunable in _core() + _domains():
        if tunable.key not in config:
            config[tunable.key] = environ.get(PREFIX + tunable.env_name, tunable.default)
        raw = config[tunable.key]
        try:
            config[tunable.key] = tunable.parse(raw)
        except ValueError as exc:
            shown = "(hidden)" if tunable.secret else repr(raw)
            problems.append(f"{_source(tunable, environ)}={shown}: {exc}")
    for tunable in _SERVER:
        if PREFIX + tunable.env_name in environ:
            try:
                tunable.parse(environ[PREFIX + tunable.env_name])
            except ValueError as exc:
                problems.append(f"{PREFIX}{tunable.env_name}: {exc}")
    if config.get("ENV_NAME") == "production":
        problems += _production_problems(config)
    if problems:
        env_name = config.get("ENV_NAME", "?")
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ConfigError(f"Invalid configuration (APP_ENV={env_name}):\n{lines}")


def _production_problems(config: Mapping[str, Any]) -> list[str]:
    problems = []
    key = config.get("SECRET_KEY") or ""
    if isinstance(key, str) and 0 < len(key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"SECRET_KEY: {len(key)} characters; production needs at least "
            f"{MIN_SECRET_KEY_LENGTH} random ones (python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')"
        )
    if config.get("WECHAT_APPID") == SANDBOX_APPID or config.get("WECHAT_SECRET") == SANDBOX_SECRET:
        problems.append(
            "WECHAT_APPID / WECHAT_SECRET: the WeChat sandbox's credentials; production "
            "needs the mini-program's own (set TPH_WECHAT_APPID and TPH_WECHAT_SECRET)"
        )
    return problems
