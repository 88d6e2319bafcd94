"""How the public event pages say things: Chinese names of kinds, stages, sources, factor
statuses and units, and quantities from integer milligrams or thousandths without float
rounding. Pure functions, used by the templates (a context processor of app/events/pages)."""

from __future__ import annotations

from datetime import date

from app.events.events import OVERDUE_AFTER

KINDS = {"meeting": "会议", "forum": "论坛", "match": "赛事", "exhibition": "展览", "show": "演出"}
STAGES = {"planned": "筹备中", "held": "已举办", "accounted": "已核算", "offset": "已碳中和"}
CATEGORIES = {
    "electricity": "电力",
    "fuel": "化石燃料",
    "travel": "交通出行",
    "lodging": "住宿",
    "catering": "餐饮",
    "materials": "物料",
    "waste": "废弃物",
}
FACTOR_STATUSES = {"published": "官方发布", "derived": "按标准推算", "illustrative": "示意值"}
UNITS = {"passenger-km": "人·公里", "room-night": "间夜", "meal": "人次", "m3": "m³"}
ORIGINS = {"organiser": "主办方填报", "attendees": "参会者出行"}


def label(table: dict[str, str], key: str | None) -> str:
    """The Chinese name of a code, or the code itself when there is none."""
    return table.get(key or "", key or "—")


def kg3(mg: int | None) -> str:
    """Milligrams as kg with 3 decimals, half up at the gram: 3,305.060."""
    grams = (int(mg or 0) + 500) // 1000
    return f"{grams // 1000:,}.{grams % 1000:03d}"


def t3(mg: int | None) -> str:
    """Milligrams as tonnes with 3 decimals, half up at the kilogram: 3.305."""
    kilograms = (int(mg or 0) + 500_000) // 1_000_000
    return f"{kilograms // 1000:,}.{kilograms % 1000:03d}"


def decimal_of(value: int, scale: int) -> str:
    """An integer in 1/scale units as a plain decimal without trailing zeros:
    (536_600, 10**6) -> 0.5366; (25_000, 1000) -> 25."""
    whole, rest = divmod(int(value), scale)
    digits = len(str(scale)) - 1
    fraction = f"{rest:0{digits}d}".rstrip("0")
    return f"{whole:,}.{fraction}" if fraction else f"{whole:,}"


def share(part_mg: int, total_mg: int) -> str:
    """A source's share of the total, one decimal: 19.5 %."""
    if not total_mg:
        return "—"
    tenths = (1000 * int(part_mg) + int(total_mg) // 2) // int(total_mg)
    return f"{tenths // 10}.{tenths % 10} %"


def offset_deadline(ends_on: date) -> date:
    """The last day to offset an event (a year after its end); later it is overdue."""
    return ends_on + OVERDUE_AFTER


def template_helpers() -> dict:
    """The label and number-formatting functions the events templates use."""
    return {
        "kind_label": lambda key: label(KINDS, key),
        "stage_label": lambda key: label(STAGES, key),
        "category_label": lambda key: label(CATEGORIES, key),
        "factor_status_label": lambda key: label(FACTOR_STATUSES, key),
        "unit_label": lambda key: label(UNITS, key),
        "origin_label": lambda key: label(ORIGINS, key),
        "kg3": kg3,
        "t3": t3,
        "decimal_of": decimal_of,
        "share": share,
        "offset_deadline": offset_deadline,
    }
