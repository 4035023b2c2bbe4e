"""The roadmap editor an assistant opens from a case card: add, edit, done, due date, remove.

Callback data carries only the case and step ids; every tap re-checks that the sender is the
case's responsible assistant and that the step belongs to that case. Each change is told to
the citizen through the outbox, in the citizen's language.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable
from functools import partial
from typing import Unpack

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, AssistantAction, RoadmapAction, RoadmapCB
from bot.handlers.assistant_case_card import CaseData
from bot.handlers.case_typed import refused_text
from bot.handlers.dialog import TYPED, Step, include
from bot.i18n import N_, fmt_date
from bot.notifications.work import institution_name, roadmap_changed
from bot.services import cases
from bot.services import roadmap as rm
from bot.services.eligibility import INSTITUTIONS, EligibilityRules
from bot.states import RoadmapEdit
from bot.views.render import fit_message
from bot.views.texts import esc, no_such_date
from db.models import Case, CaseEvent, RoadmapStep, User, utcnow

log = logging.getLogger(__name__)
BUTTON_CHARS = 40


def _short(text: str, limit: int = BUTTON_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mark(step: RoadmapStep) -> str:
    return "✅" if step.status == "done" else "▫️"


async def _refuse(query: CallbackQuery, user: User, data: RoadmapCB) -> None:
    """A forged or stale button: say so, and log the ids (never any personal data)."""
    log.warning(
        "roadmap: user %s refused %s on case %s step %s",
        user.id,
        data.action,
        data.case,
        data.step,
    )
    await query.answer(_("This button is out of date."), show_alert=True)


async def _show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> None:
    """Redraw the editor in place (a new message if the old one cannot be edited)."""
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


# ---------------------------------------------------------------------- views


async def roadmap_view(
    session: AsyncSession, case: Case, locale: str, rules: EligibilityRules
) -> tuple[str, InlineKeyboardMarkup]:
    """The whole roadmap with one button per step, "add" and the way back to the case."""
    steps = await cases.roadmap(session, case.id)
    lines = [_("🗺 Roadmap of request <b>{number}</b>").format(number=case.number)]
    if not steps:
        lines.append(_("No steps yet. Add the first one."))
    builder = InlineKeyboardBuilder()
    for index, step in enumerate(steps, 1):
        action = rm.action_text(step, locale)
        due = (
            " — " + _("until {date}").format(date=fmt_date(step.due_date, locale))
            if step.due_date
            else ""
        )
        institution = esc(institution_name(rules, step.institution, locale))
        lines.append(f"{index}. {_mark(step)} <b>{institution}</b>: {esc(action)}{due}")
        builder.button(
            text=f"{index}. {_mark(step)} {_short(action)}",
            callback_data=RoadmapCB(action=RoadmapAction.STEP, case=case.id, step=step.id),
        )
    builder.button(
        text=_("➕ Add a step"), callback_data=RoadmapCB(action=RoadmapAction.ADD, case=case.id)
    )
    builder.button(
        text=_("⬅️ Back to the case"), callback_data=ACB(action=AssistantAction.OPEN, id=case.id)
    )
    builder.adjust(1)
    return fit_message(["\n".join(lines[:1]), "\n".join(lines[1:])]), builder.as_markup()


def step_view(
    case: Case, step: RoadmapStep, locale: str, rules: EligibilityRules
) -> tuple[str, InlineKeyboardMarkup]:
    """One step and what can be done with it."""
    lines = [
        _("Request <b>{number}</b>, roadmap step").format(number=case.number),
        f"<b>{esc(institution_name(rules, step.institution, locale))}</b>",
        esc(rm.action_text(step, locale)),
        _("Due: {date}").format(date=fmt_date(step.due_date, locale))
        if step.due_date
        else _("Due: no date set"),
        _("Done ✅") if step.status == "done" else _("Not done yet"),
    ]
    builder = InlineKeyboardBuilder()
    ids = {"case": case.id, "step": step.id}
    if step.status != "done":
        builder.button(
            text=_("✅ Mark done"), callback_data=RoadmapCB(action=RoadmapAction.DONE, **ids)
        )
    builder.button(
        text=_("✏️ Edit the action"), callback_data=RoadmapCB(action=RoadmapAction.EDIT, **ids)
    )
    builder.button(text=_("📅 Due date"), callback_data=RoadmapCB(action=RoadmapAction.DUE, **ids))
    builder.button(text=_("🗑 Remove"), callback_data=RoadmapCB(action=RoadmapAction.REMOVE, **ids))
    builder.button(
        text=_("⬅️ Back to the roadmap"),
        callback_data=RoadmapCB(action=RoadmapAction.VIEW, case=case.id, v="e"),
    )
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


def _example_date(today: dt.date) -> str:
    """The date the due-date prompts give as their example, typed as dd.mm.yyyy."""
    return (today + dt.timedelta(days=10)).strftime("%d.%m.%Y")


def _due_view(
    case: Case, step: RoadmapStep, today: dt.date, locale: str
) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "Due date for “{action}”: choose below, or type it as dd.mm.yyyy (for example {example})."
    ).format(
        action=esc(_short(rm.action_text(step, locale), 80)),
        example=_example_date(today),
    )
    builder = InlineKeyboardBuilder()
    for days in rm.DUE_PRESETS:
        builder.button(
            text=_("In {days} day ({date})", "In {days} days ({date})", days).format(
                days=days, date=fmt_date(today + dt.timedelta(days=days), locale)
            ),
            callback_data=RoadmapCB(
                action=RoadmapAction.SET_DUE, case=case.id, step=step.id, v=str(days)
            ),
        )
    if step.due_date is not None:
        builder.button(
            text=_("No due date"),
            callback_data=RoadmapCB(
                action=RoadmapAction.SET_DUE, case=case.id, step=step.id, v="x"
            ),
        )
    builder.button(
        text=_("⬅️ Back"),
        callback_data=RoadmapCB(action=RoadmapAction.STEP, case=case.id, step=step.id),
    )
    builder.adjust(1)
    return text, builder.as_markup()


# ---------------------------------------------------------------------- callbacks


async def on_roadmap(
    query: CallbackQuery, callback_data: RoadmapCB, **data: Unpack[CaseData]
) -> None:
    """Every roadmap button: re-check the case (and step), then act."""
    cb = callback_data
    session, user, roles, state = data["session"], data["user"], data["roles"], data["state"]
    rules = data["rules"]
    case = await rm.workable_case(session, cb.case, user.id, roles.mahallas)
    if case is None:
        await _refuse(query, user, cb)
        return
    if await state.get_state() in (RoadmapEdit.action_text.state, RoadmapEdit.due_date.state):
        await state.clear()  # another button: the typing it waited for is abandoned
    locale = user.locale
    if cb.action == RoadmapAction.VIEW:
        text, markup = await roadmap_view(session, case, locale, rules)
        if cb.v == "e":
            await _show(query, text, markup)
        else:
            await query.answer()
            if isinstance(query.message, Message):
                await query.message.answer(text, reply_markup=markup)
        return
    if cb.action == RoadmapAction.ADD:
        await _show(query, *_institutions_view(case, locale, rules))
        return
    if cb.action == RoadmapAction.INSTITUTION:
        if cb.v not in INSTITUTIONS:
            await _refuse(query, user, cb)
            return
        await state.set_state(RoadmapEdit.action_text)
        await state.set_data({"case": case.id, "step": 0, "institution": cb.v})
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(
                _(
                    "<b>{institution}</b>: type what must be done (up to {limit} character), "
                    "or /cancel.",
                    "<b>{institution}</b>: type what must be done (up to {limit} characters), "
                    "or /cancel.",
                    rm.ACTION_MAX_CHARS,
                ).format(
                    institution=esc(institution_name(rules, cb.v, locale)),
                    limit=rm.ACTION_MAX_CHARS,
                )
            )
        return
    step = await rm.live_step(session, case, cb.step)
    if step is None:
        await _refuse(query, user, cb)
        return
    now = utcnow()
    if cb.action == RoadmapAction.STEP:
        await _show(query, *step_view(case, step, locale, rules))
    elif cb.action == RoadmapAction.DONE:
        await _changed(data, case, step, "done", rm.mark_done(session, case, step, user, now))
        await _show(query, *step_view(case, step, locale, rules))
    elif cb.action == RoadmapAction.EDIT:
        await state.set_state(RoadmapEdit.action_text)
        await state.set_data({"case": case.id, "step": step.id})
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer(
                _("Now: {action}\n\nType the new text of this step, or /cancel.").format(
                    action=esc(rm.action_text(step, locale))
                )
            )
    elif cb.action == RoadmapAction.DUE:
        await state.set_state(RoadmapEdit.due_date)
        await state.set_data({"case": case.id, "step": step.id})
        await _show(query, *_due_view(case, step, data["settings"].today(), locale))
    elif cb.action == RoadmapAction.SET_DUE:
        if cb.v == "x":
            due: dt.date | None = None
        elif cb.v.isdigit() and int(cb.v) in rm.DUE_PRESETS:
            due = data["settings"].today() + dt.timedelta(days=int(cb.v))
        else:
            await _refuse(query, user, cb)
            return
        await _changed(data, case, step, "due", rm.set_due(session, case, step, due, user, now))
        await _show(query, *step_view(case, step, locale, rules))
    elif cb.action == RoadmapAction.REMOVE:
        builder = InlineKeyboardBuilder()
        ids = {"case": case.id, "step": step.id}
        builder.button(
            text=_("🗑 Yes, remove"), callback_data=RoadmapCB(action=RoadmapAction.REMOVE_YES, **ids)
        )
        builder.button(
            text=_("⬅️ No, keep it"), callback_data=RoadmapCB(action=RoadmapAction.STEP, **ids)
        )
        builder.adjust(2)
        await _show(
            query,
            _("Remove this step from the roadmap? The citizen will be told.")
            + "\n\n"
            + esc(rm.action_text(step, locale)),
            builder.as_markup(),
        )
    elif cb.action == RoadmapAction.REMOVE_YES:
        await _changed(data, case, step, "dropped", rm.drop(session, case, step, user, now))
        await _show(query, *(await roadmap_view(session, case, locale, rules)))
    else:
        await _refuse(query, user, cb)


def _institutions_view(
    case: Case, locale: str, rules: EligibilityRules
) -> tuple[str, InlineKeyboardMarkup]:
    builder = InlineKeyboardBuilder()
    for code in INSTITUTIONS:
        builder.button(
            text=_short(institution_name(rules, code, locale)),
            callback_data=RoadmapCB(action=RoadmapAction.INSTITUTION, case=case.id, v=code),
        )
    builder.button(
        text=_("⬅️ Back"), callback_data=RoadmapCB(action=RoadmapAction.VIEW, case=case.id, v="e")
    )
    builder.adjust(1)
    return _("Which institution must act?"), builder.as_markup()


async def _changed(
    data: CaseData, case: Case, step: RoadmapStep, change: str, write: Awaitable[CaseEvent | None]
) -> None:
    """The change, word to the citizen if it changed anything, one commit (`roadmap.apply`)."""
    session, i18n, rules = data["session"], data["i18n"], data["rules"]
    await rm.apply(
        session, write, partial(roadmap_changed, session, i18n, rules, case, step, change)
    )


# ---------------------------------------------------------------------- typed input


async def _case_from_state(
    data: CaseData,
) -> tuple[Case | None, RoadmapStep | None, dict[str, object]]:
    """The case (re-checked: roles may have changed since) and step the typing is for, and
    what the dialog saved."""
    session = data["session"]
    saved = await data["state"].get_data()
    case_id = saved.get("case")
    case = (
        await rm.workable_case(session, case_id, data["user"].id, data["roles"].mahallas)
        if isinstance(case_id, int)
        else None
    )
    step_id = saved.get("step")
    step = (
        await rm.live_step(session, case, step_id)
        if case is not None and isinstance(step_id, int) and step_id
        else None
    )
    return case, step, saved


async def _no_longer_theirs(message: Message, state: FSMContext, user: User, what: str) -> None:
    """The typing is for a case (or step) no longer the sender's: leave the state and say so."""
    log.warning("roadmap: user %s typed %s no longer theirs", user.id, what)
    await state.clear()
    await message.answer(_("This step can no longer be edited. Open the case again."))


