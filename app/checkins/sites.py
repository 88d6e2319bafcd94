"""QR sites: operators create them and print (or display) their signed codes: the long
payload for wx.scanCode, or a mini-program code (wxacode) whose short `scene` opens the
check-in page from WeChat's own scanner (app/checkins/qr.py)."""

from __future__ import annotations

import time
from datetime import datetime

from flask import current_app
from sqlalchemy import select, update

from app import reference_cache
from app.carbon import service as carbon
from app.checkins import qr, receipts
from app.checkins import quantity as quantities
from app.checkins.models import Site
from app.errors import NotFound, Unprocessable
from app.extensions import db
from app.pagination import paginate_desc
from app.qrimage import qr_png
from app.wechat import wechat

CHECKIN_PAGE = "pages/checkin/index"
# A return trip: a resident may check in at a transit stop twice a day by default
# (out and back); other sites once. Operators can set any limit per site.
RETURN_TRIP_SCENARIOS = frozenset({"bus_ride", "metro_ride", "metro_km", "ebus_km"})

reference_cache.register(Site)


class SiteNotFound(NotFound):
    reason, message = "site_not_found", "打卡点不存在"


def create_site(
    name: str,
    scenario_code: str,
    *,
    created_by: int | None,
    rotation_seconds: int = 0,
    per_user_daily_limit: int | None = None,
    quantity_source: str = quantities.SOURCE_SCAN,
    quantity_per_scan_milli: int | None = None,
) -> Site:
    """Create a site for a scenario that accepts QR evidence. Without a
    `per_user_daily_limit` the scenario decides: 2 for transit (a return trip), else 1.

    Raises ScenarioNotFound, Unprocessable (reason `evidence_not_accepted`),
    InvalidQuantitySource (422).
    """
    scenario = carbon.get_scenario(scenario_code)
    if "qr" not in scenario.evidence_types:
        raise Unprocessable("该场景不支持扫码打卡", reason="evidence_not_accepted")
    quantities.check_site_source(scenario, quantity_source, quantity_per_scan_milli)
    site = Site(
        name=name.strip(),
        scenario_id=scenario.id,
        rotation_seconds=rotation_seconds,
        per_user_daily_limit=per_user_daily_limit or default_daily_limit(scenario.code),
        quantity_source=quantity_source,
        quantity_per_scan_milli=quantity_per_scan_milli,
        created_by=created_by,
    )
    db.session.add(site)
    db.session.flush()
    return site


def default_daily_limit(scenario_code: str) -> int:
    """Check-ins per resident per day at a new site of this scenario."""
    return 2 if scenario_code in RETURN_TRIP_SCENARIOS else 1


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
    quantity_source: str | None = None,
    quantity_per_scan_milli: int | None = None,
) -> Site:
    """Change a site's settings. Raises SiteNotFound, InvalidQuantitySource (422)."""
    site = get_site(site_id)
    if quantity_source is not None or quantity_per_scan_milli is not None:
        source = quantity_source or site.quantity_source
        per_scan = quantity_per_scan_milli
        if per_scan is None and source == quantities.SOURCE_FIXED:
            per_scan = site.quantity_per_scan_milli
        quantities.check_site_source(site.scenario, source, per_scan)
        site.quantity_source = source
        site.quantity_per_scan_milli = per_scan if source == quantities.SOURCE_FIXED else None
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
    reference_cache.changed()  # a Core UPDATE: the flush hook does not see it
    site = db.session.get(Site, site_id, populate_existing=True)
    if site is None:
        raise SiteNotFound()
    return site


def site_qr(site_id: int) -> tuple[Site, str, datetime | None]:
    """(site, payload, expires_at) of the code to show now. Raises SiteNotFound."""
    site = get_site(site_id)
    payload, expires_at = qr.sign_payload(site.id, site.key_version, site.rotation_seconds)
    return site, payload, expires_at


def site_scene(site: Site) -> str:
    """The short scene of the site's mini-program code now. Raises Unprocessable
    (`scene_too_long`: an id and window that leave under 72 bits of signature)."""
    return qr.sign_scene(site.id, site.key_version, site.rotation_seconds)


def site_wxacode_png(site_id: int) -> bytes:
    """The site's mini-program code (PNG, from WeChat's getwxacodeunlimit): WeChat's own
    scanner opens the check-in page with its scene. Raises SiteNotFound, WeChatUnavailable
    (503), Unprocessable (`scene_too_long`)."""
    site = get_site(site_id)
    env_version = current_app.config.get("WECHAT_WXACODE_ENV_VERSION", "release")
    return wechat.get_unlimited_code(site_scene(site), CHECKIN_PAGE, env_version=env_version)


def site_qr_png(site_id: int) -> bytes:
    """The site's current code as a PNG image. Raises SiteNotFound."""
    _site, payload, _expires = site_qr(site_id)
    return qr_png(payload)


def _live_site(site_id: int, key_version: int | None = None) -> Site:
    """The active site (with this key version, unless None). Raises InvalidQr."""
    site = reference_cache.lookup(("site", site_id), lambda: db.session.get(Site, site_id))
    if site is None or not site.active or key_version not in (None, site.key_version):
        raise qr.InvalidQr()
    return site


def resolve_scan(token: str, scenario_id: int) -> tuple[Site, receipts.Receipt | None]:
    """The live site a scanned code belongs to, for this scenario, and the weighing
    receipt when the code is one (app/checkins/receipts.py).

    Raises InvalidQr (400 `invalid_qr`) for a forged, altered, retired or expired code,
    an inactive site, a code of another scenario's site, a receipt of a site that is no
    weighing station, or a station site's plain code (its quantity is on the receipt).
    """
    site, receipt = _verified_site(token)
    if site.scenario_id != scenario_id:
        raise qr.InvalidQr("该二维码不属于此打卡场景")
    return site, receipt


def describe_scan(token: str) -> Site:
    """The live site a scanned code (long payload, short scene or receipt) belongs to,
    so the check-in page knows its scenario. Raises InvalidQr as `resolve_scan` does."""
    return _verified_site(token)[0]


def _verified_site(token: str) -> tuple[Site, receipts.Receipt | None]:
    if receipts.is_receipt(token):
        receipt = receipts.parse_receipt(token, time.time())
        site = _live_site(receipt.site_id, receipt.key_version)
        if site.quantity_source != quantities.SOURCE_STATION:
            raise qr.InvalidQr()
        return site, receipt
    if qr.is_scene(token):
        site_id, window, body, signature = qr.parse_scene(token)
        site = _live_site(site_id)
        qr.check_scene(body, signature, site.key_version)
        parsed = qr.SitePayload(site_id, site.key_version, window)
    else:
        parsed = qr.parse_payload(token)
        site = _live_site(parsed.site_id, parsed.key_version)
    qr.check_window(parsed, site.rotation_seconds, time.time())
    if site.quantity_source == quantities.SOURCE_STATION:
        raise qr.InvalidQr("请扫描称重后小票上的二维码")
    return site, None


def station_key(site_id: int) -> tuple[Site, str]:
    """(site, hex key) a weighing station signs its receipts with, for an operator to
    provision into it. Rotating the site's key retires it. Raises SiteNotFound,
    InvalidQuantitySource (422) when the site is not a weighing station."""
    site = get_site(site_id)
    if site.quantity_source != quantities.SOURCE_STATION:
        raise quantities.InvalidQuantitySource("该打卡点不是称重站")
    return site, receipts.station_key(site.id, site.key_version).hex()
