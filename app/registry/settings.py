"""Registry settings with their defaults (any can be set in the app config), the
pseudonymous resident id the public sees, and the Asia/Shanghai "today"."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app

from app.clock import shanghai_today  # noqa: F401  (re-exported)
from app.keys import derive_key

DEFAULTS: dict[str, Any] = {
    # Share of each issuance put in the buffer account (percent, rounded up to whole kg).
    "REGISTRY_BUFFER_PERCENT": 5,
    # The <region> of serial numbers: CN-<region>-PH-...
    "REGISTRY_REGION": "XX",
    # The aggregation consent text residents agree to; a new version asks again.
    "REGISTRY_CONSENT_VERSION": "2026-12",
    # The holder freshly issued units go to.
    "REGISTRY_PLATFORM_NAME": "碳普惠平台",
    # Where uploaded verification reports are kept (None: <instance>/registry-reports).
    "REGISTRY_REPORT_DIR": None,
    "REGISTRY_REPORT_MAX_BYTES": 20 * 1024 * 1024,
}


def setting(name: str) -> Any:
    """The configured value of a registry setting, else its default."""
    return current_app.config.get(name, DEFAULTS[name])


def pseudonym(user_id: int) -> str:
    """A resident's public pseudonymous id (16 hex digits): stable, unlinkable without
    the server's key. Residents see their own in `GET /me/reductions`."""
    cache = current_app.extensions.setdefault("registry_keys", {})
    if "pseudonym" not in cache:
        cache["pseudonym"] = derive_key(
            current_app.config["SECRET_KEY"], b"tanpuhui-registry", b"resident-pseudonym"
        )
    return hmac.new(cache["pseudonym"], str(user_id).encode(), hashlib.sha256).hexdigest()[:16]
