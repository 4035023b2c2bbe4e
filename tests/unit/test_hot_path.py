"""What every update pays for: roles in one statement, the FSM state read once inside the
update's own session, synchronous filters run without a thread hop."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.types import Message, Update
from sqlalchemy import event, select

from bot.patches.sync_filters import run_sync_filters_inline
from bot.services import roles
from db.models import AssistantAssignment, Draft, SupervisorScope, User
from tests.support.flows import register

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


def _count_statements(engine: Any, marker: str) -> list[str]:
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if marker in statement:
            seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    return seen


async def test_roles_load_in_one_statement_and_a_revoke_counts_at_once(sessions) -> None:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        user = User(telegram_id=7001, locale="uz")
        other = User(telegram_id=7002, locale="uz")
        session.add_all([user, other])
        await session.flush()
        session.add_all(
            [
                AssistantAssignment(user_id=user.id, mahalla_code="103-0105", active_from=NOW),
                AssistantAssignment(user_id=user.id, mahalla_code="103-0104", active_from=NOW),
                AssistantAssignment(  # ended yesterday
                    user_id=user.id,
                    mahalla_code="103-0106",
                    active_from=NOW - dt.timedelta(days=9),
                    active_to=NOW - dt.timedelta(days=1),
                ),
                AssistantAssignment(user_id=other.id, mahalla_code="103-0107", active_from=NOW),
                SupervisorScope(
                    user_id=user.id, level="region", place_code="1726", active_from=NOW
                ),
                SupervisorScope(
                    user_id=user.id, level="district", place_code="1726294", active_from=NOW
                ),
                SupervisorScope(  # ends tomorrow: still active now
                    user_id=user.id,
                    level="country",
                    place_code=None,
                    active_from=NOW,
                    active_to=NOW + dt.timedelta(days=1),
                ),
            ]
        )
        await session.commit()

        engine = session.bind
        seen = _count_statements(engine, "supervisor_scopes")
        loaded = await roles.load_roles(session, user, [7001], NOW)
        assert len(seen) == 1  # both role tables in one round trip
        assert loaded.is_admin
        assert loaded.mahallas == ("103-0104", "103-0105")
        assert loaded.scopes == (
            roles.Scope("region", "1726"),
            roles.Scope("district", "1726294"),
            roles.Scope("country", None),
        )
        later = await roles.load_roles(session, user, [], NOW + dt.timedelta(days=2))
        assert later.scopes == (roles.Scope("region", "1726"), roles.Scope("district", "1726294"))
        assert not later.is_admin

        assert await roles.revoke_supervisor(session, user, NOW) == 3
        assert await roles.revoke_assistant(session, user, NOW, mahalla_code="103-0104") == 1
        await session.commit()
        after = await roles.load_roles(session, user, [], NOW)
        assert after.scopes == () and not after.is_supervisor
        assert after.mahallas == ("103-0105",)
        assert (await roles.load_roles(session, other, [], NOW)).mahallas == ("103-0107",)


async def test_synchronous_filters_run_in_the_event_loop_thread() -> None:
    threads: list[int] = []
    handled: list[str] = []

    def sync_check(message: Message) -> bool:
        threads.append(threading.get_ident())
        return message.text != "no"

    router = Router()

    @router.message(F.text.startswith("x"), sync_check)
    async def on_x(message: Message) -> None:
        handled.append(message.text or "")

    dp = Dispatcher()
    dp.include_router(router)
    assert run_sync_filters_inline(dp) == 2  # the magic filter and the plain function
    bot = Bot("42:TEST")
    try:
        for update_id, text in enumerate(("x1", "y", "no", "x2")):
            update = Update.model_validate(
                {
                    "update_id": update_id,
                    "message": {
                        "message_id": update_id,
                        "date": 0,
                        "text": text,
                        "chat": {"id": 5, "type": "private"},
                        "from": {"id": 5, "is_bot": False, "first_name": "A"},
                    },
                }
            )
            await dp.feed_update(bot, update)
    finally:
        await bot.session.close()
    assert handled == ["x1", "x2"]
    assert threads and set(threads) == {threading.get_ident()}


@pytest.mark.harness(throttle_rate=100_000)
async def test_an_answer_reads_the_conversation_state_once(harness) -> None:  # type: ignore[no-untyped-def]
    if harness.settings.redis_url:
        pytest.skip("the state lives in Redis there")
    user = harness.user(7101, first_name="Ali", language_code="uz")
    await register(harness, user)
    await user.send(str(harness.app.i18n.gettext("📝 My household's needs", locale="uz")))
    first_question = user.last.text
    seen = _count_statements(harness.app.engine, "FROM fsm_states")
    replies = await user.send("4")
    assert len(seen) == 1  # aiogram's read joins the update's session; get_data is free
    assert replies and user.last.text != first_question  # the next question is on screen


async def test_what_one_questionnaire_answer_costs(harness) -> None:  # type: ignore[no-untyped-def]
    """The budget of the hottest path (`benchmarks/throughput.py`): a typed answer is read with
    four statements (state, user, roles, draft), written with two (draft, update id) in one
    commit, and its question message recorded in a second after Telegram's reply, with the
    update marked done (a crash before that end is told apart from one after it); two Bot API
    calls (close the answered question, send the next). More fails: find what was added."""
    user = harness.user(7102, first_name="Ali", language_code="uz")
    await register(harness, user)
    await user.send(str(harness.app.i18n.gettext("📝 My household's needs", locale="uz")))
    await user.send("4")  # the first answer pays for one-off work (caches, first statements)
    question = user.last.text
    statements = _count_statements(harness.app.engine, "")
    commits: list[None] = []
    event.listen(harness.app.engine.sync_engine, "commit", lambda _conn: commits.append(None))
    calls_before = len(harness.fake.calls)
    await user.send("2")
    calls = [c.method for c in harness.fake.calls[calls_before:] if c.method != "getUpdates"]
    assert user.last.text != question  # the next question is on screen
    assert calls == ["editMessageText", "sendMessage"]
    assert len(statements) <= 8, statements
    assert len(commits) <= 2
    async with harness.app.sessions() as session:  # the answer is stored
        draft = await session.scalar(select(Draft).where(Draft.user_id.is_not(None)))
        assert draft is not None and draft.state["answers"]