def _due_error(reason: str, today: dt.date) -> str:
    if reason == "past":
        return _("This date has passed. Type a date from today on, as dd.mm.yyyy.")
    if reason == "far":
        return _("This date is too far ahead. Type a date within two years, as dd.mm.yyyy.")
    if reason == "no_such_date":
        return no_such_date(today + dt.timedelta(days=10))
    return _("Please type the date as dd.mm.yyyy, for example {example}.").format(
        example=_example_date(today)
    )


class ActionTextStep(Step, state=RoadmapEdit.action_text.state):
    hint = N_("Please type the text of the step, or /cancel to stop.")
    menu_leaves = True

    @on.message(*TYPED)
    async def on_action_text(self, message: Message, **data: Unpack[CaseData]) -> None:
        session, user, state = data["session"], data["user"], data["state"]
        rules, i18n = data["rules"], data["i18n"]
        case, step, saved = await _case_from_state(data)
        institution = saved.get("institution")
        if case is None or (step is None and institution not in INSTITUTIONS):
            await _no_longer_theirs(message, state, user, "for a case")
            return
        text = rm.clean_action(message.text or "")
        empty = _("Please type what must be done, or /cancel.")
        if await refused_text(message, text, rm.ACTION_MAX_CHARS, empty):
            return
        # FSM first: on SQLite a conversation-state write would wait on this session's write lock.
        await state.clear()
        now = utcnow()
        if step is None:
            step = await rm.add(
                session,
                case,
                institution=str(institution),
                text=text,
                actor=user,
                now=now,
                notify=lambda step, event: roadmap_changed(
                    session, i18n, rules, case, step, "added", event
                ),
            )
        else:
            write = rm.set_action(session, case, step, text, user, now)
            await _changed(data, case, step, "edited", write)
        view, markup = step_view(case, step, user.locale, rules)
        await message.answer(
            _("Saved; the citizen will be told.") + "\n\n" + view, reply_markup=markup
        )


class DueDateStep(Step, state=RoadmapEdit.due_date.state):
    hint = N_("Please type the date as dd.mm.yyyy or use the buttons above, or /cancel.")
    menu_leaves = True

    @on.message(*TYPED)
    async def on_due_text(self, message: Message, **data: Unpack[CaseData]) -> None:
        session, user, state, rules = data["session"], data["user"], data["state"], data["rules"]
        case, step, _saved = await _case_from_state(data)
        if case is None or step is None:
            await _no_longer_theirs(message, state, user, "a due date for a step")
            return
        today = data["settings"].today()
        try:
            due = rm.parse_due(message.text or "", today)
        except rm.DueDateError as error:
            await message.answer(_due_error(error.reason, today))
            return
        await state.clear()  # before any write of this session (see ActionTextStep.on_action_text)
        await _changed(
            data, case, step, "due", rm.set_due(session, case, step, due, user, utcnow())
        )
        view, markup = step_view(case, step, user.locale, rules)
        await message.answer(view, reply_markup=markup)


def router() -> Router:
    r = Router(name="roadmap")
    r.callback_query.register(on_roadmap, RoadmapCB.filter())
    include(r, ActionTextStep, DueDateStep)
    return r
