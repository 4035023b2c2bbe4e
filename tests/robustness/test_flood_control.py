"""Flood control with the production defaults (THROTTLE_RATE 20 in THROTTLE_WINDOW 10 s).

The limiter's clock is held still, so "at once" means at once however slow the machine is, and
then moved past the window to show the person can go on.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.middlewares.throttle import MemoryLimiter, RedisLimiter
from db.models import FsmRecord, ProcessedUpdate, User

RU_SLOW = "Слишком много сообщений сразу. Подождите несколько секунд и попробуйте снова."
UZ_SLOW = "Juda koʻp xabar yuborildi. Bir necha soniya kutib, qayta urinib koʻring."
RATE = Settings.model_fields["throttle_rate"].default
WINDOW = Settings.model_fields["throttle_window"].default


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def freeze(harness: Any) -> Clock:
    clock = Clock()
    harness.app.dispatcher["throttle"].limiter._clock = clock
    return clock


async def processed(harness: Any) -> int:
    async with harness.db() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


def test_the_tests_use_the_production_limit(harness: Any) -> None:
    assert harness.settings.throttle_rate == RATE == 20
    assert harness.settings.throttle_window == WINDOW == 10.0


async def test_a_flood_is_told_once_in_the_persons_language_and_costs_no_database_work(
    harness: Any,
) -> None:
    clock = freeze(harness)
    user = harness.user(5101, first_name="Ivan", language_code="ru")
    for _ in range(RATE):
        await user.send("/start")
    assert RU_SLOW not in user.texts()
    handled = await processed(harness)
    assert handled == RATE
    before = len(user.messages)
    for _ in range(15):
        await user.send("/start")
    assert [m.text for m in user.messages[before:]] == [RU_SLOW]  # told once, then quiet
    assert await processed(harness) == handled  # dropped before the database was touched

    clock.now += WINDOW + 0.1  # the person waits, then goes on
    before = len(user.messages)
    await user.send("/start")
    assert user.messages[before:] and RU_SLOW not in [m.text for m in user.messages[before:]]
    assert await processed(harness) == handled + 1


async def test_the_notice_speaks_the_language_the_person_chose(harness: Any) -> None:
    """The language comes from what the bot last saw of the person, not only Telegram's guess."""
    freeze(harness)
    user = harness.user(5102, first_name="Ali", language_code="ru")
    await user.send("/start")
    await user.press(next(b for row in user.last.buttons for b in row if b.endswith("Oʻzbekcha")))
    async with harness.db() as session:
        row = await session.scalar(select(User).where(User.telegram_id == 5102))
        assert row is not None and row.locale == "uz"
    for _ in range(RATE + 3):
        await user.send("/start")
    assert UZ_SLOW in user.texts() and RU_SLOW not in user.texts()


# The double-tap guard comes first and would take the same button pressed again within a
# second as one tap; here every press counts, as when someone taps on through a screen.
@pytest.mark.harness(double_tap_window=0)
async def test_every_throttled_button_press_is_answered(harness: Any) -> None:
    freeze(harness)
    user = harness.user(5103, first_name="Vali", language_code="uz")
    await user.send("/start")
    menu = next(m for m in reversed(user.messages) if m.inline_keyboard)
    data = menu.inline_keyboard[0][0]["callback_data"]
    for _ in range(RATE + 10):
        await user.press_data(menu, data)
    answers = [r.answer for r in harness.fake.core.callbacks.values()]
    assert len(answers) == RATE + 10 and all(a is not None for a in answers)
    told = [a for a in answers if a.text == UZ_SLOW]
    assert len(told) == 1  # the first press over the limit says why; the rest just stop spinning
    async with harness.db() as session:
        assert await session.scalar(select(func.count()).select_from(FsmRecord)) <= 1


async def test_a_burst_of_taps_on_one_button_is_one_tap_not_a_flood(harness: Any) -> None:
    """Thirty taps on the same button within a second are one tap (a double tap, not a
    flood): each press stops spinning and nobody is told to slow down."""
    freeze(harness)
    user = harness.user(5104, first_name="Vali", language_code="uz")
    await user.send("/start")
    menu = next(m for m in reversed(user.messages) if m.inline_keyboard)
    data = menu.inline_keyboard[0][0]["callback_data"]
    for _ in range(RATE + 10):
        await user.press_data(menu, data)
    answers = [r.answer for r in harness.fake.core.callbacks.values()]
    assert len(answers) == RATE + 10 and all(a is not None for a in answers)
    assert not [a for a in answers if a.text == UZ_SLOW]
    assert UZ_SLOW not in user.texts()


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_the_limit_holds_across_workers(kind: str) -> None:
    """Two workers (two limiters) count one person's updates together when they share Redis."""
    from tests.conftest import TEST_REDIS_URL

    clock = Clock()
    if kind == "memory":
        workers: list[Any] = [MemoryLimiter(RATE, WINDOW, clock)]
        client = None
    else:
        if not TEST_REDIS_URL:
            pytest.skip("Redis not configured: set TEST_REDIS_URL to run this variant")
        from redis.asyncio import Redis

        client = Redis.from_url(TEST_REDIS_URL)
        await client.delete("throttle:77", "throttle:warned:77")
        workers = [RedisLimiter(client, RATE, WINDOW, clock) for _ in range(2)]
    try:
        turns = itertools.cycle(workers)
        verdicts = [await next(turns).allow(77) for _ in range(RATE + 5)]
        assert verdicts == [True] * RATE + [False] * 5
        warnings = await asyncio.gather(*(w.first_warning(77) for w in workers * 2))
        assert warnings.count(True) == 1
        clock.now += WINDOW + 1
        assert await workers[-1].allow(77)
    finally:
        if client is not None:
            await client.delete("throttle:77", "throttle:warned:77")
            await client.aclose()
