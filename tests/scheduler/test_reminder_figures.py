"""The morning reminder and evening nudge figures for every assistant at once: the same numbers
as each assistant's own "Today" screen, in a number of queries that does not grow with the
number of assistants."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event

from bot.services import indicators
from db.models import Case, utcnow
from tests.support.factories import make_assistant, make_case, make_job, make_user

MAHALLAS = [f"101-{code:04d}" for code in range(85, 96)]  # one district of the demo data
TARGETS = {"target_day": 1, "target_month": 30}


async def _seed(sessions: Any, count: int) -> dict[int, tuple[str, ...]]:
    """`count` assistants, one mahalla each (the first also serves a second one), with cases
    of every kind: unassigned, assigned to them, assigned to someone else, overdue, new."""
    now = utcnow()
    today = dt.date.today()
    people: dict[int, tuple[str, ...]] = {}
    async with sessions() as session:
        citizen = await make_user(session, 9_900_000, mahalla=MAHALLAS[0])
        assistants = [
            await make_assistant(session, 9_900_001 + n, mahalla=MAHALLAS[n % len(MAHALLAS)])
            for n in range(count)
        ]
        for n, person in enumerate(assistants):
            mahalla = MAHALLAS[n % len(MAHALLAS)]
            people[person.id] = (mahalla,)
            citizen.mahalla_code = mahalla
            for index in range(n % 4 + 1):
                case = await make_case(session, citizen)
                row = await session.get(Case, case.id)
                assert row is not None
                if index == 1:
                    row.accept_due = now - dt.timedelta(hours=index + n)  # overdue
                if index == 2:
                    row.assignee_id = assistants[(n + 1) % count].id  # someone else's
                if index == 3:
                    row.status, row.created_at = "resolved", now - dt.timedelta(days=3)
            for back in range(n % 3):
                await make_job(session, person, mahalla, today - dt.timedelta(days=back))
            await session.commit()
        first = assistants[0]
        people[first.id] = (MAHALLAS[0], MAHALLAS[-1])
    return people


async def test_everyone_at_once_matches_each_assistants_own_figures(sessions) -> None:  # type: ignore[no-untyped-def]
    people = await _seed(sessions, 7)
    now, today = utcnow(), dt.date.today()
    async with sessions() as session:
        days = await indicators.assistant_days(session, people, today, now, **TARGETS)
        overdue = await indicators.overdue_numbers(session, people, now)
        for person, mahallas in people.items():
            own = await indicators.assistant_day(session, person, mahallas, today, now, **TARGETS)
            assert days[person] == own, person
            numbers = await indicators.overdue_case_numbers(session, person, mahallas, now)
            assert overdue[person] == numbers, person
    assert any(day.overdue_cases for day in days.values())
    assert any(day.jobs_today and day.jobs_yesterday for day in days.values())


async def test_queries_do_not_grow_with_the_number_of_assistants(sessions) -> None:  # type: ignore[no-untyped-def]
    people = await _seed(sessions, 12)
    few = dict(list(people.items())[:2])
    now, today = utcnow(), dt.date.today()
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", count)
    counts = []
    try:
        for group in (few, people):
            seen.clear()
            async with sessions() as session:
                await indicators.assistant_days(session, group, today, now, **TARGETS)
                await indicators.overdue_numbers(session, group, now)
            counts.append(sum(1 for s in seen if s.lstrip().upper().startswith("SELECT")))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counts == [5, 5]
