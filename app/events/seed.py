"""Demo data for `flask seed --demo`: a small event of the demo enterprise, accounted from
its lines and three attendees' metro trips, checked by the demo verifier, offset with the
enterprise's units, with its public certificate."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.clock import shanghai_today
from app.events import accounting, events
from app.events.models import Event
from app.extensions import db
from app.registry import service as registry
from app.registry.models import Holder
from app.registry.seed import seed_demo_registry
from app.seed import register_seeder
from app.users.models import User


def _user(name: str) -> int:
    return db.session.execute(select(User.id).where(User.username == name)).scalar_one()


@register_seeder
def seed_demo_events(demo: bool) -> str | None:
    """Demo seeder: an accounted and offset exhibition of the demo organiser GREENCO.

    Returns a summary line, or None outside the demo or when events already exist."""
    if not demo or db.session.scalar(select(Event.id)):
        return None
    before = seed_demo_registry(True)
    organiser = db.session.execute(select(Holder).where(Holder.code == "GREENCO")).scalar_one()
    login = _user("greenco")
    today = shanghai_today()
    event = events.create_event(
        organiser.id,
        {
            "name": "绿色制造开放日（演示）",
            "kind": "exhibition",
            "venue": "绿色制造有限公司展厅",
            "starts_on": today - timedelta(days=8),
            "ends_on": today - timedelta(days=7),
            "expected_attendees": 3,
            "default_trip_km_milli": 20_000,
            "plan": "无纸化导览、公共交通出行；会后一周内注销核证减排量抵消全部排放。",
        },
        login,
    )
    token = events.event_qr(event)
    residents = db.session.scalars(
        select(User.id).where(User.openid.like("demo-resident-%")).order_by(User.id).limit(3)
    )
    for user_id in residents:
        events.record_attendance(user_id, token, "metro", 10)
    accounting.add_line(event, "electricity", "grid_electricity", 4, "展厅照明与空调")
    accounting.add_line(event, "materials", "materials_paper", 1, "导览手册")
    events.mark_held(event)
    verifier = _user("verifier")
    accounting.account_event(event, login, registry.verifier_of(verifier))
    accounting.check_event(event, verifier, "演示：核对电表读数与物料清单")
    batch_id = next(h["batch_id"] for h in registry.holdings(organiser.id))
    result = events.offset_event(
        organiser.id, event, batch_id, events.required_kg(event), registry.Request(login)
    )
    summary = (
        f"demo event {event.public_id}: {event.total_mg / 1_000_000:.3f} kg accounted, "
        f"{result['retired_kg']} kg retired: /registry/events/{event.public_id} "
        f"(certificate {result['retirement'].certificate_id})"
    )
    return f"{before}\n{summary}" if before else summary
