"""The job ledger (record a job in three taps, same-day edit/delete), the citizen's "did you
start this job?" answer, and the assistant's "Today" screen.

The common path is kind → employer ("same as last") → "No link": three taps. The steps keep
their choices in FSM data; every tap re-checks ids (jobs, cases, mahallas) against the sender.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, CaseCB, JobCB
from bot.config import Settings
from bot.filters import AnyMenuButton, MenuButton
from bot.i18n import fmt_date, fmt_number
from bot.notifications.work import job_answered, job_confirmation, job_kind_label
from bot.services import indicators, jobs, registry
from bot.services.roles import Roles
from bot.states import JobLedger
from bot.views import counted
from bot.views.texts import esc
from db.models import Case, Job, User, utcnow

log = logging.getLogger(__name__)
BUTTON_CHARS = 40
LEDGER_STATES = (JobLedger.kind, JobLedger.employer, JobLedger.link, JobLedger.mahalla)


def _short(text: str, limit: int = BUTTON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _today(settings: Settings) -> dt.date:
    return utcnow().astimezone(settings.tz).date()


def _job_line(job: Job) -> str:
    return job_kind_label(job.kind) + (f" — {esc(job.employer)}" if job.employer else "")


async def _out_of_date(query: CallbackQuery, user: User, what: str, forged: bool = False) -> None:
    """Stale or forged buttons get the same answer; forged ones are logged (ids only)."""
    if forged:
        log.warning("ledger: user %s refused: %s", user.id, what)
    else:
        log.info("ledger: stale button from user %s: %s", user.id, what)
    await query.answer(_("This button is out of date."), show_alert=True)


async def _step_data(
    query: CallbackQuery, state: FSMContext, user: User, step: State, name: str
) -> dict[str, Any] | None:
    """The FSM data if the ledger is at `step` with a kind chosen, else (an old button) None."""
    data = await state.get_data()
    if await state.get_state() != step.state or data.get("kind") not in jobs.KINDS:
        await _out_of_date(query, user, f"{name} button outside the {name} step")
        return None
    return data


async def _redraw(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


# ---------------------------------------------------------------------- step 1: kind


def _kind_keyboard(job_id: int = 0) -> InlineKeyboardMarkup:
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
    await message.answer(_("➕ What kind of job was created?"), reply_markup=_kind_keyboard())


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
        await _out_of_date(query, user, f"kind {kind!r}", forged=True)
        return
    keep: str | None = None
    if callback_data.id:  # correcting a saved job
        job = await _editable_job(query, session, user, callback_data.id, settings)
        if job is None:
            return
        keep = job.employer
    await state.set_state(JobLedger.employer)
    await state.set_data({"kind": kind, "job": callback_data.id})
    builder = InlineKeyboardBuilder()
    if callback_data.id:
        if keep:
            builder.button(
                text=_("Keep: {employer}").format(employer=_short(keep)),
                callback_data=JobCB(action="emp", v="same", id=callback_data.id),
            )
    else:
        last = await jobs.last_employer(session, user.id)
        if last:
            builder.button(
                text=_("🔁 Same as last: {employer}").format(employer=_short(last)),
                callback_data=JobCB(action="emp", v="same"),
            )
    if kind in jobs.NO_EMPLOYER_KINDS:
        builder.button(
            text=_("No employer (own work)"),
            callback_data=JobCB(action="emp", v="none", id=callback_data.id),
        )
    builder.adjust(1)
    text = _("{kind}. Employer: type its name, or choose below.").format(kind=job_kind_label(kind))
    await _redraw(query, text, builder.as_markup())


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
        await _out_of_date(query, user, f"employer button for job {callback_data.id}", forged=True)
        return
    employer: str | None = None
    if callback_data.v == "same":
        if job_id:
            job = await jobs.own_job(session, job_id, user.id)
            employer = job.employer if job else None
        else:
            employer = await jobs.last_employer(session, user.id)
        if not employer:
            await _out_of_date(query, user, "same-as-last with no last employer")
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
        if jobs.edit_access(job, _today(settings)) is not jobs.Access.OK or job is None:
            await message.answer(_("You can change a job only on the day it was recorded."))
            return
        await jobs.update(session, job, kind=kind, employer=employer)
        text, markup = await _saved_view(session, user, roles, settings, job, _("✏️ Job updated."))
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
            text=_short(f"{case.number} · {citizen.name or '—'}"),
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
            await _out_of_date(query, user, f"link to case {callback_data.id}", forged=True)
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
        builder.button(text=_short(label), callback_data=JobCB(action="mah", v=code))
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
        await _out_of_date(query, user, f"mahalla {callback_data.v!r}", forged=True)
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
        work_date=_today(settings),
        now=utcnow(),
        notify=lambda job, case: job_confirmation(session, i18n, job, case, user),
    )
    head = _("✅ Job recorded.")
    if case is not None:
        head += "\n" + _(
            "Linked to request <b>{number}</b>: its citizen is asked to confirm."
        ).format(number=case.number)
    text, markup = await _saved_view(session, user, roles, settings, job, head)
    await (message.edit_text if edit else message.answer)(text, reply_markup=markup)


async def _saved_view(
    session: AsyncSession, user: User, roles: Roles, settings: Settings, job: Job, head: str
) -> tuple[str, InlineKeyboardMarkup]:
    day = await _day(session, user, roles, settings)
    lines = [
        head,
        f"• {_job_line(job)}",
        _("Counts for {date}.").format(date=fmt_date(job.work_date)),
        _jobs_line(_("Jobs today: {done} of {target}"), day.jobs_today, day.target_day),
    ]
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✏️ Edit"), callback_data=JobCB(action="edit", id=job.id))
    builder.button(text=_("🗑 Delete"), callback_data=JobCB(action="del", id=job.id))
    builder.button(text=_("➕ Record another"), callback_data=JobCB(action="start"))
    builder.adjust(2, 1)
    return "\n".join(lines), builder.as_markup()


# ---------------------------------------------------------------------- edit and delete


async def _editable_job(
    query: CallbackQuery, session: AsyncSession, user: User, job_id: int, settings: Settings
) -> Job | None:
    """The job if this assistant may still change it today; otherwise answer and None."""
    job = await jobs.own_job(session, job_id, user.id)
    access = jobs.edit_access(job, _today(settings))
    if access is jobs.Access.FORGED:
        await _out_of_date(query, user, f"job {job_id}", forged=True)
        return None
    if access is jobs.Access.OTHER_DAY:
        await query.answer(
            _("You can change or delete a job only on the day it was recorded."), show_alert=True
        )
        return None
    return job


async def on_edit(
    query: CallbackQuery,
    callback_data: JobCB,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    settings: Settings,
) -> None:
    job = await _editable_job(query, session, user, callback_data.id, settings)
    if job is None:
        return
    await state.set_state(JobLedger.kind)
    await state.set_data({"job": job.id})
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("✏️ Correcting: {job}\nWhat kind of job is it?").format(job=_job_line(job)),
            reply_markup=_kind_keyboard(job.id),
        )


async def on_delete(
    query: CallbackQuery,
    callback_data: JobCB,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    settings: Settings,
) -> None:
    job = await _editable_job(query, session, user, callback_data.id, settings)
    if job is None:
        return
    if callback_data.action == "del":
        builder = InlineKeyboardBuilder()
        builder.button(text=_("🗑 Yes, delete"), callback_data=JobCB(action="dely", id=job.id))
        builder.button(text=_("⬅️ No, keep it"), callback_data=JobCB(action="keep", id=job.id))
        builder.adjust(2)
        text = _("Delete this job? It will no longer be counted.") + f"\n• {_job_line(job)}"
        await _redraw(query, text, builder.as_markup())
        return
    if callback_data.action == "keep":
        text, markup = await _saved_view(session, user, roles, settings, job, _("✅ Job recorded."))
        await _redraw(query, text, markup)
        return
    await state.clear()
    await jobs.delete(session, job, utcnow())
    day = await _day(session, user, roles, settings)
    text = "\n".join(
        [
            _("🗑 The job was deleted."),
            f"• {_job_line(job)}",
            _jobs_line(_("Jobs today: {done} of {target}"), day.jobs_today, day.target_day),
        ]
    )
    await _redraw(query, text, None)


# ---------------------------------------------------------------------- the citizen's answer


async def on_confirm(
    query: CallbackQuery,
    callback_data: CaseCB,
    session: AsyncSession,
    user: User,
    i18n: I18n,
) -> None:
    """Only the citizen the job was recorded for may answer, and only once."""
    if callback_data.v not in ("y", "n"):
        await _out_of_date(query, user, f"confirm value {callback_data.v!r}", forged=True)
        return
    result, job = await jobs.confirm(
        session,
        callback_data.id,
        user,
        callback_data.v == "y",
        utcnow(),
        lambda job: job_answered(session, i18n, job, user),
    )
    if result is jobs.Answer.FORGED or job is None:
        await _out_of_date(query, user, f"confirm job {callback_data.id}", forged=True)
        return
    if result is jobs.Answer.WITHDRAWN:
        await query.answer(_("The assistant has withdrawn this record."), show_alert=True)
        return
    if result is jobs.Answer.ALREADY:
        await query.answer(_("You have already answered. Thank you!"), show_alert=True)
        return
    if result is jobs.Answer.CONFIRMED:
        reply = _("Thank you! You confirmed that you started this job. Good luck!")
    else:
        reply = _("Thank you. Your assistant will be told that you did not start this job.")
    await query.answer()
    if isinstance(query.message, Message):
        original = query.message.html_text if query.message.text else ""
        await query.message.edit_text((original + "\n\n" if original else "") + reply)


# ---------------------------------------------------------------------- Today


async def _day(
    session: AsyncSession, user: User, roles: Roles, settings: Settings
) -> indicators.AssistantDay:
    now = utcnow()
    return await indicators.assistant_day(
        session,
        user.id,
        roles.mahallas,
        now.astimezone(settings.tz).date(),
        now,
        target_day=settings.jobs_per_day_target,
        target_month=settings.jobs_per_month_target,
    )


def _jobs_line(template: str, done: int, target: int) -> str:
    mark = " ✅" if target > 0 and done >= target else ""
    return template.format(done=f"<b>{fmt_number(done)}</b>", target=fmt_number(target)) + mark


async def on_today(
    message: Message,
    session: AsyncSession,
    user: User,
    roles: Roles,
    state: FSMContext,
    settings: Settings,
) -> None:
    if await state.get_state() in {s.state for s in LEDGER_STATES}:
        await state.clear()
    day = await _day(session, user, roles, settings)
    lines = [
        _("📊 <b>Today, {date}</b>").format(date=fmt_date(_today(settings))),
        _jobs_line(_("Jobs today: {done} of {target}"), day.jobs_today, day.target_day),
        _jobs_line(_("Jobs this month: {done} of {target}"), day.jobs_month, day.target_month),
        _("Jobs yesterday: {count}").format(count=fmt_number(day.jobs_yesterday)),
        "",
        _("Open cases: {count}").format(count=fmt_number(day.open_cases)),
        _("Overdue cases: {count}").format(count=fmt_number(day.overdue_cases)),
        _("New since yesterday: {count}").format(count=fmt_number(day.new_since_yesterday)),
    ]
    builder = InlineKeyboardBuilder()
    builder.button(text=_("➕ Record a job"), callback_data=JobCB(action="start"))
    builder.button(text=_("📥 Cases"), callback_data=ACB(action="list"))
    builder.adjust(2)
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())


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
