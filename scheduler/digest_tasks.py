"""Supervisors' daily digest, weekly and monthly summaries: figures, chart, text, XLSX.

Each scope's figures are computed once however many supervisors share it, and rendered once
per language; the chart and the XLSX are stored once and sent to each of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import fmt_date, in_locale, normalize_locale
from bot.services import charts, digests, exports, outbox
from bot.services.digests import Digest, Recipient
from bot.services.exports import ExportData
from bot.services.roles import Scope
from bot.views import digest as render
from bot.views.texts import place_label
from db.models import OutboxFile
from scheduler.context import Plan, TaskContext

JOB_OF_KIND = {"daily": "daily_digest", "weekly": "weekly_summary", "monthly": "monthly_summary"}


@dataclass
class _Rendered:
    place: str
    text: str
    markup: InlineKeyboardMarkup
    chart: bytes
    chart_caption: str
    xlsx: bytes | None = None
    xlsx_caption: str = ""
    xlsx_name: str = ""


def _scope_slug(scope: Scope) -> str:
    return f"{scope.level}:{scope.code or '*'}"


async def _render(
    ctx: TaskContext,
    session: AsyncSession,
    digest: Digest,
    export: ExportData | None,
    locale: str,
    now: dt.datetime,
) -> _Rendered:
    with in_locale(ctx.i18n, locale):
        place = await place_label(session, digest.scope.level, digest.scope.code, locale)
        text = render.digest_text(digest, place, locale, now, ctx.tz)
        markup = render.digest_keyboard(digest.scope)
        labels = render.chart_labels(place)
        caption = render.chart_caption(place)
        titles = render.xlsx_titles() if export is not None else None
        heading = (
            render.xlsx_heading(place, fmt_date(digest.month_first), fmt_date(digest.last))
            if export is not None
            else ""
        )
        xlsx_caption = render.xlsx_caption(place) if export is not None else ""
    chart = await asyncio.to_thread(
        charts.jobs_chart, digest.per_day, digest.target_per_day, **labels
    )
    xlsx = None
    if export is not None and titles is not None:
        xlsx = await asyncio.to_thread(exports.build_xlsx, export, titles, heading, locale)
    return _Rendered(
        place,
        text,
        markup,
        chart,
        caption,
        xlsx,
        xlsx_caption,
        exports.filename(digest.scope, digest.last),
    )


async def plan_digest(ctx: TaskContext, kind: str, now: dt.datetime) -> Plan:
    job = JOB_OF_KIND[kind]
    today = now.astimezone(ctx.tz).date()
    first, last = digests.period_for(kind, today, ctx.calendar)
    targets = ctx.targets
    rendered: dict[tuple[Scope, str], _Rendered] = {}
    async with ctx.sessions() as session:
        people = list(await digests.recipients(session, now))
        figures = await digests.compute_all(
            session, {p.scope for p in people}, kind, first, last, now, ctx.tz, targets
        )
        tables: dict[Scope, ExportData] = {}
        for person in people:
            scope = person.scope
            if kind == "monthly" and scope not in tables:
                tables[scope] = await exports.collect(
                    session,
                    scope,
                    last,
                    now,
                    ctx.tz,
                    target_day=targets.day,
                    target_month=targets.month,
                )
            key = (scope, normalize_locale(person.locale))
            if key not in rendered:
                rendered[key] = await _render(
                    ctx, session, figures[scope], tables.get(scope), key[1], now
                )

    async def write(session: AsyncSession, period: str) -> int:
        files: dict[tuple[Scope, str], tuple[OutboxFile, OutboxFile | None]] = {}
        for key, item in rendered.items():
            chart = await outbox.store_file(
                session,
                item.chart,
                filename=f"jobs_{key[0].level}_{key[0].code or 'country'}.png",
                mime_type="image/png",
            )
            table = (
                await outbox.store_file(
                    session, item.xlsx, filename=item.xlsx_name, mime_type=exports.XLSX_MIME
                )
                if item.xlsx is not None
                else None
            )
            files[key] = (chart, table)
        count = 0
        for person in people:
            count += _queue(session, job, period, person, rendered, files)
        return count

    return Plan(write, detail=f"{len(people)} digest(s), {len(figures)} scope(s)")


def _queue(
    session: AsyncSession,
    job: str,
    period: str,
    person: Recipient,
    rendered: dict[tuple[Scope, str], _Rendered],
    files: dict[tuple[Scope, str], tuple[OutboxFile, OutboxFile | None]],
) -> int:
    key = (person.scope, normalize_locale(person.locale))
    item = rendered[key]
    chart, table = files[key]
    base = f"{job}:{period}:{person.user_id}:{_scope_slug(person.scope)}"
    rows = [
        outbox.new_row(
            chat_id=person.telegram_id,
            user_id=person.user_id,
            kind=job,
            file=chart,
            media="photo",
            caption=item.chart_caption,
            dedupe_key=f"{base}:chart",
        ),
        outbox.new_row(
            chat_id=person.telegram_id,
            user_id=person.user_id,
            kind=job,
            text=item.text,
            reply_markup=item.markup,
            dedupe_key=f"{base}:text",
        ),
    ]
    if table is not None:
        rows.append(
            outbox.new_row(
                chat_id=person.telegram_id,
                user_id=person.user_id,
                kind=job,
                file=table,
                media="document",
                caption=item.xlsx_caption,
                dedupe_key=f"{base}:xlsx",
            )
        )
    session.add_all(rows)
    return len(rows)


async def plan_daily(ctx: TaskContext, now: dt.datetime) -> Plan:
    return await plan_digest(ctx, "daily", now)


async def plan_weekly(ctx: TaskContext, now: dt.datetime) -> Plan:
    return await plan_digest(ctx, "weekly", now)


async def plan_monthly(ctx: TaskContext, now: dt.datetime) -> Plan:
    return await plan_digest(ctx, "monthly", now)
