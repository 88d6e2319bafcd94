"""QR sites: operators create them and print (or display) their signed codes."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import select, update

from app.carbon import service as carbon
from app.checkins import qr
from app.checkins.models import Site
from app.errors import NotFound, Unprocessable
from app.extensions import db
from app.pagination import paginate_desc


class SiteNotFound(NotFound):
    reason, message = "site_not_found", "打卡点不存在"


def create_site(
    name: str,
    scenario_code: str,
    *,
    created_by: int,
    rotation_seconds: int = 0,
    per_user_daily_limit: int = 1,
) -> Site:
    """Create a site for a scenario that accepts QR evidence.

    Raises ScenarioNotFound, Unprocessable (reason `evidence_not_accepted`).
    """
    scenario = carbon.get_scenario(scenario_code)
    if "qr" not in scenario.evidence_types:
        raise Unprocessable("该场景不支持扫码打卡", reason="evidence_not_accepted")
    site = Site(
        name=name.strip(),
        scenario_id=scenario.id,
        rotation_seconds=rotation_seconds,
        per_user_daily_limit=per_user_daily_limit,
        created_by=created_by,
    )
    db.session.add(site)
    db.session.flush()
    return site


def get_site(site_id: int) -> Site:
    """One site. Raises SiteNotFound."""
    site = db.session.get(Site, site_id)
    if site is None:
        raise SiteNotFound()
    return site


def list_sites(limit: int, cursor: str | None) -> tuple[list[Site], str | None]:
    """Sites, newest first. Raises InvalidCursor."""
    return paginate_desc(select(Site), Site.id, limit, cursor)


def update_site(
    site_id: int,
    *,
    name: str | None = None,
    active: bool | None = None,
    per_user_daily_limit: int | None = None,
    rotation_seconds: int | None = None,
) -> Site:
    """Change a site's settings. Raises SiteNotFound."""
    site = get_site(site_id)
    if name is not None:
        site.name = name.strip()
    if active is not None:
        site.active = active
    if per_user_daily_limit is not None:
        site.per_user_daily_limit = per_user_daily_limit
    if rotation_seconds is not None:
        site.rotation_seconds = rotation_seconds
    db.session.flush()
    return site


def rotate_site_key(site_id: int) -> Site:
    """Retire every code made so far for the site (a leaked code stops working).

    Raises SiteNotFound.
    """
    db.session.execute(
        update(Site)
        .where(Site.id == site_id)
        .values(key_version=Site.key_version + 1)
        .execution_options(synchronize_session=False)
    )
    site = db.session.get(Site, site_id, populate_existing=True)
    if site is None:
        raise SiteNotFound()
    return site


def site_qr(site_id: int) -> tuple[Site, str, datetime | None]:
    """(site, payload, expires_at) of the code to show now. Raises SiteNotFound."""
    site = get_site(site_id)
    payload, expires_at = qr.sign_payload(site.id, site.key_version, site.rotation_seconds)
    return site, payload, expires_at


def site_qr_png(site_id: int) -> bytes:
    """The site's current code as a PNG image. Raises SiteNotFound."""
    _site, payload, _expires = site_qr(site_id)
    return qr.payload_png(payload)


def resolve_site_token(token: str, scenario_id: int) -> Site:
    """The live site a scanned code belongs to, for this scenario.

    Raises InvalidQr (400 `invalid_qr`) for a forged, altered, retired or expired code,
    an inactive site or a code of another scenario's site.
    """
    parsed = qr.parse_payload(token)
    site = db.session.get(Site, parsed.site_id)
    if site is None or not site.active or site.key_version != parsed.key_version:
        raise qr.InvalidQr()
    if site.scenario_id != scenario_id:
        raise qr.InvalidQr("该二维码不属于此打卡场景")
    qr.check_window(parsed, site.rotation_seconds, time.time())
    return site
