"""Application factory: `create_app(config)` builds the carbon-inclusion points service."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import messages
from app.files import private_dir
from app.ops.logs import configure_logging
from app.ops.sentry import init_sentry
from app.tunables import check_config
from config import Config, config_from_env

# Before any schema is defined: their fields take their default messages when built.
messages.install()


def create_app(config: type[Config] | Mapping | None = None) -> Flask:
    """Create the Flask app.

    `config` is a Config class, or a mapping of overrides applied on top of the class
    named by APP_ENV; None means APP_ENV alone (default: development).
    """
    app = Flask(__name__)
    if config is None or isinstance(config, Mapping):
        app.config.from_object(config_from_env())
        app.config.update(config or {})
    else:
        app.config.from_object(config)
    # Every setting typed and checked before anything uses one: a bad value stops the boot
    # with a message naming it (ConfigError), never a failure on some request later.
    register_domain_tunables()
    _register_personal_data()
    check_config(app.config, os.environ)
    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        # Behind N proxies: the client address (rate limits) is the N-th from the right of
        # X-Forwarded-For, and the scheme (https links) X-Forwarded-Proto, as they wrote them.
        # Flask's documented way to wrap the WSGI app; mypy sees wsgi_app as a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=app.config["PROXY_FIX_X_FOR"],
            x_proto=app.config["PROXY_FIX_X_PROTO"],
        )
    app.instance_path = app.config["INSTANCE_PATH"]
    private_dir(app.instance_path)  # the SQLite file, uploads, the embedded Redis socket
    configure_logging(app)
    init_sentry(app)  # only with SENTRY_DSN: error reports, tagged with the request id

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import idempotency  # noqa: F401  (its table belongs to the metadata)
    from app.errors import register_error_handlers
    from app.extensions import api, db, limiter_storage_uri, migrate, redis_client
    from app.input_guard import install_input_guard
    from app.ops.telemetry import install_telemetry
    from app.requests import install_request_boundary
    from app.sqlite_engine import configure_sqlite
    from app.wechat import wechat

    # First of all the request hooks: the request id exists for every other hook's errors,
    # and the access line and latency are taken after the commit (app/ops/telemetry.py).
    install_telemetry(app)

    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        # NullPool-like behaviour is not needed: one connection per thread, reused.
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    else:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "pool_size": 10,
            "max_overflow": 10,
            **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
        }
    db.init_app(app)
    if uri.startswith("sqlite"):
        with app.app_context():
            configure_sqlite(
                db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"], app.config["SQLITE_SYNCHRONOUS"]
            )
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"))
    redis_conn = redis_client.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", limiter_storage_uri(app.config["REDIS_URL"]))
    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "opaque"}
    )
    wechat.init_app(app, redis_conn)
    register_error_handlers(app)
    install_request_boundary(app)
    install_input_guard(app)


def _register_blueprints(app: Flask) -> None:
    from app.audit.admin_api import blp as admin_audit_blp
    from app.campaigns.api import admin_blp as admin_campaigns_blp
    from app.campaigns.api import blp as campaigns_blp
    from app.carbon.admin_api import blp as admin_carbon_blp
    from app.carbon.api import blp as carbon_blp
    from app.checkins.admin_api import blp as admin_checkins_blp
    from app.checkins.api import blp as checkins_blp
    from app.checkins.bindings_api import blp as partner_accounts_blp
    from app.checkins.partner_api import blp as partner_blp
    from app.console.admin_api import accounts_blp as admin_merchant_accounts_blp
    from app.console.admin_api import blp as admin_jobs_blp
    from app.console.merchant_api import blp as merchant_console_blp
    from app.console.pages import bp as console_pages_bp
    from app.docs_assets import blp as docs_assets_blp
    from app.events.api import blp as events_blp
    from app.events.holder_api import blp as holder_events_blp
    from app.events.pages import bp as event_pages_bp
    from app.extensions import api
    from app.health import blp as health_blp
    from app.ledger.admin_api import blp as admin_points_blp
    from app.ledger.api import blp as ledger_blp
    from app.mall.admin_api import blp as admin_mall_blp
    from app.mall.admin_api import users_blp as admin_mall_users_blp
    from app.mall.api import blp as mall_blp
    from app.mall.merchant_api import blp as merchant_mall_blp
    from app.merchants.admin_api import blp as admin_merchants_blp
    from app.merchants.api import blp as merchants_blp
    from app.merchants.applications_admin_api import blp as admin_applications_blp
    from app.merchants.resident_api import blp as alliance_blp
    from app.notice_templates import blp as notice_templates_blp
    from app.ops.scrape import blp as metrics_blp
    from app.registry.admin_api import blp as admin_registry_blp
    from app.registry.admin_org_api import blp as admin_registry_org_blp
    from app.registry.api import blp as registry_blp
    from app.registry.holder_api import blp as holder_registry_blp
    from app.registry.pages import bp as registry_pages_bp
    from app.registry.public_api import blp as public_registry_blp
    from app.registry.verifier_api import blp as verifier_registry_blp
    from app.sinks.admin_api import blp as admin_sinks_blp
    from app.sinks.api import blp as sinks_blp
    from app.stats.api import blp as admin_stats_blp
    from app.users.accounts_api import blp as admin_accounts_blp
    from app.users.admin_api import blp as admin_users_blp
    from app.users.api import blp as auth_blp
    from app.users.profile_api import blp as profile_blp

    app.register_blueprint(health_blp)
    app.register_blueprint(metrics_blp)
    app.register_blueprint(docs_assets_blp)
    api.register_blueprint(auth_blp, url_prefix="/api/v1/auth")
    api.register_blueprint(profile_blp, url_prefix="/api/v1")
    api.register_blueprint(notice_templates_blp, url_prefix="/api/v1/notice-templates")
    api.register_blueprint(campaigns_blp, url_prefix="/api/v1/campaigns")
    api.register_blueprint(admin_campaigns_blp, url_prefix="/api/v1/admin/campaigns")
    api.register_blueprint(admin_users_blp, url_prefix="/api/v1/admin/users")
    api.register_blueprint(admin_accounts_blp, url_prefix="/api/v1/admin/accounts")
    api.register_blueprint(ledger_blp, url_prefix="/api/v1/me")
    api.register_blueprint(admin_points_blp, url_prefix="/api/v1/admin/points")
    api.register_blueprint(admin_audit_blp, url_prefix="/api/v1/admin/audit-log")
    api.register_blueprint(mall_blp, url_prefix="/api/v1")
    api.register_blueprint(merchant_mall_blp, url_prefix="/api/v1/merchant")
    api.register_blueprint(merchants_blp, url_prefix="/api/v1/merchant")
    api.register_blueprint(admin_mall_blp, url_prefix="/api/v1/admin/offers")
    api.register_blueprint(admin_mall_users_blp, url_prefix="/api/v1/admin/users")
    api.register_blueprint(admin_merchants_blp, url_prefix="/api/v1/admin/merchants")
    api.register_blueprint(admin_applications_blp, url_prefix="/api/v1/admin/merchant-applications")
    api.register_blueprint(alliance_blp, url_prefix="/api/v1")
    api.register_blueprint(carbon_blp, url_prefix="/api/v1")
    api.register_blueprint(checkins_blp, url_prefix="/api/v1")
    api.register_blueprint(partner_blp, url_prefix="/api/v1/partner")
    api.register_blueprint(partner_accounts_blp, url_prefix="/api/v1")
    api.register_blueprint(admin_carbon_blp, url_prefix="/api/v1/admin")
    api.register_blueprint(admin_checkins_blp, url_prefix="/api/v1/admin")
    api.register_blueprint(admin_stats_blp, url_prefix="/api/v1/admin/stats")
    api.register_blueprint(admin_jobs_blp, url_prefix="/api/v1/admin/jobs")
    api.register_blueprint(
        admin_merchant_accounts_blp, url_prefix="/api/v1/admin/merchant-accounts"
    )
    api.register_blueprint(merchant_console_blp, url_prefix="/api/v1/merchant")
    api.register_blueprint(admin_registry_blp, url_prefix="/api/v1/admin/registry")
    api.register_blueprint(admin_registry_org_blp, url_prefix="/api/v1/admin/registry")
    api.register_blueprint(verifier_registry_blp, url_prefix="/api/v1/verifier")
    api.register_blueprint(holder_registry_blp, url_prefix="/api/v1/holder")
    api.register_blueprint(public_registry_blp, url_prefix="/api/v1/public/registry")
    api.register_blueprint(registry_blp, url_prefix="/api/v1")
    api.register_blueprint(holder_events_blp, url_prefix="/api/v1/holder/events")
    api.register_blueprint(events_blp, url_prefix="/api/v1")
    api.register_blueprint(admin_sinks_blp, url_prefix="/api/v1/admin/sinks")
    api.register_blueprint(sinks_blp, url_prefix="/api/v1")
    app.register_blueprint(console_pages_bp)
    app.register_blueprint(registry_pages_bp)
    app.register_blueprint(event_pages_bp)


def _register_cli(app: Flask) -> None:
    from app import periodic as _periodic  # noqa: F401  (registers the periodic jobs)
    from app.carbon import seed as _carbon_seed  # noqa: F401  (registers its seeder)
    from app.carbon.cli import carbon_cli
    from app.checkins import seed as _checkins_seed  # noqa: F401  (registers its seeder)
    from app.demo import history as _demo_history  # noqa: F401  (registers its seeder)
    from app.events import factors as _event_factors  # noqa: F401  (registers its seeder)
    from app.events import seed as _events_seed  # noqa: F401  (registers its seeder)
    from app.ledger.cli import ledger_cli, points_cli
    from app.mall import seed as _mall_seed  # noqa: F401  (registers its seeder)
    from app.mall.cli import coupons_cli
    from app.ops.cli import ops_cli
    from app.ops.scheduler_cli import scheduler_cli
    from app.registry import seed as _registry_seed  # noqa: F401  (registers its seeder)
    from app.registry.cli import registry_cli
    from app.seed import seed_command
    from app.sinks import methodologies as _sink_methods  # noqa: F401  (registers its seeder)
    from app.sinks import seed as _sinks_seed  # noqa: F401  (registers its seeder)
    from app.users import seed as _users_seed  # noqa: F401  (registers its seeder)
    from app.users.cli import operator_cli, users_cli

    app.cli.add_command(operator_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(coupons_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(points_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(carbon_cli)
    app.cli.add_command(registry_cli)
    app.cli.add_command(ops_cli)
    app.cli.add_command(scheduler_cli)


def register_domain_tunables() -> None:
    """Every domain's settings, named once here (the factory is the one module that knows
    every domain; app/tunables.py below them reads and checks what is registered)."""
    from app.carbon.consents import DEFAULT_CONSENT_VERSION
    from app.checkins.settings import DEFAULTS as CHECKINS
    from app.ledger.accounts import DEFAULT_SHARDS
    from app.ledger.lots import expiry_policy
    from app.mall.merchant_api import DEFAULT_CODE_FAILURE_LIMIT
    from app.merchants.api import DEFAULT_JOIN_FAILURE_LIMIT
    from app.registry.settings import DEFAULTS as REGISTRY
    from app.tunables import Tunable, domain_tunable, register_tunables
    from app.users.profile import DEFAULT_PROFILE_RATE_LIMIT

    defaults = {
        **CHECKINS,
        **REGISTRY,
        "COUPON_CODE_FAILURE_LIMIT": DEFAULT_CODE_FAILURE_LIMIT,
        "STAFF_JOIN_FAILURE_LIMIT": DEFAULT_JOIN_FAILURE_LIMIT,
        "PROFILE_RATE_LIMIT": DEFAULT_PROFILE_RATE_LIMIT,
        "CONSENT_VERSION": DEFAULT_CONSENT_VERSION,
        "LEDGER_SYSTEM_SHARDS": DEFAULT_SHARDS,
    }
    register_tunables(
        [Tunable("POINTS_EXPIRY_POLICY", expiry_policy, legacy=True)]
        + [domain_tunable(key, value) for key, value in defaults.items()]
    )


def _register_personal_data() -> None:
    """What each domain holds about a resident: the export's sections in this order, and
    the deletion's steps in this order (app/users/personal_data.py). A domain that keeps
    personal data adds its line here."""
    from app.carbon import privacy as carbon
    from app.checkins import bindings, uploads, werun
    from app.ledger import service as ledger
    from app.mall import coupons
    from app.merchants import applications
    from app.registry import service as registry
    from app.users.personal_data import register_personal_data as register

    register("points_balance", ledger.get_points_balance)
    register("points_history", ledger.export_points_history)
    register("consents", carbon.export_consents)
    register("carbon_records", carbon.export_records)
    register("uploads", uploads.export_uploads, uploads.erase_uploads)
    register("werun_days", werun.export_werun_days)
    register("coupons", coupons.export_coupons, coupons.void_coupons_of_user)
    register("registry_consent", registry.export_consent, registry.withdraw_consent)
    register("partner_bindings", bindings.export_bindings, bindings.erase_bindings)
    register(
        "merchant_applications",
        applications.export_applications,
        applications.withdraw_pending_of_user,
    )
    register("withdrawn_consents", None, carbon.withdraw_consents)  # deletion steps only
    register("leaderboards", None, carbon.leave_leaderboards)
