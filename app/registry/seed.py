"""Demo data for `flask seed --demo`: the whole registry loop once, so a newcomer sees it.

Twenty demo residents who agreed to aggregation ride the bus through last month; their
records form one batch, assembled and submitted by `admin`, verified by the demo verifier,
issued by a second operator `admin2`; the platform sells part of it to an enterprise,
which retires some with a public certificate.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.carbon import service as carbon
from app.db import utcnow
from app.extensions import db
from app.registry import service as registry
from app.registry.models import Programme
from app.registry.settings import shanghai_today
from app.seed import register_seeder
from app.users import service as users
from app.users.models import User
from app.users.seed import DEMO_OPERATOR, seed_demo_operator

DEMO_LOGINS = {
    "admin2": "admin2-demo-pw",
    "verifier": "verifier-demo-pw",
    "platform": "platform-demo-pw",
    "greenco": "greenco-demo-pw",
}
RESIDENTS, RIDES = 20, 15


def _residents() -> list[int]:
    ids = []
    for i in range(RESIDENTS):
        user = User(openid=f"demo-resident-{i:02d}", nickname=f"绿友演示{i:02d}")
        db.session.add(user)
        db.session.flush()
        users.grant_role(user.id, "resident")
        registry.set_consent(user.id, True)
        ids.append(user.id)
    return ids


def _rides(user_ids: list[int], start) -> None:
    scenario = carbon.get_scenario("bus_ride")
    for n, user_id in enumerate(user_ids):
        for ride in range(RIDES):
            day = start + timedelta(days=(n + ride) % 27)
            at = datetime(day.year, day.month, day.day, 1 + ride % 12, tzinfo=UTC)
            record = carbon.create_record(
                user_id,
                scenario,
                1000,
                evidence_type="qr",
                evidence_ref="site:demo",
                occurred_at=at,
            )
            carbon.approve_record(record.id)


@register_seeder
def seed_demo_registry(demo: bool) -> str | None:
    """Demo seeder: operators, a verifier, holders, residents' rides, and an issued batch with a
    transfer and a retirement.

    Returns a summary line, or None outside the demo or when a programme exists."""
    if not demo or db.session.scalar(select(Programme.id)):
        return None
    seed_demo_operator(True)  # whichever seeder runs first: the demo needs `admin`
    admin = db.session.execute(select(User).where(User.username == DEMO_OPERATOR[0])).scalar_one()
    second = users.create_console_user(
        "admin2", DEMO_LOGINS["admin2"], role="operator", nickname="演示复核运营"
    )
    verifier = registry.create_verifier("演示核查机构", "CNAS 演示", admin.id)
    registry.create_member_login("verifier", DEMO_LOGINS["verifier"], verifier_id=verifier.id)
    platform = registry.platform_holder()
    registry.create_member_login("platform", DEMO_LOGINS["platform"], holder_id=platform.id)
    greenco = registry.create_holder("GREENCO", "绿色制造有限公司", "enterprise", admin.id)
    buyer_login = registry.create_member_login(
        "greenco", DEMO_LOGINS["greenco"], holder_id=greenco.id
    )
    end = shanghai_today().replace(day=1) - timedelta(days=1)
    start = end.replace(day=1)
    _rides(_residents(), start)
    version = carbon.current_version(carbon.get_scenario("bus_ride").id, utcnow()).version
    programme = registry.create_programme("bus_ride", version, admin.id)
    batch = registry.assemble_batch(programme.id, start, end, admin.id)
    registry.submit_batch(batch.id, verifier.id, admin.id)
    verifier_user = db.session.execute(
        select(User.id).where(User.username == "verifier")
    ).scalar_one()
    registry.attach_report(
        batch.id,
        verifier_user,
        sha256="0" * 64,
        url="https://example.org/demo-verification-report.pdf",
    )
    registry.decide_batch(batch.id, verifier_user, verified=True, note="演示：抽查 30 条记录，一致")
    batch = registry.issue_batch(batch.id, second.id)
    platform_login = db.session.execute(
        select(User.id).where(User.username == "platform")
    ).scalar_one()
    registry.transfer_units(
        registry.Request(platform_login),
        from_holder_id=platform.id,
        to_holder_id=greenco.id,
        batch_id=batch.id,
        quantity=10,
        price_fen=600,
    )
    retirement = registry.retire_units(
        registry.Request(buyer_login),
        holder_id=greenco.id,
        batch_id=batch.id,
        quantity=5,
        purpose="voluntary",
        beneficiary="绿色制造有限公司 2026 年度运营碳中和",
    )
    logins = ", ".join(f"{name} / {password}" for name, password in DEMO_LOGINS.items())
    return (
        f"demo registry: batch {batch.serial} ({batch.units} kg issued), 10 kg sold to "
        f"GREENCO, 5 kg retired: /registry/certificates/{retirement.certificate_id}; "
        f"console logins {logins}"
    )
