"""Recording a job in three taps: kind → employer ("same as last") → link to a request (and
the mahalla when nothing says which), then the saved job's card with Edit and Delete.
"""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import JobCB
from bot.config import Settings
from bot.handlers.ledger_common import (
    editable_job,
    job_line,
    local_today,
    out_of_date,
    redraw,
    short,
)
from bot.handlers.ledger_today import count_day, jobs_line
from bot.i18n import fmt_date
from bot.notifications.work import job_confirmation, job_kind_label
from bot.services import jobs, registry
from bot.services.roles import Roles
from bot.states import JobLedger
from bot.views import counted
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


# ---------------------------------------------------------------------- step 1: kind


def kind_keyboard(job_id: int = 0) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in jobs.KINDS:
        builder.button(
            text=job_kind_label(kind), callback_data=JobCB(action="kind", v=kind, id=job_id)
        )
    builder.adjust(2)
    return builder.as_markup()


async def on_record(message: Message, state: FSMContext) -> None:
    await state.set_state(JobLedger.kind)
    await state.set_data({})
    await message.answer(_("➕ What kind of job was created?"), reply_markup=kind_keyboard())


async def on_record_button(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await on_record(query.message, state)


async def on_kind(
    query: CallbackQuery,
    callback_data: JobCB,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    settings: Settings,
) -> None:
    kind = callback_data.v
    if kind not in jobs.KINDS:
        await out_of_date(query, user, f"kind {kind!r}", forged=True)
        return
    keep: str | None = None
    if callback_data.id:  # correcting a saved job
        job = await editable_job(query, session, user, callback_data.id, settings)
        if job is None:
            return
        keep = job.employer
    await state.set_state(JobLedger.employer)
    await state.set_data({"kind": kind, "job": callback_data.id})
    builder = InlineKeyboardBuilder()
    if callback_data.id:
        if keep:
            builder.button(
                text=_("Keep: {employer}").format(employer=short(keep)),
                callback_data=JobCB(action="emp", v="same", id=callback_data.id),
            )
    else:
        last = await jobs.last_employer(session, user.id)
        if last:
            builder.button(
                text=_("🔁 Same as last: {employer}").format(employer=short(last)),
                callback_data=JobCB(action="emp", v="same"),
            )
    if kind in jobs.NO_EMPLOYER_KINDS:
        builder.button(
            text=_("No employer (own work)"),
            callback_data=JobCB(action="emp", v="none", id=callback_data.id),
        )
    builder.adjust(1)
    text = _("{kind}. Employer: type its name, or choose below.").format(kind=job_kind_label(kind))
    await redraw(query, text, builder.as_markup())


# ---------------------------------------------------------------------- step 2: employer


async def on_employer_button(
    query: CallbackQuery,
    callback_data: JobCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    settings: Settings,
    i18n: I18n,
) -> None:
    data = await _step_data(query, state, user, JobLedger.employer, "employer")
    if data is None:
        return
    job_id = int(data.get("job") or 0)
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
    await query.answer()
    if isinstance(query.message, Message):
        await _after_employer(
            query.message, session, user, roles, state, settings, i18n, employer, edit=True
        )


async def on_employer_text(
    message: Message,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    settings: Settings,
    i18n: I18n,
) -> None:
    employer = jobs.clean_employer(message.text or "")
    if not employer:
        await message.answer(_("Please type the employer's name, or /cancel."))
        return
    if len(employer) > jobs.EMPLOYER_MAX_CHARS:
        await message.answer(counted.over_limit(len(employer), jobs.EMPLOYER_MAX_CHARS))
        return
    await _after_employer(
        message, session, user, roles, state, settings, i18n, employer, edit=False
    )


async def _after_employer(
    message: Message,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    settings: Settings,
    i18n: I18n,
    employer: str | None,
    *,
    edit: bool,
) -> None:
    """Corrections are saved at once; a new job goes on to the link (if there are cases)."""
    data = await state.get_data()
    kind = str(data.get("kind"))
    job_id = int(data.get("job") or 0)
    if job_id:
        await state.clear()  # FSM before this session writes (SQLite has one writer)
        job = await jobs.own_job(session, job_id, user.id)
        if jobs.edit_access(job, local_today(settings)) is not jobs.Access.OK or job is None:
            await message.answer(_("You can change a job only on the day it was recorded."))
            return
        await jobs.update(session, job, kind=kind, employer=employer)
        text, markup = await saved_view(session, user, roles, settings, job, _("✏️ Job updated."))
        await (message.edit_text if edit else message.answer)(text, reply_markup=markup)
        return
    await state.update_data(employer=employer)
    linkable = await jobs.linkable_cases(session, user.id, roles.mahallas)
    if not linkable:
        await _continue(message, session, user, roles, state, settings, i18n, None, edit)
        return
    await state.set_state(JobLedger.link)
    builder = InlineKeyboardBuilder()
    for case, citizen in linkable:
        builder.button(
            text=short(f"{case.number} · {citizen.name or '—'}"),
            callback_data=JobCB(action="link", id=case.id),
        )
    builder.button(text=_("No link"), callback_data=JobCB(action="link", id=0))
    builder.adjust(1)
    text = _("Link this job to a request? Its citizen will be asked to confirm it.")
    await (message.edit_text if edit else message.answer)(text, reply_markup=builder.as_markup())


# ---------------------------------------------------------------------- step 3: link, mahalla


async def on_link(
    query: CallbackQuery,
    callback_data: JobCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    settings: Settings,
    i18n: I18n,
) -> None:
    if await _step_data(query, state, user, JobLedger.link, "link") is None:
        return
    case: Case | None = None
    if callback_data.id:
        case = await session.get(Case, callback_data.id)
        if case is None or not jobs.linked_case_ok(case, user.id, roles.mahallas):
            await out_of_date(query, user, f"link to case {callback_data.id}", forged=True)
            return
    await query.answer()
    if isinstance(query.message, Message):
        await _continue(query.message, session, user, roles, state, settings, i18n, case, edit=True)


async def _continue(
    message: Message,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    settings: Settings,
    i18n: I18n,
    case: Case | None,
    edit: bool,
) -> None:
    """Save, unless the assistant serves several mahallas and nothing says which: ask once."""
    mahalla = jobs.job_mahalla(roles.mahallas, case)
    if mahalla is not None:
        await _save(message, session, user, roles, state, settings, i18n, case, mahalla, edit)
        return
    await state.set_state(JobLedger.mahalla)
    builder = InlineKeyboardBuilder()
    for code in roles.mahallas:
        place = await registry.get_mahalla(session, code)
        label = registry.place_name(place, user.locale) if place else code
        builder.button(text=short(label), callback_data=JobCB(action="mah", v=code))
    builder.adjust(1)
    text = _("Which mahalla is this job in?")
    await (message.edit_text if edit else message.answer)(text, reply_markup=builder.as_markup())


async def on_mahalla(
    query: CallbackQuery,
    callback_data: JobCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    settings: Settings,
    i18n: I18n,
) -> None:
    if await _step_data(query, state, user, JobLedger.mahalla, "mahalla") is None:
        return
    if callback_data.v not in roles.mahallas:
        await out_of_date(query, user, f"mahalla {callback_data.v!r}", forged=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await _save(
            query.message, session, user, roles, state, settings, i18n, None, callback_data.v, True
        )


async def _save(
    message: Message,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    settings: Settings,
    i18n: I18n,
    case: Case | None,
    mahalla: str,
    edit: bool,
) -> None:
    data = await state.get_data()
    await state.clear()  # FSM before this session writes (SQLite has one writer)
    employer = data.get("employer")
    job = await jobs.add(
        session,
        assistant=user,
        kind=str(data.get("kind")),
        employer=employer if isinstance(employer, str) else None,
        mahalla_code=mahalla,
        case=case,
        work_date=local_today(settings),
        now=utcnow(),
        notify=lambda job, case: job_confirmation(session, i18n, job, case, user),
    )
    head = _("✅ Job recorded.")
    if case is not None:
        head += "\n" + _(
            "Linked to request <b>{number}</b>: its citizen is asked to confirm."
        ).format(number=case.number)
    text, markup = await saved_view(session, user, roles, settings, job, head)
    await (message.edit_text if edit else message.answer)(text, reply_markup=markup)


async def saved_view(
    session: AsyncSession, user: User, roles: Roles, settings: Settings, job: Job, head: str
) -> tuple[str, InlineKeyboardMarkup]:
    day = await count_day(session, user, roles, settings)
    lines = [
        head,
        f"• {job_line(job)}",
        _("Counts for {date}.").format(date=fmt_date(job.work_date)),
        jobs_line(_("Jobs today: {done} of {target}"), day.jobs_today, day.target_day),
    ]
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✏️ Edit"), callback_data=JobCB(action="edit", id=job.id))
    builder.button(text=_("🗑 Delete"), callback_data=JobCB(action="del", id=job.id))
    builder.button(text=_("➕ Record another"), callback_data=JobCB(action="start"))
    builder.adjust(2, 1)
    return "\n".join(lines), builder.as_markup()
