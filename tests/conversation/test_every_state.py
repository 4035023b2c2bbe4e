"""Every conversation state in bot/states.py answers every kind of input.

For each state (enumerated from bot.states, so a new state without a set-up here fails
`test_every_state_has_a_setup`) a user of the right role is put into it through the FSM storage,
with the data the state needs, and then sends text, a sticker, a photo, contacts (own and
someone else's), a location, a voice note, an unknown command, /start, /help, /cancel and old
or forged buttons. Each must get an answer in the user's language, never the "something went
wrong" apology, /cancel must leave the state, and the fake Bot API must refuse no call.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiogram.fsm.state import State, StatesGroup
from babel.messages.pofile import read_po
from sqlalchemy import select

from bot import states
from bot.callbacks import JobAction, JobCB, VacancyAction, VacCB
from bot.services import jobs, occupations, roles, vacancies
from db.models import Draft, User, utcnow
from tests.support.factories import make_assistant, make_case, make_user
from tests.support.harness import ADMIN_ID

ADMINS = 7_900  # the admins' Telegram ids start here (other users: 7 000 + index)
CHILONZOR = "1726294"
M1 = "103-0104"
SORRY = "Sorry, something went wrong on our side. Please try again in a minute, or send /start."
CYRILLIC = re.compile("[\u0400-\u04ff]")
POT = Path(__file__).resolve().parents[2] / "locales" / "messages.pot"


# Many updates within seconds: a throttle that never gets in the way.
pytestmark = pytest.mark.harness(
    throttle_rate=1_000, admin_ids=[ADMIN_ID, *range(ADMINS, ADMINS + 10)]
)


def all_states() -> list[State]:
    found: list[State] = []
    for value in vars(states).values():
        if isinstance(value, type) and issubclass(value, StatesGroup) and value is not StatesGroup:
            found.extend(value.__all_states__)
    return found


# ---------------------------------------------------------------------- who is in which state


@dataclass
class Setup:
    """How to make a user for the state: `who` builds the rows and returns (user, data)."""

    who: Callable[[Any, int, str], Awaitable[tuple[User, dict[str, Any]]]]
    after: Callable[[Any, Any, str, int], Awaitable[dict[str, Any]]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    admin: bool = False  # the user's id is in ADMIN_IDS


async def _newcomer(session: Any, tid: int, locale: str) -> tuple[User, dict[str, Any]]:
    return await make_user(session, tid, locale=locale, registered=False), {}


async def _consented(session: Any, tid: int, locale: str) -> tuple[User, dict[str, Any]]:
    user = await make_user(session, tid, locale=locale, registered=False)
    user.consent_version, user.consent_at = 1, utcnow()
    await session.commit()
    return user, {}


async def _citizen(session: Any, tid: int, locale: str) -> tuple[User, dict[str, Any]]:
    return await make_user(session, tid, locale=locale), {}


async def _citizen_with_case(session: Any, tid: int, locale: str) -> tuple[User, dict[str, Any]]:
    await make_assistant(session, tid + 50_000, mahalla=M1, locale=locale)
    user = await make_user(session, tid, locale=locale)
    case = await make_case(session, user)
    return user, {"case": case.id}


async def _assistant(session: Any, tid: int, locale: str) -> tuple[User, dict[str, Any]]:
    user = await make_assistant(session, tid, mahalla=M1, locale=locale)
    citizen = await make_user(session, tid + 50_000, locale=locale)
    case = await make_case(session, citizen)
    return user, {"case": case.id, "f": "", "page": 0}


async def _supervisor(session: Any, tid: int, locale: str) -> tuple[User, dict[str, Any]]:
    user = await make_user(session, tid, locale=locale)
    await roles.grant_supervisor(
        session, user, "district", CHILONZOR, utcnow() - dt.timedelta(minutes=1)
    )
    assistant = await make_assistant(session, tid + 50_000, mahalla=M1, locale=locale)
    citizen = await make_user(session, tid + 60_000, locale=locale)
    case = await make_case(session, citizen)
    await session.commit()
    return user, {"case": case.id, "to": assistant.id}


async def _open_questionnaire(harness: Any, user: Any, locale: str, row_id: int) -> dict:
    await user.send(harness.app.i18n.gettext("📝 My household's needs", locale=locale))
    async with harness.db() as session:
        draft = await session.scalar(select(Draft).where(Draft.user_id == row_id))
    assert draft is not None, "the questionnaire did not open"
    return {"draft_id": draft.id}


def _vacancy_data() -> dict[str, Any]:
    closes = (utcnow() + dt.timedelta(days=14)).date().isoformat()
    return {
        "title": "Tikuvchi",
        "employer": "Chilonzor fabrikasi",
        "occupation": occupations.load_occupations()[0].id,
        "place": M1,
        "district": CHILONZOR,
        "pay": 3_000_000,
        "kind": vacancies.KINDS[0],
        "places": 2,
        "closes": closes,
    }


SETUPS: dict[str, Setup] = {
    states.PlacePick.choosing.state: Setup(
        _consented, extra={"purpose": "r", "district": CHILONZOR}
    ),
    states.Registration.consent.state: Setup(_newcomer),
    states.Registration.name.state: Setup(_consented),
    states.Registration.phone.state: Setup(_consented),
    states.Registration.birth_year.state: Setup(_consented),
    states.Registration.gender.state: Setup(_consented),
    states.Registration.place.state: Setup(_consented),
    states.SettingsFlow.place.state: Setup(_citizen),
    states.SettingsFlow.confirm_delete.state: Setup(_citizen),
    states.Questionnaire.active.state: Setup(_citizen, after=_open_questionnaire),
    states.CaseWork.reason.state: Setup(_assistant),
    states.CaseWork.note.state: Setup(_assistant),
    states.CaseWork.message.state: Setup(_assistant),
    states.CaseReply.text.state: Setup(_citizen_with_case),
    states.RoadmapEdit.action_text.state: Setup(_assistant, extra={"step": 0}),
    states.RoadmapEdit.due_date.state: Setup(_assistant, extra={"step": 0}),
    states.JobLedger.kind.state: Setup(_assistant, extra={"job": 0}),
    states.JobLedger.employer.state: Setup(_assistant, extra={"kind": jobs.KINDS[0], "job": 0}),
    states.JobLedger.link.state: Setup(_assistant, extra={"kind": jobs.KINDS[0], "job": 0}),
    states.JobLedger.mahalla.state: Setup(_assistant, extra={"kind": jobs.KINDS[0], "job": 0}),
    **{
        st.state: Setup(_assistant, extra=_vacancy_data())
        for st in states.VacancyPost.__all_states__
    },
    states.SupervisorWork.reason.state: Setup(_supervisor),
    states.SupervisorWork.announcement.state: Setup(_supervisor),
    states.SupervisorWork.confirm.state: Setup(_supervisor, extra={"text": "Salom", "key": "k"}),
    states.AdminWork.find_place.state: Setup(_citizen, extra={"role": "a"}, admin=True),
    states.AdminWork.setting.state: Setup(
        _citizen, extra={"key": "jobs_per_day_target"}, admin=True
    ),
    states.AdminWork.import_csv.state: Setup(_citizen, admin=True),
}


def test_every_state_has_a_setup() -> None:
    """A new state in bot/states.py must be added here (and so be tested)."""
    assert {st.state for st in all_states()} == set(SETUPS)


# ---------------------------------------------------------------------- checking the answers


def _english() -> set[str]:
    """Longer English msgids: none may reach a user whose language is not English."""
    with POT.open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.id) for m in catalog if isinstance(m.id, str) and len(m.id) > 30}


ENGLISH = _english()


def check_language(text: str, locale: str, what: str) -> None:
    assert text, f"{what}: an empty answer"
    if locale == "ru":
        assert CYRILLIC.search(text), f"{what}: not in Russian: {text!r}"
    else:
        assert not CYRILLIC.search(text), f"{what}: not in Uzbek Latin: {text!r}"
    leaked = [m for m in ENGLISH if m in text]
    assert not leaked, f"{what}: untranslated text {leaked[0]!r}"


async def set_state(harness: Any, tid: int, state: str | None, data: dict[str, Any]) -> None:
    app = harness.app
    context = app.dispatcher.fsm.get_context(bot=app.bot, chat_id=tid, user_id=tid)
    await context.set_state(state)
    await context.set_data(data)


async def get_state(harness: Any, tid: int) -> str | None:
    app = harness.app
    return await app.dispatcher.fsm.get_context(bot=app.bot, chat_id=tid, user_id=tid).get_state()


def inputs(user: Any, other: Any) -> list[tuple[str, Callable[[], Awaitable[list[Any]]]]]:
    return [
        ("text", lambda: user.send("qwerty 123")),
        ("number", lambda: user.send("3")),
        ("sticker", user.send_sticker),
        ("photo", user.send_photo),
        ("own contact", user.send_contact),
        ("other contact", lambda: user.send_contact("+998901112233", user_id=other.id)),
        ("location", user.send_location),
        ("voice", user.send_voice),
        ("unknown command", lambda: user.send("/nonsense")),
        ("/help", lambda: user.send("/help")),
        ("/start", lambda: user.send("/start")),
    ]


STALE_BUTTONS = (
    "zz:forged",
    VacCB(action=VacancyAction.POST).pack(),
    JobCB(action=JobAction.MAHALLA, v="999-9999").pack(),
)


async def exercise(
    harness: Any, user: Any, locale: str, other: Any, state: str | None, data: dict
) -> None:
    """Send every kind of input in `state` (set again before each) and check each answer."""
    sorry = harness.app.i18n.gettext(SORRY, locale=locale)
    where = f"{state or 'no state'} ({locale})"
    for name, send in inputs(user, other):
        await set_state(harness, user.id, state, data)
        replies = await send()
        assert replies, f"{where}: no answer to {name}"
        for reply in replies:
            check_language(reply.text or "", locale, f"{where}, {name}")
            assert sorry not in (reply.text or ""), f"{where}: {name} hit an error"
    for data_string in STALE_BUTTONS:
        await set_state(harness, user.id, state, data)
        target = user.messages[-1]
        replies = await user.press_data(target, data_string)
        answer = user.last_answer
        assert answer is not None, f"{where}: button {data_string!r} was not answered"
        shown = [answer.text or ""] + [r.text or "" for r in replies]
        assert any(shown), f"{where}: button {data_string!r} got a silent answer"
        for text in shown:
            if text:
                check_language(text, locale, f"{where}, button {data_string!r}")
                assert sorry not in text
    await set_state(harness, user.id, state, data)
    replies = await user.send("/cancel")
    assert replies, f"{where}: no answer to /cancel"
    check_language(replies[-1].text, locale, f"{where}, /cancel")
    assert await get_state(harness, user.id) is None, f"{where}: /cancel did not leave the state"
    assert not harness.fake.errors(), f"{where}: refused calls {harness.fake.errors()[:2]}"
    assert not harness.fake.unanswered_callbacks(), f"{where}: unanswered callbacks"


async def _meet(harness: Any, tid: int) -> None:
    """The user and the people set up with them (tid + 50 000, + 60 000) start the bot, so
    messages to any of them can be delivered."""
    async with harness.db() as session:
        known = set(await session.scalars(select(User.telegram_id)))
    for person in (tid, tid + 50_000, tid + 60_000):
        if person in known:
            await harness.user(person, first_name="Ali").send("/start")


GROUPS = sorted({name.split(":")[0] for name in SETUPS})


@pytest.mark.parametrize("locale", ["uz", "ru"])
@pytest.mark.parametrize("group", GROUPS)
async def test_every_input_in_every_state_is_answered(harness, group: str, locale: str) -> None:  # type: ignore[no-untyped-def]
    names = [name for name in SETUPS if name.split(":")[0] == group]
    other = harness.user(9_999, first_name="Other", language_code="uz")
    for index, name in enumerate(names):
        setup = SETUPS[name]
        tid = (ADMINS if setup.admin else 7_000) + index
        async with harness.db() as session:
            row, data = await setup.who(session, tid, locale)
            row_id = row.id
        user = harness.user(tid, first_name="Ali", language_code=locale)
        await _meet(harness, tid)
        if setup.after is not None:
            data = {**data, **await setup.after(harness, user, locale, row_id)}
        await exercise(harness, user, locale, other, name, {**data, **setup.extra})


@pytest.mark.parametrize("locale", ["uz", "ru"])
async def test_every_input_without_a_state_is_answered(harness, locale: str) -> None:  # type: ignore[no-untyped-def]
    """The main menu of each role: a newcomer, a citizen, an assistant and a supervisor."""
    other = harness.user(9_999, first_name="Other", language_code="uz")
    for index, who in enumerate((_newcomer, _citizen, _assistant, _supervisor)):
        tid = 8_000 + index
        async with harness.db() as session:
            await who(session, tid, locale)
        user = harness.user(tid, first_name="Ali", language_code=locale)
        await _meet(harness, tid)
        await exercise(harness, user, locale, other, None, {})
