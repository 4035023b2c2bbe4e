"""An invite link that makes someone the mahalla's assistant replaces the one before: nothing
happens behind anyone's back. The replaced assistant is told their role ended, and the admin
who made the link is told who took it and whom it replaced, each in their own language."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.services import invites
from bot.services.roles import load_roles
from db.models import Invite, OutboxMessage, User, utcnow
from tests.support.factories import make_assistant, make_user
from tests.support.harness import ADMIN_ID


async def test_the_replaced_assistant_and_the_links_maker_are_told(harness: Any) -> None:
    async with harness.db() as session:
        maker = await make_user(session, ADMIN_ID, locale="ru", name="Admin Adminov")
        old = await make_assistant(session, 401, "103-0104", name="Madina Saidova")
        token = await invites.create(
            session,
            role="assistant",
            level="mahalla",
            place_code="103-0104",
            now=utcnow(),
            created_by=maker.id,
        )
    previous = harness.user(401, first_name="Madina", language_code="uz", started=True)
    admin = harness.user(ADMIN_ID, first_name="Admin", language_code="ru", started=True)
    newcomer = harness.user(402, first_name="Jasur", language_code="uz")
    await newcomer.send(f"/start {token}")
    assert "Tayyor!" in newcomer.messages[0].text
    await harness.drain()

    told_old = previous.last.text
    assert "yakunlandi" in told_old, told_old  # "your role … has ended"
    said = admin.last.text.splitlines()
    assert said[0] == "Вашей ссылкой-приглашением воспользовались.", said
    assert said[1].startswith("Новый ") and said[1].endswith(": tg 402"), said  # no name yet
    assert said[2].startswith("Территория: "), said
    assert said[3] == "Роль завершена: Madina Saidova · tg 401 (уведомление отправлено)", said
    async with harness.db() as session:
        old_row = await session.get(User, old.id)
        assert old_row is not None
        assert not (await load_roles(session, old_row, [], utcnow())).is_assistant
        kinds = sorted((await session.scalars(select(OutboxMessage.kind))).all())
    assert kinds == ["invite_used", "role_changed"]


async def test_an_invite_for_an_empty_mahalla_tells_only_the_maker(harness: Any) -> None:
    async with harness.db() as session:
        maker = await make_user(session, ADMIN_ID, locale="uz", name="Admin Adminov")
        token = await invites.create(
            session,
            role="assistant",
            level="mahalla",
            place_code="103-0104",
            now=utcnow(),
            created_by=maker.id,
        )
    admin = harness.user(ADMIN_ID, first_name="Admin", language_code="uz", started=True)
    newcomer = harness.user(403, first_name="Jasur", language_code="uz")
    await newcomer.send(f"/start {token}")
    await harness.drain()
    said = admin.last.text.splitlines()
    assert said[0] == "Taklif havolangizdan foydalanildi." and len(said) == 3, said
    assert said[1].endswith(": tg 403"), said
    async with harness.db() as session:
        kinds = (await session.scalars(select(OutboxMessage.kind))).all()
    assert list(kinds) == ["invite_used"]


async def test_an_invite_that_would_replace_someone_asks_first_and_old_lists_stop(
    harness: Any,
) -> None:
    """The admin is told whom the link will replace and confirms; once the link is made, the
    mahalla list left on screen no longer makes links."""
    async with harness.db() as session:
        await make_user(session, ADMIN_ID, locale="uz", name="Admin Adminov")
        await make_assistant(session, 404, "103-0098", name="Madina Saidova")
    admin = harness.user(ADMIN_ID, first_name="Admin", language_code="uz", started=True)
    await admin.send("/invite")
    await admin.press("Mahalladagi hokim yordamchisi")
    await admin.press("Toshkent shahri")
    await admin.press("Chilonzor tumani")
    mahallas = admin.last
    await admin.send("Beshqo")  # search: the results come as a new message
    await admin.press(next(b for row in admin.last.buttons for b in row if "Beshqoʻrgʻon" in b))
    assert "Madina Saidova · tg 404" in admin.last.text
    assert "Havola yaratilsinmi?" in admin.last.text
    async with harness.db() as session:
        assert (await session.scalars(select(Invite))).all() == []  # nothing made yet
    await admin.press("✅ Havola yaratish")
    assert "https://t.me/mahalla_test_bot?start=inv_" in admin.last.text

    other = next(b for row in mahallas.buttons for b in row if "MFY" in b)
    await admin.press(other, message=mahallas)  # the list still on screen from before
    assert admin.last_answer is not None and "eskirgan" in admin.last_answer.text
    async with harness.db() as session:
        assert len((await session.scalars(select(Invite))).all()) == 1
