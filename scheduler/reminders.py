"""Assistants' morning reminder (09:00) and evening nudge (17:00), each in their language.

The figures are `indicators.assistant_days`: the assistant's "Today" screen figures
(`assistant_day`), for every assistant at once in grouped queries.
Reminders expire when the quiet hours begin: one held overnight would be stale by morning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, AssistantAction, JobAction, JobCB
from bot.i18n import fmt_number, in_locale
from bot.services import indicators, outbox
from bot.services.indicators import AssistantDay
from bot.views.texts import esc
from db.models import AssistantAssignment, User
from scheduler.context import Plan, TaskContext


@dataclass(frozen=True)
class Assistant:
    user_id: int
    telegram_id: int
    locale: str
    name: str | None
    mahallas: tuple[str, ...]


async def active_assistants(session: AsyncSession, now: dt.datetime) -> list[Assistant]:
    """Assistants serving a mahalla now whom the bot may write to, with their mahallas."""
    rows = await session.execute(
        select(User.id, User.telegram_id, User.locale, User.name, AssistantAssignment.mahalla_code)
        .join(AssistantAssignment, AssistantAssignment.user_id == User.id)
        .where(indicators.active_assignment(now))
        .where(User.blocked_at.is_(None), User.deleted_at.is_(None))
        .order_by(User.id, AssistantAssignment.mahalla_code)
    )
    people: dict[int, Assistant] = {}
    for uid, telegram_id, locale, name, code in rows:
        known = people.get(uid)
        mahallas = (*known.mahallas, code) if known else (code,)
        people[uid] = Assistant(uid, telegram_id, locale, name, tuple(dict.fromkeys(mahallas)))
    return list(people.values())


def expires_at(ctx: TaskContext, now: dt.datetime) -> dt.datetime:
    """When the quiet hours after `now` begin (or the day ends): a reminder is useless later."""
    local = now.astimezone(ctx.tz)
    end = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), tzinfo=ctx.tz)
    quiet = ctx.quiet
    if quiet.start != quiet.end:
        start = dt.datetime.combine(local.date(), quiet.start, tzinfo=ctx.tz)
        if local < start < end:
            end = start
    return end.astimezone(dt.UTC)


@dataclass(frozen=True)
class _Message:
    user_id: int
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup


def _rows_writer(kind: str, messages: Sequence[_Message], expires: dt.datetime) -> Plan:
    async def write(session: AsyncSession, period: str) -> int:
        session.add_all(
            outbox.new_row(
                chat_id=m.chat_id,
                user_id=m.user_id,
                kind=kind,
                text=m.text,
                reply_markup=m.markup,
                dedupe_key=f"{kind}:{period}:{m.user_id}",
                expires_at=expires,
            )
            for m in messages
        )
        return len(messages)

    return Plan(write, detail=f"{len(messages)} assistant(s)")


def morning_text(name: str | None, day: AssistantDay, overdue: Sequence[str]) -> str:
    n = fmt_number
    greeting = (
        _("☀️ <b>Good morning, {name}!</b>").format(name=esc(name))
        if name
        else _("☀️ <b>Good morning!</b>")
    )
    lines = [
        greeting,
        _(
            "🎯 Target for today: {target} new job.",
            "🎯 Target for today: {target} new jobs.",
            day.target_day,
        ).format(target=n(day.target_day)),
        _("📅 Yesterday: {yesterday} · this month: {month} of {target}.").format(
            yesterday=n(day.jobs_yesterday), month=n(day.jobs_month), target=n(day.target_month)
        ),
        _("📂 Cases: {open} open · {overdue} overdue · {new} new since yesterday.").format(
            open=n(day.open_cases), overdue=n(day.overdue_cases), new=n(day.new_since_yesterday)
        ),
    ]
    if overdue:
        more = day.overdue_cases - len(overdue)
        listed = ", ".join(overdue) + (" …" if more > 0 else "")
        lines.append(_("⏰ Past their time limit: {cases}").format(cases=listed))
    return "\n".join(lines)


def morning_keyboard(day: AssistantDay) -> InlineKeyboardMarkup:
    """Built directly, not with InlineKeyboardBuilder: its deep copies took 0.7 ms a keyboard,
    6 of the 10 s the morning plan took for 9,000 assistants (benchmarks/reminders.py)."""
    rows = [
        [
            _button(_("➕ Record a job"), JobCB(action=JobAction.START)),
            _button(_("📂 My cases"), ACB(action=AssistantAction.LIST)),
        ]
    ]
    if day.overdue_cases:
        label = _("⏰ Overdue ({count})").format(count=fmt_number(day.overdue_cases))
        rows.append([_button(label, ACB(action=AssistantAction.LIST, f="over"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    """Our own text and packed data need no validation (pydantic's took a third of the rest)."""
    return InlineKeyboardButton.model_construct(text=text, callback_data=data.pack())


def evening_text(day: AssistantDay) -> str:
    return "\n".join(
        [
            _("🕔 No job is recorded for today yet."),
            _("🎯 Target for today: {target} · this month: {month} of {target_month}.").format(
                target=fmt_number(day.target_day),
                month=fmt_number(day.jobs_month),
                target_month=fmt_number(day.target_month),
            ),
            _("If you created a job today, record it now: it takes two taps."),
        ]
    )


def evening_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("➕ Record a job"), JobCB(action=JobAction.START))]]
    )


async def _days(
    ctx: TaskContext, now: dt.datetime, *, with_overdue: bool
) -> list[tuple[Assistant, AssistantDay, list[str]]]:
    """Every active assistant's figures, in a fixed number of queries however many there are."""
    today = now.astimezone(ctx.tz).date()
    targets = ctx.targets
    async with ctx.sessions() as session:
        people = await active_assistants(session, now)
        mahallas = {person.user_id: person.mahallas for person in people}
        days = await indicators.assistant_days(
            session,
            mahallas,
            today,
            now,
            target_day=targets.day,
            target_month=targets.month,
        )
        overdue = await indicators.overdue_numbers(session, mahallas, now) if with_overdue else {}
    return [(p, days[p.user_id], overdue.get(p.user_id, [])) for p in people]


async def plan_morning(ctx: TaskContext, now: dt.datetime) -> Plan:
    messages: list[_Message] = []
    for person, day, overdue in await _days(ctx, now, with_overdue=True):
        with in_locale(ctx.i18n, person.locale):
            messages.append(
                _Message(
                    person.user_id,
                    person.telegram_id,
                    morning_text(person.name, day, overdue),
                    morning_keyboard(day),
                )
            )
    return _rows_writer("morning_reminder", messages, expires_at(ctx, now))


async def plan_evening(ctx: TaskContext, now: dt.datetime) -> Plan:
    messages: list[_Message] = []
    for person, day, _overdue in await _days(ctx, now, with_overdue=False):
        if day.jobs_today > 0:
            continue
        with in_locale(ctx.i18n, person.locale):
            messages.append(
                _Message(person.user_id, person.telegram_id, evening_text(day), evening_keyboard())
            )
    return _rows_writer("evening_nudge", messages, expires_at(ctx, now))
