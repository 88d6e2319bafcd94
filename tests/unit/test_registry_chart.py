"""The public chart's geometry: a bar a month with gaps kept, segments stacked per
programme in a fixed order, round axis steps, kg or t, the last 24 months; and the
labels' exact kg/t formatting."""

from __future__ import annotations

from app.registry import chart
from app.registry.labels import kg, tonnes


def _row(month: str, code: str, issued_kg: int) -> dict:
    return {
        "month": month,
        "programme": code,
        "programme_name": f"项目{code}",
        "issued_kg": issued_kg,
    }


def test_months_are_continuous_and_segments_stack():
    drawn = chart.issuance_chart(
        [_row("2026-11", "P002", 30), _row("2026-11", "P001", 10), _row("2027-01", "P001", 70)]
    )
    assert drawn["months"] == ["2026-11", "2026-12", "2027-01"]
    assert [t["label"] for t in drawn["y_ticks"]] == ["0", "20", "40", "60", "80"]
    assert drawn["unit"] == "kgCO2e"
    bars = drawn["bars"]
    assert [(b.month, b.programme, b.series) for b in bars] == [
        ("2026-11", "项目P001", 0),
        ("2026-11", "项目P002", 1),
        ("2027-01", "项目P001", 0),
    ]
    bottom, plot_h = drawn["plot"]["bottom"], drawn["plot"]["bottom"] - drawn["plot"]["top"]
    first, second, third = bars
    assert first.y + first.height == bottom  # on the axis
    assert abs(second.y + second.height - first.y) < 0.05  # on top of the first
    assert (
        abs(first.height - plot_h * 10 / 80) < 0.05 and abs(third.height - plot_h * 70 / 80) < 0.05
    )
    assert first.x < third.x and third.x - first.x > 1.5 * (drawn["width"] / 5)  # a gap month


def test_large_totals_switch_to_tonnes_and_old_months_drop_off():
    rows = [_row(f"{2024 + i // 12}-{i % 12 + 1:02d}", "P001", 1000 * (i + 1)) for i in range(30)]
    drawn = chart.issuance_chart(rows)
    assert drawn["truncated"] and len(drawn["months"]) == 24 and drawn["months"][0] == "2024-07"
    assert drawn["unit"] == "tCO2e" and drawn["y_ticks"][-1]["label"] == "40"
    assert len(drawn["bars"]) == 24 and len(drawn["rows"]) == 24


def test_nothing_issued_draws_nothing():
    assert chart.issuance_chart([]) is None
    assert chart.issuance_chart([_row("2026-11", "P001", 0)]) is None


def test_quantities_are_formatted_exactly():
    assert (kg(1234567), tonnes(1234567), tonnes(7), tonnes(0)) == (
        "1,234,567",
        "1,234.567",
        "0.007",
        "0.000",
    )
    assert tonnes(10**18 + 1) == "1,000,000,000,000,000.001"  # no float rounding
