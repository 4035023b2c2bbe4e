"""Two actors change one case at once (an assistant and a supervisor, two workers, a double tap
handled by two processes): for every transition exactly one wins, one event is written, and the
other is told the case changed meanwhile, with its current state. Through the bot, the loser
sees the case as it now is and the citizen is told once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.callbacks import ACB, AssistantAction
from bot.services import cases
from db.models import Case, CaseEvent, OutboxMessage, utcnow
from tests.support.factories import make_assistant, make_case, make_user

PAIRS = sorted(
    (source, target) for source, targets in cases.TRANSITIONS.items() for target in targets
)
PATH_TO = {  # how a new case reaches each status first
    "new": [],
    "accepted": ["accepted"],
    "in_progress": ["in_progress"],
    "resolved": ["resolved"],
    "rejected": ["rejected"],
    "closed": ["closed"],
}


def extra(to_status: str) -> dict[str, Any]:
    if to_status == "resolved":
        return {"outcome": "job_placed"}
    if to_status == "rejected":
        return {"reason": "not eligible"}
    return {}


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
async def test_two_actors_at_once_one_wins(sessions: Any, source: str, target: str) -> None:
    async with sessions() as session:
        citizen = await make_user(session, 8001)
        worker = await make_assistant(session, 8002)
        case = await make_case(session, citizen)
        for step in PATH_TO[source]:
            await cases.change_status(
                session, case, actor=worker, to_status=step, now=utcnow(), **extra(step)
            )
        await session.commit()
        case_id, worker_id = case.id, worker.id

    outcomes: list[str] = []
    loaded = asyncio.Barrier(2)

    async def actor() -> None:
        async with sessions() as session:
            mine = await session.get(Case, case_id)
            me = await session.get(type(worker), worker_id)
            assert mine is not None and mine.status == source
            await loaded.wait()  # both have read the case before either changes it
            try:
                await cases.change_status(
                    session, mine, actor=me, to_status=target, now=utcnow(), **extra(target)
                )
                await session.commit()
                outcomes.append("won")
            except cases.CaseChanged:
                assert mine.status == target  # the loser's object shows the current state
                await session.rollback()
                outcomes.append("lost")

    await asyncio.gather(actor(), actor())
    assert sorted(outcomes) == ["lost", "won"]
    async with sessions() as session:
        events = await session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.to_status == target)
            .where(CaseEvent.from_status == source)
        )
        assert events == 1
        assert (await session.get(Case, case_id)).status == target  # type: ignore[union-attr]


async def test_an_assistant_who_lost_the_race_sees_the_case_as_it_is(
    harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with harness.db() as session:
        citizen = await make_user(session, 8101)
        await make_assistant(session, 8102)
        case = await make_case(session, citizen)
        case_id = case.id
    assistant = harness.user(8102, first_name="Karim", started=True)
    await assistant.send("/start")
    real = cases.change_status

    async def another_actor_first(session: Any, case: Case, **kwargs: Any) -> Any:
        """Between the handler's read and its change, another actor takes the case into work."""
        async with harness.db() as other_session:
            other = await other_session.get(Case, case.id)
            assert other is not None
            await real(other_session, other, actor=None, to_status="in_progress", now=utcnow())
            await other_session.commit()
        monkeypatch.setattr(cases, "change_status", real)
        return await real(session, case, **kwargs)

    monkeypatch.setattr(cases, "change_status", another_actor_first)
    # The new-case message's "✅ Accept" button (notify.case_created), pressed on a bot message.
    await assistant.press_data(
        assistant.messages[-1], ACB(action=AssistantAction.ACCEPT, id=case_id).pack()
    )
    answer = assistant.last_answer
    assert answer is not None and answer.show_alert
    assert answer.text == "N-00001 murojaati allaqachon: ishlanmoqda. Hech narsa oʻzgarmadi."
    async with harness.db() as session:
        status = await session.scalar(select(Case.status).where(Case.id == case_id))
        events = await session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
        )
        told = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.chat_id == 8101)
        )
    assert status == "in_progress"
    assert events == 2  # created, in progress by the other actor: nothing from the loser
    assert told == 0  # the loser queued no notification for the citizen
