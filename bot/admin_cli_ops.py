"""The operator commands about the running service behind `python -m bot admin …`: the
scheduled tasks (list them, run one now), the outbox, and the targets and time limits. Apart
from `admin_cli` (places, people, roles, announcements) because they look after the machinery,
not the mahallas; `bot.__main__` looks a command up in both.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from sqlalchemy import select

from bot.admin_cli import AdminError, session_factory
from bot.config import Settings
from db.models import utcnow


def _job_context(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.i18n import create_i18n
    from scheduler.context import TaskContext

    return TaskContext(session_factory(settings), settings, create_i18n(settings.default_locale))


async def tasks(settings: Settings, args: argparse.Namespace) -> Any:
    """Each job: when it runs, when it runs next (days it is not due skipped), its last run."""
    from scheduler.tasks import TASK_NAMES, last_runs, next_runs, spec

    now = utcnow()
    async with session_factory(settings)() as session:
        latest = await last_runs(session)
    rows = []
    for name in TASK_NAMES:
        upcoming = next_runs(name, settings, now)
        last = latest.get(name)
        rows.append(
            {
                "name": name,
                "schedule": spec(name).schedule(settings),
                "next_run": upcoming[0].isoformat() if upcoming else None,
                "last_period": last.period if last else None,
                "last_run": last.claimed_at.astimezone(settings.tz).isoformat() if last else None,
                "last_result": last.result if last else None,
            }
        )
    if args.json:
        return rows
    width = max(len(name) for name in TASK_NAMES)
    lines = [f"times in {settings.timezone}"]
    for row in rows:
        nxt = row["next_run"][:16].replace("T", " ") if row["next_run"] else "never"
        last = (
            f"last: {row['last_period']} ({row['last_result']})"
            if row["last_period"]
            else "never ran"
        )
        lines.append(f"{row['name']:<{width}}  next {nxt}  {row['schedule']}; {last}")
    return "\n".join(lines)


async def run_task(settings: Settings, args: argparse.Namespace) -> Any:
    """Run a job now, as the scheduler would; the running bot's outbox delivers what it queued."""
    from scheduler.tasks import run_task as run

    now = utcnow()
    if getattr(args, "at", None):
        try:
            moment = dt.datetime.fromisoformat(args.at)
        except ValueError:
            raise AdminError(
                f"--at {args.at!r} is not a date and time like 2026-12-08T09:05"
            ) from None
        now = (moment if moment.tzinfo else moment.replace(tzinfo=settings.tz)).astimezone(dt.UTC)
    result = await run(args.name, now, ctx=_job_context(settings), force=args.force)
    if args.json:
        return {
            "job": result.job,
            "period": result.period,
            "status": result.status,
            "queued": result.queued,
            "detail": result.detail,
        }
    return str(result)


async def outbox(settings: Settings, args: argparse.Namespace) -> Any:
    """The outbox at a glance: rows by status and kind, the oldest waiting, recent failures."""
    from sqlalchemy import func

    from bot.services.outbox import health
    from db.models import OutboxMessage

    async with session_factory(settings)() as session:
        found = await health(session)
        queued_kinds = dict(
            (
                await session.execute(
                    select(OutboxMessage.kind, func.count())
                    .where(OutboxMessage.status.in_(("queued", "sending")))
                    .group_by(OutboxMessage.kind)
                    .order_by(OutboxMessage.kind)
                )
            ).all()
        )
        failures = (
            await session.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.chat_id,
                    OutboxMessage.kind,
                    OutboxMessage.status,
                    OutboxMessage.attempts,
                    OutboxMessage.last_error,
                )
                .where(OutboxMessage.status.in_(("failed", "blocked")))
                .order_by(OutboxMessage.id.desc())
                .limit(10)
            )
        ).all()
    report = {
        "by_status": dict(sorted(found.by_status.items())),
        "waiting_by_kind": {kind: int(n) for kind, n in queued_kinds.items()},
        "oldest_queued": (
            found.oldest_queued.astimezone(settings.tz).isoformat() if found.oldest_queued else None
        ),
        "blocked_users": found.blocked_users,
        "recent_failures": [
            {
                "id": row_id,
                "chat_id": chat_id,
                "kind": kind,
                "status": status,
                "attempts": attempts,
                "error": error,
            }
            for row_id, chat_id, kind, status, attempts, error in failures
        ],
    }
    if args.json:
        return report
    statuses = ("queued", "sending", "sent", "failed", "blocked", "expired")
    lines = [
        " · ".join(f"{status} {report['by_status'].get(status, 0)}" for status in statuses),
        f"users who blocked the bot: {report['blocked_users']}",
    ]
    if report["oldest_queued"]:
        lines.append(f"oldest waiting since {report['oldest_queued'][:16].replace('T', ' ')}")
    if report["waiting_by_kind"]:
        lines.append(
            "waiting: " + ", ".join(f"{kind} {n}" for kind, n in report["waiting_by_kind"].items())
        )
    for failure in report["recent_failures"]:
        lines.append(
            f"  #{failure['id']} chat {failure['chat_id']} {failure['kind']} "
            f"{failure['status']} after {failure['attempts']}: {failure['error'] or ''}"[:200]
        )
    return "\n".join(lines)


# --- targets and time limits (run-time overrides) -----------------------------------------


async def settings(settings: Settings, args: argparse.Namespace) -> Any:
    """The targets and time limits in force: the configured value or an admin's change."""
    from bot.services import runtime_settings

    async with session_factory(settings)() as session:
        current = await runtime_settings.describe(session, settings)
    rows = [
        {
            "key": item.key,
            "value": item.value,
            "configured": item.configured,
            "source": "override" if item.overridden else "config",
            "changed_by": item.changed_by,
            "changed_at": (
                item.changed_at.astimezone(settings.tz).isoformat() if item.changed_at else None
            ),
            "allowed": [
                runtime_settings.bounds(item.key).low,
                runtime_settings.bounds(item.key).high,
            ],
        }
        for item in current
    ]
    if args.json:
        return rows
    width = max(len(key) for key in runtime_settings.KEYS)
    lines = []
    for row in rows:
        if row["source"] == "override":
            when = row["changed_at"][:16].replace("T", " ")
            source = f"set by {row['changed_by']} at {when}; configured {row['configured']}"
        else:
            source = "configured"
        low, high = row["allowed"]
        lines.append(f"{row['key']:<{width}}  {row['value']:>5}  ({source}; allowed {low}-{high})")
    return "\n".join(lines)


async def set_setting(settings: Settings, args: argparse.Namespace) -> str:
    """`set KEY VALUE`, or `set KEY default` to go back to the configured value."""
    from bot.services import runtime_settings

    try:
        runtime_settings.check_key(args.key)
        async with session_factory(settings)() as session:
            if args.value.strip().lower() == "default":
                await runtime_settings.reset(session, args.key)
                await session.commit()
                value = getattr(settings, args.key)
                return f"{args.key} = {value} (configured value)"
            value = await runtime_settings.set_value(session, args.key, args.value, "cli", utcnow())
            await session.commit()
    except runtime_settings.SettingError as exc:
        raise AdminError(str(exc)) from None
    return (
        f"{args.key} = {value} (running bots use it within {runtime_settings.CACHE_SECONDS:g} "
        "seconds; scheduled tasks from their next run)"
    )
