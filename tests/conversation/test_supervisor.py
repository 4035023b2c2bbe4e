"""Supervisors: scope checks on forged callbacks, reassignment told to all three parties in their
own languages, the overdue list limited to the scope, and announcements to the scope's
assistants only."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from aiogram.utils.i18n import gettext as _
from sqlalchemy import func, select

from bot.callbacks import DigestAction, PlaceCB, SupCB, SupervisorAction, SvCB
from bot.i18n import in_locale
from bot.services import roles
from db.models import Case, CaseEvent, Invite, OutboxMessage, User, utcnow
from tests.support.factories import make_assistant, make_case, make_user
from tests.support.harness import ADMIN_ID

CHILONZOR, UCHTEPA = "1726294", "1726262"
M1, M2, M3 = "103-0104", "103-0084", "101-0085"  # M1, M2 in Chilonzor; M3 in Uchtepa


async def _supervisor(session: Any, telegram_id: int, district: str, locale: str = "uz") -> User:
    user = await make_user(session, telegram_id, locale=locale, name="Sardor Rahimov")
    await roles.grant_supervisor(
        session, user, "district", district, utcnow() - dt.timedelta(minutes=1)
    )
    await session.commit()
    return user


async def _overdue_case(session: Any, citizen: User) -> Case:
    case = await make_case(session, citizen)
    case.accept_due = utcnow() - dt.timedelta(hours=2)
    await session.commit()
    return case


def _text(harness: Any, locale: str, msgid: str | tuple[str, str, int], **values: Any) -> str:
    with in_locale(harness.app.i18n, locale):
        args = msgid if isinstance(msgid, tuple) else (msgid,)
        return _(*args).format(**values)


async def test_forged_callback_on_another_districts_case_is_refused(harness, caplog) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await _supervisor(session, 501, UCHTEPA)
        await make_assistant(session, 502, mahalla=M1, name="Karim Aliyev")
        other = await make_assistant(session, 503, mahalla=M2, name="Olim Ergashev")
        citizen = await make_user(session, 504, mahalla=M1, name="Secret Name")
        foreign = await _overdue_case(session, citizen)
        other_id = other.id
    sup = harness.user(501, first_name="Sardor", language_code="uz")
    await sup.send("/start")
    out_of_date = _text(harness, "uz", "This button is out of date.")
    for data in (
        SvCB(action=SupervisorAction.OPEN, id=foreign.id),
        SvCB(action=SupervisorAction.REASSIGN, id=foreign.id),
        SvCB(action=SupervisorAction.REASSIGN_TO, id=foreign.id, v=str(other_id)),
        SvCB(action=SupervisorAction.DEACTIVATE, id=other_id),
        SvCB(action=SupervisorAction.DEACTIVATE_YES, id=other_id),
    ):
        with caplog.at_level(logging.WARNING):
            await sup.press_data(sup.last.message_id, data.pack())
        assert sup.last_answer is not None and sup.last_answer.text == out_of_date
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refusals and f"id={foreign.id}" in refusals[0] and "Secret" not in refusals[0]
    async with harness.db() as session:
        case = await session.get(Case, foreign.id)
        assert case is not None and case.assignee_id is None
        events = await session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == "reassign")
        )
        queued = await session.scalar(select(func.count()).select_from(OutboxMessage))
        still = await roles.load_roles(session, other, [], utcnow())
    assert events == 0 and queued == 0 and still.mahallas == (M2,)


async def test_reassignment_tells_both_assistants_and_the_citizen(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await _supervisor(session, 511, CHILONZOR)
        old = await make_assistant(session, 512, mahalla=M1, locale="ru", name="Karim Aliyev")
        new = await make_assistant(session, 513, mahalla=M2, locale="uz_Cyrl", name="Olim Ergashev")
        citizen = await make_user(session, 514, mahalla=M1, locale="uz", name="Gulnora Karimova")
        case = await _overdue_case(session, citizen)
        new_id = new.id
        assert old.id != new_id
    sup = harness.user(511, first_name="Sardor", language_code="uz")
    parties = {
        "ru": harness.user(512, first_name="Karim", language_code="ru"),
        "uz_Cyrl": harness.user(513, first_name="Olim", language_code="uz"),
        "uz": harness.user(514, first_name="Gulnora", language_code="uz"),
    }
    for person in (sup, *parties.values()):
        await person.send("/start")
    seen = {locale: len(person.messages) for locale, person in parties.items()}

    await sup.send(_text(harness, "uz", "⏰ Overdue in my area"))
    assert case.number in str(sup.last.buttons)
    await sup.press_data(sup.last.message_id, SvCB(action=SupervisorAction.OPEN, id=case.id).pack())
    assert case.number in sup.last.text
    await sup.press_data(
        sup.last.message_id, SvCB(action=SupervisorAction.REASSIGN, id=case.id).pack()
    )
    assert "Olim Ergashev" in str(sup.last.buttons) and "Karim" not in str(sup.last.buttons)
    await sup.press_data(
        sup.last.message_id,
        SvCB(action=SupervisorAction.REASSIGN_TO, id=case.id, v=str(new_id)).pack(),
    )
    await sup.send("Karim is on leave")
    await harness.drain()

    async with harness.db() as session:
        saved = await session.get(Case, case.id)
        assert saved is not None and saved.assignee_id == new_id
        events = (
            await session.scalars(select(CaseEvent).where(CaseEvent.kind == "reassign"))
        ).all()
    assert len(events) == 1 and events[0].note == "Karim is on leave"
    told_old = _text(
        harness,
        "ru",
        "🔁 Request <b>{number}</b> was given to another assistant by the supervisor.\n"
        "Reason: {reason}",
        number=case.number,
        reason="Karim is on leave",
    )
    told_new = _text(
        harness,
        "uz_Cyrl",
        "🔁 The supervisor gave you request <b>{number}</b>: {kind}.\nReason: {reason}",
        number=case.number,
        kind="{kind}",
        reason="Karim is on leave",
    ).split("{kind}")[0]
    told_citizen = _text(
        harness,
        "uz",
        "Your request <b>{number}</b> is now handled by another assistant: {name}.",
        number=case.number,
        name="Olim",
    )

    def plain(html: str) -> str:
        return html.replace("<b>", "").replace("</b>", "")

    for locale, expected in (("ru", told_old), ("uz_Cyrl", told_new), ("uz", told_citizen)):
        person = parties[locale]
        texts = [m.text or "" for m in person.messages[seen[locale] :]]
        assert any(plain(expected) in text for text in texts), (locale, texts)


async def test_a_reassignment_that_can_no_longer_be_done_leaves_the_step(harness) -> None:  # type: ignore[no-untyped-def]
    """The case was resolved while the supervisor typed the reason: they are told so once, and
    what they type next is not taken as another reason."""
    async with harness.db() as session:
        await _supervisor(session, 516, CHILONZOR)
        await make_assistant(session, 517, mahalla=M1)
        new = await make_assistant(session, 518, mahalla=M2, name="Olim Ergashev")
        case = await _overdue_case(session, await make_user(session, 519, mahalla=M1))
        new_id = new.id
    sup = harness.user(516, first_name="Sardor", language_code="uz")
    await sup.send("/start")
    await sup.send(_text(harness, "uz", "⏰ Overdue in my area"))
    await sup.press_data(sup.last.message_id, SvCB(action=SupervisorAction.OPEN, id=case.id).pack())
    await sup.press_data(
        sup.last.message_id, SvCB(action=SupervisorAction.REASSIGN, id=case.id).pack()
    )
    await sup.press_data(
        sup.last.message_id,
        SvCB(action=SupervisorAction.REASSIGN_TO, id=case.id, v=str(new_id)).pack(),
    )
    async with harness.db() as session:
        resolved = await session.get(Case, case.id)
        assert resolved is not None
        resolved.status = "resolved"
        await session.commit()
    refusal = _text(harness, "uz", "This case can no longer be reassigned.")
    await sup.send("Karim is on leave")
    assert refusal in sup.last.text
    await sup.send("Karim is on leave")  # typed again: no reason is being asked any more
    assert refusal not in sup.last.text
    async with harness.db() as session:
        saved = await session.get(Case, case.id)
        assert saved is not None and saved.assignee_id != new_id


async def test_overdue_list_shows_only_cases_in_scope(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await _supervisor(session, 521, CHILONZOR)
        here = await make_user(session, 522, mahalla=M1)
        there = await make_user(session, 523, mahalla=M3)
        also_here = await make_user(session, 524, mahalla=M2)
        overdue = [await _overdue_case(session, here), await _overdue_case(session, also_here)]
        fresh = await make_case(session, here, kind="job")
        outside = await _overdue_case(session, there)
    sup = harness.user(521, first_name="Sardor", language_code="uz")
    await sup.send("/start")
    await sup.send(_text(harness, "uz", "⏰ Overdue in my area"))
    buttons = str(sup.last.buttons)
    assert all(case.number in buttons for case in overdue)
    assert fresh.number not in buttons and outside.number not in buttons
    assert _text(harness, "uz", "⏰ Overdue cases in your area: {count}", count=2) in sup.last.text


async def test_announcement_reaches_exactly_the_assistants_in_scope(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await _supervisor(session, 531, CHILONZOR)
        a1 = await make_assistant(session, 532, mahalla=M1, locale="ru")
        a2 = await make_assistant(session, 533, mahalla=M2)
        await make_assistant(session, 534, mahalla=M3)
        inside = {a1.id, a2.id}
    sup = harness.user(531, first_name="Sardor", language_code="uz")
    await sup.send("/start")
    await sup.send(_text(harness, "uz", "📣 Announcement"))
    assert sup.last.buttons == [["✖️ Bekor qilish"]]  # one tap out, /cancel or not
    await sup.press("✖️ Bekor qilish")
    assert "Bekor qilindi" in sup.last.text
    await sup.send(_text(harness, "uz", "📣 Announcement"))
    await sup.send("Meeting on Friday at 10:00")
    assert (
        _text(
            harness,
            "uz",
            (
                "Send this to {count} assistant of {place}?",
                "Send this to {count} assistants of {place}?",
                2,
            ),
            count=2,
            place="Chilonzor tumani",
        )
        in sup.last.text
    )
    confirm = sup.last.message_id
    await sup.press_data(confirm, SvCB(action=SupervisorAction.ANNOUNCE, v="send").pack())
    await sup.press_data(
        confirm, SvCB(action=SupervisorAction.ANNOUNCE, v="send").pack()
    )  # a second press
    assert sup.last_answer is not None
    assert sup.last_answer.text == _text(harness, "uz", "This button is out of date.")
    async with harness.db() as session:
        rows = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "announcement"))
        ).all()
    assert sorted(row.user_id for row in rows) == sorted(inside)
    assert all("Meeting on Friday at 10:00" in row.payload["text"] for row in rows)
    ru = next(row for row in rows if row.user_id == a1.id)
    assert (
        _text(harness, "ru", "📣 Announcement from {name}:", name="Sardor Rahimov")
        in ru.payload["text"]
    )


async def test_supervisor_invites_only_in_scope_and_deactivates(harness, caplog) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await _supervisor(session, 541, CHILONZOR)
        assistant = await make_assistant(session, 542, mahalla=M1, name="Karim Aliyev")
        citizen = await make_user(session, 543, mahalla=M1)
        case = await make_case(session, citizen)
        assistant_id = assistant.id
    sup = harness.user(541, first_name="Sardor", language_code="uz")
    await sup.send("/start")
    await sup.send(_text(harness, "uz", "🔗 Invite an assistant"))
    await sup.press_data(sup.last.message_id, SvCB(action=SupervisorAction.INVITE).pack())
    picker = sup.last
    with caplog.at_level(logging.WARNING):
        await sup.press_data(picker.message_id, PlaceCB(purpose="sa", level="m", code=M3).pack())
    assert sup.last_answer is not None
    assert sup.last_answer.text == _text(harness, "uz", "This button is out of date.")
    await sup.press_data(picker.message_id, PlaceCB(purpose="sa", level="m", code=M2).pack())
    assert "?start=inv_" in sup.last.text
    async with harness.db() as session:
        made = (await session.scalars(select(Invite))).all()
    assert [(i.role, i.place_code) for i in made] == [("assistant", M2)]

    karim = harness.user(542, first_name="Karim", language_code="uz", started=True)
    await sup.send(_text(harness, "uz", "👥 Assistants"))
    assert "Karim Aliyev" in str(sup.last.buttons)
    await sup.press_data(
        sup.last.message_id, SvCB(action=SupervisorAction.DEACTIVATE, id=assistant_id).pack()
    )
    await sup.press_data(
        sup.last.message_id, SvCB(action=SupervisorAction.DEACTIVATE_YES, id=assistant_id).pack()
    )
    assert _text(harness, "uz", "Done: the assistant is deactivated.") in sup.last.text
    async with harness.db() as session:
        person = await session.get(User, assistant_id)
        assert person is not None
        assert (await roles.load_roles(session, person, [], utcnow())).mahallas == ()
        kept = await session.get(Case, case.id)
        assert kept is not None and kept.mahalla_code == M1 and kept.assignee_id is None
    await harness.drain()
    assert karim.last is not None and "yakunlandi" in karim.last.text  # they are told


async def test_digest_now_shows_the_scopes_digest_with_its_buttons(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await _supervisor(session, 551, CHILONZOR, locale="ru")
    sup = harness.user(551, first_name="Sardor", language_code="ru")
    await sup.send("/start")
    await sup.send(_text(harness, "ru", "📊 Digest now"))
    assert "Чиланзар" in sup.last.text or "Chilonzor" in sup.last.text
    assert _text(harness, "ru", "📥 Excel file") in str(sup.last.buttons)


async def test_an_admins_announcement_reaches_every_assistant(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        admin = await make_user(session, ADMIN_ID, name="Admin Adminov")
        assistants = {
            (await make_assistant(session, 561, mahalla=M1)).id,
            (await make_assistant(session, 562, mahalla=M3)).id,
        }
        assert admin.id not in assistants
    person = harness.user(ADMIN_ID, first_name="Admin", language_code="uz")
    await person.send("/start")
    assert str(person.reply_keyboard).count(_text(harness, "uz", "📣 Announcement")) == 1
    await person.send(_text(harness, "uz", "📣 Announcement"))
    await person.press(_text(harness, "uz", "🇺🇿 The whole country"))
    await person.send("Report by Monday")
    assert (
        _text(
            harness,
            "uz",
            (
                "Send this to {count} assistant of {place}?",
                "Send this to {count} assistants of {place}?",
                2,
            ),
            count=2,
            place=_text(harness, "uz", "the whole country"),
        )
        in person.last.text
    )
    await person.press_data(
        person.last.message_id, SvCB(action=SupervisorAction.ANNOUNCE, v="send").pack()
    )
    async with harness.db() as session:
        rows = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "announcement"))
        ).all()
    assert sorted(row.user_id for row in rows) == sorted(assistants)


async def test_drill_down_stays_within_the_scope(harness, caplog) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await _supervisor(session, 571, CHILONZOR)
        await make_assistant(session, 572, mahalla=M1, name="Karim Aliyev")
    sup = harness.user(571, first_name="Sardor", language_code="uz")
    await sup.send("/start")
    await sup.send(_text(harness, "uz", "📊 Digest now"))
    digest = sup.last.message_id
    with caplog.at_level(logging.WARNING):
        for level, code in (("r", "1726"), ("d", UCHTEPA), ("c", "")):
            await sup.press_data(
                digest, SupCB(action=DigestAction.DRILL, level=level, code=code).pack()
            )
            assert sup.last_answer is not None
            assert sup.last_answer.text == _text(harness, "uz", "This button is out of date.")
        await sup.press_data(
            digest, SupCB(action=DigestAction.MAHALLAS, level="d", code=UCHTEPA).pack()
        )
        assert sup.last_answer.text == _text(harness, "uz", "This button is out of date.")
    await sup.press_data(digest, SupCB(action=DigestAction.DRILL, level="d", code=CHILONZOR).pack())
    assert "Chilonzor tumani" in sup.last.text and "1/6" in str(sup.last.buttons)
    await sup.press_data(
        digest, SupCB(action=DigestAction.MAHALLAS, level="d", code=CHILONZOR).pack()
    )
    assert "Chilonzor tumani" in sup.last.text
