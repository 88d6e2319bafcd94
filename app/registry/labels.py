"""How the public pages say things: Chinese names of statuses and purposes, quantities in
kg and tCO2e, times in Asia/Shanghai. Pure functions, shared by the templates."""

from __future__ import annotations

from datetime import datetime

from app.clock import SHANGHAI
from app.registry import schemas

PURPOSES = {
    "compliance": "履约抵消",
    "voluntary": "自愿抵消",
    "event": "活动碳中和",
    "personal": "个人碳中和",
}
BATCH_STATUSES = {
    "draft": "草稿",
    "submitted": "核查中",
    "returned": "退回补正",
    "verified": "已核查，待签发",
    "issued": "已签发",
}
BLOCK_STATUSES = {
    "held": "持有中",
    "buffer": "缓冲库",
    "retired": "已注销",
    "cancelled": "已作废",
}
JURISDICTIONS = {"CN": "中国"}


def kg(units: int | None) -> str:
    """Whole kilograms with thousands separators: 12,345."""
    return f"{int(units or 0):,}"


def tonnes(units: int | None) -> str:
    """Kilograms as tCO2e with exactly 3 decimals, without float rounding: 12.345."""
    value = int(units or 0)
    sign = "-" if value < 0 else ""
    whole, rest = divmod(abs(value), 1000)
    return f"{sign}{whole:,}.{rest:03d}"


def tonnes_mg(milligrams: int | None) -> str:
    """Milligrams as tCO2e with 3 decimals, rounded as the API's `tco2e` is."""
    return f"{schemas.tonnes(int(milligrams or 0)):,.3f}"


def local_time(moment: datetime | None) -> str:
    """An aware UTC time as Asia/Shanghai wall time: 2026-12-01 09:30."""
    if moment is None:
        return "—"
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def local_date(moment: datetime | None) -> str:
    """An aware datetime's Asia/Shanghai date as YYYY-MM-DD, or a dash for None."""
    if moment is None:
        return "—"
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d")


def label(table: dict[str, str], key: str | None) -> str:
    """The Chinese name of a code, or the code itself when there is none."""
    return table.get(key or "", key or "—")


def template_helpers() -> dict:
    """What the registry templates call (a context processor of the pages blueprint)."""
    return {
        "kg": kg,
        "tonnes": tonnes,
        "tonnes_mg": tonnes_mg,
        "local_time": local_time,
        "local_date": local_date,
        "purpose_label": lambda key: label(PURPOSES, key),
        "batch_status_label": lambda key: label(BATCH_STATUSES, key),
        "block_status_label": lambda key: label(BLOCK_STATUSES, key),
        "jurisdiction_label": lambda key: label(JURISDICTIONS, key),
    }
