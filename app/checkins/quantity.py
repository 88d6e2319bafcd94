"""How much a check-in counts: a scan proves presence, not quantity (docs/decisions/0700).

- A count scenario (ride, box, meal) takes exactly one unit per scan; any other quantity
  is 422 `invalid_quantity`.
- A weighed or measured scenario (kg, km) takes its quantity from the site: a weighing
  station's signed receipt, or the quantity per scan the operator configured. A quantity
  the resident types must then be absent or the same.
- Otherwise the resident declares the quantity (422 `quantity_required` without one); the
  check-in says so (`declared`) and the risk score sends it to review unless its points
  are a small amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.carbon.models import Scenario
from app.checkins import caps
from app.checkins.models import Site
from app.checkins.receipts import Receipt
from app.errors import Unprocessable
from app.units import QuantityError, to_milli

SOURCE_SCAN = "scan"
SOURCE_FIXED = "fixed"
SOURCE_STATION = "station"
QUANTITY_SOURCES = (SOURCE_SCAN, SOURCE_FIXED, SOURCE_STATION)
ONE_UNIT = 1000


class InvalidQuantity(Unprocessable):
    reason, message = "invalid_quantity", "数量无效"


class QuantityRequired(Unprocessable):
    reason, message = "quantity_required", "该点位没有称重设备，请填写数量（将由工作人员审核）"


class InvalidQuantitySource(Unprocessable):
    reason, message = "invalid_quantity_source", "打卡点的计量方式与场景不符"


@dataclass(frozen=True)
class Quantity:
    milli: int
    declared: bool  # typed by the resident alone


def parse_typed(quantity: Decimal | None) -> int | None:
    """A typed quantity as thousandths (None when absent). Raises InvalidQuantity."""
    if quantity is None:
        return None
    try:
        milli = to_milli(quantity)
    except QuantityError:
        raise InvalidQuantity("数量最多保留三位小数") from None
    if milli <= 0:
        raise InvalidQuantity("数量必须大于 0")
    return milli


def _within_cap(milli: int, scenario: Scenario) -> int:
    if not scenario.fractional and milli % ONE_UNIT:
        raise InvalidQuantity("该场景的数量必须是整数")
    if milli > scenario.daily_cap_milli:
        raise caps.DailyCapReached("数量超过了该场景的每日上限")
    return milli


def from_partner(scenario: Scenario, quantity: Decimal | None) -> int:
    """A quantity a partner measured and signed (thousandths).

    Raises InvalidQuantity (422), DailyCapReached (409)."""
    return _within_cap(parse_typed(quantity) or ONE_UNIT, scenario)


def for_photo(scenario: Scenario, typed_milli: int | None) -> Quantity:
    """A photo check-in: the resident's quantity (one unit if absent); a person reviews it.

    Raises InvalidQuantity (422), DailyCapReached (409)."""
    return Quantity(_within_cap(typed_milli or ONE_UNIT, scenario), declared=True)


def for_scan(
    scenario: Scenario, site: Site, receipt: Receipt | None, typed_milli: int | None
) -> Quantity:
    """The quantity of one QR scan at `site` (see the module docstring).

    Raises InvalidQuantity, QuantityRequired (422), DailyCapReached (409)."""
    if not scenario.fractional:
        if typed_milli not in (None, ONE_UNIT):
            raise InvalidQuantity("扫码打卡每次记 1 次，不能填写其他数量")
        return Quantity(ONE_UNIT, declared=False)
    if receipt is not None:
        measured = receipt.quantity_milli
    elif site.quantity_source == SOURCE_FIXED:
        # mypy: a fixed-quantity site has quantity_per_scan_milli (check_site_source).
        measured = site.quantity_per_scan_milli  # type: ignore[assignment]
    else:
        measured = None
    if measured is None:
        if typed_milli is None:
            raise QuantityRequired()
        return Quantity(_within_cap(typed_milli, scenario), declared=True)
    if typed_milli is not None and typed_milli != measured:
        raise InvalidQuantity("数量以打卡点的计量为准，无需填写")
    return Quantity(_within_cap(measured, scenario), declared=False)


def check_site_source(scenario: Scenario, source: str, per_scan_milli: int | None) -> None:
    """A site's quantity configuration must fit its scenario.

    "fixed" and "station" only for weighed/measured scenarios; "fixed" needs a quantity
    per scan within the daily cap. Raises InvalidQuantitySource (422)."""
    if source not in QUANTITY_SOURCES:
        raise InvalidQuantitySource()
    if source != SOURCE_SCAN and not scenario.fractional:
        raise InvalidQuantitySource("按次计的场景每次扫码记 1 次，无需配置计量")
    if source != SOURCE_FIXED and per_scan_milli is not None:
        raise InvalidQuantitySource("只有固定计量的打卡点需要填写每次扫码的数量")
    if source == SOURCE_FIXED:
        if per_scan_milli is None or per_scan_milli <= 0:
            raise InvalidQuantitySource("固定计量需要填写每次扫码的数量")
        if per_scan_milli > scenario.daily_cap_milli:
            raise InvalidQuantitySource("每次扫码的数量不能超过该场景的每日上限")
