"""The posting wizard's nine steps (`VacancyPost`), each a Step holding its own input.

The steps that take typed text (title, employer, pay, places, closes) check it here; anything
wrong is said and the step asked again, a good answer is stored and the next step asked
(``vacancy_posting.next_step``). The buttons of the steps stay on the module router
(``vacancy_posting.on_step_button`` / ``on_back``), which checks them against the step on screen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import AnyMenuButton
from bot.handlers.dialog import TYPE_DATE, TYPE_NUMBER, TYPE_TEXT, USE_BUTTONS, Step
from bot.handlers.vacancy_posting import ask, fmt_date_typed, next_step, parse_whole
from bot.i18n import fmt_number
from bot.services import roadmap, vacancies
from bot.services.roles import Roles
from bot.states import VacancyPost
from bot.views import counted
from bot.views.texts import no_such_date
from db.models import User

#: A typed answer (not a command, not a main-menu button, which leaves the step).
TYPED = (F.text, ~F.text.startswith("/"), ~AnyMenuButton())


async def reshow(message: Message, notice: str, data: dict[str, Any]) -> None:
    """The re-ask after an input the step cannot use (`dialog.on_unexpected`): the notice,
    then the step."""
    await ask(
        message,
        data["state"],
        data["session"],
        data["user"],
        data["roles"],
        data["settings"],
        notice=notice,
    )


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


class TitleStep(Step, state=VacancyPost.title.state):
    hint = TYPE_TEXT
    reshow = reshow
    menu_leaves = True

    @on.message(*TYPED)
    async def on_title(
        self,
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        user: User,
        roles: Roles,
        settings: Settings,
    ) -> None:
        """The job's title: not empty and not too long."""
        text = vacancies.clean(message.text or "")
        args = (message, state, session, user, roles, settings)
        if not text or len(text) > vacancies.TITLE_MAX:
            await ask(*args, notice=counted.job_title_prompt(vacancies.TITLE_MAX))
            return
        await next_step(*args, title=text)


class EmployerStep(Step, state=VacancyPost.employer.state):
    hint = TYPE_TEXT
    reshow = reshow
    menu_leaves = True

    @on.message(*TYPED)
    async def on_employer(
        self,
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        user: User,
        roles: Roles,
        settings: Settings,
    ) -> None:
        """The employer's name: not empty and not too long."""
        text = vacancies.clean(message.text or "")
        args = (message, state, session, user, roles, settings)
        if not text or len(text) > vacancies.EMPLOYER_MAX:
            await ask(*args, notice=counted.employer_name_prompt(vacancies.EMPLOYER_MAX))
            return
        await next_step(*args, employer=text)


class OccupationStep(Step, state=VacancyPost.occupation.state):
    hint = USE_BUTTONS
    reshow = reshow
    menu_leaves = True


class PlaceStep(Step, state=VacancyPost.place.state):
    hint = USE_BUTTONS
    reshow = reshow
    menu_leaves = True


class PayStep(Step, state=VacancyPost.pay.state):
    hint = TYPE_NUMBER
    reshow = reshow
    menu_leaves = True

    @on.message(*TYPED)
    async def on_pay(
        self,
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        user: User,
        roles: Roles,
        settings: Settings,
    ) -> None:
        """The pay: a whole number of soʻm within the limits (“By agreement” is a button)."""
        pay = parse_whole(vacancies.clean(message.text or ""))
        args = (message, state, session, user, roles, settings)
        if pay is None or not vacancies.check_pay(pay):
            notice = _(
                "Please type the pay as a whole number of soʻm from {min} to {max}, or press "
                "“By agreement”."
            ).format(min=fmt_number(vacancies.PAY_MIN), max=fmt_number(vacancies.PAY_MAX))
            await ask(*args, notice=notice)
            return
        await next_step(*args, pay=pay)


class KindStep(Step, state=VacancyPost.kind.state):
    hint = USE_BUTTONS
    reshow = reshow
    menu_leaves = True


class PlacesStep(Step, state=VacancyPost.places.state):
    hint = TYPE_NUMBER
    reshow = reshow
    menu_leaves = True

    @on.message(*TYPED)
    async def on_places(
        self,
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        user: User,
        roles: Roles,
        settings: Settings,
    ) -> None:
        """How many people are needed: a whole number from 1 to the limit."""
        places = parse_whole(vacancies.clean(message.text or ""))
        args = (message, state, session, user, roles, settings)
        if places is None or not 1 <= places <= vacancies.PLACES_MAX:
            notice = _("Please type a whole number from 1 to {max}.")
            await ask(*args, notice=notice.format(max=vacancies.PLACES_MAX))
            return
        await next_step(*args, places=places)


class ClosesStep(Step, state=VacancyPost.closes.state):
    hint = TYPE_DATE
    reshow = reshow
    menu_leaves = True

    @on.message(*TYPED)
    async def on_closes(
        self,
        message: Message,
        state: FSMContext,
        session: AsyncSession,
        user: User,
        roles: Roles,
        settings: Settings,
    ) -> None:
        """The last day the vacancy is open: a real date, from today, within the limit."""
        text = vacancies.clean(message.text or "")
        today = settings.today()
        args = (message, state, session, user, roles, settings)
        try:
            closes = roadmap.parse_due(text, today)
        except roadmap.DueDateError as error:
            await ask(*args, notice=_date_problem(error.reason, today))
            return
        if not vacancies.check_closes(closes, today):
            await ask(*args, notice=_date_problem("far", today))
            return
        await next_step(*args, closes=closes.isoformat())


class ConfirmStep(Step, state=VacancyPost.confirm.state):
    hint = USE_BUTTONS
    reshow = reshow
    menu_leaves = True


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
