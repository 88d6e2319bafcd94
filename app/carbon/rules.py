"""Pure arithmetic of the carbon account: factors, points rules, caps and days.

Everything is an integer: quantities in thousandths of a unit (`quantity_milli`), carbon
in milligrams, emission factors in micrograms CO2e per unit (0.0164 g per step is
16 400 ug), points as whole points (always rounded down).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from app.clock import SHANGHAI, day_start_utc, shanghai_day  # noqa: F401  (re-exported)
from app.units import (  # noqa: F401  (re-exported for carbon's own modules)
    MILLI,
    UG_PER_G,
    QuantityError,
    mg_to_g,
    milli_to_number,
    to_milli,
    ug_to_g,
)

BASIS_NONE = "none"  # "0": the scenario pays no points
BASIS_QUANTITY = "quantity"  # "5 per meal", "1 per 500 steps", "30 per kg"
BASIS_CARBON = "carbon"  # "1 per 8 g": points follow the carbon figure

# Units that can be measured in fractions; everything else is counted (meals, rides...).
FRACTIONAL_UNITS = frozenset({"kg", "km", "passenger-km", "kwh", "g"})

_RULE = re.compile(r"^\s*(\d+)\s+per\s+(?:(\d+(?:\.\d+)?)\s+)?([A-Za-z][\w\-]*)\s*$")
_CAP = re.compile(r"^\s*(\d+(?:\.\d+)?)(?:\s+[A-Za-z][\w\-]*)?\s*$")


# A points rule, cap or factor that cannot be parsed: the same error as any bad amount.
RuleError = QuantityError


@dataclass(frozen=True)
class PointsRule:
    """`points` points for every `per` (milli-units for quantity, mg for carbon)."""

    text: str
    basis: str
    points: int
    per: int

    def points_for(self, quantity_milli: int, carbon_mg: int) -> int:
        """Whole points earned for a quantity and its carbon (rounded down)."""
        if self.basis == BASIS_QUANTITY:
            return self.points * quantity_milli // self.per
        if self.basis == BASIS_CARBON:
            return self.points * carbon_mg // self.per
        return 0


def parse_points_rule(text: str) -> PointsRule:
    """Parse "0", "5 per meal", "1 per 500 steps", "30 per kg" or "1 per 8 g".

    A rule whose unit is `g` is paid on the carbon figure; any other unit word is paid
    on the quantity. Raises RuleError.
    """
    cleaned = text.strip()
    if cleaned == "0":
        return PointsRule(cleaned, BASIS_NONE, 0, 1)
    match = _RULE.match(cleaned)
    if not match:
        raise RuleError(f"unknown points rule: {text!r}")
    points, amount, unit = int(match[1]), match[2] or "1", match[3]
    if unit == "g":
        per = to_milli(amount)  # grams -> milligrams
        basis = BASIS_CARBON
    else:
        per = to_milli(amount)
        basis = BASIS_QUANTITY
    if per <= 0:
        raise RuleError(f"points rule divides by zero: {text!r}")
    return PointsRule(cleaned, basis, points, per)


def parse_daily_cap(text: str) -> int:
    """ "2 meals" -> 2000 milli-units, "20000 steps" -> 20 000 000. Raises RuleError."""
    match = _CAP.match(text)
    if not match:
        raise RuleError(f"unknown daily cap: {text!r}")
    return to_milli(match[1])


def factor_to_ug(g_per_unit: Decimal | float | str) -> int:
    """Grams CO2e per unit as micrograms (6 decimals at most). Raises RuleError."""
    try:
        number = Decimal(str(g_per_unit))
    except InvalidOperation:
        raise RuleError(f"not a factor: {g_per_unit!r}") from None
    scaled = number * UG_PER_G
    if not number.is_finite() or number < 0 or scaled != scaled.to_integral_value():
        raise RuleError(f"factor must be >= 0 with at most 6 decimals: {g_per_unit!r}")
    return int(scaled)


def carbon_mg_for(quantity_milli: int, factor_ug: int) -> int:
    """Milligrams CO2e avoided by `quantity_milli` at `factor_ug` per unit (rounded down)."""
    # milli-units * ug/unit = 1e-3 * 1e-6 g = 1e-9 g; to mg divide by 1e6.
    return quantity_milli * factor_ug // UG_PER_G


def week_key(day: date) -> str:
    """ISO week label of a day, e.g. 2025-W03."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def month_key(day: date) -> str:
    """Calendar month label of a day, e.g. 2025-01."""
    return f"{day.year}-{day.month:02d}"


def days_ago(day: date, n: int) -> date:
    """The day `n` days before `day`."""
    return day - timedelta(days=n)
