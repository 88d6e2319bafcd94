"""Demo data for `flask seed --demo`: QR sites to scan (a bus stop, a clothes-recycling
weighing station with one receipt) and a partner to sign events with."""

from __future__ import annotations

from sqlalchemy import select

from app.checkins import partners, receipts, sites
from app.checkins.models import Partner, Site
from app.extensions import db
from app.seed import register_seeder

DEMO_SITE = "演示公交站（人民广场）"
DEMO_STATION = "演示旧衣回收称重站（社区驿站）"
DEMO_PARTNER = "demo-bus"


@register_seeder
def seed_demo_checkins(demo: bool) -> str | None:
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
