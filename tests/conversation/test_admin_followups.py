"""Admin follow-ups: one announcement flow for supervisors and admins (areas, confirm, count),
people told when an admin grants or ends their role (with their new menu), and the admin help
built from the admin menus in every language."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from typing import Any

import pytest
from aiogram.utils.i18n import gettext as _
from sqlalchemy import select

from bot import admin_cli
from bot.callbacks import AdmCB, AdminAction, PlaceCB, SupervisorAction, SvCB
from bot.config import LOCALES
from bot.i18n import in_locale
from bot.services import roles
from bot.views.keyboards.common import ADMIN_MENU, ADMIN_PANEL
from db.models import OutboxMessage, User, utcnow
from tests.support.factories import make_assistant, make_user
from tests.support.harness import ADMIN_ID

CHILONZOR, UCHTEPA = "1726294", "1726262"
M1, M2, M3 = "103-0104", "103-0084", "101-0085"  # M1, M2 in Chilonzor; M3 in Uchtepa


def _t(harness: Any, msgid: str | tuple[str, str, int], locale: str = "uz", **values: Any) -> str:
    with in_locale(harness.app.i18n, locale):
        args = msgid if isinstance(msgid, tuple) else (msgid,)
        return _(*args).format(**values)


async def _scoped(session: Any, telegram_id: int, *districts: str, **kwargs: Any) -> User:
    user = await make_user(session, telegram_id, name="Sardor Rahimov", **kwargs)
    for district in districts:
        await roles.grant_supervisor(
            session, user, "district", district, utcnow() - dt.timedelta(minutes=1)
        )
    await session.commit()
    return user


async def _announcements(harness: Any) -> list[OutboxMessage]:
    async with harness.db() as session:
        return list(
            (
                await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.kind == "announcement")
                )
            ).all()
        )


# --- one way to announce ----------------------------------------------------------------------


@pytest.mark.harness(double_tap_window=0)  # back to an identical screen within a second
async def test_a_supervisor_of_two_districts_chooses_one_and_forged_places_are_refused(
    harness, caplog
) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await _scoped(session, 701, CHILONZOR, UCHTEPA)
        chilonzor = {
            (await make_assistant(session, 702, mahalla=M1)).id,
            (await make_assistant(session, 703, mahalla=M2)).id,
        }
        await make_assistant(session, 704, mahalla=M3)
    sup = harness.user(701, first_name="Sardor", language_code="uz")
    await sup.send("/start")
    assert str(sup.reply_keyboard).count(_t(harness, "📣 Announcement")) == 1
    await sup.send(_t(harness, "📣 Announcement"))
    assert sup.last.text == _t(harness, "To the assistants of which place?")
    assert "Chilonzor tumani" in str(sup.last.buttons) and "Uchtepa" in str(sup.last.buttons)
    assert _t(harness, "A region") not in str(sup.last.buttons)  # admins only
    choice = sup.last.message_id
    with caplog.at_level(logging.WARNING):
        for forged in (
            SvCB(action=SupervisorAction.ANNOUNCE_WHERE, v="c").pack(),
            SvCB(action=SupervisorAction.ANNOUNCE_WHERE, v="r").pack(),
            SvCB(
                action=SupervisorAction.ANNOUNCE_PLACE, v="d.1703209"
            ).pack(),  # a district elsewhere
            PlaceCB(purpose="xd", level="d", code="1703209").pack(),
        ):
            await sup.press_data(choice, forged)
            assert sup.last_answer is not None
            assert sup.last_answer.text == _t(harness, "This button is out of date."), forged
    await sup.press("Chilonzor tumani")
    assert "Chilonzor tumani" in sup.last.text
    await sup.press(_t(harness, "⬅️ Back"))  # back to the choice, and choose again
    await sup.press("Chilonzor tumani")
    await sup.send("Plan <b>for</b> Friday")
    assert (
        _t(
            harness,
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
    await sup.press(_t(harness, "📣 Send"))
    assert sup.last.text == _t(
        harness, ("Queued for {count} assistant.", "Queued for {count} assistants.", 2), count=2
    )
    rows = await _announcements(harness)
    assert sorted(row.user_id for row in rows) == sorted(chilonzor)
    assert all("Plan &lt;b&gt;for&lt;/b&gt; Friday" in row.payload["text"] for row in rows)


async def test_an_admin_and_supervisor_has_one_button_and_may_announce_anywhere(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await _scoped(session, ADMIN_ID, CHILONZOR)
        outside = await make_assistant(session, 711, mahalla=M3)
        outside_id = outside.id
    admin = harness.user(ADMIN_ID, first_name="Sardor", language_code="uz")
    await admin.send("/start")
    assert str(admin.reply_keyboard).count(_t(harness, "📣 Announcement")) == 1
    await admin.send(_t(harness, "📣 Announcement"))
    await admin.press(_t(harness, "A district"))
    await admin.press_data(
        admin.last.message_id, PlaceCB(purpose="xd", level="d", code=UCHTEPA).pack()
    )
    await admin.send("Hello Uchtepa")
    assert "1" in admin.last.text and "Uchtepa" in admin.last.text
    await admin.press(_t(harness, "✖️ Cancel"))
    assert admin.last.text == _t(harness, "Cancelled: nothing was sent.")
    assert await _announcements(harness) == []

    # A place with no assistant: told at once, nothing to confirm.
    await admin.send(_t(harness, "📣 Announcement"))
    await admin.press(_t(harness, "A district"))
    await admin.press_data(
        admin.last.message_id, PlaceCB(purpose="xd", level="d", code=CHILONZOR).pack()
    )
    await admin.send("Nobody hears this")
    assert admin.last.text == _t(
        harness, "No assistant serves {place} yet: nothing was sent.", place="Chilonzor tumani"
    )
    assert await _announcements(harness) == []
    assert outside_id


# --- telling people of their roles --------------------------------------------------------------


async def test_granting_and_ending_a_role_in_the_bot_tells_the_person_with_their_new_menu(
    harness,
) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await make_user(session, ADMIN_ID, name="Admin Adminov")
        person = await make_user(session, 721, locale="ru", name="Nodira <i>Saidova</i>")
        person_id = person.id
    citizen = harness.user(721, first_name="Nodira", language_code="ru")
    await citizen.send("/start")
    overdue = _t(harness, "⏰ Overdue in my area", "ru")
    assert overdue not in str(citizen.reply_keyboard)

    admin = harness.user(ADMIN_ID, first_name="Admin", language_code="uz")
    await admin.send("/start")
    await admin.send(_t(harness, "🛠 Admin"))
    await admin.press_data(
        admin.last.message_id, AdmCB(action=AdminAction.CARD, id=person_id).pack()
    )
    assert "Nodira &lt;i&gt;Saidova&lt;/i&gt;" in admin.last.text or "<i>" in admin.last.text
    await admin.press(_t(harness, "➕ Make supervisor"))
    await admin.press(_t(harness, "District supervisor"))
    await admin.press_data(
        admin.last.message_id, PlaceCB(purpose="gd", level="d", code=CHILONZOR).pack()
    )
    await harness.drain()
    with in_locale(harness.app.i18n, "ru"):
        granted = _(
            "You are now {role}: <b>{place}</b>. Your menu has the new buttons below; "
            "/help explains them."
        ).format(role=_("district supervisor"), place="Чиланзарский район")
    plain = granted.replace("<b>", "").replace("</b>", "")
    assert citizen.last.text.split(":")[0] == plain.split(":")[0]
    assert overdue in str(citizen.reply_keyboard)

    await admin.press(_t(harness, "➖ End the supervisor role"))
    await admin.press(_t(harness, "Yes, end it"))
    await harness.drain()
    with in_locale(harness.app.i18n, "ru"):
        ended = _(
            "Your role as {role} has ended. Thank you for your work! Your menu below is updated."
        ).format(role=_("supervisor"))
    assert citizen.last.text == ended
    assert overdue not in str(citizen.reply_keyboard)
    assert _t(harness, "📂 My requests", "ru") in str(citizen.reply_keyboard)
    async with harness.db() as session:
        kinds = (
            await session.scalars(
                select(OutboxMessage.kind).where(OutboxMessage.user_id == person_id)
            )
        ).all()
    assert list(kinds) == ["role_changed", "role_changed"]


async def test_granting_and_revoking_on_the_command_line_tells_the_person(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await make_user(session, 731, locale="uz_Cyrl", name="Olim Ergashev")
        await make_assistant(session, 732, mahalla=M1, name="Karim Aliyev")
    person = harness.user(731, first_name="Olim", language_code="uz")
    await person.send("/start")
    predecessor = harness.user(732, first_name="Karim", language_code="uz")
    await predecessor.send("/start")
    assert _t(harness, "📥 Cases") in str(predecessor.reply_keyboard)
    cases = _t(harness, "📥 Cases", "uz_Cyrl")
    assert cases not in str(person.reply_keyboard)
    args = argparse.Namespace(
        user=731, role="assistant", mahalla=M1, country=False, region=None, district=None
    )
    assert (await admin_cli.grant(harness.settings, args)).startswith("granted")
    await harness.drain()
    assert _t(harness, "assistant of the mahalla", "uz_Cyrl") in person.last.text
    assert cases in str(person.reply_keyboard)
    # The mahalla's previous assistant is told their term ended, and loses the buttons.
    assert predecessor.last.text == _t(
        harness,
        "Your role as {role} has ended. Thank you for your work! Your menu below is updated.",
        role=_t(harness, "assistant of the mahalla"),
    )
    assert _t(harness, "📥 Cases") not in str(predecessor.reply_keyboard)
    assert (await admin_cli.grant(harness.settings, args)).startswith("already")
    await admin_cli.revoke(harness.settings, argparse.Namespace(user=731, role="assistant"))
    await harness.drain()
    assert person.last.text == _t(
        harness,
        "Your role as {role} has ended. Thank you for your work! Your menu below is updated.",
        "uz_Cyrl",
        role=_t(harness, "assistant of the mahalla", "uz_Cyrl"),
    )
    assert cases not in str(person.reply_keyboard)
    async with harness.db() as session:
        count = len(
            (
                await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.kind == "role_changed")
                )
            ).all()
        )
    assert count == 3  # "already" told nobody


# --- the admin help -----------------------------------------------------------------------------


async def test_the_admin_help_names_every_admin_button_in_each_language(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        admin_user = await make_user(session, ADMIN_ID, name="Admin Adminov")
        admin_id = admin_user.id
    admin = harness.user(ADMIN_ID, first_name="Admin", language_code="uz")
    await admin.send("/start")
    for locale in LOCALES:
        async with harness.db() as session:
            stored = await session.get(User, admin_id)
            assert stored is not None
            stored.locale = locale
            await session.commit()
        await admin.send("/help")
        text = admin.last.text
        assert len(text) <= 4096
        for _action, label in (*ADMIN_MENU, *ADMIN_PANEL):
            assert _t(harness, label, locale) in text, (locale, label)
        # and from the admin menu itself
        await admin.send(_t(harness, "🛠 Admin", locale))
        await admin.press(_t(harness, "ℹ️ Admin help", locale))
        for _action, label in (*ADMIN_MENU, *ADMIN_PANEL):
            assert _t(harness, label, locale) in admin.last.text, (locale, label)
        await admin.press(_t(harness, "⬅️ Back", locale))
        assert _t(harness, "👥 Find people", locale) in str(admin.last.buttons)


# --- rough edges ----------------------------------------------------------------------------


async def test_a_card_with_very_many_roles_fits_one_message_and_leads_back(harness) -> None:  # type: ignore[no-untyped-def]
    from db.models import District

    async with harness.db() as session:
        await make_user(session, ADMIN_ID, name="Admin Adminov")
        person = await make_user(session, 741, name="Many <Scopes>")
        codes = (await session.scalars(select(District.soato).order_by(District.soato))).all()
        for code in codes:
            await roles.grant_supervisor(session, person, "district", code, utcnow())
        await session.commit()
        person_id = person.id
    assert len(codes) > 150
    admin = harness.user(ADMIN_ID, first_name="Admin", language_code="uz")
    await admin.send("/start")
    await admin.send(_t(harness, "🛠 Admin"))
    await admin.press_data(
        admin.last.message_id, AdmCB(action=AdminAction.CARD, id=person_id).pack()
    )
    card = admin.last
    assert card.text.startswith("👤 Many <Scopes>")  # escaped: shown as typed
    assert len(card.text) <= 4096 and card.text.endswith("…")
    await admin.press(_t(harness, "⬅️ Back"))
    assert admin.last.text == _t(harness, "Whom are you looking for?")
