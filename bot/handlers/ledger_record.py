"""Recording a job in three taps: kind → employer ("same as last") → link to a request (and
the mahalla when nothing says which), then the saved job's card with Edit and Delete.

Each of the four states is a Step here (`KindStep`, `EmployerStep`, `LinkStep`,
`MahallaStep`); the typed employer lives in `EmployerStep`. The steps' buttons are taken by
their callback data from anywhere (the state is checked inside, an old button is answered as
out of date), so those handlers stay module functions that `ledger.router()` registers.
"""

from __future__ import annotations

from typing import Any, Unpack

from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import JobAction, JobCB
from bot.config import Settings
from bot.handlers.case_typed import refused_text
from bot.handlers.dialog import TYPED, Step
from bot.handlers.ledger_common import (
    LedgerData,
    editable_job,
    job_line,
    out_of_date,
    redraw,
    short,
)
from bot.handlers.ledger_today import count_day, jobs_today_line
from bot.i18n import N_, fmt_date
from bot.notifications.work import job_confirmation, job_kind_label
from bot.services import jobs, registry
from bot.services.roles import Roles
from bot.states import JobLedger
from bot.views.keyboards.places import cancel_button
from bot.views.texts import opening
from db.models import Case, Job, User, utcnow


async def _step_data(
    query: CallbackQuery, state: FSMContext, user: User, step: State, name: str
) -> dict[str, Any] | None:
    """The FSM data if the ledger is at `step` with a kind chosen, else (an old button) None."""
    data = await state.get_data()
    if await state.get_state() != step.state or data.get("kind") not in jobs.KINDS:
        await out_of_date(query, user, f"{name} button outside the {name} step")
        return None
    return data


class _Flow:
    """An answer moving the ledger on: the message to reply in (the pressed one, edited in
    place, or the typed one, answered) and the handler data the later steps need."""

    def __init__(self, message: Message, edit: bool, data: LedgerData) -> None:
        self.message, self.edit = message, edit
        self.session, self.user, self.roles = data["session"], data["user"], data["roles"]
        self.state, self.settings, self.i18n = data["state"], data["settings"], data["i18n"]

    async def show(self, text: str, markup: InlineKeyboardMarkup) -> None:
        await (self.message.edit_text if self.edit else self.message.answer)(
            text, reply_markup=markup
        )

    async def show_saved(self, job: Job, head: str) -> None:
        """The saved job's card (`saved_view`) under `head`."""
        view = await saved_view(self.session, self.user, self.roles, self.settings, job, head)
        await self.show(*view)


async def _pressed(query: CallbackQuery, data: LedgerData) -> _Flow | None:
    """Answer a step's button; its message goes on (None when Telegram no longer gives it)."""
    await query.answer()
    if not isinstance(query.message, Message):
        return None
    return _Flow(query.message, True, data)


#: The steps that have a step before them (Back); the kind is chosen in all of them.
LATER_STEPS = (JobLedger.employer.state, JobLedger.link.state, JobLedger.mahalla.state)


# ---------------------------------------------------------------------- step 1: kind


class KindStep(Step, state=JobLedger.kind.state):
    hint = N_("Please choose the kind of job with the buttons above, or /cancel.")
    menu_leaves = True


def kind_keyboard(job_id: int = 0) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in jobs.KINDS:
        builder.button(
            text=job_kind_label(kind), callback_data=JobCB(action=JobAction.KIND, v=kind, id=job_id)
        )
    builder.adjust(2)
    builder.row(cancel_button())
    return builder.as_markup()


def _back_and_cancel(builder: InlineKeyboardBuilder, to: str) -> InlineKeyboardMarkup:
    """The step's own buttons, one a row, then ⬅️ Back (to the step `to`) and ✖️ Cancel."""
    builder.adjust(1)
    back = JobCB(action=JobAction.BACK, v=to).pack()
    builder.row(InlineKeyboardButton(text=_("⬅️ Back"), callback_data=back), cancel_button())
    return builder.as_markup()


async def on_record(message: Message, state: FSMContext) -> None:
    await state.set_state(JobLedger.kind)
    await state.set_data({})
    await message.answer(_("➕ What kind of job was created?"), reply_markup=kind_keyboard())


