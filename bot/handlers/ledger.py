"""The job ledger (record a job in three taps, same-day edit/delete), the citizen's "did you
start this job?" answer, and the assistant's "Today" screen.

The common path is kind → employer ("same as last") → "No link": three taps. The steps keep
their choices in FSM data; every tap re-checks ids (jobs, cases, mahallas) against the sender.

The dialogs live in their own modules: ``ledger_record`` (the three taps and the saved job),
``ledger_edit``, ``ledger_today`` and ``ledger_confirm`` (the citizen's answer);
``ledger_common`` holds what they share. The four steps (`KindStep` … `MahallaStep`) are
declared in ``ledger_record``; the typed employer is taken in `EmployerStep`. This module only
registers the handlers and includes the steps, in the order aiogram matches them.
"""

from __future__ import annotations

from aiogram import Router

from bot.callbacks import CaseAction, CaseCB, JobAction, JobCB
from bot.filters import MenuButton
from bot.handlers.dialog import include, register_buttons
from bot.handlers.ledger_confirm import on_confirm
from bot.handlers.ledger_edit import on_delete, on_edit
from bot.handlers.ledger_record import (
    EmployerStep,
    KindStep,
    LinkStep,
    MahallaStep,
    on_back,
    on_employer_button,
    on_kind,
    on_link,
    on_mahalla,
    on_record,
    on_record_button,
)
from bot.handlers.ledger_today import on_today


def router() -> Router:
    """The assistant's ledger; inside the assistant audience's router, which checks the role."""
    r = Router(name="ledger")
    r.message.register(on_record, MenuButton("a_job"))
    r.message.register(on_today, MenuButton("a_today"))
    buttons = {
        JobAction.START: on_record_button,
        JobAction.KIND: on_kind,
        JobAction.EMPLOYER: on_employer_button,
        JobAction.LINK: on_link,
        JobAction.MAHALLA: on_mahalla,
        JobAction.BACK: on_back,
        JobAction.EDIT: on_edit,
        JobAction.DELETE: on_delete,
        JobAction.DELETE_YES: on_delete,
        JobAction.KEEP: on_delete,
    }
    register_buttons(r, JobCB, buttons)
    # After the handlers above, which take only menu buttons and callbacks: the typed employer
    # excludes menu buttons, so the order cannot matter.
    include(r, KindStep, EmployerStep, LinkStep, MahallaStep)
    return r


def confirm_router() -> Router:
    """The citizen's answer to a job recorded for them; in the citizens' router."""
    r = Router(name="ledger_confirm")
    register_buttons(r, CaseCB, {CaseAction.CONFIRM_JOB: on_confirm})
    return r
