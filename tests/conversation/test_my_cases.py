"""A citizen's requests: the list, a card, status-change messages and "My assistant"."""

from __future__ import annotations

from bot.notifications import cases as notify
from bot.services import cases
from db.models import utcnow
from tests.support.factories import make_assistant, make_case, make_user


async def test_my_requests_list_card_and_forged_ids(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        citizen = await make_user(session, 301, locale="ru", name="Gulnora <i>&")
        other = await make_user(session, 302)
        first = await make_case(session, citizen)
        await cases.add_roadmap(
            session,
            first,
            [
                (
                    "employment_fund",
                    "public_works",
                    {
                        "uz": "Jamoat ishlari",
                        "uz_Cyrl": "Жамоат ишлари",
                        "ru": "Общественные работы",
                    },
                )
            ],
        )
        await session.commit()
        await make_case(session, citizen, kind="needs")
        foreign = await make_case(session, other)
    user = harness.user(301, first_name="Gulnora", language_code="ru")
    await user.send("/start")
    await user.press("📂 Мои обращения")
    assert "Ваши обращения" in user.last.text
    labels = [b for row in user.last.buttons for b in row]
    assert any(first.number in b for b in labels) and len(labels) == 2
    await user.press(next(b for b in labels if first.number in b))
    card = user.last.text.replace("\xa0", " ").replace("\u202f", " ")
    assert f"Обращение {first.number}" in card
    assert "Статус: новое" in card
    assert "Общественные работы" in card
    assert "Категория: 🟡 жёлтая" in card
    assert "400 000" in card
    assert "<i>" not in card  # nothing of the citizen's leaks as markup

    before = len(user.messages)
    await user.press_data(user.last.message_id, f"c:open:{foreign.id}:0")
    assert len(user.messages) == before
    assert user.last_answer is not None and "устарела" in user.last_answer.text


async def test_status_change_is_told_in_the_citizens_language(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        citizen = await make_user(session, 311, locale="uz_Cyrl")
        assistant = await make_assistant(session, 312, locale="ru")
        case = await make_case(session, citizen)
    user = harness.user(311, first_name="Ali", language_code="uz")
    await user.send("/start")
    async with harness.db() as session:
        case = await session.get(type(case), case.id)
        assert case is not None
        event = await cases.change_status(
            session, case, actor=assistant, to_status="accepted", now=utcnow()
        )
        await notify.status_changed(session, harness.app.i18n, case, event)
        await session.commit()
    await harness.drain()
    assert f"{case.number}" in user.last.text and "қабул қилинди" in user.last.text
    await user.press("Мурожаатни очиш")
    assert "Ҳолати: қабул қилинди" in user.last.text


async def test_my_assistant(harness) -> None:  # type: ignore[no-untyped-def]
    async with harness.db() as session:
        await make_user(session, 321, locale="uz", mahalla="103-0096")
    user = harness.user(321, first_name="Ali", language_code="uz")
    await user.send("/start")
    await user.press("👤 Mening yordamchim")
    assert "hali botda yordamchi yoʻq" in user.last.text
    async with harness.db() as session:
        await make_assistant(
            session, 322, mahalla="103-0096", name="Karim <b>aka</b>", phone="+998901112233"
        )
    await user.press("👤 Mening yordamchim")
    assert "Karim <b>aka</b>" in user.last.text  # shown literally, not as bold
    assert "+998901112233" in user.last.text
