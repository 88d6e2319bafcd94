"""Errors the mall raises on purpose (each is a 4xx with the API's `reason` slug)."""

from __future__ import annotations

from app.errors import Conflict, NotFound


class OfferNotFound(NotFound):
    reason, message = "offer_not_found", "商品不存在"


class OfferNotLive(Conflict):
    reason, message = "offer_not_live", "该商品当前不可兑换"


class OutOfStock(Conflict):
    reason, message = "out_of_stock", "已兑完"


class LimitReached(Conflict):
    reason, message = "limit_reached", "已达到每人兑换上限"


class CouponNotFound(NotFound):
    reason, message = "coupon_not_found", "券码不存在"


class CouponNotCancellable(Conflict):
    reason, message = "coupon_not_cancellable", "该券不可取消"


class CouponAlreadyUsed(Conflict):
    reason, message = "coupon_already_used", "该券已核销"


class CouponExpired(Conflict):
    reason, message = "coupon_expired", "该券已过期"


class CouponCancelled(Conflict):
    reason, message = "coupon_cancelled", "该券已取消"


class CouponNotYetValid(Conflict):
    reason, message = "coupon_not_yet_valid", "该券尚未到可使用时间"


class OfferLive(Conflict):
    reason, message = "offer_live", "商品上架中，请先暂停再修改兑换条件"


class OfferNotPending(Conflict):
    reason, message = "offer_not_pending", "该商品不在待审核状态"


class StockBelowIssued(Conflict):
    reason, message = "stock_below_issued", "库存不能少于已兑出的数量"


class OfferTakenDown(Conflict):
    reason, message = "offer_taken_down", "该商品已被平台下架，请联系运营人员处理"
