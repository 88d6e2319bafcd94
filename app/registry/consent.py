"""The residents' aggregation consent: "my reductions may be aggregated and transferred".

Asked once in the mini-program in plain words, versioned (`REGISTRY_CONSENT_VERSION`: a
new text asks again), withdrawable at any time for the future: a batch takes only the
records of residents who agree to the current version when it is assembled; records
already in a batch stay there. Everyone keeps their points either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.db import table_of, utcnow
from app.extensions import db
from app.registry.models import AggregationConsent
from app.registry.settings import setting
from app.sql import conflict_insert

_consents = table_of(AggregationConsent)

CONSENT_TEXT = (
    "我同意：我的低碳行为产生的减排量，可以与其他居民的减排量汇总，经第三方核查后登记为"
    "核证减排量，并可转让或注销，用于企业、活动或个人的碳中和。我的积分不受影响；"
    "公开信息中不会出现我的身份，我可以随时撤回，撤回后不再纳入今后的批次。"
)


@dataclass(frozen=True)
class ConsentState:
    granted: bool
    version: str | None  # the version agreed or refused; None: never asked
    current_version: str
    text: str
    updated_at: datetime | None

    @property
    def needs_answer(self) -> bool:
        return self.version != self.current_version


def get_consent(user_id: int) -> ConsentState:
    """The resident's answer (or none yet) and the current text."""
    row = db.session.get(AggregationConsent, user_id, populate_existing=True)
    current = setting("REGISTRY_CONSENT_VERSION")
    if row is None:
        return ConsentState(False, None, current, CONSENT_TEXT, None)
    return ConsentState(row.granted, row.version, current, CONSENT_TEXT, row.updated_at)


def set_consent(user_id: int, granted: bool) -> ConsentState:
    """Grant or withdraw, for the current text version (one upsert: a double tap is fine)."""
    values = {
        "granted": granted,
        "version": setting("REGISTRY_CONSENT_VERSION"),
        "updated_at": utcnow(),
    }
    db.session.execute(
        conflict_insert(_consents)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=[_consents.c.user_id], set_=values)
    )
    return get_consent(user_id)


def withdraw_consent(user_id: int) -> None:
    """Account deletion: no future batch takes this resident's records."""
    row = db.session.get(AggregationConsent, user_id)
    if row is not None:
        row.granted, row.updated_at = False, utcnow()
        db.session.flush()


def export_consent(user_id: int) -> dict | None:
    """The resident's answer for the data export."""
    state = get_consent(user_id)
    if state.version is None:
        return None
    return {
        "granted": state.granted,
        "version": state.version,
        # mypy: a stored answer (version not None) always has its updated_at.
        "updated_at": state.updated_at.isoformat(),  # type: ignore[union-attr]
    }


def consenting_users_clause(user_id_column):
    """SQL: the user granted the current version (for assembling a batch)."""
    return user_id_column.in_(
        select(AggregationConsent.user_id).where(
            AggregationConsent.granted.is_(True),
            AggregationConsent.version == setting("REGISTRY_CONSENT_VERSION"),
        )
    )
