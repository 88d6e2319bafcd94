"""Demo data for `flask seed --demo`: a forest project of a forestry cooperative with trees
(and spares), one tree adopted last year whose verified year is credited, one adopted this
year, a one-yuan pool (一元碳汇) and one personal offset."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.clock import shanghai_today
from app.extensions import db
from app.ledger import service as ledger
from app.registry import service as registry
from app.registry.seed import seed_demo_registry
from app.seed import register_seeder
from app.sinks import adoption, monitoring, projects
from app.sinks.models import SinkProject
from app.users.models import User

SPECIES = ("樟子松", "油松", "沙棘", "柠条")
FOREST_LOGIN = ("forest", "forest-demo-pw")


def _user(name: str) -> int:
    return db.session.execute(select(User.id).where(User.username == name)).scalar_one()


@register_seeder
def seed_demo_sinks(demo: bool) -> str | None:
    """Demo seeder: a forest project with its owner and trees, adoptions, last year's issued
    batch and a personal offset from its pool.

    Returns a summary line, or None outside the demo or when a sink project exists."""
    if not demo or db.session.scalar(select(SinkProject.id)):
        return None
    before = seed_demo_registry(True)  # operators, verifier, residents with points
    admin, second, verifier = _user("admin"), _user("admin2"), _user("verifier")
    owner = registry.create_holder("NMFOREST", "内蒙古林业合作社（演示）", "other", admin)
    registry.create_member_login(*FOREST_LOGIN, holder_id=owner.id)
    project = projects.create_project(
        code="NM-DEMO-FOREST",
        name="乌兰察布演示防护林",
        kind="forest",
        owner_holder_id=owner.id,
        methodology_code="forest_tree_default",
        region="内蒙古自治区乌兰察布市",
        adoption_points=50,
        created_by=admin,
        description="防风固沙林，每株树木的年度碳汇在年末监测、第三方核证后登记为减排量。",
    )
    trees = [
        {
            "code": f"NM{i:03d}",
            "species": SPECIES[i % len(SPECIES)],
            "planted_year": 2021,
            "location": f"察右前旗 {1 + i // 8} 号地块",
            "latitude_e6": 41_010_000 + i * 900,
            "longitude_e6": 113_100_000 + (i % 8) * 1_100,
            "spare": i >= 20,
        }
        for i in range(23)
    ]
    made = {t.code: t for t in projects.add_trees(project.id, trees)}
    residents = list(
        db.session.scalars(
            select(User.id).where(User.openid.like("demo-resident-%")).order_by(User.id)
        )
    )
    last_year = shanghai_today().year - 1
    # A tree adopted last year (paid like any adoption), then last year's monitoring.
    adopted_id = adoption._insert(made["NM000"].id, last_year, residents[0], 50)
    ledger.spend_points(
        residents[0],
        50,
        code="tree_adoption",
        reference=f"adoption:{adopted_id}",
        memo=f"认领 樟子松 NM000（{last_year}年）",
        counter_account=f"holder:{owner.id}",
    )
    adoption.adopt_tree(residents[1], made["NM001"].id)
    monitoring.record_measurements(project.id, last_year, admin)
    batch = registry.assemble_batch(
        # mypy: create_project makes the project's programme.
        project.programme_id,  # type: ignore[arg-type]
        date(last_year, 1, 1),
        date(last_year, 12, 31),
        admin,
    )
    verifier_body = registry.verifier_of(verifier)
    registry.submit_batch(batch.id, verifier_body, admin)
    registry.attach_report(
        batch.id, verifier, sha256="1" * 64, url="https://example.org/demo-forest-monitoring.pdf"
    )
    registry.decide_batch(batch.id, verifier, verified=True, note="演示：样地实测抽查一致")
    batch = registry.issue_batch(batch.id, second)
    pool = registry.create_pool("一元碳汇·乌兰察布防护林", "sink", 10, owner.id, admin)
    done = registry.offset(residents[2], pool.id, 2, beneficiary="绿友演示02")
    summary = (
        f"demo sinks: project {project.code} ({len(trees)} trees), batch {batch.serial} "
        f"({batch.units} kg); NM000 adopted in {last_year} and credited, NM001 this year; "
        f"a 2 kg personal offset: /registry/certificates/"
        f"{registry.certificate_of_retirement(done.retirement_id)}; login "
        f"{FOREST_LOGIN[0]} / {FOREST_LOGIN[1]}"
    )
    return f"{before}\n{summary}" if before else summary
