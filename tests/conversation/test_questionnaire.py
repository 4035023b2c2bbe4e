"""The household needs questionnaire through the fake Bot API: paths, navigation, resume, bad
input, and the case it becomes (with the assistant or the district queue told)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.callbacks import QCB, QuestionAction
from bot.flows.engine import YES_NO_LABELS
from bot.flows.loader import load_definitions
from bot.services import cases, roles
from db.models import Case, Draft, Mahalla, OutboxMessage, RoadmapStep, User, utcnow
from tests.support.factories import make_assistant, make_user
from tests.support.flows import register

HOUSEHOLD = load_definitions().latest("household")
SKIP = object()


# The usual harness, with flood control off: a test answers 30 questions in a second.
pytestmark = pytest.mark.harness(throttle_rate=100_000)


# ---------------------------------------------------------------------- driving the chat


def t(harness: Any, msgid: str, locale: str) -> str:
    """A static label as the bot shows it in ``locale``."""
    return str(harness.app.i18n.gettext(msgid, locale=locale))


def buttons(user: Any) -> list[str]:
    return [b for row in user.last.buttons for b in row]


def question_on_screen(user: Any, locale: str) -> str | None:
    """The id of the question in the newest bot message (None at the summary or elsewhere)."""
    text = user.last.text or ""
    if any(b.startswith("✏️") for b in buttons(user)):
        return None  # the summary: ✏️ Edit · ✅ Send
    found = [q for q in HOUSEHOLD.questions if q.text.get(locale) in text]
    return max(found, key=lambda q: len(q.text.get(locale))).id if found else None


def label(qid: str, choice_id: str, locale: str) -> str:
    question = HOUSEHOLD.questions[[q.id for q in HOUSEHOLD.questions].index(qid)]
    choice = question.choice(choice_id)
    assert choice is not None, (qid, choice_id)
    return choice.text.get(locale)


async def give(harness: Any, user: Any, locale: str, qid: str, value: Any) -> None:
    """Answer the question on screen the way a person would: buttons or a typed message."""
    question = next(q for q in HOUSEHOLD.questions if q.id == qid)
    if value is SKIP:
        await user.press(t(harness, "⏭ Skip", locale))
    elif question.type == "yesno":
        await user.press(YES_NO_LABELS[bool(value)].get(locale))
    elif question.type == "single":
        await user.press(label(qid, value, locale))
    elif question.type == "multi":
        for choice_id in value:
            if f"✅ {label(qid, choice_id, locale)}" not in buttons(user):  # not ticked yet
                await user.press(label(qid, choice_id, locale))
        done = t(harness, "✔️ Done", locale)
        await user.press(next(b for b in buttons(user) if b.startswith(done)))
    else:
        await user.send(str(value))
    no_papers = t(harness, "⏭ No papers", locale)
    if user.last is not None and no_papers in buttons(user):  # papers are offered: none here
        await user.press(no_papers)


async def fill(harness: Any, user: Any, locale: str, answers: dict[str, Any]) -> list[str]:
    """Answer questions until the summary (or an unlisted question); the ids asked, in order."""
    asked: list[str] = []
    while (qid := question_on_screen(user, locale)) is not None and qid in answers:
        assert qid not in asked[-1:], f"{qid} asked again: {user.last.text}"
        asked.append(qid)
        await give(harness, user, locale, qid, answers[qid])
    return asked


async def citizen(
    harness: Any, telegram_id: int, locale: str, mahalla: str = "103-0104", **kwargs: Any
) -> Any:
    """A registered citizen who has opened the chat and sees the main menu."""
    async with harness.db() as session:
        await make_user(session, telegram_id, locale=locale, mahalla=mahalla, **kwargs)
    user = harness.user(
        telegram_id, first_name="Ali", language_code="ru" if locale == "ru" else "uz"
    )
    await user.send("/start")
    return user


async def open_questionnaire(harness: Any, user: Any, locale: str) -> None:
    await user.send(t(harness, "📝 My household's needs", locale))


async def drafts_of(harness: Any, telegram_id: int) -> list[Draft]:
    async with harness.db() as session:
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        assert user is not None
        return list(await session.scalars(select(Draft).where(Draft.user_id == user.id)))


async def cases_of(harness: Any, telegram_id: int) -> list[Case]:
    async with harness.db() as session:
        user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        assert user is not None
        return list(await session.scalars(select(Case).where(Case.user_id == user.id)))


SHORT_PATH = {  # the fewest questions: no module applies
    "members": 1,
    "children": 0,
    "pensioners": 0,
    "disabled": 0,
    "unemployed": 0,
    "breadwinner_lost": False,
    "income_3m": 1_500_000,
    "income_sources": ["wage"],
    "plot_sotix": SKIP,
    "housing": "good",
    "business_interest": False,
    "woman_needs_support": False,
    "youth_idle": 0,
    "health_need": False,
    "comment": SKIP,
}

# uz: remittances (asks migrants_abroad), no business.
PATH_UZ = {
    **SHORT_PATH,
    "members": 5,
    "children": 2,
    "income_3m": "4 500 000",
    "income_sources": ["wage", "remittance"],
    "migrants_abroad": 1,
    "receives_benefits": True,
}
# uz_Cyrl: no remittances, wants a business and a job (business and employment modules).
PATH_CYRL = {
    **SHORT_PATH,
    "members": 3,
    "children": 1,
    "unemployed": 1,
    "income_3m": 1_800_000,
    "plot_sotix": "0",
    "housing": "needs_repair",
    "business_interest": True,
    "job_who": ["self"],
    "job_skills": ["sewing", "trade"],
    "job_train": True,
    "job_kind": "part_time",
    "business_sector": "sewing",
    "business_experience": "some",
    "business_support": ["loan", "equipment"],
    "business_amount": SKIP,
    "receives_benefits": False,
    "wants_registry": True,
    "housing_problems": ["roof"],
    "comment": "Кундузи уйдамиз",
}
# ru: the breadwinner is lost, no one able to work: red, with women, youth and health modules.
PATH_RU = {
    **SHORT_PATH,
    "members": 4,
    "children": 2,
    "pensioners": 1,
    "disabled": 1,
    "breadwinner_lost": True,
    "income_3m": 900_000,
    "income_sources": ["pension_benefit"],
    "plot_sotix": "3",
    "housing": "unsafe",
    "woman_needs_support": True,
    "youth_idle": 1,
    "health_need": True,
    "plot_use": "vegetables",
    "plot_help": ["seedlings"],
    "receives_benefits": True,
    "women_situation": ["widow"],
    "women_help": ["material"],
    "youth_education": "school",
    "youth_wants": ["job"],
    "health_needs": ["medicines"],
    "health_note": "Маме нужны лекарства <от диабета>",
    "housing_problems": ["walls"],
}


# ---------------------------------------------------------------------- full runs


@pytest.mark.parametrize(
    ("locale", "answers", "shown", "hidden", "category", "per_person", "channels"),
    [
        (
            "uz",
            PATH_UZ,
            {"migrants_abroad", "receives_benefits"},
            {"business_sector", "job_who", "women_situation", "wants_registry"},
            "yellow",
            300_000,
            ["social_protection"],
        ),
        (
            "uz_Cyrl",
            PATH_CYRL,
            {"business_sector", "business_amount", "job_skills", "wants_registry"},
            {"migrants_abroad", "women_situation", "plot_use"},
            "yellow",
            200_000,
            [
                "family_business_loan",
                "employment_fund_subsidy",
                "social_protection",
                "vocational_training",
                "public_works",
                "housing_help",
            ],
        ),
        (
            "ru",
            PATH_RU,
            {"women_help", "youth_wants", "health_note", "plot_use", "housing_problems"},
            {"migrants_abroad", "business_sector", "job_who", "wants_registry"},
            "red",
            75_000,
            [
                "farmers_fund",
                "ayollar_daftari",
                "yoshlar_daftari",
                "social_protection",
                "health_referral",
                "housing_help",
            ],
        ),
    ],
)
async def test_full_questionnaire_becomes_a_case_and_the_assistant_is_told(
    harness: Any,
    locale: str,
    answers: dict[str, Any],
    shown: set[str],
    hidden: set[str],
    category: str,
    per_person: int,
    channels: list[str],
) -> None:
    assistant_locale = "ru" if locale != "ru" else "uz"  # never the citizen's language
    async with harness.db() as session:
        await make_assistant(session, 7001, locale=assistant_locale)
    assistant = harness.user(7001, first_name="Yordamchi", language_code="uz")
    await assistant.send("/start")

    user = await citizen(harness, 7101, locale)
    await open_questionnaire(harness, user, locale)
    assert HOUSEHOLD.title.get(locale) in user.last.text
    assert any(line.startswith("1 / ~") for line in user.last.text.splitlines())
    asked = await fill(harness, user, locale, answers)
    assert shown <= set(asked) and not hidden & set(asked)
    assert set(asked) == {qid for qid in answers if qid in asked}

    summary = user.last
    assert t(harness, "✅ Send", locale) in buttons(user)
    assert all(
        q.text.get(locale).rstrip(".") in summary.text for q in HOUSEHOLD.questions if q.id in asked
    )
    send_data = next(
        b["callback_data"]
        for row in summary.inline_keyboard
        for b in row
        if "send" in b["callback_data"]
    )
    await user.press(t(harness, "✅ Send", locale))

    (case,) = await cases_of(harness, 7101)
    assert case.number and case.number.startswith("N-")
    assert (case.kind, case.status, case.category) == ("needs", "new", category)
    assert case.income_per_person == per_person
    assert case.assessment["channels"] == channels
    assert case.assessment["mcs"] == 669_000
    assert case.flow_version == 1 and case.answers["members"] == answers["members"]
    assert "income_per_person" not in case.answers  # computed values are kept apart
    async with harness.db() as session:
        steps = list(
            await session.scalars(
                select(RoadmapStep)
                .where(RoadmapStep.case_id == case.id)
                .order_by(RoadmapStep.position)
            )
        )
    assert [s.channel for s in steps] == channels
    assert await drafts_of(harness, 7101) == []

    result = user.last.text
    assert case.number in result
    rules = harness.app.dispatcher["rules"]
    assert rules.category_label(category)[locale] in result
    for channel in channels:
        assert rules.channel_label(channel)[locale] in result
    assert f"{per_person:,}".replace(",", "\xa0") in result

    # The same Send button pressed again later (a double tap within a second is dropped before
    # it reaches the handler: tests/robustness/test_double_taps.py) creates nothing.
    harness.app.dispatcher["double_tap"]._window = 0
    await user.press_data(summary.message_id, send_data)
    assert user.last_answer is not None and case.number in (user.last_answer.text or "")
    assert len(await cases_of(harness, 7101)) == 1

    await harness.drain()
    told = assistant.last.text
    assert case.number in told
    new_request = t(harness, "🆕 New request <b>{number}</b>: {kind}", assistant_locale)
    assert new_request.split("<b>")[0] in told


async def test_no_assistant_goes_to_the_district_queue(harness: Any) -> None:
    async with harness.db() as session:
        supervisor = await make_user(session, 7201, locale="ru", mahalla="103-0085")
        await roles.grant_supervisor(session, supervisor, "district", "1726294", utcnow())
        await session.commit()
    boss = harness.user(7201, first_name="Kurator", language_code="ru")
    await boss.send("/start")

    user = await citizen(harness, 7202, "uz", mahalla="103-0085")
    await open_questionnaire(harness, user, "uz")
    await fill(harness, user, "uz", SHORT_PATH)
    await user.press(t(harness, "✅ Send", "uz"))
    assert "yordamchi yoʻq" in user.last.text

    (case,) = await cases_of(harness, 7202)
    async with harness.db() as session:
        assert await cases.mahalla_assistant(session, case.mahalla_code, utcnow()) is None
    assert case.assignee_id is None and case.district_soato == "1726294"
    await harness.drain()
    assert case.number in boss.last.text
    assert t(
        harness, "⚠️ No assistant in this mahalla: the case is in the district queue.", "ru"
    ) in (boss.last.text)


# ---------------------------------------------------------------------- navigation


@pytest.mark.harness(double_tap_window=0)  # back to an identical screen within a second
async def test_back_keep_edit_and_cancel(harness: Any) -> None:
    user = await citizen(harness, 7301, "uz")
    await open_questionnaire(harness, user, "uz")
    await user.send("4")
    await user.press(t(harness, "⬅️ Back", "uz"))
    assert question_on_screen(user, "uz") == "members"
    assert "Javobingiz: 4" in user.last.text
    await user.press(t(harness, "➡️ Keep this answer", "uz"))
    assert question_on_screen(user, "uz") == "children"

    answers = {**SHORT_PATH, "members": 4, "housing": "needs_repair"}
    await fill(harness, user, "uz", {k: v for k, v in answers.items() if k != "business_interest"})
    assert question_on_screen(user, "uz") == "business_interest"
    await user.press(t(harness, "⬅️ Back", "uz"))
    assert question_on_screen(user, "uz") == "housing"
    assert "✅ Taʼmir kerak" in buttons(user)  # the answer given is marked
    await user.press("Yaxshi")
    await fill(harness, user, "uz", {**answers, "housing_problems": ["roof"]})
    assert "Yaxshi" in user.last.text and "Taʼmir kerak" not in user.last.text

    # Edit: change "wants a business" to yes, and the business questions are asked.
    await user.press(t(harness, "✏️ Edit", "uz"))
    assert user.last.text == t(harness, "Which answer do you want to change?", "uz")
    business = next(q for q in HOUSEHOLD.questions if q.id == "business_interest")
    await user.press(next(b for b in buttons(user) if business.text.uz[:20] in b))
    assert question_on_screen(user, "uz") == "business_interest"
    assert "✅ Yoʻq" in buttons(user)
    await user.press("Ha")
    asked = await fill(
        harness,
        user,
        "uz",
        {
            "business_sector": "trade",
            "business_experience": "none",
            "business_support": ["loan"],
            "business_amount": "30 000 000",
        },
    )
    assert asked == [
        "business_sector",
        "business_experience",
        "business_support",
        "business_amount",
    ]
    assert "30\xa0000\xa0000" in user.last.text  # back at the summary

    # Edit, then Back: returns to the summary unchanged.
    await user.press(t(harness, "✏️ Edit", "uz"))
    await user.press(t(harness, "⬅️ Back to the summary", "uz"))
    await user.press(t(harness, "✏️ Edit", "uz"))
    housing = next(q for q in HOUSEHOLD.questions if q.id == "housing")
    await user.press(next(b for b in buttons(user) if housing.text.uz[:15] in b))
    await user.press(t(harness, "⬅️ Back", "uz"))
    assert t(harness, "✅ Send", "uz") in buttons(user)

    # Cancel asks first; "No" continues, "Yes" deletes the draft.
    await user.press(t(harness, "✖️ Cancel", "uz"))
    await user.press(t(harness, "↩️ No, continue", "uz"))
    assert t(harness, "✅ Send", "uz") in buttons(user)
    await user.press(t(harness, "✖️ Cancel", "uz"))
    await user.press(t(harness, "✖️ Yes, stop", "uz"))
    assert "bekor qilindi" in user.last.text
    assert await drafts_of(harness, 7301) == []
    await user.send("5")  # no longer an answer
    assert "Tushunmadim" in user.last.text


async def test_skip_and_invalid_input_get_the_questions_own_error(harness: Any) -> None:
    user = await citizen(harness, 7401, "ru")
    await open_questionnaire(harness, user, "ru")
    for bad in ("abc", "0", "31", "4.5"):
        await user.send(bad)
        lines = user.last.text.splitlines()
        assert lines[0] == "⚠️ Введите целое число от 1 до 30.", bad
        assert "Сколько человек в вашей семье?" in user.last.text
    await user.send("3")
    await fill(
        harness, user, "ru", {"children": 1, "pensioners": 0, "disabled": 0, "unemployed": 1}
    )
    await user.press("Нет")
    await user.send("1 200 000")
    # A multi question without its own error text: the default text in Russian.
    await user.send("что-то")
    assert user.last.text.startswith("⚠️ Пожалуйста, выберите кнопками ниже.")
    await user.send("1, 3")  # numbers are not the buttons' positions: the buttons again
    assert user.last.text.startswith("⚠️ Пожалуйста, выберите кнопками ниже.")
    await user.send("Зарплата, деньги от работающих за границей")  # typed labels: wage, remittance
    assert question_on_screen(user, "ru") == "migrants_abroad"
    await user.send("1")
    await user.send("много")  # decimal with its own error text
    assert user.last.text.startswith("⚠️ Введите число от 0 до 500.")
    await user.press("⏭ Пропустить")
    assert question_on_screen(user, "ru") == "housing"
    await fill(
        harness,
        user,
        "ru",
        {
            "housing": "good",
            "business_interest": False,
            "woman_needs_support": False,
            "youth_idle": 0,
            "health_need": False,
            "job_who": ["self"],
        },
    )
    assert question_on_screen(user, "ru") == "job_skills"
    for choice in ("construction", "sewing", "driving"):
        await user.press(label("job_skills", choice, "ru"))
    await user.press(label("job_skills", "trade", "ru"))  # a fourth: refused with a toast
    assert user.last_answer is not None and user.last_answer.text == "Можно выбрать не больше 3."
    assert "✅ Торговля" not in buttons(user)
    await user.press(next(b for b in buttons(user) if b.startswith("✔️ Готово")))
    await fill(
        harness,
        user,
        "ru",
        {"job_train": False, "job_kind": "any", "receives_benefits": True, "comment": SKIP},
    )
    assert "Пропущено" in user.last.text  # skipped plot size and comment, in the summary
    (draft,) = await drafts_of(harness, 7401)
    assert draft.state["answers"]["plot_sotix"] is None
    assert draft.state["answers"]["income_sources"] == ["wage", "remittance"]


# ---------------------------------------------------------------------- resuming


async def test_resume_after_restart_and_after_the_state_is_lost(harness: Any) -> None:
    user = await citizen(harness, 7501, "uz")
    await open_questionnaire(harness, user, "uz")
    await fill(harness, user, "uz", {"members": 4, "children": 1, "pensioners": 0})
    assert question_on_screen(user, "uz") == "disabled"

    await harness.restart()

    await user.send("0")
    assert question_on_screen(user, "uz") == "unemployed"
    (draft,) = await drafts_of(harness, 7501)
    assert draft.version == 1
    assert draft.state["answers"] == {"members": 4, "children": 1, "pensioners": 0, "disabled": 0}
    assert draft.state["current"] == "unemployed"

    await user.send("/start")  # clears the conversation state; the draft stays
    await open_questionnaire(harness, user, "uz")
    assert t(harness, "▶️ Continue where you stopped", "uz") in buttons(user)
    await user.press(t(harness, "▶️ Continue where you stopped", "uz"))
    assert question_on_screen(user, "uz") == "unemployed"
    await user.send("1")
    assert question_on_screen(user, "uz") == "breadwinner_lost"

    await open_questionnaire(harness, user, "uz")
    await user.press(t(harness, "🔄 Start again", "uz"))
    assert question_on_screen(user, "uz") == "members"
    (fresh,) = await drafts_of(harness, 7501)
    assert fresh.state["answers"] == {} and fresh.message_id != draft.message_id


# ---------------------------------------------------------------------- everything else


@pytest.mark.harness(double_tap_window=0)  # back to an identical screen within a second
async def test_every_kind_of_input_is_answered_with_the_question_again(harness: Any) -> None:
    user = await citizen(harness, 7601, "ru")
    await open_questionnaire(harness, user, "ru")
    question = "Сколько человек в вашей семье?"
    for send, reason in (
        (user.send_sticker, "⚠️ Такое сообщение я не могу принять как ответ"),
        (user.send_photo, "⚠️ Здесь фото или файл не подходят как ответ"),
        (user.send_voice, "⚠️ На этот вопрос нельзя ответить голосовым сообщением"),
        (user.send_location, "⚠️ Такое сообщение я не могу принять как ответ"),
        (user.send_contact, "⚠️ Такое сообщение я не могу принять как ответ"),
    ):
        replies = await send()
        assert replies, send
        assert user.last.text.startswith(reason), send
        assert question in user.last.text
    await user.send("/whatever")
    assert user.last.text.startswith("⚠️ Во время заполнения анкеты команды не работают")
    assert question in user.last.text
    # Only the newest message keeps its buttons.
    assert sum(1 for m in user.messages if m.inline_keyboard) == 1

    # Another main-menu button is that menu's business; the questionnaire then goes on.
    await user.send(t(harness, "📂 My requests", "ru"))
    assert question not in user.last.text
    await user.send("4")
    assert question_on_screen(user, "ru") == "children"
    await user.press("⬅️ Назад")

    # A stale button of an earlier question (e.g. pressed on an old screen): refused.
    await fill(harness, user, "ru", {"members": 4, "children": 1})
    old = user.last
    back_data = next(
        b["callback_data"]
        for row in old.inline_keyboard
        for b in row
        if ":b:" in b["callback_data"]
    )
    await user.send("0")
    assert question_on_screen(user, "ru") == "disabled"
    assert not old.inline_keyboard  # the keyboard was taken off when moving on
    await user.press_data(old.message_id, back_data)
    assert user.last_answer is not None and user.last_answer.text == "Эта кнопка устарела."
    assert user.last.text.startswith("ℹ️ Эта кнопка с предыдущего шага")
    assert question_on_screen(user, "ru") == "disabled"  # did not go back

    # A button of a cancelled draft: refused, and the current questionnaire shown.
    await user.press("✖️ Отмена")
    await user.press("✖️ Да, прекратить")
    await open_questionnaire(harness, user, "ru")
    await user.press_data(old.message_id, back_data)
    assert user.last_answer is not None and user.last_answer.text == "Эта кнопка устарела."
    # ("…from an earlier questionnaire", or "…step" where SQLite reused the draft's id)
    assert user.last.text.startswith("ℹ️ Эта кнопка ")
    assert question_on_screen(user, "ru") == "members"

    # Someone else's draft id in forged data: nothing of theirs changes.
    other = await citizen(harness, 7602, "uz")
    await open_questionnaire(harness, other, "uz")
    (theirs,) = await drafts_of(harness, 7602)
    forged = QCB(draft=theirs.id, action=QuestionAction.CANCEL).pack()
    await user.press_data(user.last.message_id, forged)
    assert user.last_answer is not None and user.last_answer.text == "Эта кнопка устарела."
    (still,) = await drafts_of(harness, 7602)
    assert still.state == theirs.state


async def test_unregistered_citizen_registers_first_then_reports(harness: Any) -> None:
    user = harness.user(7701, first_name="Dilnoza", language_code="ru")
    await user.send("/start")
    await user.press("✅ Русский")
    await open_questionnaire(harness, user, "ru")
    assert not any(line.startswith("1 / ") for line in user.last.text.splitlines())
    assert await drafts_of(harness, 7701) == []  # registration comes first

    fresh = harness.user(7702, first_name="Dilnoza", language_code="ru")
    await register(harness, fresh, language="Русский")
    await open_questionnaire(harness, fresh, "ru")
    await fill(harness, fresh, "ru", {**SHORT_PATH, "income_3m": 9_000_000})
    await fresh.press("✅ Отправить")
    (case,) = await cases_of(harness, 7702)
    async with harness.db() as session:
        mahalla = await session.scalar(select(Mahalla).where(Mahalla.code == case.mahalla_code))
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert mahalla is not None and mahalla.name_uz == "Beshqoʻrgʻon MFY"
    assert case.number in fresh.last.text and case.category is None
    assert "3\xa0000\xa0000 сум" in fresh.last.text
    assert "выше уровня, при котором семья считается малообеспеченной" in fresh.last.text
