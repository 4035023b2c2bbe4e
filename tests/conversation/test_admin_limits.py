"""Time limits changed at run time reach the next request a citizen sends: its deadlines
are counted with the limits in force, not the configured ones."""

from __future__ import annotations

from typing import Any

from bot.services import runtime_settings
from db.models import utcnow
from tests.conversation.test_requests import (
    JOB_UZ,
    MENU,
    assistant_of,
    cases_of,
    citizen,
    fill,
    t,
)


async def test_a_new_request_gets_the_time_limits_an_admin_set(harness: Any) -> None:
    async with harness.db() as session:
        await runtime_settings.set_value(session, "accept_within_days", "3", "cli", utcnow())
        await runtime_settings.set_value(session, "resolve_within_days", "5", "cli", utcnow())
        await session.commit()
    harness.app.dispatcher["runtime_settings"].invalidate()  # as if the cache time had passed
    await assistant_of(harness, 8201)
    user = await citizen(harness, 8202, "uz")
    await user.send(t(harness, MENU["job"], "uz"))
    await fill(harness, "job", user, "uz", JOB_UZ)
    await user.press(t(harness, "✅ Send", "uz"))

    (case,) = await cases_of(harness, 8202)
    limits = harness.app.settings.model_copy(
        update={"accept_within_days": 3, "resolve_within_days": 5}
    ).limits()
    created = case.created_at
    assert case.accept_due == limits.calendar.deadline(created, 3, limits.tz)
    assert case.resolve_due == limits.calendar.deadline(created, 5, limits.tz)
    assert case.escalate_due == limits.calendar.deadline(created, 10, limits.tz)
    # …and not the configured 1 and 10 working days.
    assert case.accept_due != limits.calendar.deadline(created, 1, limits.tz)
