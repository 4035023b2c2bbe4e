"""First contact, languages, /help, /cancel, invites and a restart mid-conversation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.services import invites
from db.models import FsmRecord, User, utcnow
from tests.support.harness import ADMIN_ID


async def _user_row(harness, telegram_id: int) -> User:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        assert user is not None
        return user


async def choose_language(harness, user, button: str = "Oʻzbekcha") -> None:  # type: ignore[no-untyped-def]
    """Answer the first-contact language question (the guessed language carries a ✅), then
    leave the registration it starts with /cancel: these tests are about everything else."""
    await user.send("/start")
    label = next(b for row in user.last.buttons for b in row if b.endswith(button))
    await user.press(label)
    await user.send("/cancel")


async def test_first_contact_preselects_russian_and_switches_to_uzbek(harness) -> None:  # type: ignore[no-untyped-def]
    user = harness.user(101, first_name="Dilshod", language_code="ru-RU")
    await user.send("/start")
    assert "Выберите язык" in user.last.text.splitlines()[0]
    assert user.last.buttons == [["Oʻzbekcha"], ["Ўзбекча"], ["✅ Русский"]]
    stored = await _user_row(harness, 101)
    assert (stored.locale, stored.locale_confirmed) == ("ru", False)

    await user.press("Oʻzbekcha")
    assert any("Til: Oʻzbekcha" in m.text for m in user.messages)
    assert "Rozimisiz?" in user.last.text  # registration starts, in Uzbek
    stored = await _user_row(harness, 101)
    assert (stored.locale, stored.locale_confirmed) == ("uz", True)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en_US", "uz"),
        ("", "uz"),
        (None, "uz"),
        ("uz-cyrl", "uz_Cyrl"),
        ("x" * 40, "uz"),
        ("ru", "ru"),
        ("uz", "uz"),
    ],
)
async def test_odd_language_codes_never_break(harness, code, expected) -> None:  # type: ignore[no-untyped-def]
    user = harness.user(102, first_name="Ali", language_code=code)
    await user.send("/start")
    assert len(user.last.buttons) == 3
    assert (await _user_row(harness, 102)).locale == expected


async def test_language_command_changes_every_later_message(harness) -> None:  # type: ignore[no-untyped-def]
    user = harness.user(103, first_name="Ali", language_code="uz")
    await choose_language(harness, user)
    await user.send("/language")
    await user.press("Ўзбекча")
    await user.send("/help")  # at the consent question: the help, then the question again
    assert "маҳаллангиздаги ҳоким ёрдамчиси" in user.messages[-2].text
    assert "Розимисиз?" in user.last.text
    await user.send("/language")
    await user.press("Русский")
    await user.send("/help")
    assert "помощником хокима" in user.messages[-2].text
    assert (await _user_row(harness, 103)).locale == "ru"


async def test_help_depends_on_roles(harness) -> None:  # type: ignore[no-untyped-def]
    citizen = harness.user(104, first_name="Ali", language_code="ru")
    await choose_language(harness, citizen, "Русский")
    await citizen.send("/help")
    assert "администратор" not in citizen.last.text
    admin = harness.user(ADMIN_ID, first_name="Admin", language_code="ru")
    await choose_language(harness, admin, "Русский")
    await admin.send("/help")
    assert "администратор" in admin.last.text


async def test_cancel_without_and_within_a_conversation(harness) -> None:  # type: ignore[no-untyped-def]
    admin = harness.user(ADMIN_ID, first_name="Admin", language_code="uz")
    await choose_language(harness, admin)
    await admin.send("/cancel")
    assert "Bekor qiladigan narsa yoʻq" in admin.last.text

    await admin.send("/invite")
    await admin.press("Mahalladagi hokim yordamchisi")
    await admin.press("Toshkent shahri")
    await admin.press("Chilonzor tumani")
    assert "mahallani tanlang" in admin.last.text  # a place for someone else: not "your"
    await admin.send("/cancel")
    assert admin.last.text == "Bekor qilindi."
    async with harness.db() as session:
        assert (await session.scalars(select(FsmRecord))).all() == []
    await admin.send("Yangi")  # no longer a search: the menu answers
    assert "menyu" in admin.last.text


async def test_invite_links_valid_used_expired_forged(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        valid = await invites.create(
            session, role="assistant", level="mahalla", place_code="103-0104", now=utcnow()
        )
        old = await invites.create(
            session,
            role="supervisor",
            level="district",
            place_code="1726294",
            now=utcnow() - dt.timedelta(days=8),
        )
    first = harness.user(201, first_name="Aziza", language_code="uz")
    await choose_language(harness, first)
    await first.send(f"/start {valid}")
    assert "Tayyor!" in first.messages[-2].text
    assert "mahalladagi hokim yordamchisi" in first.messages[-2].text

    second = harness.user(202, first_name="Bek", language_code="ru")
    await choose_language(harness, second, "Русский")
    await second.send(f"/start {valid}")
    assert "уже использована" in second.messages[-2].text
    await second.send(f"/start {old}")
    assert "истёк" in second.messages[-2].text
    await second.send("/start inv_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    assert "недействительна" in second.messages[-2].text
    await second.send("/start <b>hack</b>")
    assert "недействительна" in second.messages[-2].text

    from bot.services.roles import load_roles

    async with harness.db() as session:
        roles_first = await load_roles(session, await _user_row(harness, 201), [], utcnow())
        roles_second = await load_roles(session, await _user_row(harness, 202), [], utcnow())
    assert roles_first.mahallas == ("103-0104",)
    assert not roles_second.is_assistant and not roles_second.is_supervisor


async def test_invite_on_first_contact_then_language(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        token = await invites.create(
            session, role="supervisor", level="country", place_code=None, now=utcnow()
        )
    user = harness.user(203, first_name="Nodira", language_code="ru")
    await user.send(f"/start {token}")
    assert "куратор республики" in user.messages[-2].text
    assert len(user.last.buttons) == 3  # then the language question


async def test_admin_invite_survives_a_restart_midway(harness) -> None:  # type: ignore[no-untyped-def]
    admin = harness.user(ADMIN_ID, first_name="Admin", language_code="uz")
    await choose_language(harness, admin)
    await admin.press("🔗 Taklif havolasi")
    await admin.press("Mahalladagi hokim yordamchisi")
    await admin.press("Toshkent shahri")
    await admin.press("Chilonzor tumani")

    await harness.restart()

    await admin.send("бешқўрғ")  # a Cyrillic search for a Latin-named mahalla, after restart
    assert "Topildi" in admin.last.text
    assert any("Beshqoʻrgʻon" in b for row in admin.last.buttons for b in row)
    await admin.press(next(b for row in admin.last.buttons for b in row if "Beshqoʻrgʻon" in b))
    assert "https://t.me/mahalla_test_bot?start=inv_" in admin.last.text
    assert admin.last.text.startswith("Mahalladagi hokim yordamchisi uchun taklif")  # a capital


async def test_non_admin_cannot_use_admin_buttons(harness) -> None:  # type: ignore[no-untyped-def]
    user = harness.user(204, first_name="Ali", language_code="uz")
    await choose_language(harness, user)
    await user.send("/invite")
    assert "Bunday buyruq yoʻq" in user.last.text
    await user.press_data(user.last.message_id, "iv:c")
    assert user.last_answer is not None and "eskirgan" in user.last_answer.text
    async with harness.db() as session:
        from db.models import Invite

        assert (await session.scalars(select(Invite))).all() == []


async def test_other_kinds_of_input_get_an_answer(harness) -> None:  # type: ignore[no-untyped-def]
    user = harness.user(205, first_name="Ali", language_code="uz")
    await choose_language(harness, user)
    replies = await user.send_sticker()
    assert replies and "bunday xabarni" in replies[-1].text
    for send in (user.send_photo, user.send_voice):  # they would go to an assistant: say how
        replies = await send()
        assert replies and "Ovozli xabar va rasmlar yordamchingizga" in replies[-1].text
    replies = await user.send_location(41.3, 69.2)
    assert replies
    replies = await user.send("salom")
    assert "Tushunmadim" in replies[-1].text
    replies = await user.send("/nonsense")
    assert "Bunday buyruq yoʻq" in replies[-1].text


async def test_language_change_redraws_the_open_question(harness) -> None:  # type: ignore[no-untyped-def]
    """/language in the middle of registration or a questionnaire asks the same question again,
    now in the new language (and the answer given in it is taken)."""
    from bot.flows.loader import load_definitions
    from tests.support.factories import make_user

    user = harness.user(131, first_name="Ali", language_code="uz")
    await user.send("/start")
    await user.press(next(b for row in user.last.buttons for b in row if b.endswith("Oʻzbekcha")))
    await user.press("✅ Roziman")
    assert "Ismingiz va familiyangizni" in user.last.text
    await user.send("/language")
    await user.press("Русский")
    assert "Напишите ваши имя и фамилию" in user.last.text
    await user.send("Ali Valiyev")
    assert (await _user_row(harness, 131)).name == "Ali Valiyev"

    async with harness.db() as session:
        await make_user(session, 132, locale="uz")
    citizen = harness.user(132, first_name="Vali", language_code="uz")
    await citizen.send(harness.app.i18n.gettext("📝 My household's needs", locale="uz"))
    first = load_definitions().latest("household").questions[0].text
    assert first.uz in citizen.last.text
    await citizen.send("/language")
    await citizen.press("Русский")
    assert first.ru in citizen.last.text and first.uz not in citizen.last.text


async def test_help_in_the_middle_of_a_flow_asks_the_open_question_again(harness) -> None:  # type: ignore[no-untyped-def]
    """/help (or the Help button) mid-registration or mid-questionnaire answers with the help
    and then the question still open, so the user sees where to go on; the answer is taken."""
    from bot.flows.loader import load_definitions
    from tests.support.factories import make_user

    user = harness.user(141, first_name="Ali", language_code="uz")
    await user.send("/start")
    await user.press(next(b for row in user.last.buttons for b in row if b.endswith("Oʻzbekcha")))
    await user.press("✅ Roziman")
    before = len(user.messages)
    await user.send("/help")
    answers = user.messages[before:]
    assert len(answers) == 2
    assert "/language" in (answers[0].text or "")
    assert "Ismingiz va familiyangizni" in (answers[1].text or "")
    await user.send("Ali Valiyev")
    assert (await _user_row(harness, 141)).name == "Ali Valiyev"

    async with harness.db() as session:
        await make_user(session, 142, locale="ru")
    citizen = harness.user(142, first_name="Vali", language_code="ru")
    await citizen.send(harness.app.i18n.gettext("📝 My household's needs", locale="ru"))
    questions = load_definitions().latest("household").questions
    await citizen.send("4")
    assert questions[1].text.ru in citizen.last.text
    before = len(citizen.messages)
    await citizen.send("/help")
    answers = citizen.messages[before:]
    assert "/language" in (answers[0].text or "")
    assert questions[1].text.ru in (answers[-1].text or "")
    assert "Продолжим" in (answers[-1].text or "")
    await citizen.send("2")
    assert questions[2].text.ru in citizen.last.text


async def test_a_language_change_redraws_the_keyboard_too(harness) -> None:  # type: ignore[no-untyped-def]
    """One language at a time: after a switch, the keyboard at the bottom is in the new
    language as well, with no conversation open and in the middle of a questionnaire."""
    from tests.support.factories import make_user

    i18n = harness.app.i18n
    needs_uz = i18n.gettext("📝 My household's needs", locale="uz")
    needs_ru = i18n.gettext("📝 My household's needs", locale="ru")
    async with harness.db() as session:
        await make_user(session, 133, locale="uz")
        await make_user(session, 134, locale="uz")
    idle = harness.user(133, first_name="Vali", language_code="uz")
    await idle.send("/start")
    assert needs_uz in [b for row in idle.reply_keyboard for b in row]
    await idle.send("/language")
    await idle.press("Русский")
    shown = [b for row in idle.reply_keyboard for b in row]
    assert needs_ru in shown and needs_uz not in shown

    busy = harness.user(134, first_name="Ali", language_code="uz")
    await busy.send("/start")
    await busy.send(needs_uz)
    await busy.send("/language")
    await busy.press("Русский")
    shown = [b for row in busy.reply_keyboard for b in row]
    assert needs_ru in shown and needs_uz not in shown, shown
    first = harness.app.dispatcher["flows"].latest("household").questions[0].text
    assert first.ru in busy.last.text  # and the open question asked again in Russian


async def test_cancel_in_a_questionnaire_keeps_the_draft_and_says_how_to_go_on(harness) -> None:  # type: ignore[no-untyped-def]
    """/cancel mid-questionnaire: the question's buttons go (they would carry on), the answers
    stay, the reply names the menu button that continues, and "My requests" shows the draft
    with Continue, which picks up at the next question."""
    from db.models import Draft
    from tests.support.factories import make_user

    i18n = harness.app.i18n
    needs = i18n.gettext("📝 My household's needs", locale="uz")
    questions = harness.app.dispatcher["flows"].latest("household").questions
    async with harness.db() as session:
        await make_user(session, 136, locale="uz")
    citizen = harness.user(136, first_name="Vali", language_code="uz")
    await citizen.send(needs)
    await citizen.send("4")
    question = citizen.last
    assert questions[1].text.uz in question.text and question.buttons
    await citizen.send("/cancel")
    assert question.buttons == []  # the same message, its keyboard taken off
    assert "saqlandi" in citizen.last.text and f"«{needs}»" in citizen.last.text
    assert await _state_of(harness, 136) is None
    async with harness.db() as session:
        draft = await session.scalar(select(Draft))
    assert draft is not None and draft.state.get("answers")

    await citizen.send(i18n.gettext("📂 My requests", locale="uz"))
    texts = [m.text for m in citizen.messages[-2:]]
    assert "murojaatlaringiz yoʻq" in texts[0].lower() or "murojaat" in texts[0].lower()
    assert citizen.last.buttons and len(citizen.last.buttons) == 2  # Continue · Start again
    await citizen.press(citizen.last.buttons[0][0])
    assert questions[1].text.uz in citizen.last.text


async def _state_of(harness, telegram_id: int):  # type: ignore[no-untyped-def]
    app = harness.app
    context = app.dispatcher.fsm.get_context(bot=app.bot, chat_id=telegram_id, user_id=telegram_id)
    return await context.get_state()


@pytest.mark.parametrize(
    ("role", "level", "place", "work_button"),
    [
        ("assistant", "mahalla", "103-0104", "📥 Cases"),
        ("supervisor", "district", "1726294", "⏰ Overdue in my area"),
    ],
)
async def test_invited_staff_sign_up_with_name_and_phone_only(  # type: ignore[no-untyped-def]
    harness, role: str, level: str, place: str, work_button: str
) -> None:
    """An invited assistant or supervisor: the staff consent, name and phone, then their own
    menu. Never the citizen's consent text, year of birth, gender or address."""
    i18n = harness.app.i18n
    async with harness.db() as session:
        token = await invites.create(
            session, role=role, level=level, place_code=place, now=utcnow()
        )
    staff = harness.user(211, first_name="Madina", last_name="Saidova", language_code="ru")
    await staff.send(f"/start {token}")
    await staff.press("✅ Русский")
    consent = staff.last.text
    assert "Для вашей работы в боте" in consent, consent
    citizen_consent = i18n.gettext(
        "🔒 To pass your requests to the assistant of your mahalla, we keep your name, phone, "
        "year of birth, gender and mahalla. Only the assistant and supervisors of your area see "
        "them. You can view or delete them at any time in ⚙️ Settings.\n\n<b>Do you agree?</b>",
        locale="ru",
    )
    assert citizen_consent.split(",")[0] not in consent
    await staff.press(next(b for row in staff.last.buttons for b in row if b.startswith("✅")))
    await staff.send("Madina Saidova")
    await staff.send_contact()
    assert i18n.gettext("✅ Thank you, the registration is complete.", locale="ru") in (
        staff.last.text
    )
    assert i18n.gettext(work_button, locale="ru") in [b for r in staff.reply_keyboard for b in r]
    asked = "\n".join(m.text or "" for m in staff.messages)
    for question in (
        "🎂 In which year were you born? For example: 1980",
        "Please choose your gender:",
        "📍 Now your address: region, district and mahalla.",
    ):
        assert i18n.gettext(question, locale="ru") not in asked
    row = await _user_row(harness, 211)
    assert row.name == "Madina Saidova" and row.phone and row.consent_version is not None
    assert row.birth_year is None and row.gender is None


