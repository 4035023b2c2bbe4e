"""Assistants' morning reminder (09:00) and evening nudge (17:00), each in their language.

The figures are `indicators.assistant_day`, the same as the assistant's "Today" screen.
Reminders expire when the quiet hours begin: one held overnight would be stale by morning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, JobCB
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
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("➕ Record a job"), callback_data=JobCB(action="start"))
    keyboard.button(text=_("📂 My cases"), callback_data=ACB(action="list"))
    if day.overdue_cases:
        keyboard.button(
            text=_("⏰ Overdue ({count})").format(count=fmt_number(day.overdue_cases)),
            callback_data=ACB(action="list", f="over"),
        )
    keyboard.adjust(2)
    return keyboard.as_markup()


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
    keyboard = InlineKeyboardBuilder()
    keyboard.button(text=_("➕ Record a job"), callback_data=JobCB(action="start"))
    return keyboard.as_markup()


async def _days(
    ctx: TaskContext, now: dt.datetime, *, with_overdue: bool
) -> list[tuple[Assistant, AssistantDay, list[str]]]:
    today = now.astimezone(ctx.tz).date()
    targets = ctx.targets
    out: list[tuple[Assistant, AssistantDay, list[str]]] = []
    async with ctx.sessions() as session:
        for person in await active_assistants(session, now):
            day = await indicators.assistant_day(
                session,
                person.user_id,
                person.mahallas,
                today,
                now,
                target_day=targets.day,
                target_month=targets.month,
            )
            overdue = (
                await indicators.overdue_case_numbers(session, person.user_id, person.mahallas, now)
                if with_overdue and day.overdue_cases
                else []
            )
            out.append((person, day, overdue))
    return out


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
