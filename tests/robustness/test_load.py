"""Many people at once, through the real webhook app (updates of different chats handled
concurrently, as Telegram delivers them): citizens register and send the household
questionnaire while assistants accept cases and record jobs. Every citizen gets one case and
one confirmation, every assistant one notification per case, nobody an error, and the Bot API
refuses no call. ROBUST_CITIZENS / ROBUST_ASSISTANTS scale it (the brief's figure: 100 / 20)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.callbacks import QCB, QuestionAction
from db.models import Case, District, Job, Mahalla, OutboxMessage
from devkit.fakeapi.editing import NOT_MODIFIED
from tests.conversation.test_questionnaire import SHORT_PATH, fill, open_questionnaire, t
from tests.support.factories import make_assistant
from tests.support.flows import register
from tests.support.harness import BotHarness, make_settings

CITIZENS = int(os.environ.get("ROBUST_CITIZENS", "24"))
ASSISTANTS = int(os.environ.get("ROBUST_ASSISTANTS", "6"))
SORRY = "Kechirasiz, bizda xatolik"  # the start of sorry_text() in Uzbek


@pytest.fixture
async def harness(fake: Any, db_url: str, redis_url: str | None) -> AsyncIterator[Any]:
    fake.process_timeout = 120.0  # a loaded machine may queue many updates behind each other
    fake.server.delivery.timeout = 120.0
    h = BotHarness(
        fake,
        make_settings(db_url, fake.base_url, redis_url, throttle_rate=100_000),
        mode="webhook",
    )
    await h.start()
    yield h
    await h.stop()


async def _mahallas(harness: Any, count: int) -> list[Mahalla]:
    async with harness.db() as session:
        district = await session.scalar(select(District).where(District.name_uz.like("Chilonzor%")))
        assert district is not None
        found = list(
            await session.scalars(
                select(Mahalla)
                .where(Mahalla.district_soato == district.soato)
                .order_by(Mahalla.code)
                .limit(count)
            )
        )
    assert len(found) == count, f"only {len(found)} demo mahallas in Chilonzor"
    return found


def _no_apology(sim: Any) -> None:
    said = [m.text or "" for m in sim.messages]
    assert not any(SORRY in text for text in said), f"user {sim.id} was told: {said[-3:]}"


async def test_many_citizens_and_assistants_at_once(harness: Any) -> None:
    started = time.perf_counter()
    places = await _mahallas(harness, ASSISTANTS)
    assistants = []
    for index, place in enumerate(places):
        async with harness.db() as session:
            await make_assistant(session, 9000 + index, mahalla=place.code, locale="uz")
        assistants.append(harness.user(9000 + index, first_name="Yordamchi", language_code="uz"))
    await asyncio.gather(*(a.send("/start") for a in assistants))

    async def citizen_life(index: int) -> Any:
        user = harness.user(10_000 + index, first_name="Fuqaro", language_code="uz")
        place = places[index % len(places)]
        await register(
            harness,
            user,
            name=f"Fuqaro {index}",
            phone=f"+99890{index:07d}",
            mahalla=place.name_uz,
            mahalla_search=place.name_uz.split()[0][:6],
        )
        await open_questionnaire(harness, user, "uz")
        await fill(harness, user, "uz", SHORT_PATH)
        await user.press(t(harness, "✅ Send", "uz"))
        return user

    citizens = await asyncio.gather(*(citizen_life(i) for i in range(CITIZENS)))
    await harness.drain()

    async def assistant_work(assistant: Any) -> None:
        for message in list(assistant.messages):
            if any("✅ Qabul qilish" in b for row in message.buttons for b in row):
                await assistant.press("✅ Qabul qilish", message=message)
        await assistant.press("➕ Ish oʻrni qayd etish")
        await assistant.press("amaliyot")
        await assistant.send("Hokimlik")
        if "Bogʻlamaslik" in [b for row in assistant.last.buttons for b in row]:
            await assistant.press("Bogʻlamaslik")

    await asyncio.gather(*(assistant_work(a) for a in assistants))
    await harness.drain()
    elapsed = time.perf_counter() - started

    async with harness.db() as session:
        cases = list(await session.scalars(select(Case)))
        failed = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")
        )
    assert len(cases) == CITIZENS
    assert (
        len({c.number for c in cases}) == CITIZENS and len({c.user_id for c in cases}) == CITIZENS
    )
    assert all(c.status == "accepted" for c in cases)
    assert failed == 0
    numbers = {c.number for c in cases}
    for user in citizens:
        _no_apology(user)
        mine = [n for n in numbers if any(n in (m.text or "") for m in user.messages)]
        assert len(mine) == 1, f"citizen {user.id} saw case numbers {mine}"
        (number,) = mine
        confirmations = [m for m in user.messages if number in (m.text or "")]
        assert len(confirmations) == 2  # "your case N" and "case N was accepted"
    for assistant in assistants:
        _no_apology(assistant)
        told = [m.text or "" for m in assistant.messages if "Yangi murojaat" in (m.text or "")]
        assert (
            len(told)
            == len(set(told))
            == len([c for c in cases if c.mahalla_code == places[assistants.index(assistant)].code])
        )
    async with harness.db() as session:
        jobs = await session.scalar(select(func.count()).select_from(Job))
    assert jobs == ASSISTANTS
    assert harness.fake.errors() == []
    assert not harness.fake.unanswered_callbacks()
    print(f"\n{CITIZENS} citizens, {ASSISTANTS} assistants: {elapsed:.1f}s")


async def _five_taps_on_send(harness: Any) -> Any:
    place = (await _mahallas(harness, 1))[0]
    user = harness.user(11_000, first_name="Tez", language_code="uz")
    await register(harness, user, mahalla=place.name_uz, mahalla_search=place.name_uz[:5])
    await open_questionnaire(harness, user, "uz")
    await fill(harness, user, "uz", SHORT_PATH)
    summary = user.last
    data = next(
        b["callback_data"]
        for row in summary.inline_keyboard
        for b in row
        if QCB.unpack(b["callback_data"]).action == QuestionAction.SEND
    )
    await asyncio.gather(*(user.press_data(summary, data) for _ in range(5)))
    async with harness.db() as session:
        count = await session.scalar(select(func.count()).select_from(Case))
        jobs = await session.scalar(select(func.count()).select_from(Job))
    assert count == 1 and jobs == 0
    (number,) = {
        word.strip("<>/b.,:")
        for m in user.messages
        for word in (m.text or "").split()
        if word.strip("<>/b.,:").startswith("N-")
    }
    assert sum(number in (m.text or "") for m in user.messages) == 1
    _no_apology(user)
    return user


async def test_five_quick_taps_on_send_make_one_case(harness: Any) -> None:
    await _five_taps_on_send(harness)
    refused = {c.description for c in harness.fake.errors()}
    assert refused <= {f"Bad Request: {NOT_MODIFIED}"}


async def test_quick_taps_on_send_make_no_refused_call(harness: Any) -> None:
    await _five_taps_on_send(harness)
    assert harness.fake.errors() == []
