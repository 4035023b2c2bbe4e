"""Registration: consent, name, phone, year of birth, gender and the place, in every language;
Back at each step, bad input of every kind, /cancel and a restart midway."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.services import privacy
from db.models import User, utcnow
from tests.support.flows import press_place, register

YEAR_TOO_YOUNG = str(utcnow().year - 5)


# These tests send many updates within seconds: a throttle that never gets in the way.
pytestmark = pytest.mark.harness(throttle_rate=1_000)


async def _row(harness: Any, telegram_id: int) -> User:
    async with harness.db() as session:
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        assert user is not None
        return user


async def _to_consent(user: Any, language: str = "Oʻzbekcha") -> None:
    await user.send("/start")
    await user.press(next(b for row in user.last.buttons for b in row if b.endswith(language)))


async def _to_step(user: Any, step: str) -> None:
    """A new Uzbek user up to the question of `step` (name, phone, year, gender, region)."""
    await _to_consent(user)
    await user.press("✅ Roziman")
    for current, answer in (
        ("name", "Ali Valiyev"),
        ("phone", "90 123 45 67"),
        ("year", "1980"),
        ("gender", "👨 Erkak"),
    ):
        if current == step:
            return
        await user.send(answer)


@pytest.mark.parametrize(
    ("language", "consent", "done", "district", "mahalla"),
    [
        ("Oʻzbekcha", "Rozimisiz?", "roʻyxatdan oʻtish yakunlandi", "Chilonzor tumani", None),
        ("Ўзбекча", "Розимисиз?", "рўйхатдан ўтиш якунланди", "Чилонзор тумани", "Бешқўрғон МФЙ"),
        ("Русский", "Вы согласны?", "регистрация завершена", "Чиланзарский район", None),
    ],
)
async def test_full_registration_in_each_language(
    harness: Any, language: str, consent: str, done: str, district: str, mahalla: str | None
) -> None:
    user = harness.user(301, first_name="Ali", language_code="ru")
    row = await register(
        harness,
        user,
        language=language,
        district=district,  # pressed by its visible name in that language
        mahalla_search="бешқўрғ",
        mahalla=mahalla or "Beshqoʻrgʻon MFY",
    )
    assert any(consent in m.text for m in user.messages)
    assert done in user.last.text
    assert len(user.reply_keyboard) >= 3  # the main menu is back
    assert (row.name, row.phone, row.birth_year, row.gender) == (
        "Ali Valiyev",
        "+998900000301",
        1980,
        "m",
    )
    assert row.mahalla_code == "103-0098"
    assert row.consent_version == 1 and row.consent_at is not None


async def test_registration_questions_are_short_and_buttons_big(harness: Any) -> None:
    user = harness.user(303, first_name="Ali", last_name="Valiyev", language_code="uz")
    await _to_consent(user)
    assert "Rozimisiz?" in user.last.text
    assert user.last.buttons == [["✅ Roziman"], ["❌ Rozi emasman"], ["⬅️ Orqaga"]]
    await user.press("✅ Roziman")
    assert "Ismingiz va familiyangizni" in user.last.text
    assert user.reply_keyboard == [["Ali Valiyev"], ["⬅️ Orqaga"]]  # Telegram's name, one tap
    keyboard = user.chat.reply_keyboard
    assert keyboard is not None and keyboard["resize_keyboard"] is True
    assert keyboard.get("one_time_keyboard") in (None, False)
    await user.press("Ali Valiyev")
    assert user.reply_keyboard == [["📱 Raqamimni yuborish"], ["⬅️ Orqaga"]]
    await user.press("📱 Raqamimni yuborish")
    assert "Qaysi yili" in user.last.text
    assert (await _row(harness, 303)).phone == "+998900000303"


async def test_declining_consent_keeps_nothing(harness: Any) -> None:
    user = harness.user(304, first_name="Ali", language_code="uz")
    await _to_consent(user)
    await user.press("❌ Rozi emasman")
    assert "hech narsa saqlanmadi" in user.last.text
    assert len(user.reply_keyboard) >= 3  # the main menu, no dead end
    stored = await _row(harness, 304)
    assert not privacy.has_personal_data(stored)
    assert stored.registered_at is None
    async with harness.db() as session:
        from db.models import FsmRecord

        assert (await session.scalars(select(FsmRecord))).all() == []


async def test_going_back_to_consent_and_declining_forgets_earlier_answers(harness: Any) -> None:
    user = harness.user(305, first_name="Ali", language_code="uz")
    await _to_step(user, "phone")
    assert (await _row(harness, 305)).name == "Ali Valiyev"
    await user.send("⬅️ Orqaga")  # phone → name
    await user.send("⬅️ Orqaga")  # name → consent
    assert "Rozimisiz?" in user.last.text
    await user.press("❌ Rozi emasman")
    assert not privacy.has_personal_data(await _row(harness, 305))


async def test_someone_elses_contact_is_refused(harness: Any) -> None:
    user = harness.user(306, first_name="Ali", language_code="uz")
    await _to_step(user, "phone")
    await user.send_contact("+998901112233", user_id=999)
    assert "boshqa odamning kontakti" in user.last.text
    assert "Telefon raqamingizni" in user.last.text  # the question again
    await user.send_contact("+998901112233", user_id=None)  # a phone-book entry, no account
    assert "boshqa odamning kontakti" in user.last.text
    assert (await _row(harness, 306)).phone is None
    await user.send_contact("998901112244")  # own contact, Telegram's digits without "+"
    assert "Qaysi yili" in user.last.text
    assert (await _row(harness, 306)).phone == "+998901112244"


@pytest.mark.parametrize("typed", ["12345", "+7 912 345 67 89", "90 123 45 6", "tel 901234567"])
async def test_invalid_typed_numbers_are_refused(harness: Any, typed: str) -> None:
    user = harness.user(307, first_name="Ali", language_code="uz")
    await _to_step(user, "phone")
    await user.send(typed)
    assert "Oʻzbekiston telefon raqami emas" in user.last.text
    assert (await _row(harness, 307)).phone is None


async def test_typed_number_is_normalised(harness: Any) -> None:
    user = harness.user(308, first_name="Ali", language_code="uz")
    await _to_step(user, "phone")
    await user.send("90 123 45 67")
    assert (await _row(harness, 308)).phone == "+998901234567"


@pytest.mark.parametrize("typed", ["1900", YEAR_TOO_YOUNG, "80", "nineteen", "19 80"])
async def test_out_of_range_or_odd_years_are_refused(harness: Any, typed: str) -> None:
    user = harness.user(309, first_name="Ali", language_code="ru")
    await _to_consent(user, "Русский")
    await user.press("✅ Согласен(а)")
    await user.send("Али Валиев")
    await user.send("+998 90 123 45 67")
    await user.send(typed)
    assert "четырьмя цифрами: от 1920 до" in user.last.text
    assert "В каком году" in user.last.text
    assert (await _row(harness, 309)).birth_year is None
    await user.send("1946")
    assert (await _row(harness, 309)).birth_year == 1946


@pytest.mark.parametrize("typed", ["A", "12345", "  ", "!!!", "x" * 101])
async def test_bad_names_are_refused(harness: Any, typed: str) -> None:
    user = harness.user(310, first_name="1", language_code="uz")
    await _to_step(user, "name")
    await user.send(typed)
    assert "harflar bilan" in user.last.text
    assert (await _row(harness, 310)).name is None


@pytest.mark.harness(double_tap_window=0)  # back to an identical screen within a second
async def test_back_works_at_every_step(harness: Any) -> None:
    user = harness.user(311, first_name="Ali", language_code="uz")
    await _to_step(user, "region")
    assert user.last.text == "Viloyatingizni tanlang:"
    assert user.reply_keyboard == []  # the gender buttons are gone while places are chosen
    await user.press("⬅️ Orqaga")  # region list → gender
    assert "Jinsingizni" in user.last.text
    await user.press("⬅️ Orqaga")  # gender → year
    assert "Qaysi yili" in user.last.text
    await user.press("⬅️ Orqaga")  # year → phone
    assert "Telefon raqamingizni" in user.last.text
    await user.press("⬅️ Orqaga")  # phone → name
    assert "Ismingiz va familiyangizni" in user.last.text
    await user.press("⬅️ Orqaga")  # name → consent
    assert "Rozimisiz?" in user.last.text
    await user.press("⬅️ Orqaga", message=user.last)  # consent → language
    assert len(user.last.buttons) == 3 and "Tilni tanlang" in user.last.text
    await user.press("✅ Oʻzbekcha")
    # Every answer was kept: the next question is the first one missing (the place).
    assert user.last.text == "Viloyatingizni tanlang:"
    await press_place(harness, user, "Toshkent shahri", "r")
    await press_place(harness, user, "Chilonzor tumani", "d")
    await user.press("⬅️ Orqaga")  # mahallas → districts
    assert "tuman yoki shaharni tanlang" in user.last.text
    await user.press("⬅️ Orqaga")  # districts → regions (still with Back to gender)
    assert user.last.buttons[-2] == ["⬅️ Orqaga"]
    await press_place(harness, user, "Toshkent shahri", "r")
    await press_place(harness, user, "Chilonzor tumani", "d")
    await press_place(harness, user, "Beshqoʻrgʻon MFY", "m")
    assert (await _row(harness, 311)).registered_at is not None


async def test_cyrillic_search_finds_a_latin_named_mahalla(harness: Any) -> None:
    user = harness.user(312, first_name="Ali", language_code="uz")
    await _to_step(user, "region")
    await press_place(harness, user, "Toshkent shahri", "r")
    await press_place(harness, user, "Chilonzor tumani", "d")
    await user.send("бешқўрғ")
    assert "Topildi" in user.last.text
    assert ["Beshqoʻrgʻon MFY"] in user.last.buttons
    await user.press("Beshqoʻrgʻon MFY")
    assert (await _row(harness, 312)).mahalla_code == "103-0098"
    assert "yakunlandi" in user.last.text


async def test_restart_midway_resumes_at_the_same_step(harness: Any) -> None:
    user = harness.user(313, first_name="Ali", language_code="uz")
    await _to_step(user, "year")
    await harness.restart()
    await user.send("1975")
    assert "Jinsingizni" in user.last.text
    await user.send("👩 Ayol")
    await press_place(harness, user, "Toshkent shahri", "r")
    await press_place(harness, user, "Chilonzor tumani", "d")
    await user.send("Beshqo")
    await user.press("Beshqoʻrgʻon MFY")
    stored = await _row(harness, 313)
    assert (stored.birth_year, stored.gender, stored.mahalla_code) == (1975, "f", "103-0098")
    assert stored.registered_at is not None


async def test_cancel_leaves_and_registration_resumes_at_the_first_missing_field(
    harness: Any,
) -> None:
    user = harness.user(314, first_name="Ali", language_code="uz")
    await _to_step(user, "year")
    await user.send("/cancel")
    assert user.last.text == "Bekor qilindi."
    await user.send("1980")  # no longer an answer
    assert "Tushunmadim" in user.last.text
    await user.send("/language")
    await user.press("✅ Oʻzbekcha")
    assert "qisqa roʻyxatdan" in user.last.text and "Qaysi yili" in user.last.text
    await user.send("1980")
    assert "Jinsingizni" in user.last.text


async def test_every_kind_of_bad_input_gets_a_hint_and_the_question_again(
    harness: Any,
) -> None:
    user = harness.user(315, first_name="Ali", language_code="uz")
    await _to_consent(user)
    replies = await user.send_sticker()
    assert "Rozimisiz?" in replies[-1].text and "bunday xabarni" in replies[-1].text
    replies = await user.send("ha")
    assert "tugmalar bilan javob" in replies[-1].text and "Rozimisiz?" in replies[-1].text
    await user.press("✅ Roziman")

    for send in (user.send_sticker, user.send_photo, user.send_voice, user.send_location):
        replies = await send()
        assert "bunday xabarni" in replies[-1].text
        assert "Ismingiz va familiyangizni" in replies[-1].text
    replies = await user.send("/nonsense")
    assert "buyruqlar ishlamaydi" in replies[-1].text
    replies = await user.send_contact()
    assert "kontakt kerak emas" in replies[-1].text
    replies = await user.send("⚙️ Sozlamalar")  # a main-menu button is not a name
    assert "harflar bilan" in replies[-1].text
    assert (await _row(harness, 315)).name is None

    await user.send("Ali Valiyev")
    consent = next(m for m in user.messages if "Rozimisiz?" in m.text)
    replies = await user.press_data(consent, "rg:consent:y")  # a button of an old message
    assert user.last_answer is not None and "eskirgan" in user.last_answer.text
    assert "Telefon raqamingizni" in replies[-1].text
    replies = await user.press_data(consent, "pl:r:m:103-0098:0")  # an old mahalla button
    assert "eskirgan" in user.last_answer.text
    assert (await _row(harness, 315)).mahalla_code is None
    replies = await user.send_photo()
    assert "Telefon raqamingizni" in replies[-1].text

    await user.send("90 123 45 67")
    await user.send("1980")
    replies = await user.send_voice()
    assert "Jinsingizni" in replies[-1].text
    replies = await user.send("bilmayman")
    assert "quyidagi tugmalardan" in replies[-1].text
    await user.send("erkak")  # the button's word typed without its emoji is the button
    replies = await user.send_location()
    assert "bunday xabarni" in replies[-1].text and "Viloyatingizni" in replies[-1].text
    await press_place(harness, user, "Toshkent shahri", "r")
    await press_place(harness, user, "Chilonzor tumani", "d")
    replies = await user.send_sticker()
    assert "mahalla nomining bir qismini" in replies[-1].text
    assert len(replies[-1].buttons) > 3  # the mahalla list again
    replies = await user.send("/whatever")
    assert "mahalla nomining bir qismini" in replies[-1].text


async def test_a_forged_mahalla_code_is_refused(harness: Any) -> None:
    user = harness.user(316, first_name="Ali", language_code="uz")
    await _to_step(user, "region")
    await press_place(harness, user, "Toshkent shahri", "r")
    await press_place(harness, user, "Chilonzor tumani", "d")
    await user.press_data(user.last, "pl:r:m:999-9999:0")
    assert user.last_answer is not None and "eskirgan" in user.last_answer.text
    assert (await _row(harness, 316)).mahalla_code is None


async def test_names_are_escaped_and_never_logged(
    harness: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")  # the production default (aiosqlite logs SQL parameters at DEBUG)
    user = harness.user(317, first_name="Ali", language_code="uz")
    await register(harness, user, name="<b>Ali</b> & Co", phone="90 765 43 21")
    assert (await _row(harness, 317)).name == "<b>Ali</b> & Co"
    assert (await _row(harness, 317)).phone == "+998907654321"
    assert "Ali</b>" not in caplog.text
    assert "7654321" not in caplog.text and "765 43 21" not in caplog.text


async def test_a_button_typed_without_its_emoji_is_taken(harness: Any) -> None:
    """Older people type what the button says: "erkak" at the gender question is the 👨 Erkak
    button, and "yordam" in the main menu is ❓ Yordam; a word no button carries is not."""
    user = harness.user(340, first_name="Ali", language_code="uz")
    await _to_step(user, "gender")
    await user.send("Erkak!!")
    assert "Rozimisiz" not in (user.last.text or "")
    assert (await _row(harness, 340)).gender == "m"

    citizen = harness.user(341, first_name="Vali", language_code="ru")
    await register(harness, citizen, language="Русский")
    await citizen.send("помощь")
    assert "/language" in (citizen.last.text or "")
    await citizen.send("мой помощник")
    assert "пока нет помощника в боте" in (citizen.last.text or "")  # the "My assistant" answer


async def test_start_after_an_interrupted_registration_goes_on_where_it_stopped(
    harness: Any,
) -> None:
    """/start (or a restart of the bot) in the middle: the next missing answer is asked, not
    the main menu with a registration half done."""
    user = harness.user(331, first_name="Ali", language_code="uz")
    await _to_step(user, "phone")
    await harness.restart()
    await user.send("/start")
    assert "Telefon raqamingizni" in user.last.text
    await user.send("90 123 45 67")
    assert "yil" in user.last.text.lower()
    assert (await _row(harness, 331)).name == "Ali Valiyev"
