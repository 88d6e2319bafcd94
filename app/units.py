"""Integer amounts and the numbers the API shows for them (below every domain).

Quantities are thousandths of a unit (`quantity_milli`), carbon is milligrams, emission
factors are micrograms per unit: nothing is a float until it is shown.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MILLI = 1000
UG_PER_G = 1_000_000


class QuantityError(ValueError):
    """A number that cannot be an amount (not a number, too many decimals)."""


def to_milli(value: Decimal | float | int | str) -> int:
    """A decimal number with at most 3 decimals as thousandths. Raises QuantityError."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise QuantityError(f"not a number: {value!r}") from None
    scaled = number * MILLI
    if not number.is_finite() or scaled != scaled.to_integral_value():
        raise QuantityError(f"at most 3 decimals: {value!r}")
    return int(scaled)


def milli_to_number(value: int) -> float | int:
    """Thousandths back to the number the API shows (an int when whole)."""
    return value // MILLI if value % MILLI == 0 else float(Decimal(value) / MILLI)


def mg_to_g(value: int) -> float:
    """Milligrams as grams with 3 decimals (the API's `carbon_g`)."""
    return float((Decimal(value) / MILLI).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def ug_to_g(value: int) -> float:
    """Micrograms per unit as grams per unit (the API's `g_co2e_per_unit`)."""
    return float(Decimal(value) / UG_PER_G)