async def test_staff_reach_their_own_requests_in_one_tap_and_come_back(harness) -> None:  # type: ignore[no-untyped-def]
    from tests.support.factories import make_assistant

    i18n = harness.app.i18n
    async with harness.db() as session:
        await make_assistant(session, 212, locale="uz")
    assistant = harness.user(212, first_name="Aziza", language_code="uz")
    await assistant.send("/start")
    work = [b for row in assistant.reply_keyboard for b in row]
    assert i18n.gettext("📝 My household's needs", locale="uz") not in work
    await assistant.press(i18n.gettext("🏠 My own requests", locale="uz"))
    own = [b for row in assistant.reply_keyboard for b in row]
    assert i18n.gettext("📝 My household's needs", locale="uz") in own
    await assistant.press(i18n.gettext("📂 My requests", locale="uz"))
    assert "murojaat" in assistant.last.text.lower()
    await assistant.press(i18n.gettext("⬅️ Work menu", locale="uz"))
    assert [b for row in assistant.reply_keyboard for b in row] == work


async def test_an_admin_on_first_contact_signs_up_as_staff(harness) -> None:  # type: ignore[no-untyped-def]
    """An admin named in ADMIN_IDS: language, the staff consent, name and phone; then the
    admin's keyboard. No year of birth, gender or address."""
    i18n = harness.app.i18n
    admin = harness.user(ADMIN_ID, first_name="Sardor", language_code="uz")
    await admin.send("/start")
    await admin.press(next(b for row in admin.last.buttons for b in row if b.endswith("Oʻzbekcha")))
    assert "Botdagi ishingiz uchun" in admin.last.text
    await admin.press(next(b for row in admin.last.buttons for b in row if b.startswith("✅")))
    await admin.send("Sardor Yusupov")
    await admin.send_contact()
    assert i18n.gettext("✅ Thank you, the registration is complete.", locale="uz") in (
        admin.last.text
    )
    keyboard = [b for row in admin.reply_keyboard for b in row]
    assert i18n.gettext("🛠 Admin", locale="uz") in keyboard
    assert i18n.gettext("📝 My household's needs", locale="uz") not in keyboard
    row = await _user_row(harness, ADMIN_ID)
    assert row.birth_year is None and row.gender is None and row.mahalla_code is None
