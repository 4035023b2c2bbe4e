"""One router per audience: a citizen pressing a button of the assistants, the supervisors or
the admins (forged, or left on screen after a role ended) gets one polite refusal, logged once
with ids only, and nothing in the database changes. A person holding several roles still
reaches each of them, and the buttons citizens share a prefix with stay theirs."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from aiogram.utils.i18n import gettext as _
from sqlalchemy import select

from bot.callbacks import (
    ACB,
    AdmCB,
    AdminAction,
    AssistantAction,
    DigestAction,
    DrillCB,
    InviteCB,
    JobAction,
    JobCB,
    PickCB,
    PlaceCB,
    RoadmapAction,
    RoadmapCB,
    SupCB,
    SupervisorAction,
    SvCB,
    VacancyAction,
    VacCB,
)
from bot.i18n import in_locale
from db.models import Base, User
from tests.support.factories import make_assistant, make_case, make_job, make_supervisor, make_user

CHILONZOR = "1726294"
M1 = "103-0104"  # Chilonzor
REFUSED = "forged callback refused"


def _t(harness: Any, msgid: str) -> str:
    with in_locale(harness.app.i18n, "uz"):
        return _(msgid)


async def _snapshot(harness: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, but the bookkeeping each update touches (the updates seen,
    when a user was last seen)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    async with harness.db() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == "processed_updates":
                continue
            columns = [
                c for c in table.columns if not (table is User.__table__ and c.key == "last_seen")
            ]
            result = await session.execute(select(*columns).order_by(*table.primary_key.columns))
            rows[table.name] = [tuple(row) for row in result]
    return rows


async def test_a_citizen_pressing_staff_buttons_gets_one_logged_refusal_each(
    harness, caplog
) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        citizen_row = await make_user(session, 801, name="Secret Citizen", phone="+998901234567")
        assistant = await make_assistant(session, 802, name="Karim Aliyev")
        await make_supervisor(session, 803, "district", CHILONZOR, name="Sardor Sobirov")
        case = await make_case(session, citizen_row)
        job = await make_job(session, assistant, M1, dt.date.today())
        citizen_id, case_id, assistant_id, job_id = citizen_row.id, case.id, assistant.id, job.id
    citizen = harness.user(801, first_name="Secret", language_code="uz")
    await citizen.send("/start")
    presses = [
        ("assistant", ACB(action=AssistantAction.ACCEPT, id=case_id)),
        ("assistant", ACB(action=AssistantAction.CLOSE, id=case_id, v="y")),
        ("assistant", JobCB(action=JobAction.DELETE_YES, id=job_id)),
        ("assistant", JobCB(action=JobAction.START)),
        ("assistant", RoadmapCB(action=RoadmapAction.ADD, case=case_id)),
        ("assistant", VacCB(action=VacancyAction.NEW)),  # citizens' vacancy buttons: same prefix
        ("supervisor", SvCB(action=SupervisorAction.REASSIGN_TO, id=case_id, v=str(assistant_id))),
        ("supervisor", SvCB(action=SupervisorAction.DEACTIVATE_YES, id=assistant_id)),
        ("supervisor", DrillCB(level="c")),
        ("supervisor", PickCB(case=case_id, level="h")),
        ("supervisor", SupCB(action=DigestAction.EXPORT, level="d", code=CHILONZOR)),
        ("admin", AdmCB(action=AdminAction.REVOKE_ASSISTANT_YES, id=assistant_id)),
        ("admin", AdmCB(action=AdminAction.GRANT_LEVEL, id=citizen_id, v="c")),
        ("admin", InviteCB(kind="c")),  # would make a national supervisor's invite
        ("admin", PlaceCB(purpose="gm", level="m", code=M1)),
        # Announcements are both the admins' and the supervisors': refused once, as the admins'.
        ("admin", SvCB(action=SupervisorAction.ANNOUNCE, v="send")),
    ]
    before = await _snapshot(harness)
    out_of_date = _t(harness, "This button is out of date.")
    for audience, button in presses:
        data = button.pack()
        caplog.clear()
        with caplog.at_level(logging.INFO):
            await citizen.press_data(citizen.last.message_id, data)
        answer = citizen.last_answer
        assert answer is not None and answer.text == out_of_date, data
        assert answer.show_alert, data
        forged = [r.getMessage() for r in caplog.records if "forged" in r.getMessage()]
        assert len(forged) == 1, (data, forged)
        assert f"user={citizen_id} audience={audience} " in forged[0], forged
        assert not any(word in forged[0] for word in ("Secret", "Karim", "Sardor", "+998", "801"))
        # No other refusal or stale-button line: the one place answered alone.
        assert [r.getMessage() for r in caplog.records if "refused" in r.getMessage()] == forged
    assert await _snapshot(harness) == before
    assert "Karim" not in "\n".join(citizen.texts())


async def test_each_role_of_a_person_with_several_still_answers(harness, caplog) -> None:  # type: ignore[no-untyped-def]
    """An assistant who is also a supervisor reaches both audiences; an admin's button is
    still refused to them; and a citizen's own vacancy button is never taken for staff's."""
    async with harness.db() as session:
        person = await make_assistant(session, 811, name="Karim Aliyev")
        from bot.services import roles
        from db.models import utcnow

        await roles.grant_supervisor(
            session, person, "district", CHILONZOR, utcnow() - dt.timedelta(minutes=1)
        )
        await session.commit()
    both = harness.user(811, first_name="Karim", language_code="uz")
    await both.send("/start")
    out_of_date = _t(harness, "This button is out of date.")
    with caplog.at_level(logging.INFO):
        await both.press_data(both.last.message_id, ACB(action=AssistantAction.LIST).pack())
        assert both.last_answer is not None and both.last_answer.text != out_of_date
        await both.press_data(both.last.message_id, DrillCB(level="h").pack())
        assert both.last_answer is not None and both.last_answer.text != out_of_date
        await both.press_data(both.last.message_id, VacCB(action=VacancyAction.BROWSE).pack())
        assert both.last_answer is not None and both.last_answer.text != out_of_date
        assert not any(REFUSED in r.getMessage() for r in caplog.records)
        await both.press_data(both.last.message_id, AdmCB(action=AdminAction.OUTBOX).pack())
    assert both.last_answer is not None and both.last_answer.text == out_of_date
    refusals = [r.getMessage() for r in caplog.records if REFUSED in r.getMessage()]
    assert len(refusals) == 1 and "audience=admin" in refusals[0]
