"""Vacancies: assistants post them (a short flow) and see who is interested and mark them hired;
citizens get offers (Interested · Not for me) and browse the open vacancies of their district.

Every id in callback data is re-checked: an assistant acts only on the vacancies of their
mahallas' districts, a citizen answers only offers made to them and sees only their district's
vacancies. Refusals are logged with ids only. Notifications are queued in the same transaction
as the change and committed (the commit wakes the outbox); only then is the sender answered.

The dialogs live in their own modules: ``vacancy_list`` (the assistant's list, card and
interested people), ``vacancy_hiring``, ``vacancy_posting`` (the wizard) and
``vacancy_browsing`` (citizens); ``vacancy_common`` holds what they share. Each posting step's
typed input lives in its Step (``vacancy_steps``). This module only registers their handlers,
in the order aiogram matches them.
"""

from __future__ import annotations

from aiogram import Router

from bot.callbacks import VacancyAction, VacCB
from bot.filters import MenuButton
from bot.handlers.dialog import include, register_buttons
from bot.handlers.vacancy_browsing import (
    on_browse,
    on_browse_menu,
    on_interest,
    on_offer_answer,
    on_see,
)
from bot.handlers.vacancy_common import BUTTON_STATES
from bot.handlers.vacancy_hiring import on_hire, on_hire_yes
from bot.handlers.vacancy_list import on_close, on_list, on_menu, on_open
from bot.handlers.vacancy_posting import on_back, on_new, on_step_button
from bot.handlers.vacancy_steps import POSTING_STEPS


def assistant_router() -> Router:
    """Posting and managing vacancies; inside the assistant audience's router, which checks
    the role.

    The posting steps' typed answers come from their Steps, included after the handlers here
    (they used to come first). Nothing here can take them first: the one message handler here
    takes a main-menu button, which the steps never take, and the steps take no buttons."""
    r = Router(name="vacancies")
    r.message.register(on_menu, MenuButton("a_vac"))
    buttons = {
        VacancyAction.LIST: on_list,
        VacancyAction.OPEN: on_open,
        VacancyAction.PEOPLE: on_open,
        VacancyAction.HIRE: on_hire,
        VacancyAction.HIRE_YES: on_hire_yes,
        VacancyAction.CLOSE: on_close,
        VacancyAction.CLOSE_YES: on_close,
        VacancyAction.NEW: on_new,
        **dict.fromkeys(BUTTON_STATES, on_step_button),
        VacancyAction.BACK: on_back,
    }
    register_buttons(r, VacCB, buttons)
    include(r, *POSTING_STEPS)
    return r


def citizen_router() -> Router:
    """Browsing vacancies, saying "I'm interested" and answering an offer."""
    r = Router(name="vacancies_citizen")
    r.message.register(on_browse_menu, MenuButton("vacancies"))
    buttons = {
        VacancyAction.BROWSE: on_browse,
        VacancyAction.SEE: on_see,
        VacancyAction.INTERESTED: on_interest,
        VacancyAction.OFFER_YES: on_offer_answer,
        VacancyAction.OFFER_NO: on_offer_answer,
    }
    register_buttons(r, VacCB, buttons)
    return r
