"""Settings from the environment with one prefix (TPH_), typed and checked at boot."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app import register_domain_tunables
from app.tunables import check_config
from config import Config, ConfigError, DevelopmentConfig
from tests.helpers import ROOT

GOOD_PRODUCTION = {
    "SECRET_KEY": "x" * 48,
    "WECHAT_APPID": "wx1234567890abcdef",
    "WECHAT_SECRET": "a-real-looking-secret",
}


@pytest.fixture(autouse=True)
def _domain_tunables():
    """`check_config` knows the domains' settings once the app factory registered them
    (as `create_app` does first): these tests call it without an app."""
    register_domain_tunables()


def _config(cls=DevelopmentConfig, **values) -> dict:
    config = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
    config.update(values)
    return config


def _boot(env: dict, code: str = "import wsgi") -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TPH_")}
    environment.update(APP_ENV="development", INSTANCE_PATH=env.pop("INSTANCE_PATH"), **env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_a_bad_setting_stops_the_boot_naming_it(tmp_path):
    result = _boot({"INSTANCE_PATH": str(tmp_path), "TPH_CHECKIN_RATE_LIMIT": "3 per fortnight",
                    "TPH_REGISTRY_BUFFER_PERCENT": "150"})  # fmt: skip

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "tanpuhui will not start: Invalid configuration (APP_ENV=development)" in result.stderr
    assert ("TPH_CHECKIN_RATE_LIMIT='3 per fortnight': must be a rate limit such as "
            '"5 per minute"') in result.stderr  # fmt: skip
    assert "TPH_REGISTRY_BUFFER_PERCENT='150': must be between 0 and 100" in result.stderr


def test_prefixed_and_documented_names_reach_the_app_typed(tmp_path):
    code = ("import wsgi; c = wsgi.app.config; print(repr((c['LOGIN_RATE_LIMIT'], "
            "c['LOGIN_IP_RATE_LIMIT'], c['WERUN_SYNC_DAYS'], c['COUPON_CODE_FAILURE_LIMIT'], "
            "c['REGISTRY_CONSENT_VERSION'], c['SERVED_BY_HEADER'])))")  # fmt: skip
    result = _boot({"INSTANCE_PATH": str(tmp_path), "TPH_LOGIN_RATE_LIMIT": "7 per minute",
                    "LOGIN_IP_RATE_LIMIT": "9 per hour", "TPH_WERUN_SYNC_DAYS": "3",
                    "TPH_COUPON_CODE_FAILURE_LIMIT": "4 per minute",
                    "TPH_REGISTRY_CONSENT_VERSION": "2027-01", "TPH_SERVED_BY_HEADER": "on"},
                   code)  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(
        ("7 per minute", "9 per hour", 3, "4 per minute", "2027-01", True)
    )


def test_values_set_in_code_win_over_the_environment():
    config = _config(WERUN_SYNC_DAYS=5)

    check_config(config, {"TPH_WERUN_SYNC_DAYS": "2", "TPH_QR_GRACE_WINDOWS": "3"})

    assert config["WERUN_SYNC_DAYS"] == 5
    assert config["QR_GRACE_WINDOWS"] == 3
    assert config["RISK_REVIEW_THRESHOLD"] == 50  # the domain's default


def test_a_misspelt_name_and_two_disagreeing_names_are_refused():
    with pytest.raises(ConfigError) as caught:
        check_config(
            _config(),
            {"TPH_RISK_REVEIW_THRESHOLD": "10", "TPH_LOGIN_RATE_LIMIT": "5 per minute",
             "LOGIN_RATE_LIMIT": "6 per minute"},
        )  # fmt: skip

    message = str(caught.value)
    assert "TPH_RISK_REVEIW_THRESHOLD: not a setting (did you mean TPH_RISK_REVIEW_THRESHOLD?)" in (
        message
    )
    assert "TPH_LOGIN_RATE_LIMIT and LOGIN_RATE_LIMIT: both set, to different values" in message


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"SECRET_KEY": "short-key"}, "SECRET_KEY: 9 characters; production needs at least 32"),
        ({"SECRET_KEY": ""}, "SECRET_KEY=(hidden): must not be empty"),
        ({"WECHAT_APPID": "wx0000000000sandbox"}, "the WeChat sandbox's credentials"),
        ({"WECHAT_SECRET": "sandbox-secret"}, "the WeChat sandbox's credentials"),
        ({"POINTS_EXPIRY_POLICY": "days:0"}, "must be end_of_following_year, never or days:N"),
        ({"SQLALCHEMY_DATABASE_URI": "mysql://x/y"}, "must be a sqlite:/// or postgresql"),
        ({"WECHAT_TIMEOUT_SECONDS": "0"}, "WECHAT_TIMEOUT_SECONDS='0': must be more than 0"),
    ],
)
def test_production_refuses_sandbox_credentials_and_weak_settings(values, expected):
    with pytest.raises(ConfigError, match="APP_ENV=production") as caught:
        check_config(_config(Config, **{**GOOD_PRODUCTION, **values}), {})

    assert expected in str(caught.value)
    assert "short-key" not in str(caught.value)  # a secret is never printed


def test_production_with_its_own_credentials_starts():
    config = _config(Config, **GOOD_PRODUCTION)

    check_config(config, {"TPH_UPLOAD_MAX_BYTES": "1048576"})

    assert config["UPLOAD_MAX_BYTES"] == 1048576
