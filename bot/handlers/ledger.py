"""The job ledger (record a job in three taps, same-day edit/delete), the citizen's "did you
start this job?" answer, and the assistant's "Today" screen.

The common path is kind → employer ("same as last") → "No link": three taps. The steps keep
their choices in FSM data; every tap re-checks ids (jobs, cases, mahallas) against the sender.

The dialogs live in their own modules: ``ledger_record`` (the three taps and the saved job),
``ledger_edit``, ``ledger_today`` and ``ledger_confirm`` (the citizen's answer);
``ledger_common`` holds what they share. This module only registers their handlers, in the
order aiogram matches them.
"""

from __future__ import annotations

from aiogram import F, Router

from bot.callbacks import CaseCB, JobCB
from bot.filters import AnyMenuButton, MenuButton
from bot.handlers.dialog import Step
from bot.handlers.ledger_confirm import on_confirm
from bot.handlers.ledger_edit import on_delete, on_edit
from bot.handlers.ledger_record import (
    on_back,
    on_employer_button,
    on_employer_text,
    on_kind,
    on_link,
    on_mahalla,
    on_record,
    on_record_button,
)
from bot.handlers.ledger_today import on_today
from bot.i18n import N_
from bot.states import JobLedger


class KindStep(Step, state=JobLedger.kind.state):
    hint = N_("Please choose the kind of job with the buttons above, or /cancel.")
    menu_leaves = True


class EmployerStep(Step, state=JobLedger.employer.state):
    hint = N_("Please type the employer's name or use the buttons above, or /cancel.")
    menu_leaves = True


class LinkStep(Step, state=JobLedger.link.state):
    hint = N_("Please choose a request or “No link” with the buttons above, or /cancel.")
    menu_leaves = True


class MahallaStep(Step, state=JobLedger.mahalla.state):
    hint = N_("Please choose the mahalla with the buttons above, or /cancel.")
    menu_leaves = True


def router() -> Router:
    """The assistant's ledger; inside the assistant audience's router, which checks the role."""
    r = Router(name="ledger")
    r.message.register(on_record, MenuButton("a_job"))
    r.message.register(on_today, MenuButton("a_today"))
    r.callback_query.register(on_record_button, JobCB.filter(F.action == "start"))
    r.callback_query.register(on_kind, JobCB.filter(F.action == "kind"))
    r.callback_query.register(on_employer_button, JobCB.filter(F.action == "emp"))
    r.callback_query.register(on_link, JobCB.filter(F.action == "link"))
    r.callback_query.register(on_mahalla, JobCB.filter(F.action == "mah"))
    r.callback_query.register(on_back, JobCB.filter(F.action == "back"))
    r.callback_query.register(on_edit, JobCB.filter(F.action == "edit"))
    r.callback_query.register(on_delete, JobCB.filter(F.action.in_({"del", "dely", "keep"})))
    r.message.register(
        on_employer_text, JobLedger.employer, F.text, ~F.text.startswith("/"), ~AnyMenuButton()
    )
    return r


def confirm_router() -> Router:
    """The citizen's answer to a job recorded for them; in the citizens' router."""
    r = Router(name="ledger_confirm")
    r.callback_query.register(on_confirm, CaseCB.filter(F.action == "confirm"))
    return r
