"""Sold out, answered before the database (app/mall/sold_out.py, decision 1009): after
the last unit, the crowd is told 409 `out_of_stock` without a query of the offer, and
every change that can sell again (stock back, an edit) or stop the sale is seen at once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from app.extensions import db
from app.mall.models import Offer
from tests.mall.factories import live_offer, new_user, open_shop, redeem, tables_read


def _sold_out_offer(app, client, **terms):
    """A live offer whose one unit is sold; (shop, offer id, the buyer's token)."""
    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=1, **terms)
    _, buyer = new_user(app, points=100)
    assert redeem(client, offer_id, buyer, **{"Idempotency-Key": "last-unit"}).status_code == 201
    return shop, offer_id, buyer


def _resident(app, client, points: int = 100) -> str:
    """A resident whose session is cached (they have made a request), as in a crowd."""
    _, token = new_user(app, points=points)
    assert (
        client.get("/api/v1/offers", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    return token


def _reason(response) -> str | None:
    return (response.get_json() or {}).get("reason")


def test_after_the_first_sold_out_answer_the_crowd_costs_no_query_of_the_offer(app, client):
    _, offer_id, _ = _sold_out_offer(app, client)
    first, second, third = (_resident(app, client) for _ in range(3))

    with app.app_context():
        answers = []
        by_database = tables_read(lambda: answers.append(redeem(client, offer_id, first)))
        unkeyed = tables_read(lambda: answers.append(redeem(client, offer_id, second)))
        keyed = tables_read(
            lambda: answers.append(redeem(client, offer_id, third, **{"Idempotency-Key": "k1"}))
        )

    assert [(a.status_code, _reason(a)) for a in answers] == [(409, "out_of_stock")] * 3
    assert by_database == ["users", "offers"]  # the merchant: from the process's copies
    assert unkeyed == []
    # A retry's replay is still read first; the key is not claimed (no INSERT, PostgreSQL
    # included): nothing is written for an answer that moves nothing.
    assert keyed == ["idempotency_records"]


def test_the_purchase_that_took_the_last_unit_is_still_replayed(app, client):
    _, offer_id, buyer = _sold_out_offer(app, client)
    assert redeem(client, offer_id, _resident(app, client)).status_code == 409

    retry = redeem(client, offer_id, buyer, **{"Idempotency-Key": "last-unit"})

    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"


def test_a_cancelled_coupon_sells_again_at_once(app, client):
    _, offer_id, buyer = _sold_out_offer(app, client, cancel_policy="cancellable")
    waiting = _resident(app, client)
    assert redeem(client, offer_id, waiting).status_code == 409
    coupons = client.get("/api/v1/me/coupons", headers={"Authorization": f"Bearer {buyer}"})
    coupon_id = coupons.get_json()["items"][0]["id"]
    cancelled = client.post(
        f"/api/v1/me/coupons/{coupon_id}/cancel", headers={"Authorization": f"Bearer {buyer}"}
    )
    assert cancelled.status_code == 200, cancelled.get_json()

    assert redeem(client, offer_id, waiting).status_code == 201


def test_more_stock_sells_at_once_and_a_frozen_merchant_is_named(app, client):
    shop, offer_id, _ = _sold_out_offer(app, client)
    waiting, later = _resident(app, client), _resident(app, client)
    assert redeem(client, offer_id, waiting).status_code == 409
    raised = client.patch(f"/api/v1/merchant/offers/{offer_id}", json={"stock": 2},
                          headers=shop.owner)  # fmt: skip
    assert raised.status_code == 200, raised.get_json()

    assert redeem(client, offer_id, waiting).status_code == 201
    assert _reason(redeem(client, offer_id, later)) == "out_of_stock"
    frozen = client.post(f"/api/v1/admin/merchants/{shop.merchant_id}/freeze",
                         json={"reason": "涉嫌虚假核销"}, headers=shop.operator)  # fmt: skip
    assert frozen.status_code == 200, frozen.get_json()
    assert _reason(redeem(client, offer_id, later)) == "offer_not_live"


def test_a_sale_that_ended_is_not_answered_as_sold_out(app, client):
    ends = datetime.now(UTC) + timedelta(seconds=3)
    _, offer_id, _ = _sold_out_offer(app, client, sale_ends_at=ends.isoformat())
    waiting = _resident(app, client)
    assert _reason(redeem(client, offer_id, waiting)) == "out_of_stock"  # leaves the marker
    assert _reason(redeem(client, offer_id, waiting)) == "out_of_stock"  # from the marker

    time.sleep(max(0.0, (ends - datetime.now(UTC)).total_seconds()) + 0.1)

    ended = redeem(client, offer_id, waiting)
    assert (ended.status_code, _reason(ended)) == (409, "offer_not_live")


def test_an_offer_changed_behind_the_cache_is_trusted_for_the_marker_s_life_only(app, client):
    """A change written straight to the database (no commit hook: a restore, a manual
    fix) is seen once the marker expires; every change the product makes is seen at once
    (the tests above). This pins the bound: TTL_SECONDS, never longer."""
    from app.extensions import redis_client
    from app.mall import sold_out

    _, offer_id, _ = _sold_out_offer(app, client)
    assert redeem(client, offer_id, _resident(app, client)).status_code == 409
    with app.app_context():
        db.session.execute(update(Offer).where(Offer.id == offer_id).values(stock_left=1))
        db.session.commit()
        ttl = redis_client.ttl(sold_out.keys(offer_id)[1])
    assert 0 < ttl <= sold_out.TTL_SECONDS


def test_a_merchant_frozen_is_refused_at_once_by_another_process(app, client, app_settings):
    """The merchant's standing is read from each process's copies (app/reference_cache.py):
    a freeze committed by one worker is seen by the next redemption on another."""
    from tests.conftest import make_app

    shop = open_shop(app, client)
    offer_id = live_offer(client, shop, stock=5, per_user_limit=5)
    other = make_app(app_settings)
    try:
        other_client = other.test_client()
        buyer = _resident(app, client)
        assert redeem(other_client, offer_id, buyer).status_code == 201  # copies kept there
        frozen = client.post(f"/api/v1/admin/merchants/{shop.merchant_id}/freeze",
                             json={"reason": "涉嫌虚假核销"}, headers=shop.operator)  # fmt: skip
        assert frozen.status_code == 200, frozen.get_json()

        refused = redeem(other_client, offer_id, buyer)

        assert (refused.status_code, _reason(refused)) == (409, "offer_not_live")
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
