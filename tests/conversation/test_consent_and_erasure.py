"""A new consent text is asked of registered users before anything else, and erasing one's data
withdraws the open cases: whoever works each is told through the outbox."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.services import privacy
from db.models import Case, User
from tests.support.factories import make_assistant, make_case, make_user

# The consent text is at version 2; the factories' users agreed to version 1.
pytestmark = pytest.mark.harness(consent_version=2)


async def _row(harness: Any, telegram_id: int) -> User:
    async with harness.db() as session:
        row = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    assert row is not None
    return row


async def _case(harness: Any, case_id: int) -> Case:
    async with harness.db() as session:
        case = await session.get(Case, case_id)
    assert case is not None
    return case


async def test_a_new_consent_text_is_answered_before_anything_else(harness: Any) -> None:
    async with harness.db() as session:
        await make_user(session, 601, locale="uz")
    user = harness.user(601, first_name="Ali", language_code="uz")

    replies = await user.send("📂 Murojaatlarim")
    assert "yangiladik" in replies[-1].text and "Rozimisiz?" in replies[-1].text
    replies = await user.send_sticker()
    assert "Rozimisiz?" in replies[-1].text
    await user.press_data(user.last, "m:noop")  # any other button: the question first
    assert user.last_answer is not None and "avval" in user.last_answer.text
    assert (await _row(harness, 601)).consent_version == 1  # nothing decided: data kept
    assert (await _row(harness, 601)).name == "Ali Valiyev"

    await user.press("✅ Roziman")
    row = await _row(harness, 601)
    assert row.consent_version == 2 and row.name == "Ali Valiyev" and row.registered_at
    assert "Asosiy menyu" in user.last.text
    replies = await user.send("salom")  # the gate is gone
    assert "Tushunmadim" in replies[-1].text


async def test_declining_the_new_consent_erases_and_withdraws(harness: Any) -> None:
    async with harness.db() as session:
        assistant = await make_assistant(session, 611, locale="ru", name="Karim Aliyev")
        citizen = await make_user(session, 612, locale="uz")
        case = await make_case(session, citizen)
        case_id, number = case.id, case.number
        assistant.consent_version = 2
        await session.commit()
    helper = harness.user(611, first_name="Karim", language_code="ru")
    await helper.send("/start")
    user = harness.user(612, first_name="Ali", language_code="uz")
    await user.send("/start")
    assert "Rozimisiz?" in user.last.text
    seen = len(helper.messages)
    await user.press("❌ Rozi emasman")

    row = await _row(harness, 612)
    assert (row.name, row.phone, row.consent_version, row.registered_at) == (None,) * 4
    assert row.deleted_at is not None
    closed = await _case(harness, case_id)
    assert closed.status == "closed" and closed.reason == privacy.ERASED_NOTE
    await harness.drain()
    told = [m.text for m in helper.messages[seen:]]
    assert any(number in text and "отозвал" in text for text in told), told


async def test_erasing_from_settings_tells_the_assistant(harness: Any) -> None:
    async with harness.db() as session:
        await make_assistant(session, 621, locale="uz", name="Karim Aliyev")
        citizen = await make_user(session, 622, locale="uz")
        for person in (await _row_in(session, 621), citizen):
            person.consent_version = 2
        case = await make_case(session, citizen)
        case_id, number = case.id, case.number
    helper = harness.user(621, first_name="Karim", language_code="uz")
    await helper.send("/start")
    user = harness.user(622, first_name="Ali", language_code="uz")
    await user.send("⚙️ Sozlamalar")
    await user.press("🗑 Maʼlumotlarimni oʻchirish")
    seen = len(helper.messages)
    await user.press("🗑 Ha, oʻchirilsin")

    closed = await _case(harness, case_id)
    assert closed.status == "closed" and closed.reason == privacy.ERASED_NOTE
    await harness.drain()
    told = [m.text for m in helper.messages[seen:]]
    assert any(number in text and "fuqaro" in text for text in told), told
    assert len([t for t in told if number in t]) == 1  # once


async def _row_in(session: Any, telegram_id: int) -> User:
    row = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    assert row is not None
    return row
