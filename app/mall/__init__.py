"""The points mall: offers, redemption, coupons, verification (核销), the flash-sale gate."""
