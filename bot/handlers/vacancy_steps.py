"""The posting wizard's nine steps (`VacancyPost`), each a Step holding its own input.

Every step shares `PostingStep` (its `reshow`, and a main-menu button leaves the wizard). The
steps that take typed text (title, employer, pay, places, closes) are `TypedStep`s: one handler
takes the answer and the step's own `read` checks it; anything wrong is said and the step asked
again, a good answer is stored and the next step asked (``vacancy_posting.next_step``). The
others, answered with buttons alone, are `ButtonStep`s. The buttons of every step stay on the
module router (``vacancy_posting.on_step_button`` / ``on_back``), which checks them against the
step on screen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from aiogram.fsm.scene import on
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.handlers.dialog import TYPE_DATE, TYPE_NUMBER, TYPE_TEXT, TYPED, USE_BUTTONS, Step
from bot.handlers.dialog_turn import Turn
from bot.handlers.vacancy_posting import ask, fmt_date_typed, next_step, parse_whole
from bot.i18n import fmt_number
from bot.services import roadmap, vacancies
from bot.states import VacancyPost
from bot.views import counted
from bot.views.texts import no_such_date


async def reshow(message: Message, notice: str, data: dict[str, Any]) -> None:
    """The re-ask after an input the step cannot use (`dialog.on_unexpected`): the notice,
    then the step."""
    await ask(message, Turn.of(data), notice=notice)


class Again(Exception):
    """A typed answer the step cannot use: `notice` says why, and the step is asked again."""

    def __init__(self, notice: str) -> None:
        super().__init__(notice)
        self.notice = notice


def _date_problem(reason: str, today: dt.date) -> str:
    if reason == "past":
        return _("That day has already passed. Choose today or a later day.")
    if reason == "far":
        return counted.too_far_ahead(vacancies.CLOSES_WITHIN_DAYS)
    if reason == "no_such_date":
        return no_such_date(today + dt.timedelta(days=14))
    return _("Please type the date as dd.mm.yyyy, for example {example}.").format(
        example=fmt_date_typed(today + dt.timedelta(days=14))
    )


def _whole(text: str, fits: Callable[[int], bool], notice: str) -> int:
    """A typed whole number that `fits`; anything else is asked again with `notice`."""
    value = parse_whole(text)
    if value is None or not fits(value):
        raise Again(notice)
    return value


class PostingStep(Step):
    """A step of the wizard: an input it cannot use asks it again (`reshow`), and a main-menu
    button leaves the wizard."""

    reshow = reshow
    menu_leaves = True


class ButtonStep(PostingStep):
    """A step answered with its buttons alone: typed text gets the hint and the step again."""

    hint = USE_BUTTONS


class TypedStep(PostingStep):
    """A step that takes a typed answer: `read` makes the value stored as `field` of the
    cleaned text, or raises `Again`; a good answer goes on to the next step."""

    field: ClassVar[str]

    @on.message(*TYPED)
    async def on_typed(self, message: Message, **data: Any) -> None:
        turn = Turn.of(data)
        try:
            value = self.read(vacancies.clean(message.text or ""), turn.settings.today())
        except Again as again:
            await ask(message, turn, notice=again.notice)
            return
        await next_step(message, turn, **{self.field: value})

    @staticmethod
    def read(text: str, today: dt.date) -> Any:
        raise NotImplementedError


class TextStep(TypedStep):
    """A step that takes a name: not empty and not longer than `limit` (else `prompt`)."""

    hint = TYPE_TEXT
    limit: ClassVar[int]
    prompt: ClassVar[Callable[[int], str]]

    @classmethod
    def read(cls, text: str, today: dt.date) -> str:
        if not text or len(text) > cls.limit:
            raise Again(cls.prompt(cls.limit))
        return text


class TitleStep(TextStep, state=VacancyPost.title.state):
    """The job's title."""

    field = "title"
    limit = vacancies.TITLE_MAX
    prompt = counted.job_title_prompt


class EmployerStep(TextStep, state=VacancyPost.employer.state):
    """The employer's name."""

    field = "employer"
    limit = vacancies.EMPLOYER_MAX
    prompt = counted.employer_name_prompt


class OccupationStep(ButtonStep, state=VacancyPost.occupation.state):
    """Which occupation: the vacancy is offered to people looking for that kind of work."""


class PlaceStep(ButtonStep, state=VacancyPost.place.state):
    """Where the work is."""


class PayStep(TypedStep, state=VacancyPost.pay.state):
    hint = TYPE_NUMBER
    field = "pay"

    @staticmethod
    def read(text: str, today: dt.date) -> int:
        """The pay: a whole number of soʻm within the limits (“By agreement” is a button)."""
        notice = _(
            "Please type the pay as a whole number of soʻm from {min} to {max}, or press "
            "“By agreement”."
        ).format(min=fmt_number(vacancies.PAY_MIN), max=fmt_number(vacancies.PAY_MAX))
        return _whole(text, vacancies.check_pay, notice)


class KindStep(ButtonStep, state=VacancyPost.kind.state):
    """The kind of work: full-time, part-time, seasonal or remote."""


class PlacesStep(TypedStep, state=VacancyPost.places.state):
    hint = TYPE_NUMBER
    field = "places"

    @staticmethod
    def read(text: str, today: dt.date) -> int:
        """How many people are needed: a whole number from 1 to the limit."""
        notice = _("Please type a whole number from 1 to {max}.").format(max=vacancies.PLACES_MAX)
        return _whole(text, lambda n: 1 <= n <= vacancies.PLACES_MAX, notice)


class ClosesStep(TypedStep, state=VacancyPost.closes.state):
    hint = TYPE_DATE
    field = "closes"

    @staticmethod
    def read(text: str, today: dt.date) -> str:
        """The last day the vacancy is open: a real date, from today, within the limit."""
        try:
            closes = roadmap.parse_due(text, today)
        except roadmap.DueDateError as error:
            raise Again(_date_problem(error.reason, today)) from None
        if not vacancies.check_closes(closes, today):
            raise Again(_date_problem("far", today))
        return closes.isoformat()


class ConfirmStep(ButtonStep, state=VacancyPost.confirm.state):
    """The vacancy as it will read, and 📢 Post."""


#: In the wizard's order (that of `vacancy_common.ALL_STATES`).
POSTING_STEPS = (
    TitleStep,
    EmployerStep,
    OccupationStep,
    PlaceStep,
    PayStep,
    KindStep,
    PlacesStep,
    ClosesStep,
    ConfirmStep,
)
