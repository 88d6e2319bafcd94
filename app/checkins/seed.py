"""Demo data for `flask seed --demo`: QR sites to scan (a bus stop, a clothes-recycling
weighing station with one receipt) and a partner to sign events with; and the check-in
pieces of the demo's 60 days of history (app/demo/history.py): a metro station, a bike
share partner, partner trips and WeRun syncs as they are credited once received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.carbon import service as carbon
from app.checkins import partner_events, partners, receipts, sites, werun, werun_risk
from app.checkins.models import Partner, Site
from app.checkins.settings import setting
from app.clock import shanghai_day
from app.db import utcnow
from app.extensions import db
from app.seed import register_seeder

DEMO_SITE = "演示公交站（人民广场）"
DEMO_STATION = "演示旧衣回收称重站（社区驿站）"
DEMO_PARTNER = "demo-bus"


@register_seeder
def seed_demo_checkins(demo: bool) -> str | None:
    """Demo seeder: a bus-ride QR site, a weighing station with a sample receipt and a partner.

    Returns the lines to print (payloads, secret), or None outside the demo or when done."""
    if not demo or db.session.scalar(select(Site.id).where(Site.name == DEMO_SITE)):
        return None
    site = sites.create_site(DEMO_SITE, "bus_ride", created_by=None)
    _site, payload, _expires = sites.site_qr(site.id)
    lines = [f"demo QR site #{site.id} (bus_ride): {payload}"]
    station = sites.create_site(
        DEMO_STATION, "old_clothes", created_by=None, quantity_source="station"
    )
    key = receipts.station_key(station.id, station.key_version)
    receipt = receipts.sign_receipt(key, station.id, station.key_version, "DEMO-0001", 2_500)
    lines.append(f"demo weighing station #{station.id} (old_clothes), a 2.5 kg receipt: {receipt}")
    if not db.session.scalar(select(Partner.id).where(Partner.code == DEMO_PARTNER)):
        _partner, secret = partners.create_partner(DEMO_PARTNER, "演示公交公司", ["bus_ride"])
        lines.append(f"demo partner {DEMO_PARTNER} / secret {secret}")
    return "\n".join(lines)


# --- pieces of the demo history (app/demo/history.py), each through this domain's rules ---

DEMO_METRO_SITE = "演示地铁站（人民广场站）"
DEMO_BIKE_PARTNER = "demo-bike"


@dataclass(frozen=True)
class DemoPlaces:
    """Where the demo residents check in: two QR sites and two partners (by code)."""

    bus_site_id: int
    metro_site_id: int
    bus_partner: str
    bike_partner: str


def demo_places() -> DemoPlaces:
    """The demo's QR sites and partners, made if missing (the bus stop and `demo-bus` come
    from `seed_demo_checkins`)."""
    seed_demo_checkins(True)
    bus = db.session.execute(select(Site).where(Site.name == DEMO_SITE)).scalar_one()
    metro = db.session.scalar(select(Site).where(Site.name == DEMO_METRO_SITE))
    if metro is None:
        metro = sites.create_site(DEMO_METRO_SITE, "metro_ride", created_by=None)
    if db.session.scalar(select(Partner.id).where(Partner.code == DEMO_BIKE_PARTNER)) is None:
        partners.create_partner(DEMO_BIKE_PARTNER, "演示共享单车", ["bike_share_km"])
    return DemoPlaces(bus.id, metro.id, DEMO_PARTNER, DEMO_BIKE_PARTNER)


def demo_partner_trip(partner_code: str, openid: str, scenario: str, quantity: Decimal,
                      event_id: str) -> None:  # fmt: skip
    """A partner's event as its signed webhook would deliver it (the signature is the
    webhook's business, not the crediting's), happening now."""
    partner = db.session.execute(select(Partner).where(Partner.code == partner_code)).scalar_one()
    partner_events.record_partner_event(
        partner,
        event_id=event_id,
        openid=openid,
        scenario=scenario,
        quantity=quantity,
        occurred_at=utcnow(),
    )


def demo_werun_sync(user_id: int, by_day: dict[date, int]) -> None:
    """What a WeRun sync does once WeChat's payload is decrypted and checked: keep the
    older days as the baseline, credit the recent ones (anti-cheat rules included)."""
    scenario = carbon.get_scenario(werun.WERUN_SCENARIO)
    now = utcnow()
    today = shanghai_day(now)
    earliest = today - timedelta(days=setting("WERUN_SYNC_DAYS") - 1)
    oldest = earliest - timedelta(days=setting("WERUN_BASELINE_DAYS"))
    by_day = {day: steps for day, steps in by_day.items() if oldest <= day <= today}
    werun_risk.store_baseline(user_id, by_day, earliest, now)
    series = werun_risk.load_series(user_id, oldest, by_day)
    for day, steps in sorted(by_day.items()):
        if day >= earliest:
            werun._credit_day(user_id, scenario, day, steps, now, series)