async def on_record_button(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await on_record(query.message, state)


async def on_kind(query: CallbackQuery, callback_data: JobCB, **data: Unpack[LedgerData]) -> None:
    session, user, state = data["session"], data["user"], data["state"]
    kind = callback_data.v
    if kind not in jobs.KINDS:
        await out_of_date(query, user, f"kind {kind!r}", forged=True)
        return
    if callback_data.id:  # correcting a saved job
        job = await editable_job(query, session, user, callback_data.id, data["settings"])
        if job is None:
            return
    await state.set_state(JobLedger.employer)
    await state.set_data({"kind": kind, "job": callback_data.id})
    await _ask_employer(query, session, user, kind, callback_data.id)


async def _ask_employer(
    query: CallbackQuery, session: AsyncSession, user: User, kind: str, job_id: int
) -> None:
    """Step 2 in place of the pressed message: "same as last" (or "keep") and "no employer"."""
    builder = InlineKeyboardBuilder()
    if job_id:
        job = await jobs.own_job(session, job_id, user.id)
        if job is not None and job.employer:
            builder.button(
                text=_("Keep: {employer}").format(employer=short(job.employer)),
                callback_data=JobCB(action=JobAction.EMPLOYER, v="same", id=job_id),
            )
    else:
        last = await jobs.last_employer(session, user.id)
        if last:
            builder.button(
                text=_("🔁 Same as last: {employer}").format(employer=short(last)),
                callback_data=JobCB(action=JobAction.EMPLOYER, v="same"),
            )
    if kind in jobs.NO_EMPLOYER_KINDS:
        builder.button(
            text=_("No employer (own work)"),
            callback_data=JobCB(action=JobAction.EMPLOYER, v="none", id=job_id),
        )
    text = opening(
        _("{kind}. Employer: type its name, or choose below.").format(kind=job_kind_label(kind))
    )
    await redraw(query, text, _back_and_cancel(builder, "kind"))


# ---------------------------------------------------------------------- step 2: employer


async def on_employer_button(
    query: CallbackQuery, callback_data: JobCB, **data: Unpack[LedgerData]
) -> None:
    session, user = data["session"], data["user"]
    fsm_data = await _step_data(query, data["state"], user, JobLedger.employer, "employer")
    if fsm_data is None:
        return
    job_id = int(fsm_data.get("job") or 0)
    if callback_data.id != job_id or callback_data.v not in ("same", "none"):
        await out_of_date(query, user, f"employer button for job {callback_data.id}", forged=True)
        return
    employer: str | None = None
    if callback_data.v == "same":
        if job_id:
            job = await jobs.own_job(session, job_id, user.id)
            employer = job.employer if job else None
        else:
            employer = await jobs.last_employer(session, user.id)
        if not employer:
            await out_of_date(query, user, "same-as-last with no last employer")
            return
    flow = await _pressed(query, data)
    if flow is not None:
        await _after_employer(flow, employer)


class EmployerStep(Step, state=JobLedger.employer.state):
    hint = N_("Please type the employer's name or use the buttons above, or /cancel.")
    menu_leaves = True

    @on.message(*TYPED)
    async def on_employer_text(self, message: Message, **data: Unpack[LedgerData]) -> None:
        employer = jobs.clean_employer(message.text or "")
        empty = _("Please type the employer's name, or /cancel.")
        if await refused_text(message, employer, jobs.EMPLOYER_MAX_CHARS, empty):
            return
        await _after_employer(_Flow(message, False, data), employer)


async def _after_employer(flow: _Flow, employer: str | None) -> None:
    """Corrections are saved at once; a new job goes on to the link (if there are cases)."""
    data = await flow.state.get_data()
    kind = str(data.get("kind"))
    job_id = int(data.get("job") or 0)
    if job_id:
        await flow.state.clear()  # FSM before this session writes (SQLite has one writer)
        job = await jobs.own_job(flow.session, job_id, flow.user.id)
        if jobs.edit_access(job, flow.settings.today()) is not jobs.Access.OK or job is None:
            await flow.message.answer(_("You can change a job only on the day it was recorded."))
            return
        await jobs.update(flow.session, job, kind=kind, employer=employer)
        await flow.show_saved(job, _("✏️ Job updated."))
        return
    await flow.state.update_data(employer=employer)
    if not await _ask_link(flow):
        await _continue(flow, None, "emp")


async def _ask_link(flow: _Flow) -> bool:
    """Step 3: link the job to one of the open requests; False when there is none to link."""
    linkable = await jobs.linkable_cases(flow.session, flow.user.id, flow.roles.mahallas)
    if not linkable:
        return False
    await flow.state.set_state(JobLedger.link)
    builder = InlineKeyboardBuilder()
    for case, citizen in linkable:
        builder.button(
            text=short(f"{case.number} · {citizen.name or '—'}"),
            callback_data=JobCB(action=JobAction.LINK, id=case.id),
        )
    builder.button(text=_("No link"), callback_data=JobCB(action=JobAction.LINK, id=0))
    text = _("Link this job to a request? Its citizen will be asked to confirm it.")
    await flow.show(text, _back_and_cancel(builder, "emp"))
    return True


# ---------------------------------------------------------------------- step 3: link, mahalla


class LinkStep(Step, state=JobLedger.link.state):
    hint = N_("Please choose a request or “No link” with the buttons above, or /cancel.")
    menu_leaves = True


class MahallaStep(Step, state=JobLedger.mahalla.state):
    hint = N_("Please choose the mahalla with the buttons above, or /cancel.")
    menu_leaves = True


async def on_link(query: CallbackQuery, callback_data: JobCB, **data: Unpack[LedgerData]) -> None:
    user = data["user"]
    if await _step_data(query, data["state"], user, JobLedger.link, "link") is None:
        return
    case: Case | None = None
    if callback_data.id:
        case = await data["session"].get(Case, callback_data.id)
        if case is None or not jobs.linked_case_ok(case, user.id, data["roles"].mahallas):
            await out_of_date(query, user, f"link to case {callback_data.id}", forged=True)
            return
    flow = await _pressed(query, data)
    if flow is not None:
        await _continue(flow, case, "link")


async def _continue(flow: _Flow, case: Case | None, back: str) -> None:
    """Save, unless the assistant serves several mahallas and nothing says which: ask once
    (its Back goes to the step `back`, the one shown before)."""
    mahalla = jobs.job_mahalla(flow.roles.mahallas, case)
    if mahalla is not None:
        await _save(flow, case, mahalla)
        return
    await flow.state.set_state(JobLedger.mahalla)
    builder = InlineKeyboardBuilder()
    for code in flow.roles.mahallas:
        place = await registry.get_mahalla(flow.session, code)
        label = registry.place_name(place, flow.user.locale) if place else code
        builder.button(text=short(label), callback_data=JobCB(action=JobAction.MAHALLA, v=code))
    await flow.show(_("Which mahalla is this job in?"), _back_and_cancel(builder, back))


async def on_mahalla(
    query: CallbackQuery, callback_data: JobCB, **data: Unpack[LedgerData]
) -> None:
    user = data["user"]
    if await _step_data(query, data["state"], user, JobLedger.mahalla, "mahalla") is None:
        return
    if callback_data.v not in data["roles"].mahallas:
        await out_of_date(query, user, f"mahalla {callback_data.v!r}", forged=True)
        return
    flow = await _pressed(query, data)
    if flow is not None:
        await _save(flow, None, callback_data.v)


async def on_back(query: CallbackQuery, callback_data: JobCB, **data: Unpack[LedgerData]) -> None:
    """⬅️ Back: the step before, with the choices made so far kept (a kind, a job to correct)."""
    session, user, state = data["session"], data["user"], data["state"]
    fsm_data = await state.get_data()
    kind, job_id = fsm_data.get("kind"), int(fsm_data.get("job") or 0)
    if await state.get_state() not in LATER_STEPS or kind not in jobs.KINDS:
        await out_of_date(query, user, "back button outside the ledger")
        return
    if callback_data.v == "kind":
        await state.set_state(JobLedger.kind)
        await state.set_data({"job": job_id})
        await redraw(query, _("➕ What kind of job was created?"), kind_keyboard(job_id))
    elif callback_data.v == "emp":
        await state.set_state(JobLedger.employer)
        await _ask_employer(query, session, user, str(kind), job_id)
    elif callback_data.v == "link" and isinstance(query.message, Message):
        if await _ask_link(_Flow(query.message, True, data)):
            await query.answer()
        else:  # the requests were closed meanwhile: the step before that
            await state.set_state(JobLedger.employer)
            await _ask_employer(query, session, user, str(kind), job_id)
    else:
        await out_of_date(query, user, f"back to {callback_data.v!r}", forged=True)


async def _save(flow: _Flow, case: Case | None, mahalla: str) -> None:
    session, user = flow.session, flow.user
    data = await flow.state.get_data()
    await flow.state.clear()  # FSM before this session writes (SQLite has one writer)
    employer = data.get("employer")
    job = await jobs.add(
        session,
        assistant=user,
        kind=str(data.get("kind")),
        employer=employer if isinstance(employer, str) else None,
        mahalla_code=mahalla,
        case=case,
        work_date=flow.settings.today(),
        now=utcnow(),
        notify=lambda job, case: job_confirmation(session, flow.i18n, job, case, user),
    )
    head = _("✅ Job recorded.")
    if case is not None:
        head += "\n" + _(
            "Linked to request <b>{number}</b>: its citizen is asked to confirm."
        ).format(number=case.number)
    await flow.show_saved(job, head)


async def saved_view(
    session: AsyncSession, user: User, roles: Roles, settings: Settings, job: Job, head: str
) -> tuple[str, InlineKeyboardMarkup]:
    day = await count_day(session, user, roles, settings)
    lines = [
        head,
        f"• {job_line(job)}",
        _("Counts for {date}.").format(date=fmt_date(job.work_date)),
        jobs_today_line(day),
    ]
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✏️ Edit"), callback_data=JobCB(action=JobAction.EDIT, id=job.id))
    builder.button(text=_("🗑 Delete"), callback_data=JobCB(action=JobAction.DELETE, id=job.id))
    builder.button(text=_("➕ Record another"), callback_data=JobCB(action=JobAction.START))
    builder.adjust(2, 1)
    return "\n".join(lines), builder.as_markup()
