"""Overdue lists put the longest overdue first, by the deadline each case actually missed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.services import cases, supervision
from bot.services.roles import Roles, Scope
from db.models import utcnow
from tests.support.factories import make_assistant, make_case, make_user

CHILONZOR = "1726294"


async def test_the_longest_overdue_comes_first(sessions: Any) -> None:
    now = utcnow()
    days = dt.timedelta(days=1)
    async with sessions() as session:
        assistant = await make_assistant(session, 801)
        accepted = await make_case(session, await make_user(session, 802))
        waiting = await make_case(session, await make_user(session, 803))
        # Accepted long ago (its acceptance deadline far back) but late on resolving by 1 day;
        # the new one has waited 5 days past its acceptance deadline: it is the worse.
        accepted.status, accepted.accept_due, accepted.resolve_due = (
            "in_progress",
            now - 20 * days,
            now - 1 * days,
        )
        waiting.accept_due, waiting.resolve_due = now - 5 * days, now + 5 * days
        await session.commit()
        order = [accepted.id, waiting.id]

        supervised, _total = await supervision.overdue_page(
            session, [Scope("district", CHILONZOR)], now, 0, 10
        )
        assert [c.id for c in supervised] == order[::-1]

        roles = Roles(mahallas=(assistant.mahalla_code,))
        query = cases.assistant_cases_query(assistant, roles, filter_="over", now=now)
        mine = (await session.scalars(query)).all()
        assert [c.id for c in mine] == order[::-1]
