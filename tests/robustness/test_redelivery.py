"""Telegram delivers an update again when the bot did not confirm it: polling after a crash
before the next getUpdates offset, webhooks when the response failed or was slow. An update
handled before must change nothing and send nothing the second time."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Job, Mahalla, OutboxMessage, ProcessedUpdate
from tests.conversation.test_questionnaire import (
    SHORT_PATH,
    cases_of,
    citizen,
    drafts_of,
    fill,
    open_questionnaire,
    question_on_screen,
    t,
)
from tests.support.factories import make_assistant
from tests.support.flows import register
from tests.support.harness import BotHarness, make_settings

pytestmark = pytest.mark.harness(throttle_rate=100_000)


async def _after_crash(harness: Any, update_id: int) -> None:
    """The process stops with `update_id` handled but unconfirmed; a new one gets it again."""
    await harness.stop()
    again = await harness.fake.redeliver(update_id, wait=False)
    await harness.start()
    await again


async def test_a_redelivered_answer_is_not_taken_for_the_next_question(harness: Any) -> None:
    user = await citizen(harness, 8101, "uz")
    await open_questionnaire(harness, user, "uz")
    await user.send("4")  # members
    assert question_on_screen(user, "uz") == "children"
    seen = len(user.messages)

    await _after_crash(harness, user.last_update_id)

    assert len(user.messages) == seen, "the bot answered a re-delivered update"
    (draft,) = await drafts_of(harness, 8101)
    assert draft.state["answers"] == {"members": 4}
    assert draft.state["current"] == "children"
    await user.send("2")
    (draft,) = await drafts_of(harness, 8101)
    assert draft.state["answers"] == {"members": 4, "children": 2}


async def test_a_redelivered_send_makes_no_second_case_and_no_second_message(
    harness: Any,
) -> None:
    async with harness.db() as session:
        await make_assistant(session, 8201, locale="uz")
    assistant = harness.user(8201, first_name="Yordamchi", language_code="uz")
    await assistant.send("/start")
    user = await citizen(harness, 8202, "uz")
    await open_questionnaire(harness, user, "uz")
    await fill(harness, user, "uz", SHORT_PATH)
    await user.press(t(harness, "✅ Send", "uz"))
    (case,) = await cases_of(harness, 8202)
    seen = len(user.messages)

    await _after_crash(harness, user.last_update_id)
    await harness.drain()

    assert len(await cases_of(harness, 8202)) == 1
    assert len(user.messages) == seen
    assert sum(case.number in (m.text or "") for m in user.messages) == 1
    assert sum(case.number in (m.text or "") for m in assistant.messages) == 1
    async with harness.db() as session:
        queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
    assert queued == 1  # the assistant's notification, once


async def test_a_redelivered_job_is_recorded_and_confirmed_once(harness: Any) -> None:
    async with harness.db() as session:
        await make_assistant(session, 8301, locale="ru")
    assistant = harness.user(8301, first_name="Karim", language_code="ru")
    await assistant.send("/start")
    await assistant.press("➕ Отметить рабочее место")
    await assistant.press("стажировка")
    await assistant.send("Hokimlik")  # no open cases: saved without the link step
    assert "Рабочее место записано" in assistant.last.text
    seen = len(assistant.messages)

    await _after_crash(harness, assistant.last_update_id)

    assert len(assistant.messages) == seen
    async with harness.db() as session:
        assert await session.scalar(select(func.count()).select_from(Job)) == 1


async def test_registration_survives_restarts_and_redeliveries_at_every_step(
    harness: Any,
) -> None:
    """Every update of a registration is handled, the process restarted, and the update
    delivered again: the registration completes exactly as without the trouble."""
    user = harness.user(8401, first_name="Ali", language_code="uz")
    sent = 0
    original = user.deliver

    async def deliver_then_crash(payload: dict[str, Any]) -> Any:
        nonlocal sent
        replies = await original(payload)
        sent += 1
        seen = len(user.messages)
        await _after_crash(harness, user.last_update_id)
        assert len(user.messages) == seen, f"update {sent} answered twice"
        return replies

    user.deliver = deliver_then_crash  # type: ignore[method-assign]
    row = await register(harness, user)
    assert sent >= 10
    async with harness.db() as session:
        mahalla = await session.get(Mahalla, row.mahalla_code)
    assert mahalla is not None and mahalla.name_uz == "Beshqoʻrgʻon MFY"
    assert row.name == "Ali Valiyev" and row.birth_year == 1980


async def test_a_webhook_retry_of_a_handled_update_is_ignored(
    fake: Any, db_url: str, redis_url: str | None
) -> None:
    h = BotHarness(fake, make_settings(db_url, fake.base_url, redis_url), mode="webhook")
    await h.start()
    try:
        user = await citizen(h, 8501, "ru")
        await open_questionnaire(h, user, "ru")
        await user.send("3")
        seen = len(user.messages)
        await fake.redeliver(user.last_update_id)  # Telegram retries: same id, same body
        assert len(user.messages) == seen
        (draft,) = await drafts_of(h, 8501)
        assert draft.state["answers"] == {"members": 3}
        async with h.db() as session:
            ids = set(await session.scalars(select(ProcessedUpdate.update_id)))
        assert user.last_update_id in ids
    finally:
        await h.stop()


async def _cut_off(harness: Any, update_id: int) -> None:
    """As if the process died after the update's work was committed and before its answer went
    out: the update is marked handled but not done."""
    async with harness.db() as session:
        row = await session.get(ProcessedUpdate, update_id)
        assert row is not None and row.done, "a handled update is marked done"
        row.done = False
        await session.commit()


async def _done(harness: Any, update_id: int) -> bool:
    async with harness.db() as session:
        row = await session.get(ProcessedUpdate, update_id)
        assert row is not None
        return row.done


async def test_an_answer_cut_off_after_its_commit_is_followed_by_the_open_question(
    harness: Any,
) -> None:
    """kill -9 between storing the answer and sending the next question: after the restart
    the person is not left in silence, and the answer is still stored once."""
    user = await citizen(harness, 8601, "uz")
    await open_questionnaire(harness, user, "uz")
    await user.send("4")  # members
    assert question_on_screen(user, "uz") == "children"
    await _cut_off(harness, user.last_update_id)
    seen = len(user.messages)

    await _after_crash(harness, user.last_update_id)

    texts = [m.text or "" for m in user.messages[seen:]]
    assert len(texts) == 1, texts
    assert t(harness, "Let's continue where you stopped.", "uz") in texts[0], texts
    assert question_on_screen(user, "uz") == "children"
    (draft,) = await drafts_of(harness, 8601)
    assert draft.state["answers"] == {"members": 4}
    assert await _done(harness, user.last_update_id)

    await _after_crash(harness, user.last_update_id)  # once shown, a re-delivery is skipped
    assert len(user.messages) == seen + 1
    await user.send("2")
    (draft,) = await drafts_of(harness, 8601)
    assert draft.state["answers"] == {"members": 4, "children": 2}


async def test_a_send_cut_off_after_its_commit_shows_the_menu_and_makes_one_case(
    harness: Any,
) -> None:
    user = await citizen(harness, 8602, "ru")
    await open_questionnaire(harness, user, "ru")
    await fill(harness, user, "ru", SHORT_PATH)
    await user.press(t(harness, "✅ Send", "ru"))
    await _cut_off(harness, user.last_update_id)
    # A press cut off before its end was never answered; this one was, so its second answer
    # (Telegram refuses it, the bot lets that pass) is not counted against the bot.
    harness.check_callbacks = False
    seen = len(user.messages)

    await _after_crash(harness, user.last_update_id)

    texts = [m.text or "" for m in user.messages[seen:]]
    assert texts == [t(harness, "Main menu. Choose what you need with the buttons below.", "ru")]
    assert len(await cases_of(harness, 8602)) == 1
