"""The daily vacancy round: seekers the 3-offers-a-day limit left out get the vacancy on a
later day, and vacancies past their last day are closed (scheduler/vacancy_tasks.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from bot.services import vacancies
from db.models import OutboxMessage, Vacancy, VacancyOffer
from scheduler.tasks import TASK_NAMES, next_runs, run_task
from tests.scheduler.support import local
from tests.unit.test_vacancies_service import JOB, NOW, TODAY, _assistant, _request, _user, _vacancy


async def test_left_out_seekers_get_the_vacancy_the_next_day(env: Any) -> None:
    async with env.sessions() as session:
        assistant = await _assistant(session)
        seeker = await _request(session, await _user(session, 11), JOB)
        for title in ("A", "B", "C"):
            vacancy = await _vacancy(session, assistant, title=title)
            assert len((await vacancies.match_and_offer(session, vacancy, TODAY, NOW)).offers) == 1
        left_out = await _vacancy(session, assistant, title="D")
        assert (await vacancies.match_and_offer(session, left_out, TODAY, NOW)).limited == 1
        ending = await _vacancy(session, assistant, title="E", closes_on=TODAY)
        assert (await vacancies.match_and_offer(session, ending, TODAY, NOW)).limited == 1
        await session.commit()
        left_out_id, ending_id = left_out.id, ending.id

    tomorrow = local(2026, 11, 27, 10)
    result = await run_task("vacancy_round", tomorrow.astimezone(dt.UTC), ctx=env.ctx())
    assert (result.status, result.queued) == ("done", 1)
    async with env.sessions() as session:
        offers = list(
            await session.scalars(select(VacancyOffer).where(VacancyOffer.offered_on > TODAY))
        )
        assert [(o.vacancy_id, o.case_id) for o in offers] == [(left_out_id, seeker.id)]
        closed = await session.get(Vacancy, ending_id)
        assert closed is not None and (closed.status, closed.closed_reason) == ("closed", "expired")
        queued = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "vacancy_offer", OutboxMessage.dedupe_key.like("%"))
        )
        assert queued == 1  # today's offers were sent by the posting handler, not queued here
    again = await run_task("vacancy_round", tomorrow.astimezone(dt.UTC), ctx=env.ctx())
    assert again.status == "already"


def test_the_round_is_scheduled_daily(env: Any) -> None:
    assert "vacancy_round" in TASK_NAMES
    runs = next_runs("vacancy_round", env.settings, local(2026, 12, 12, 11), 2)  # a Saturday
    assert [r.astimezone(local(2026, 1, 1).tzinfo).hour for r in runs] == [10, 10]
    assert [r.date() for r in runs] == [dt.date(2026, 12, 13), dt.date(2026, 12, 14)]
