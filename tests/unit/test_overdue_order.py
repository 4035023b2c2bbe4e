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

        supervised = await supervision.overdue_page(
            session, [Scope("district", CHILONZOR)], now, 0, 10
        )
        assert [c.id for c in supervised.items] == order[::-1]

        roles = Roles(mahallas=(assistant.mahalla_code,))
        query = cases.assistant_cases_query(assistant, roles, filter_="over", now=now)
        mine = (await session.scalars(query)).all()
        assert [c.id for c in mine] == order[::-1]


def test_an_overdue_list_says_how_late_each_case_is() -> None:
    from bot.i18n import create_i18n, in_locale
    from bot.views.case_card import row_label
    from db.models import Case

    now = utcnow()
    late = Case(
        number="N-7",
        kind="needs",
        status="in_progress",
        created_at=now - dt.timedelta(days=30),
        accept_due=now - dt.timedelta(days=29),
        resolve_due=now - dt.timedelta(days=5),
    )
    with in_locale(create_i18n("uz"), "ru"):
        assert "просрочено на 5 дн." in row_label(late, "Ali Valiyev", now, late=True)
        assert "30 дн." in row_label(late, "Ali Valiyev", now)  # elsewhere: how long it waited
