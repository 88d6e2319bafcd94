"""The public page's chart of issuance by month and programme, as geometry for an inline
SVG drawn on the server (no script, no outside library; docs/decisions/0810).

`issuance_chart(by_month)` turns the summary's `by_month` rows into stacked bars: one bar
a month from the first month with issuance to the last (months without issuance stay
empty), one segment a programme, an axis of four round steps in kg or, from 10 t, in t.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 12, 36
MAX_MONTHS = 24
SERIES_CLASSES = 8  # .series-0 ... .series-7 in registry.css


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    month: str
    programme: str
    kg: int


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 x 10^n that is >= value (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def issuance_chart(by_month: list[dict], max_months: int = MAX_MONTHS) -> dict | None:
    """Stacked bars of issued kg by month and programme (None when nothing was issued).

    Only the last `max_months` months are drawn (`truncated` says so); the data table
    beside the chart lists them too."""
    rows = [row for row in by_month if row["issued_kg"] > 0]
    if not rows:
        return None
    months = _months_between(min(r["month"] for r in rows), max(r["month"] for r in rows))
    truncated = len(months) > max_months
    months = months[-max_months:]
    shown = [r for r in rows if r["month"] >= months[0]]
    programmes = sorted({(r["programme"], r["programme_name"]) for r in shown})
    index = {code: i for i, (code, _name) in enumerate(programmes)}
    per_month: dict[str, list[dict]] = {m: [] for m in months}
    for row in shown:
        per_month[row["month"]].append(row)
    tallest = max(sum(r["issued_kg"] for r in rs) for rs in per_month.values())
    step_kg = nice_ceiling(-(-tallest // 4))  # four whole, round intervals
    top = 4 * step_kg
    in_tonnes = top >= 10_000
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(months)
    bar_w = min(max(slot * 0.6, 1.0), 56.0)  # a lone month is a bar, not a wall
    bars, labels = [], []
    label_every = max(1, len(months) // 12)
    for i, month in enumerate(months):
        x = LEFT + i * slot + (slot - bar_w) / 2
        base = TOP + plot_h
        for row in sorted(per_month[month], key=lambda r: index[r["programme"]]):
            height = plot_h * row["issued_kg"] / top
            base -= height
            bars.append(
                Bar(
                    round(x, 2),
                    round(base, 2),
                    round(bar_w, 2),
                    round(height, 2),
                    index[row["programme"]] % SERIES_CLASSES,
                    month,
                    row["programme_name"],
                    row["issued_kg"],
                )
            )
        if i % label_every == 0:
            labels.append({"x": round(LEFT + i * slot + slot / 2, 2), "label": month})
    ticks = []
    for step in range(5):
        kg = step_kg * step
        value = f"{kg / 1000:g}" if in_tonnes else f"{kg:,}"
        ticks.append({"y": round(TOP + plot_h - plot_h * step / 4, 2), "label": value})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "plot": {"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": TOP + plot_h},
        "bars": bars,
        "x_labels": labels,
        "y_ticks": ticks,
        "unit": "tCO2e" if in_tonnes else "kgCO2e",
        "series": [
            {"code": code, "name": name, "series": i % SERIES_CLASSES}
            for i, (code, name) in enumerate(programmes)
        ],
        "months": months,
        "rows": shown,
        "truncated": truncated,
    }
