"""60 days of the demo's life, written through the real services as they happened.

Day by day, with the clock set back to each moment (`app.db.clock_set_to`): residents
sign up and give their consents, check in by QR at the bus stop and the metro station,
are credited trips by the bus company and the bike share, sync WeRun, photograph clean
plates (the operators review them the next day; the last two days' still wait), redeem
the grocer's offers, which the grocer verifies over the following days or they cancel or
let lapse (the day's expiry run settles them, as the scheduler would). A bonus campaign
ran earlier and one is live now. Every rule applies (caps, anti-cheat scores that hold a
check-in for review, stock, limits), so the books are what the product itself writes and
`flask ledger verify` / `flask registry verify` pass. Only the per-minute rate limits are
off meanwhile: 60 days go by in a few seconds of real time.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app

from app.campaigns import service as campaigns
from app.carbon import service as carbon
from app.carbon.rules import day_start_utc, shanghai_day
from app.checkins import seed as checkins_demo
from app.checkins import service as checkins
from app.clock import clock_set_to, utcnow
from app.demo.people import DAYS, OPENID_PREFIX, SEED, Resident, checkins_today, residents, steps_of
from app.demo.photos import plate_photo
from app.errors import AppError
from app.extensions import db
from app.ledger import service as ledger
from app.mall import seed as mall_demo
from app.mall import service as mall
from app.seed import register_seeder
from app.users import seed as users_demo

CONSENTS = {"bus_partner": "bus_ride", "bike_partner": "bike_share_km", "walk": "walk_steps"}


@contextmanager
def _rate_limits_off():
    keys = ("CHECKIN_RATE_LIMIT", "UPLOAD_RATE_LIMIT", "WERUN_RATE_LIMIT")
    saved = {key: current_app.config.get(key) for key in keys}
    current_app.config.update(dict.fromkeys(keys, ""))
    try:
        yield
    finally:
        current_app.config.update(saved)


class _History:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)  # noqa: S311  (demo data: reproducible, not secret)
        self.cast = residents(self.rng)
        self.today = shanghai_day(utcnow())
        self.first = self.today - timedelta(days=DAYS - 1)
        self.counts: Counter[str] = Counter()
        self.reviews: dict[int, list[int]] = {}  # history day -> photo records to decide
        self.coupons: dict[int, list[tuple[int, str, str]]] = {}  # day -> (user, coupon, what)
        self.approvals: dict[int, list[int]] = {}  # day -> adjustments the second operator checks

    def moment(self, day_index: int, earliest: int = 7, latest: int = 22) -> datetime:
        start = day_start_utc(self.first + timedelta(days=day_index))
        minutes = self.rng.randrange(earliest * 60, latest * 60)
        return start + timedelta(minutes=minutes, seconds=self.rng.randrange(60))

    def run(self) -> None:
        self.operators = users_demo.demo_operator_ids()  # admin, admin2
        with clock_set_to(day_start_utc(self.first) - timedelta(days=31)):
            self.places = checkins_demo.demo_places()
            self.grocer, self.offers = mall_demo.demo_grocer()
        for resident in sorted((r for r in self.cast if r.joined < 0), key=lambda r: r.joined):
            with clock_set_to(self.moment(resident.joined)):
                self.sign_up(resident)
        db.session.commit()
        for day in range(DAYS):
            self.live(day)
            db.session.commit()
            db.session.expunge_all()  # keep the session small over thousands of rows
        self.at_the_cafe()
        self.this_morning()
        db.session.commit()

    def this_morning(self) -> None:
        """In the last hour, a few more clean-plate photos: the review queue has work on
        first open whatever the hour of the run and the luck of the days before."""
        waiting = 0
        for n, resident in enumerate(r for r in self.cast if r.user_id):
            if waiting == 6 or n == 60:
                break
            with clock_set_to(utcnow() - timedelta(minutes=60 - n)):
                before = self.counts["photo"]
                self.happen(DAYS, "plate_photo", resident)
                waiting += self.counts["photo"] - before

    def at_the_cafe(self) -> None:
        """Today, now: a few residents redeem at the first demo merchant, which verifies
        some at once (its owner `shop` sees redemptions in the console)."""
        owner, offers = mall_demo.demo_cafe_offers()
        regulars = [r for r in self.cast if r.persona == "champion"][:12]
        for n, resident in enumerate(regulars):
            offer_id, price = offers[n % len(offers)]
            if ledger.get_points_balance(resident.user_id) < price:
                continue
            try:
                with db.session.begin_nested():
                    coupon = mall.redeem_offer(resident.user_id, offer_id).coupon
                    self.counts["redeemed"] += 1
                    if n % 2 == 0:
                        mall.verify_coupon(owner, coupon.code)
                        self.counts["used"] += 1
            except AppError as exc:
                self.counts[f"refused:{exc.reason}"] += 1

    def sign_up(self, resident: Resident) -> None:
        resident.user_id = users_demo.create_demo_resident(resident.openid, resident.nickname)
        version = current_app.config["CONSENT_VERSION"]
        for habit, scenario in CONSENTS.items():
            if habit in resident.habits:
                carbon.set_consent(resident.user_id, scenario, True, version)
        self.counts["residents"] += 1

    def live(self, day: int) -> None:
        """Everything of one history day, in the order it happened."""
        events: list[tuple[datetime, str, object]] = []  # (when, what, its subject)
        for resident in self.cast:
            if resident.joined == day:
                events.append((self.moment(day, 7, 12), "sign_up", resident))
            if resident.joined <= day:
                for _ in range(checkins_today(resident, self.rng)):
                    habit = self.rng.choice(resident.habits)
                    events.append((self.moment(day, 12 if resident.joined == day else 6), habit,
                                   resident))  # fmt: skip
                if resident.joined < day and self.rng.random() < resident.redeems:
                    events.append((self.moment(day, 10, 21), "redeem", resident))
        for record_id in self.reviews.pop(day, []):
            events.append((self.moment(day, 9, 11), "review", record_id))
        for user_id, coupon_code, what in self.coupons.pop(day, []):
            events.append((self.moment(day, 10, 21), what, (user_id, coupon_code)))
        if day % 9 == 4:  # now and then an operator makes up points lost offline
            events.append((self.moment(day, 14, 17), "adjust", None))
        for adjustment_id in self.approvals.pop(day, []):
            events.append((self.moment(day, 9, 12), "approve_adjustment", adjustment_id))
        if day == DAYS - 40:
            events.append((self.moment(day, 9, 10), "campaign_week", None))
        if day == DAYS - 20:
            events.append((self.moment(day, 8, 9), "campaign_live", None))
        events.sort(key=lambda event: event[0])
        for moment, what, subject in events:
            if moment > utcnow():
                continue  # later today: not yet
            with clock_set_to(moment):
                self.happen(day, what, subject)
        end = min(day_start_utc(self.first + timedelta(days=day + 1)), utcnow())
        with clock_set_to(end - timedelta(seconds=1)):
            self.expiry_run()

    def happen(self, day: int, what: str, subject) -> None:
        try:
            with db.session.begin_nested():
                getattr(self, f"do_{what}")(day, subject)
        except AppError as exc:  # a cap, a limit, not enough points: as in life
            self.counts[f"refused:{exc.reason}"] += 1

    def do_sign_up(self, _day: int, resident: Resident) -> None:
        self.sign_up(resident)

    def _qr(self, resident: Resident, scenario: str, site_id: int) -> None:
        _site, payload, _expires = checkins.site_qr(site_id)
        record = checkins.record_checkin(resident.user_id, scenario, None,
                                         {"type": "qr", "token": payload})  # fmt: skip
        self.counts[f"qr:{record.status}"] += 1

    def do_bus_qr(self, _day: int, resident: Resident) -> None:
        self._qr(resident, "bus_ride", self.places.bus_site_id)

    def do_metro_qr(self, _day: int, resident: Resident) -> None:
        self._qr(resident, "metro_ride", self.places.metro_site_id)

    def do_bus_partner(self, day: int, resident: Resident) -> None:
        event_id = f"demo-bus-{day}-{resident.n}-{self.rng.randrange(10**6)}"
        checkins_demo.demo_partner_trip(self.places.bus_partner, resident.openid, "bus_ride",
                                        Decimal(1), event_id)  # fmt: skip
        self.counts["partner"] += 1

    def do_bike_partner(self, day: int, resident: Resident) -> None:
        km = Decimal(self.rng.randrange(8, 60)) / 10
        event_id = f"demo-bike-{day}-{resident.n}-{self.rng.randrange(10**6)}"
        checkins_demo.demo_partner_trip(self.places.bike_partner, resident.openid,
                                        "bike_share_km", km, event_id)  # fmt: skip
        self.counts["partner"] += 1

    def do_walk(self, _day: int, resident: Resident) -> None:
        today = shanghai_day(utcnow())
        week = {today - timedelta(days=k): steps_of(resident, today - timedelta(days=k), self.rng)
                for k in range(7)}  # fmt: skip
        checkins_demo.demo_werun_sync(resident.user_id, week)
        self.counts["werun"] += 1

    def do_plate_photo(self, day: int, resident: Resident) -> None:
        upload = checkins.save_photo(resident.user_id, plate_photo(self.rng.randrange(10**9)))
        evidence = {"type": "photo", "upload_id": upload.public_id}
        record = checkins.record_checkin(resident.user_id, "clean_plate", Decimal(1), evidence)
        if day + 1 < DAYS - 2:  # the last two days' (and this morning's) still wait
            self.reviews.setdefault(day + 1, []).append(record.id)
        self.counts["photo"] += 1

    def do_review(self, _day: int, record_id: int) -> None:
        operator = self.rng.choice(self.operators)
        if self.rng.random() < 0.85:
            checkins.approve_checkin(record_id, operator)
        else:
            checkins.reject_checkin(record_id, operator, "照片未能看清光盘，请重新拍摄")

    def do_redeem(self, day: int, resident: Resident) -> None:
        balance = ledger.get_points_balance(resident.user_id)
        affordable = [(offer_id, price) for offer_id, price in self.offers if price <= balance]
        if not affordable:
            return
        offer_id, _price = self.rng.choice(affordable)
        coupon = mall.redeem_offer(resident.user_id, offer_id).coupon
        self.counts["redeemed"] += 1
        fate = self.rng.random()
        later = day + self.rng.randrange(0, 5)
        if fate < 0.65 and later < DAYS:
            self.coupons.setdefault(later, []).append((resident.user_id, coupon.code, "use"))
        elif fate < 0.75 and day + 1 < DAYS:
            self.coupons.setdefault(day + 1, []).append((resident.user_id, str(coupon.id),
                                                         "cancel"))  # fmt: skip

    def do_use(self, _day: int, subject: tuple[int, str]) -> None:
        mall.verify_coupon(self.grocer, subject[1])
        self.counts["used"] += 1

    def do_cancel(self, _day: int, subject: tuple[int, str]) -> None:
        mall.cancel_coupon(subject[0], int(subject[1]))
        self.counts["cancelled"] += 1

    def do_adjust(self, day: int, _subject) -> None:
        joined = [r for r in self.cast if r.user_id]
        resident = self.rng.choice(joined)
        adjustment = ledger.create_adjustment(
            self.operators[0], resident.user_id, self.rng.choice((20, 30, 50)),
            "线下植树活动积分补录（纸质签到表）",
        )  # fmt: skip
        if day + 1 < DAYS - 1:  # the last one waits for the second operator (admin2)
            self.approvals.setdefault(day + 1, []).append(adjustment.id)
        self.counts["adjustments"] += 1

    def do_approve_adjustment(self, _day: int, adjustment_id: int) -> None:
        ledger.approve_adjustment(adjustment_id, self.operators[-1], "已核对签到表")

    def do_campaign_week(self, _day: int, _subject) -> None:
        now = utcnow()
        campaigns.create_campaign(
            name="光盘行动两周", scenarios=["clean_plate"], budget_points=3000, bonus_points=5,
            per_resident_limit=3, starts_at=now, ends_at=now + timedelta(days=14),
            created_by=self.operators[0],
        )  # fmt: skip

    def do_campaign_live(self, _day: int, _subject) -> None:
        now = utcnow()
        campaigns.create_campaign(
            name="绿色出行月：公交、地铁、单车双倍积分", scenarios=["bus_ride", "metro_ride",
            "bike_share_km"], budget_points=30000, multiplier=2.0, per_resident_limit=20,
            starts_at=now, ends_at=now + timedelta(days=30), created_by=self.operators[0],
        )  # fmt: skip

    def expiry_run(self) -> None:
        """The day's run of the coupon expiry job, as the scheduler would have made it."""
        while True:
            batch = mall.expire_due_coupons(utcnow(), 500)
            self.counts["lapsed"] += batch.expired
            if batch.seen < 500:
                break


@register_seeder(last=True)
def seed_demo_history(demo: bool) -> str | None:
    """`flask seed --demo`: 300 residents and 60 days of their history through the real
    services (nothing without `--demo`); a second run writes nothing."""
    if not demo:
        return None
    if already := users_demo.count_demo_residents(OPENID_PREFIX):
        return (
            f"demo history: already there ({already} residents), not written again "
            "(to start over, begin from an empty database)"
        )
    started = time.perf_counter()
    history = _History()
    with _rate_limits_off():
        history.run()
    c = history.counts
    checked = sum(v for k, v in c.items() if k.startswith(("qr:", "partner", "werun", "photo")))
    grocer, password = mall_demo.DEMO_GROCER_OWNER
    return (
        f"demo history: {c['residents']} residents over {DAYS} days, {checked} check-ins "
        f"(QR, partner trips, WeRun, photos; {c['qr:pending']} QR held by the risk rules), "
        f"{c['redeemed']} redemptions ({c['used']} used, {c['cancelled']} cancelled, "
        f"{c['lapsed']} lapsed), {c['adjustments']} points adjustments, 2 campaigns; "
        f"grocer login {grocer} / {password} ({time.perf_counter() - started:.1f} s)"
    )
