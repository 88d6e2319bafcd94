"""Who lives in the demo: a few hundred residents, when each signed up, how often and how
they check in. Deterministic (one seeded random generator), so every `flask seed --demo`
tells the same story."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

RESIDENTS = 300
DAYS = 60
SEED = 17
OPENID_PREFIX = "demo-history-"
OPENID = OPENID_PREFIX + "{:03d}"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅文辉建林云飞鹏"

# (share of residents, chance of a check-in on a given day, chance of a second one)
PERSONAS = {"champion": (0.12, 0.22, 0.1), "regular": (0.33, 0.055, 0.0),
            "casual": (0.55, 0.012, 0.0)}  # fmt: skip
# What a resident does, and how many residents have it as a habit.
HABITS = {"bus_qr": 0.45, "metro_qr": 0.3, "bus_partner": 0.3, "bike_partner": 0.25,
          "walk": 0.35, "plate_photo": 0.3}  # fmt: skip


@dataclass
class Resident:
    n: int
    nickname: str
    joined: int  # the history day they signed up on (negative: before the 60 days)
    persona: str
    habits: list[str]
    redeems: float  # chance, on a day with enough points, of redeeming an offer
    user_id: int = 0
    steps: dict[date, int] = field(default_factory=dict)

    @property
    def openid(self) -> str:
        return OPENID.format(self.n)


def residents(rng: random.Random) -> list[Resident]:
    """The cast: a third were there before the window, the rest join along it."""
    personas = list(PERSONAS)
    weights = [PERSONAS[p][0] for p in personas]
    cast = []
    for n in range(RESIDENTS):
        nickname = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        joined = -rng.randrange(1, 30) if rng.random() < 0.33 else rng.randrange(DAYS)
        habits = [h for h, share in HABITS.items() if rng.random() < share] or ["bus_qr"]
        cast.append(Resident(n, nickname, joined, rng.choices(personas, weights)[0], habits,
                             redeems=rng.choice((0.0, 0.03, 0.06, 0.1))))  # fmt: skip
    return cast


def checkins_today(resident: Resident, rng: random.Random) -> int:
    """How many check-ins the resident makes on a day (0, 1 or 2)."""
    _share, once, twice = PERSONAS[resident.persona]
    if rng.random() >= once:
        return 0
    return 2 if rng.random() < twice else 1


def steps_of(resident: Resident, day: date, rng: random.Random) -> int:
    """A day's WeRun total: around the resident's own habit, never a round figure."""
    if day not in resident.steps:
        base = 6000 + (resident.n * 397) % 7000
        resident.steps[day] = max(800, int(rng.gauss(base, 1800))) | 7  # odd, not round
    return resident.steps[day]
