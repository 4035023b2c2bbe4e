"""Job, internship and business support requests through the fake Bot API: the same runner as
the household questionnaire, one open request of each kind (a second attempt updates it), the
business hints on the assistant's card, and bad input at each step."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.callbacks import RequestAction, RequestCB
from bot.flows.engine import YES_NO_LABELS
from bot.flows.loader import load_definitions
from bot.flows.model import FlowDefinition
from db.models import Case, CaseEvent, Draft, OutboxMessage, User
from tests.support.factories import make_assistant, make_user

FLOWS = load_definitions()
SKIP = object()


# Flood control off: a test answers many questions within seconds.
pytestmark = pytest.mark.harness(throttle_rate=100_000)


# ---------------------------------------------------------------------- driving the chat


def t(harness: Any, msgid: str, locale: str) -> str:
    return str(harness.app.i18n.gettext(msgid, locale=locale))


def buttons(user: Any) -> list[str]:
    return [b for row in user.last.buttons for b in row]


def on_screen(definition: FlowDefinition, user: Any, locale: str) -> str | None:
    """The id of the question in the newest bot message (None at the summary or elsewhere)."""
    text = user.last.text or ""
    if any(b.startswith("✏️") for b in buttons(user)):
        return None
    found = [q for q in definition.questions if q.text.get(locale) in text]
    return max(found, key=lambda q: len(q.text.get(locale))).id if found else None


def label(definition: FlowDefinition, qid: str, choice_id: str, locale: str) -> str:
    question = next(q for q in definition.questions if q.id == qid)
    choice = question.choice(choice_id)
    assert choice is not None, (qid, choice_id)
    return choice.text.get(locale)


async def give(
    harness: Any, definition: FlowDefinition, user: Any, locale: str, qid: str, value: Any
) -> None:
    question = next(q for q in definition.questions if q.id == qid)
    if value is SKIP:
        await user.press(t(harness, "⏭ Skip", locale))
    elif question.type == "yesno":
        await user.press(YES_NO_LABELS[bool(value)].get(locale))
    elif question.type == "single":
        wanted = label(definition, qid, value, locale)
        for _page in range(8):  # a long list shows a page at a time: page on as a person would
            if any(b.endswith(wanted) for b in buttons(user)):
                break
            await user.press("▶️")
        await user.press(next(b for b in buttons(user) if b.endswith(wanted)))
    elif question.type == "multi":
        for choice_id in value:
            await user.press(label(definition, qid, choice_id, locale))
        done = t(harness, "✔️ Done", locale)
        await user.press(next(b for b in buttons(user) if b.startswith(done)))
    else:
        await user.send(str(value))
    no_papers = t(harness, "⏭ No papers", locale)
    if user.last is not None and no_papers in buttons(user):  # papers are offered: none here
        await user.press(no_papers)


async def fill(
    harness: Any, flow: str, user: Any, locale: str, answers: dict[str, Any]
) -> list[str]:
    definition = FLOWS.latest(flow)
    asked: list[str] = []
    while (qid := on_screen(definition, user, locale)) is not None and qid in answers:
        assert qid not in asked[-1:], f"{qid} asked again: {user.last.text}"
        asked.append(qid)
        await give(harness, definition, user, locale, qid, answers[qid])
    return asked


async def citizen(harness: Any, telegram_id: int, locale: str, **kwargs: Any) -> Any:
    async with harness.db() as session:
        await make_user(session, telegram_id, locale=locale, **kwargs)
    user = harness.user(
        telegram_id, first_name="Ali", language_code="ru" if locale == "ru" else "uz"
    )
    await user.send("/start")
    return user


async def assistant_of(harness: Any, telegram_id: int, locale: str = "ru") -> Any:
    async with harness.db() as session:
        await make_assistant(session, telegram_id, locale=locale, name="Yordamchi Karimov")
    person = harness.user(telegram_id, first_name="Yordamchi", language_code="uz")
    await person.send("/start")
    return person


async def cases_of(harness: Any, telegram_id: int) -> list[Case]:
    async with harness.db() as session:
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        assert user is not None
        return list(
            await session.scalars(select(Case).where(Case.user_id == user.id).order_by(Case.id))
        )


MENU = {
    "job": "💼 I need a job",
    "internship": "🎓 I want an internship",
    "business": "🚀 I want to start a business",
}

JOB_UZ = {
    "occupation": "tailor",
    "education": "school",
    "experience_years": "3",
    "work_kind": "full_time",
    "travel": "own_district",
    "expected_pay": SKIP,
    "available_from": "now",
}
JOB_RU = {
    "occupation": "other",
    "occupation_other": "Сборщик мебели <дом>",
    "education": "college",
    "experience_years": "0",
    "work_kind": "any",
    "travel": "region",
    "expected_pay": "3 000 000",
    "available_from": "within_month",
}
INTERNSHIP_CYRL = {
    "field": "it",
    "study_status": "student",
    "institution": "Тошкент ахборот технологиялари университети",
    "duration": "month_3",
    "work_kind": "part_time",
}
INTERNSHIP_RU = {
    "field": "accountant",
    "study_status": "graduate",
    "institution": "Самаркандский институт экономики",
    "duration": "month_6",
    "work_kind": "full_time",
}
BUSINESS_UZ = {
    "idea": "Issiqxonada pomidor yetishtirmoqchiman",
    "sector": "farming",
    "has_land": True,
    "amount_needed": "30 000 000",
    "own_contribution": "5000000",
    "support_wanted": ["loan", "subsidy"],
    "experience": "under_1y",
    "has_job": False,
    "low_income": True,
}
BUSINESS_RU = {
    "idea": "Швейный цех на дому",
    "sector": "manufacturing",
    "amount_needed": "20000000",
    "own_contribution": SKIP,
    "support_wanted": ["equipment"],
    "experience": "none",
    "has_job": True,
    "low_income": False,
}


# ---------------------------------------------------------------------- each flow


@pytest.mark.parametrize(
    ("flow", "locale", "answers", "expected"),
    [
        ("job", "uz", JOB_UZ, {"occupation": "tailor", "experience_years": 3}),
        (
            "job",
            "ru",
            JOB_RU,
            {"occupation_other": "Сборщик мебели <дом>", "expected_pay": 3_000_000},
        ),
        ("internship", "uz_Cyrl", INTERNSHIP_CYRL, {"field": "it", "duration": "month_3"}),
        ("internship", "ru", INTERNSHIP_RU, {"study_status": "graduate"}),
        ("business", "uz", BUSINESS_UZ, {"has_land": True, "amount_needed": 30_000_000}),
        ("business", "ru", BUSINESS_RU, {"own_contribution": None, "has_job": True}),
    ],
)
async def test_each_request_flow_becomes_a_typed_case_routed_to_the_assistant(
    harness: Any, flow: str, locale: str, answers: dict[str, Any], expected: dict[str, Any]
) -> None:
    assistant = await assistant_of(harness, 8001, "ru" if locale != "ru" else "uz")
    user = await citizen(harness, 8101, locale)
    await user.send(t(harness, MENU[flow], locale))
    definition = FLOWS.latest(flow)
    assert definition.title.get(locale) in user.last.text
    asked = await fill(harness, flow, user, locale, answers)
    assert set(asked) == set(answers)
    assert t(harness, "✅ Send", locale) in buttons(user)
    seen = len(assistant.messages)
    await user.press(t(harness, "✅ Send", locale))

    (case,) = await cases_of(harness, 8101)
    prefix = {"job": "J-", "internship": "I-", "business": "B-"}[flow]
    assert case.kind == flow and case.number and case.number.startswith(prefix)
    assert case.status == "new" and case.flow_id == flow and case.flow_version == 1
    for key, value in expected.items():
        assert case.answers[key] == value, key
    assert case.number in user.last.text
    assert t(harness, "You can follow it under “📂 My requests”.", locale) in user.last.text
    if flow in ("job", "internship"):
        assert t(harness, "🔎 Open vacancies", locale) in buttons(user)

    told = await assistant.next_message(timeout=5, after=seen)
    assert case.number in told.text
    if flow == "business":
        hints = case.assessment["hints"]
        assert [h["channel"] for h in hints] == (
            ["family_business_loan", "employment_fund_subsidy", "farmers_fund"]
            if locale == "uz"
            else []
        )


async def test_business_hints_are_shown_on_the_assistants_card(harness: Any) -> None:
    assistant = await assistant_of(harness, 8002, "uz")
    user = await citizen(harness, 8102, "ru")
    await user.send(t(harness, MENU["business"], "ru"))
    await fill(
        harness,
        "business",
        user,
        "ru",
        {**BUSINESS_UZ, "idea": "Теплица", "amount_needed": "30000000"},
    )
    seen = len(assistant.messages)
    await user.press("✅ Отправить")
    (case,) = await cases_of(harness, 8102)
    told = await assistant.next_message(timeout=5, after=seen)
    await assistant.press("📂 Ochish", message=told)
    card = assistant.last.text
    heading = t(harness, "💡 <b>May be eligible (hints to check)</b>", "uz")
    assert heading.replace("<b>", "").replace("</b>", "") in card
    assert (
        "Oilaviy tadbirkorlik krediti" in card
        and "Dehqon xoʻjaliklari va tomorqa yer egalari faoliyatini qoʻllab-quvvatlash jamgʻarmasi yordami"
        in card
    )
    assert "Kredit soʻradi." in card  # the reason, in the assistant's language
    assert case.assessment["assessed_on"]


# ---------------------------------------------------------------------- one open request


async def test_a_second_request_shows_the_open_one_and_updates_it(harness: Any) -> None:
    assistant = await assistant_of(harness, 8003, "uz")
    user = await citizen(harness, 8103, "uz")
    await user.send(t(harness, MENU["job"], "uz"))
    await fill(harness, "job", user, "uz", JOB_UZ)
    seen = len(assistant.messages)
    await user.press(t(harness, "✅ Send", "uz"))
    (case,) = await cases_of(harness, 8103)
    await assistant.next_message(timeout=5, after=seen)

    # A second attempt: the open one, with its number and status, Open and Update.
    await user.send(t(harness, MENU["job"], "uz"))
    text = user.last.text
    assert case.number in text and t(harness, "new", "uz") in text
    assert t(harness, "📂 Open the request", "uz") in buttons(user)
    assert t(harness, "🔎 Open vacancies", "uz") in buttons(user)
    async with harness.db() as session:
        assert list(await session.scalars(select(Draft))) == []  # nothing started
    await user.press(t(harness, "📂 Open the request", "uz"))
    assert case.number in user.last.text

    await user.send(t(harness, MENU["job"], "uz"))
    await user.press(t(harness, "✏️ Update my answers", "uz"))
    # Pre-filled: straight to the summary with the previous answers.
    assert case.number in user.last.text
    assert "Tikuvchi" in user.last.text
    assert t(harness, "✅ Send", "uz") in buttons(user)
    await user.press(t(harness, "✏️ Edit", "uz"))
    pay_question = next(
        q for q in FLOWS.latest("job").questions if q.id == "expected_pay"
    ).text.get("uz")
    await user.press(next(b for b in buttons(user) if pay_question[:20] in b))
    await user.send("4 500 000")
    seen = len(assistant.messages)
    await user.press(t(harness, "✅ Send", "uz"))
    assert case.number in user.last.text
    assert "yangilandi" in user.last.text  # "has been updated"

    (same,) = await cases_of(harness, 8103)  # the SAME case, answers replaced
    assert same.id == case.id and same.answers["expected_pay"] == 4_500_000
    assert same.answers["occupation"] == "tailor"
    async with harness.db() as session:
        notes = list(
            await session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "note")
            )
        )
    (note,) = notes
    assert note.note and "✏️" in note.note and "maosh" in note.note  # the changed question
    told = await assistant.next_message(timeout=5, after=seen)
    assert case.number in told.text and "✏️" in told.text

    # Another kind is its own request: an internship may be opened alongside.
    await user.send(t(harness, MENU["internship"], "uz"))
    assert FLOWS.latest("internship").title.get("uz") in user.last.text


async def test_update_buttons_are_checked(harness: Any) -> None:
    owner = await citizen(harness, 8104, "ru")
    await owner.send(t(harness, MENU["internship"], "ru"))
    await fill(harness, "internship", owner, "ru", INTERNSHIP_RU)
    await owner.press("✅ Отправить")
    (case,) = await cases_of(harness, 8104)

    other = await citizen(harness, 8105, "ru")
    await other.press_data(
        other.last.message_id, RequestCB(action=RequestAction.UPDATE, id=case.id).pack()
    )
    assert other.last_answer is not None and other.last_answer.text == "Эта кнопка устарела."
    async with harness.db() as session:
        assert list(await session.scalars(select(Draft))) == []

    # A finished request cannot be updated; its menu entry starts a new one.
    async with harness.db() as session:
        row = await session.get(Case, case.id)
        assert row is not None
        row.status = "resolved"
        row.outcome = "internship_placed"
        await session.commit()
    await owner.press_data(
        owner.last.message_id, RequestCB(action=RequestAction.UPDATE, id=case.id).pack()
    )
    assert owner.last_answer is not None and case.number in (owner.last_answer.text or "")
    await owner.send(t(harness, MENU["internship"], "ru"))
    assert FLOWS.latest("internship").title.get("ru") in owner.last.text


# ---------------------------------------------------------------------- bad input


async def test_bad_input_at_each_kind_of_step_is_answered_clearly(harness: Any) -> None:
    user = await citizen(harness, 8106, "uz")
    await user.send(t(harness, MENU["job"], "uz"))
    # A choice step: typed nonsense, a sticker, a command.
    await user.send("kosmonavt")
    assert user.last.text.startswith("⚠️")
    assert on_screen(FLOWS.latest("job"), user, "uz") == "occupation"
    await user.send_sticker()
    assert (
        user.last.text.startswith("⚠️")
        and on_screen(FLOWS.latest("job"), user, "uz") == "occupation"
    )
    await user.send("/foo")
    assert (
        user.last.text.startswith("⚠️")
        and on_screen(FLOWS.latest("job"), user, "uz") == "occupation"
    )
    await user.send("1")  # a typed number is not the first button: the buttons are asked for
    assert (
        user.last.text.startswith("⚠️")
        and on_screen(FLOWS.latest("job"), user, "uz") == "occupation"
    )
    await user.press(label(FLOWS.latest("job"), "occupation", "tailor", "uz"))
    await user.press(label(FLOWS.latest("job"), "education", "school", "uz"))
    # An integer step with its own error.
    for bad in ("koʻp", "51", "-1"):
        await user.send(bad)
        assert user.last.text.startswith("⚠️ 0 dan 50 gacha butun son kiriting"), bad
    await user.send_photo()
    assert user.last.text.startswith("⚠️")
    await user.send("2")
    assert on_screen(FLOWS.latest("job"), user, "uz") == "work_kind"
    await fill(harness, "job", user, "uz", {k: v for k, v in JOB_UZ.items() if k != "expected_pay"})
    assert on_screen(FLOWS.latest("job"), user, "uz") == "expected_pay"
    await user.send("5")
    assert user.last.text.startswith(
        "⚠️ Summani soʻmda, 100\u00a0000 dan 100\u00a0000\u00a0000 gacha kiriting."
    )
    await user.press(t(harness, "⏭ Skip", "uz"))
    await fill(harness, "job", user, "uz", JOB_UZ)
    # The summary: text and voice are answered with the buttons to use.
    await user.send("tayyor")
    assert "✏️" in user.last.text and t(harness, "✅ Send", "uz") in buttons(user)
    await user.send_voice()
    assert user.last.text.startswith("⚠️")

    # Cancel: the draft goes; the flow answers a text with the fallback afterwards.
    await user.press(t(harness, "✖️ Cancel", "uz"))
    await user.press(t(harness, "✖️ Yes, stop", "uz"))
    async with harness.db() as session:
        assert list(await session.scalars(select(Draft))) == []
        assert list(await session.scalars(select(Case))) == []
        assert list(await session.scalars(select(OutboxMessage))) == []


async def test_unregistered_citizen_registers_first(harness: Any) -> None:
    user = harness.user(8107, first_name="Dilnoza", language_code="ru")
    await user.send("/start")
    await user.press("✅ Русский")
    await user.send(t(harness, MENU["business"], "ru"))
    async with harness.db() as session:
        assert list(await session.scalars(select(Draft))) == []
    assert "Вы согласны?" in user.last.text  # registration (consent) comes first


async def test_a_long_choice_list_pages_in_place_and_a_typed_part_chooses(harness: Any) -> None:
    """37 occupations: ten at a time under the question (paged in the same message, as the
    mahalla list), and typing a part of a name ("payvand") picks the one it fits."""
    user = await citizen(harness, 8107, "uz")
    await user.send(t(harness, MENU["job"], "uz"))
    question = user.last
    rows = question.buttons
    assert ["◀️", "1/4", "▶️"] in rows and len([r for r in rows if len(r) == 1]) <= 11
    assert t(harness, "More answers with ◀️ ▶️, or type a part of the answer.", "uz") in (
        question.text
    )
    await user.press("▶️")
    assert user.last.message_id == question.message_id and ["◀️", "2/4", "▶️"] in user.last.buttons
    await user.press("◀️")
    await user.press("◀️")  # from the first page round to the last
    assert ["◀️", "4/4", "▶️"] in user.last.buttons
    assert label(FLOWS.latest("job"), "occupation", "other", "uz") in buttons(user)
    await user.send("payvand")
    assert on_screen(FLOWS.latest("job"), user, "uz") == "education"
    async with harness.db() as session:
        draft = await session.scalar(select(Draft).where(Draft.flow_id == "job"))
    assert draft is not None and draft.state["answers"]["occupation"] == "welder"
