"""Double taps are harmless: two people walk the same journeys, one tapping each inline button
once and one tapping every inline button twice at once; afterwards their chats, their
conversation state and what the database holds for them are the same.

Journeys: registration (language, consent, places), the household questionnaire to Send (its
choice and yes/no buttons, a multiple choice, Skip, Done), and an assistant working the case
(Accept, the status buttons, an outcome). Also through two webhook workers' worth of concurrency
on PostgreSQL + Redis (the presses of one chat may reach different workers).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Case, CaseEvent, Draft, Job, Mahalla, OutboxMessage, User
from tests.conversation.test_questionnaire import SHORT_PATH, fill, open_questionnaire, t
from tests.support.factories import make_assistant
from tests.support.flows import register


def tap_twice(user: Any) -> Any:
    """From now on every inline press of `user` is two presses at the same moment."""
    once = user.press_data

    async def twice(message: Any, data: str) -> Any:
        first, _second = await asyncio.gather(once(message, data), once(message, data))
        return first

    user.press_data = twice
    return user


async def footprint(harness: Any, user: Any) -> dict[str, Any]:
    """What one person's journey left: their chat, their state, their rows."""
    async with harness.db() as session:
        row = await session.scalar(select(User).where(User.telegram_id == user.id))
        assert row is not None
        cases = list(await session.scalars(select(Case).where(Case.user_id == row.id)))
        ids = [c.id for c in cases]
        events = await session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id.in_(ids or [0]))
        )
        drafts = await session.scalar(
            select(func.count()).select_from(Draft).where(Draft.user_id == row.id)
        )
        outbox = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.user_id == row.id)
        )
    state = await harness.app.dispatcher.fsm.storage.get_state(
        harness.app.dispatcher.fsm.get_context(harness.app.bot, user.id, user.id).key
    )
    return {
        "registered": row.registered_at is not None,
        "locale": row.locale,
        "gender": row.gender,
        "mahalla": row.mahalla_code,
        "cases": sorted((c.kind, c.status, c.category) for c in cases),
        "events": events,
        "drafts": drafts,
        "outbox to them": outbox,
        "state": state,
        "chat": [m.text for m in user.messages],
    }


def same_chat(a: list[str | None], b: list[str | None], numbers: tuple[str, str]) -> None:
    """The same messages, one case number standing for the other."""
    assert [(text or "").replace(numbers[1], numbers[0]) for text in b] == [
        (text or "") for text in a
    ]


async def citizen_journey(harness: Any, user: Any, index: int) -> None:
    await register(harness, user, name=f"Fuqaro {index}")
    await open_questionnaire(harness, user, "uz")
    await fill(harness, user, "uz", SHORT_PATH)
    await user.press(t(harness, "✅ Send", "uz"))


async def assistant_journey(harness: Any, assistant: Any, number: str) -> None:
    """Accept the new case `number` from its message, open it, start work, resolve it."""
    await harness.drain()
    card = next(m for m in reversed(assistant.messages) if number in (m.text or ""))
    await assistant.press("✅ Qabul qilish", message=card)
    await assistant.press("📂 Ochish", message=card)
    await assistant.press("🔄 Ishni boshlash")
    await assistant.press("🏁 Hal qilindi")
    await assistant.press("ishga joylashdi")


async def case_footprint(harness: Any, number: str) -> dict[str, Any]:
    async with harness.db() as session:
        case = await session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        events = [
            (e.from_status, e.to_status)
            for e in await session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
            )
        ]
        told = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.user_id == case.user_id)
        )
    return {"status": case.status, "outcome": case.outcome, "events": events, "told": told}


@pytest.mark.parametrize("concurrent", [False, True], ids=["polling", "workers"])
async def test_tapping_every_button_twice_leaves_what_one_tap_leaves(
    fake: Any, db_url: str, redis_url: str | None, caplog: Any, concurrent: bool
) -> None:
    from tests.support.harness import BotHarness, make_settings

    mode = ("webhook" if redis_url else "tasks") if concurrent else "polling"
    # Machine speed: a whole journey of double taps within seconds would meet flood control.
    settings = make_settings(db_url, fake.base_url, redis_url, throttle_rate=10_000)
    harness = BotHarness(fake, settings, mode=mode)
    await harness.start()
    try:
        async with harness.db() as session:
            code = await session.scalar(
                select(Mahalla.code).where(Mahalla.name_uz == "Beshqoʻrgʻon MFY")
            )
            assert code is not None
            await make_assistant(session, 40_010, mahalla=code, locale="uz")
        assistant = harness.user(40_010, first_name="Karim", language_code="uz")
        await assistant.send("/start")

        once = harness.user(40_001, first_name="Bir", language_code="uz")
        twice = tap_twice(harness.user(40_002, first_name="Ikki", language_code="uz"))
        await citizen_journey(harness, once, 1)
        await citizen_journey(harness, twice, 2)
        async with harness.db() as session:
            numbers = tuple(
                await session.scalars(
                    select(Case.number)
                    .join(User, User.id == Case.user_id)
                    .where(User.telegram_id.in_((40_001, 40_002)))
                    .order_by(User.telegram_id)
                )
            )
        assert len(numbers) == 2, numbers
        a, b = await footprint(harness, once), await footprint(harness, twice)
        same_chat(a.pop("chat"), b.pop("chat"), numbers)  # type: ignore[arg-type]
        assert b == a

        # The assistant works the first case with single taps, the second with double taps.
        await assistant_journey(harness, assistant, numbers[0])
        tap_twice(assistant)
        await assistant_journey(harness, assistant, numbers[1])
        await harness.drain()
        first = await case_footprint(harness, numbers[0])
        second = await case_footprint(harness, numbers[1])
        assert second == first
        assert second["status"] == "resolved" and second["outcome"] == "job_placed"
        async with harness.db() as session:
            assert await session.scalar(select(func.count()).select_from(Job)) == 0
        a, b = await footprint(harness, once), await footprint(harness, twice)
        same_chat(a.pop("chat"), b.pop("chat"), numbers)  # type: ignore[arg-type]
        assert b == a  # the citizens were told the same, once each
    finally:
        await harness.stop()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.harness(throttle_rate=100_000)  # the journey runs at machine speed
async def test_the_tap_twice_mode_sends_each_press_twice_and_changes_nothing(
    harness: Any, fake: Any
) -> None:
    """`TAP_TWICE=1` runs the conversation tests with every inline press doubled (CI does);
    here the mode itself is checked: each press reaches the bot twice, each of the two gets
    exactly one answer, and the journey ends as with single taps."""
    fake.core.tap_twice = True
    user = fake.user(61_001, first_name="Ali", language_code="uz")
    await citizen_journey(harness, user, 1)
    sent = [record.data for record in fake.core.callbacks.values() if record.user_id == user.id]
    assert sent and all(sent.count(data) >= 2 for data in sent)
    assert all(r.answer is not None for r in fake.core.callbacks.values())
    async with harness.db() as session:
        row = await session.scalar(select(User).where(User.telegram_id == user.id))
        assert row is not None and row.registered_at is not None
        cases = await session.scalar(
            select(func.count()).select_from(Case).where(Case.user_id == row.id)
        )
        assert cases == 1
