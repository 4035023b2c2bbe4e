"""Settings: language, mahalla, "My data" and changing a field, erasing personal data."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.services import cases
from db.models import Case, Draft, FsmRecord, User, utcnow
from tests.support.flows import press_place, register

# Registration alone takes 11 updates: a throttle that never gets in the way.
pytestmark = pytest.mark.harness(throttle_rate=1_000)


async def _row(harness: Any, telegram_id: int) -> User:
    async with harness.db() as session:
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        assert user is not None
        return user


async def _registered(harness: Any, telegram_id: int, **kwargs: Any) -> Any:
    user = harness.user(telegram_id, first_name="Ali", language_code="uz")
    await register(harness, user, **kwargs)
    await user.press("⚙️ Sozlamalar")
    assert "nimani oʻzgartirmoqchisiz" in user.last.text
    return user


async def test_change_language(harness: Any) -> None:
    user = await _registered(harness, 401)
    await user.press("🌐 Til")
    await user.press("Русский")
    assert any(m.text == "Язык: Русский" for m in user.messages)
    assert "Главное меню" in user.last.text
    assert ["❓ Помощь"] in user.reply_keyboard
    assert (await _row(harness, 401)).locale == "ru"


@pytest.mark.harness(double_tap_window=0)  # back to an identical screen within a second
async def test_change_mahalla(harness: Any) -> None:
    user = await _registered(harness, 402)
    await user.press("📍 Mahalla")
    assert user.last.text == "Viloyatingizni tanlang:"
    await user.press("⬅️ Orqaga")  # the region list goes back to the settings menu
    assert "nimani oʻzgartirmoqchisiz" in user.last.text
    await user.press("📍 Mahalla")
    await press_place(harness, user, "Toshkent shahri", "r")
    await press_place(harness, user, "Chilonzor tumani", "d")
    replies = await user.send_sticker()
    assert "mahalla nomining bir qismini" in replies[-1].text
    await user.send("дилобод")
    await user.press("Dilobod MFY")
    assert "Endi mahallangiz: Dilobod MFY" in user.last.text
    assert any("📍 Mahalla" in row for row in user.last.buttons)  # the settings menu again
    stored = await _row(harness, 402)
    assert stored.mahalla_code == "103-0104" and stored.registered_at is not None
    async with harness.db() as session:
        assert (await session.scalars(select(FsmRecord))).all() == []


async def test_my_data_is_shown_escaped_and_each_field_can_change(harness: Any) -> None:
    user = await _registered(harness, 403, name="<b>Ali</b> & Co", year="1961", gender="f")
    await user.press("👤 Mening maʼlumotlarim")
    card = user.last
    assert "Ism: <b>Ali</b> & Co" in card.text  # shown literally, not as bold
    assert "&amp;" in (card.html or "") and "&lt;b&gt;" in (card.html or "")
    assert "Telefon: +998 90 000 04 03" in card.text
    assert "Tugʻilgan yil: 1961" in card.text
    assert "Jins: ayol" in card.text
    assert "Beshqoʻrgʻon MFY, Chilonzor tumani, Toshkent shahri" in card.text
    assert "Til: Oʻzbekcha" in card.text
    assert "Murojaatlar: 0" in card.text

    await user.press("✏️ Ism")
    assert "Ismingiz va familiyangizni" in user.last.text
    await user.send_photo()  # bad input while editing: the question again
    assert "Ismingiz va familiyangizni" in user.last.text
    await user.send("Vali Aliyev")
    assert any(m.text == "✅ Saqlandi." for m in user.messages)
    assert "Ism: Vali Aliyev" in user.last.text
    assert ["❓ Yordam"] in user.reply_keyboard  # the main menu keyboard is back

    await user.press("✏️ Telefon")
    await user.send_contact("+998901112233", user_id=12345)
    assert "boshqa odamning kontakti" in user.last.text
    await user.send("33 111 22 33")
    assert "Telefon: +998 33 111 22 33" in user.last.text

    await user.press("✏️ Jins")
    await user.press("⬅️ Orqaga")
    assert any(m.text == "Hech narsa oʻzgartirilmadi." for m in user.messages)
    stored = await _row(harness, 403)
    assert (stored.name, stored.phone, stored.gender) == ("Vali Aliyev", "+998331112233", "f")


async def test_delete_my_data_after_confirmation(harness: Any) -> None:
    user = await _registered(harness, 404)
    async with harness.db() as session:
        citizen = await session.scalar(select(User).where(User.telegram_id == 404))
        assert citizen is not None
        case = await cases.create_case(
            session,
            citizen=citizen,
            kind="job",
            flow_id="job",
            flow_version=1,
            answers={"occupation": "driver"},
            now=utcnow(),
        )
        session.add(Draft(user_id=citizen.id, flow_id="household", version=1, state={}))
        await session.commit()
        case_id = case.id

    await user.press("🗑 Maʼlumotlarimni oʻchirish")
    assert "qaytarib boʻlmaydi" in user.last.text
    replies = await user.send_voice()  # anything else: the question again
    assert "qaytarib boʻlmaydi" in replies[-1].text
    await user.press("Yoʻq, saqlansin")
    assert "Hech narsa oʻchirilmadi" in user.last.text
    confirm = next(m for m in user.messages if "qaytarib boʻlmaydi" in m.text and m.buttons)
    await user.press_data(confirm, "st:delete_yes")  # an old "Yes": out of date
    assert (await _row(harness, 404)).name == "Ali Valiyev"

    await user.press("🗑 Maʼlumotlarimni oʻchirish")
    await user.press("🗑 Ha, oʻchirilsin")
    assert "Maʼlumotlaringiz oʻchirildi" in user.messages[-2].text
    assert "Asosiy menyu" in user.last.text

    stored = await _row(harness, 404)
    assert (stored.name, stored.phone, stored.birth_year, stored.gender) == (None,) * 4
    assert (stored.mahalla_code, stored.consent_version, stored.consent_at) == (None,) * 3
    assert stored.registered_at is None and stored.deleted_at is not None
    async with harness.db() as session:
        kept = await session.get(Case, case_id)
        assert kept is not None and kept.status == "closed"
        assert kept.mahalla_code == "103-0098"  # figures keep their place
        assert (await session.scalars(select(Draft))).all() == []

    # Coming back starts again with consent.
    await user.send("/language")
    await user.press("✅ Oʻzbekcha")
    assert "Rozimisiz?" in user.last.text
    await user.press("✅ Roziman")
    assert "Ismingiz va familiyangizni" in user.last.text
    assert (await _row(harness, 404)).deleted_at is None


async def test_settings_without_consent_leads_to_registration(harness: Any) -> None:
    user = harness.user(405, first_name="Ali", language_code="uz")
    await user.send("/start")
    await user.press("✅ Oʻzbekcha")
    await user.press("❌ Rozi emasman")
    await user.press("⚙️ Sozlamalar")
    await user.press("👤 Mening maʼlumotlarim")
    assert "Rozilik: berilmagan" in user.last.text
    await user.press("⬅️ Orqaga")
    await user.press("📍 Mahalla")
    assert "Rozimisiz?" in user.last.text
    assert (await _row(harness, 405)).mahalla_code is None


async def test_settings_back_and_bad_input(harness: Any) -> None:
    user = await _registered(harness, 406)
    await user.press("📍 Mahalla")
    replies = await user.send("Toshkent")
    assert "tugmalar bilan javob" in replies[-1].text
    assert replies[-1].text.endswith("Viloyatingizni tanlang:")
    await user.press("⬅️ Orqaga")
    await user.press("⬅️ Orqaga")  # the menu's Back: the main menu
    assert "Asosiy menyu" in user.last.text
    replies = await user.press_data(user.messages[-2], "st:delete_yes")
    assert user.last_answer is not None and "eskirgan" in user.last_answer.text
    assert (await _row(harness, 406)).name == "Ali Valiyev"
