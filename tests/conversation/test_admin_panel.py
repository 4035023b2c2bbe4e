"""The admin menu in the bot: only admins reach it (forged presses refused and logged), and
each action — targets, people and roles, CSV import, outbox health, announcements to a
place — answers bad input clearly and leaves the database as the admin was told."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from aiogram.utils.i18n import gettext as _
from sqlalchemy import func, select

from bot.callbacks import AdmCB, AdminAction, PlaceCB, SupervisorAction, SvCB
from bot.i18n import in_locale
from bot.services import roles
from db.models import Mahalla, OutboxMessage, SettingOverride, SupervisorScope, User, utcnow
from tests.support.factories import make_assistant, make_user
from tests.support.harness import ADMIN_ID

CHILONZOR, UCHTEPA = "1726294", "1726262"
M1, M3 = "103-0104", "101-0085"  # Chilonzor; Uchtepa


def _t(harness: Any, msgid: str | tuple[str, str, int], **values: Any) -> str:
    with in_locale(harness.app.i18n, "uz"):
        args = msgid if isinstance(msgid, tuple) else (msgid,)
        return _(*args).format(**values)


async def _admin(harness: Any) -> Any:
    async with harness.db() as session:
        await make_user(session, ADMIN_ID, name="Admin Adminov")
    person = harness.user(ADMIN_ID, first_name="Admin", language_code="uz")
    await person.send("/start")
    await person.send(_t(harness, "🛠 Admin"))
    assert (
        _t(harness, "🛠 <b>Admin</b>: choose what to do.").replace("<b>", "").replace("</b>", "")
        in person.last.text
    )
    return person


async def test_only_admins_see_the_menu_and_forged_presses_are_refused(harness, caplog) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await make_user(session, 601, name="Secret Citizen")
        target = await make_assistant(session, 602, name="Karim Aliyev")
        target_id = target.id
    citizen = harness.user(601, first_name="Secret", language_code="uz")
    await citizen.send("/start")
    assert _t(harness, "🛠 Admin") not in str(citizen.reply_keyboard)
    await citizen.send("/admin")
    assert _t(harness, "Admin") not in citizen.last.text
    out_of_date = _t(harness, "This button is out of date.")
    forged = [
        AdmCB(action=AdminAction.HOME),
        AdmCB(action=AdminAction.SETTINGS),
        AdmCB(action=AdminAction.SETTING_DEFAULT, v="0"),
        AdmCB(action=AdminAction.OUTBOX),
        AdmCB(action=AdminAction.PEOPLE, v="a."),
        AdmCB(action=AdminAction.CARD, id=target_id),
        AdmCB(action=AdminAction.GRANT_LEVEL, id=target_id, v="c"),
        AdmCB(action=AdminAction.REVOKE_ASSISTANT_YES, id=target_id),
        AdmCB(action=AdminAction.IMPORT),
        PlaceCB(purpose="gd", level="d", code=CHILONZOR),
    ]
    with caplog.at_level(logging.WARNING):
        for data in forged:
            await citizen.press_data(citizen.last.message_id, data.pack())
            assert citizen.last_answer is not None
            assert citizen.last_answer.text == out_of_date, data
    # Refused once each, by the admin audience's router (bot/handlers/audiences.py).
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == len(forged)
    assert all("forged callback refused" in line for line in refusals)
    assert not any("Secret" in line or "601" in line.split("user=")[0] for line in refusals)
    async with harness.db() as session:
        held = await roles.load_roles(session, target, [], utcnow())
        overrides = await session.scalar(select(func.count()).select_from(SettingOverride))
        scopes = await session.scalar(select(func.count()).select_from(SupervisorScope))
    assert held.mahallas == (M1,) and overrides == 0 and scopes == 0
    assert "Karim Aliyev" not in str(citizen.texts())


async def test_admin_changes_a_target_after_bad_inputs_and_returns_to_the_default(harness) -> None:  # type: ignore[no-untyped-def]
    admin = await _admin(harness)
    await admin.press(_t(harness, "🎯 Targets and time limits"))
    assert _t(harness, "from the configuration") in admin.last.text
    await admin.press("✏️ " + _t(harness, "Jobs a day per assistant"))
    retry = _t(
        harness, "Please type a whole number from {low} to {high}, or /cancel.", low=0, high="1 000"
    )
    for bad in ("many", "1001", "-1", "2.5"):
        await admin.send(bad)
        assert admin.last.text.replace("\xa0", " ") == retry.replace("\xa0", " "), bad
    await admin.send_sticker()
    assert admin.last.text.replace("\xa0", " ") == retry.replace("\xa0", " ")
    await admin.send("3")
    saved = _t(
        harness,
        "Saved: {label} is now {value}.",
        label=_t(harness, "Jobs a day per assistant"),
        value=3,
    )
    assert saved in admin.last.text
    assert f"tg:{ADMIN_ID}" in admin.last.text  # who changed it
    async with harness.db() as session:
        row = await session.get(SettingOverride, "jobs_per_day_target")
    assert row is not None and (row.value, row.changed_by) == ("3", f"tg:{ADMIN_ID}")
    # This process sees the change at once (its cache is dropped on save).
    assert (await harness.app.dispatcher["runtime_settings"].get()).jobs_per_day_target == 3

    await admin.press("✏️ " + _t(harness, "Jobs a day per assistant"))
    await admin.press(_t(harness, "↩️ Use the configured value"))
    assert (
        _t(
            harness,
            "Saved: {label} is now {value}.",
            label=_t(harness, "Jobs a day per assistant"),
            value=1,
        )
        in admin.last.text
    )
    async with harness.db() as session:
        assert await session.get(SettingOverride, "jobs_per_day_target") is None

    await admin.press("✏️ " + _t(harness, "Working days to resolve a case"))
    await admin.send("/cancel")
    await admin.send("7")  # no longer asked for a value: not stored
    async with harness.db() as session:
        assert await session.get(SettingOverride, "resolve_within_days") is None


# Back to an identical screen within a second; more steps in 10 s than flood control allows.
@pytest.mark.harness(double_tap_window=0, throttle_rate=100)
async def test_admin_finds_people_by_role_and_place_grants_and_revokes(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await make_assistant(session, 611, mahalla=M1, name="Karim <b>Aliyev</b>")
        await make_assistant(session, 612, mahalla=M3, name="Olim Ergashev")
        person = await make_user(session, 613, mahalla=M1, name="Nodira Saidova")
        person_id = person.id
    admin = await _admin(harness)
    await admin.press(_t(harness, "👥 Find people"))
    await admin.press(_t(harness, "Assistants"))
    await admin.send("99999")
    assert (
        _t(
            harness,
            "No region, district or mahalla is called “{name}”. Type a part of its name (or its "
            "code), or /cancel.",
            name="99999",
        )
        == admin.last.text
    )
    await admin.send_sticker()
    assert admin.last.text == _t(harness, "Please type a place name or code as text, or /cancel.")
    # By name, in either script: a choice of the places that match, the district among them.
    await admin.send("чилонзор")
    assert "Chilonzor tumani" in str(admin.last.buttons)
    await admin.press(_t(harness, "⬅️ Back"))  # a way back from the choice: type it again
    assert _t(harness, "🌐 All places") in str(admin.last.buttons)
    await admin.send("чилонзор")
    await admin.press("Chilonzor tumani")
    listing = admin.last
    assert "Karim <b>Aliyev</b>" in listing.text  # shown as typed: escaped, not bold
    assert "Olim Ergashev" not in listing.text and "tg 611" in listing.text
    assert "Dilobod MFY" in listing.text and M1 not in listing.text  # places by name

    # A citizen of Chilonzor becomes a district supervisor, then stops being one.
    await admin.press(_t(harness, "⬅️ Back"))
    await admin.press(_t(harness, "Citizens"))
    await admin.send(M1)
    await admin.press(next(b for row in admin.last.buttons for b in row if "Nodira" in b))
    assert "Nodira Saidova" in admin.last.text
    await admin.press(_t(harness, "➕ Make supervisor"))
    await admin.press(_t(harness, "District supervisor"))
    await admin.press_data(
        admin.last.message_id, PlaceCB(purpose="gd", level="d", code=CHILONZOR).pack()
    )
    assert (
        _t(
            harness,
            "Done: now {role}: {place}.",
            role=_t(harness, "district supervisor"),
            place="Chilonzor tumani",
        )
        in admin.last.text
    )
    await admin.press(_t(harness, "➕ Make assistant of a mahalla"))
    await admin.press_data(admin.last.message_id, PlaceCB(purpose="gm", level="m", code=M3).pack())
    # M3 has an assistant: the admin is told whom this replaces, and nothing changes yet.
    assert "Olim Ergashev · tg 612" in admin.last.text and "Nodira Saidova" in admin.last.text
    async with harness.db() as session:
        target = await session.get(User, person_id)
        assert (await roles.load_roles(session, target, [], utcnow())).mahallas == ()
    await admin.press(_t(harness, "✅ Yes"))
    async with harness.db() as session:
        target = await session.get(User, person_id)
        held = await roles.load_roles(session, target, [], utcnow())
        olim = await session.scalar(select(User).where(User.telegram_id == 612))
        told = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.user_id == olim.id, OutboxMessage.kind == "role_changed")
        )
    assert held.mahallas == (M3,) and [s.code for s in held.scopes] == [CHILONZOR]
    assert told == 1  # the replaced assistant is told their role ended

    await admin.press(_t(harness, "➖ End the supervisor role"))
    await admin.press(_t(harness, "Yes, end it"))
    assert _t(harness, "The role has ended.") in admin.last.text
    await admin.press_data(
        admin.last.message_id, AdmCB(action=AdminAction.REVOKE_SUPERVISOR_YES, id=person_id).pack()
    )
    assert _t(harness, "There was no such role to end.") in admin.last.text
    async with harness.db() as session:
        held = await roles.load_roles(session, target, [], utcnow())
    assert held.mahallas == (M3,) and held.scopes == ()


async def test_admin_imports_mahallas_from_a_csv_document(harness) -> None:  # type: ignore[no-untyped-def]
    admin = await _admin(harness)
    await admin.press(_t(harness, "📥 Import mahallas (CSV)"))
    await admin.send("here it is")
    assert admin.last.text == _t(harness, "Please send the CSV file as a document, or /cancel.")
    await admin.send_document(b"PK\x03\x04", "mahallas.xlsx")
    assert admin.last.text == _t(
        harness, "This is not a CSV file. Please send a .csv file, or /cancel."
    )
    await admin.send_document(b"x" * (600 * 1024), "big.csv")
    assert admin.last.text == _t(
        harness,
        "The file is too big: at most {size} KB. Split it and send the parts, or /cancel.",
        size=512,
    )
    await admin.send_document(b"kod,nomi\n1,2\n", "wrong.csv")
    assert "code,district_soato,name_uz,name_uz_cyrl,name_ru" in admin.last.text
    await admin.send_document(b"\xff\xfe\x00c\x00o", "utf16.csv")
    assert admin.last.text == _t(
        harness, "The file is not UTF-8 text. Save it as “CSV UTF-8” and send it again, or /cancel."
    )
    csv = (
        b"code,district_soato,name_uz,name_uz_cyrl,name_ru\n"
        b"18050001,1710207,Navbahor MFY,,\n"
        b"18050002,9999999,Bad district MFY,,\n"
    )
    await admin.send_document(csv, "mahallas.csv")
    report = admin.last.text
    assert (
        _t(
            harness,
            "Mahallas imported: {added} added, {updated} updated, {unchanged} unchanged, {rejected} rejected.",
            added=1,
            updated=0,
            unchanged=0,
            rejected=1,
        )
        == report.splitlines()[0]
    )
    assert (
        _t(
            harness,
            "Line {line}: {reason}",
            line=3,
            reason=_t(harness, "the district SOATO is unknown"),
        )
        in report
    )
    async with harness.db() as session:
        added = await session.get(Mahalla, "18050001")
    assert added is not None and added.name_uz == "Navbahor MFY"
    assert _t(harness, "⬅️ Back") in str(admin.last.buttons)  # not a dead end
    await admin.send_document(csv, "mahallas.csv")  # the import is over: not imported again
    assert admin.last.text != report


async def test_admin_sees_the_outbox_health(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        blocked = await make_user(session, 621, name="Blocked Person")
        blocked.blocked_at = utcnow()
        old = utcnow() - dt.timedelta(minutes=90)
        session.add_all(
            [
                OutboxMessage(
                    chat_id=1,
                    kind="t",
                    payload={"text": "a"},
                    status="queued",
                    created_at=old,
                    next_attempt_at=utcnow() + dt.timedelta(days=1),
                ),
                OutboxMessage(chat_id=2, kind="t", payload={"text": "b"}, status="failed"),
                OutboxMessage(chat_id=3, kind="t", payload={"text": "c"}, status="blocked"),
                OutboxMessage(chat_id=4, kind="t", payload={"text": "d"}, status="blocked"),
            ]
        )
        await session.commit()
    admin = await _admin(harness)
    await admin.press(_t(harness, "📮 Outbox health"))
    text = admin.last.text
    assert _t(harness, "Waiting to be sent: {count}", count=1) in text
    assert _t(harness, "Failed: {count}", count=1) in text
    assert _t(harness, "Not delivered, the person blocked the bot: {count}", count=2) in text
    assert _t(harness, "People who blocked the bot: {count}", count=1) in text
    assert "(90 daq.)" in text or "(91 daq.)" in text  # the oldest waits 90 minutes
    await admin.press(_t(harness, "🔄 Refresh"))  # the same figures: still answered
    assert _t(harness, "Failed: {count}", count=1) in admin.last.text


async def test_admin_announces_to_one_district_with_a_confirm_step(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        inside = await make_assistant(session, 631, mahalla=M1, locale="ru")
        await make_assistant(session, 632, mahalla=M3)
        inside_id = inside.id
    admin = await _admin(harness)
    assert _t(harness, "📣 Announcement") in str(admin.reply_keyboard)
    await admin.send(_t(harness, "📣 Announcement"))
    await admin.press(_t(harness, "A district"))
    await admin.press_data(
        admin.last.message_id, PlaceCB(purpose="xd", level="d", code=CHILONZOR).pack()
    )
    await admin.send_sticker()
    assert admin.last.text == _t(
        harness,
        (
            "Please type the text, up to {limit} character, or /cancel.",
            "Please type the text, up to {limit} characters, or /cancel.",
            2000,
        ),
        limit=2000,
    )
    await admin.send("x" * 2001)
    assert admin.last.text == _t(
        harness,
        (
            "Please type the text, up to {limit} character, or /cancel.",
            "Please type the text, up to {limit} characters, or /cancel.",
            2000,
        ),
        limit=2000,
    )
    await admin.send("Seminar <tomorrow>")
    assert (
        _t(
            harness,
            (
                "Send this to {count} assistant of {place}?",
                "Send this to {count} assistants of {place}?",
                1,
            ),
            count=1,
            place="Chilonzor tumani",
        )
        in admin.last.text
    )
    assert "Seminar <tomorrow>" in admin.last.text
    confirm = admin.last.message_id
    await admin.send("yes")
    assert admin.last.text == _t(harness, "Please press Send or Cancel above, or /cancel.")
    await admin.press_data(confirm, SvCB(action=SupervisorAction.ANNOUNCE, v="send").pack())
    await admin.press_data(
        confirm, SvCB(action=SupervisorAction.ANNOUNCE, v="send").pack()
    )  # a second press
    assert admin.last_answer is not None
    assert admin.last_answer.text == _t(harness, "This button is out of date.")
    async with harness.db() as session:
        rows = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "announcement"))
        ).all()
    assert [row.user_id for row in rows] == [inside_id]
    assert "Seminar &lt;tomorrow&gt;" in rows[0].payload["text"]
    assert "Admin Adminov" in rows[0].payload["text"]
