"""The hourly time-limit check.

Once-overdue cases need no message of their own: the assistant's next reminder lists them and
the digests count them. A case twice overdue (`Case.escalate_due`, fixed at creation) is told
to the district's supervisors at once (a district without any: the region's, then the
country's), exactly once: `escalated_at` is set by a conditional
UPDATE in the same transaction that queues the messages.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import fmt_datetime, in_locale
from bot.services import cases, outbox, registry
from bot.services.cases import OPEN_STATUSES, overdue_clause
from bot.views.texts import case_kind_label, esc, opening, status_label
from db.models import Case
from scheduler.context import Plan, TaskContext

BATCH = 500


@dataclass(frozen=True)
class _Escalation:
    case_id: int
    messages: tuple[tuple[int, int, str], ...]  # (user id, chat id, text) per supervisor


def escalation_text(
    case: Case, mahalla: str, assistant: str | None, tz: dt.tzinfo, locale: str
) -> str:
    lines = [
        _("🚨 <b>Request {number} is twice past its time limit.</b>").format(number=case.number),
        opening(
            _("{kind} · mahalla: {mahalla}").format(
                kind=case_kind_label(case.kind), mahalla=esc(mahalla)
            )
        ),
        _("Status: {status} · received {created}").format(
            status=status_label(case.status), created=fmt_datetime(case.created_at, tz, locale)
        ),
    ]
    if case.resolve_due is not None:
        lines.append(
            _("Time limit to resolve: {due}").format(due=fmt_datetime(case.resolve_due, tz, locale))
        )
    lines.append(
        _("Assistant: {name}").format(name=esc(assistant))
        if assistant
        else _("The mahalla has no assistant.")
    )
    return "\n".join(lines)


async def plan_overdue(ctx: TaskContext, now: dt.datetime) -> Plan:
    found: list[_Escalation] = []
    async with ctx.sessions() as session:
        overdue_now = await session.scalar(
            select(func.count()).select_from(Case).where(overdue_clause(now))
        )
        due = (
            await session.scalars(
                select(Case)
                .where(Case.escalate_due < now, Case.escalated_at.is_(None))
                .where(Case.status.in_(OPEN_STATUSES))
                .order_by(Case.escalate_due, Case.id)
                .limit(BATCH)
            )
        ).all()
        for case in due:
            supervisors = await cases.nearest_supervisors(session, case, now)
            mahalla = await registry.get_mahalla(session, case.mahalla_code)
            assistant = await cases.responsible(session, case, now)
            messages = []
            for supervisor in supervisors:
                if not outbox.reachable(supervisor):
                    continue
                with in_locale(ctx.i18n, supervisor.locale):
                    name = (
                        registry.place_name(mahalla, supervisor.locale)
                        if mahalla
                        else case.mahalla_code
                    )
                    text = escalation_text(
                        case,
                        name,
                        (assistant.name or "—") if assistant else None,
                        ctx.tz,
                        supervisor.locale,
                    )
                messages.append((supervisor.id, supervisor.telegram_id, text))
            found.append(_Escalation(case.id, tuple(messages)))

    async def write(session: AsyncSession, period: str) -> int:
        queued = 0
        for item in found:
            marked = await session.execute(
                update(Case)
                .where(Case.id == item.case_id, Case.escalated_at.is_(None))
                .values(escalated_at=now)
            )
            if marked.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another run told them already
            for user_id, chat_id, text in item.messages:
                session.add(
                    outbox.new_row(
                        chat_id=chat_id,
                        user_id=user_id,
                        kind="escalation",
                        text=text,
                        dedupe_key=f"escalation:{item.case_id}:{user_id}",
                    )
                )
                queued += 1
        return queued

    return Plan(write, detail=f"{int(overdue_now or 0)} overdue, {len(found)} twice overdue")
