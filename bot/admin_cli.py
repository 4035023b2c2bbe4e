"""The operator commands behind `python -m bot admin …` about places, people, roles and
announcements; each returns text or JSON-able data. Those about the running service (tasks,
outbox, settings) are in `admin_cli_ops`.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import ConfigError, Settings
from bot.services import invites, registry, roles, supervision
from db.models import AssistantAssignment, SupervisorScope, User, utcnow
from db.session import create_engine, create_session_factory


class AdminError(Exception):
    """A bad argument: one line for the operator."""


def session_factory(settings: Settings):  # type: ignore[no-untyped-def]
    return create_session_factory(create_engine(settings.database_url))


async def import_mahallas(settings: Settings, args: argparse.Namespace) -> str:
    if not args.file.is_file():
        raise AdminError(f"{args.file}: no such file")
    if args.file.suffix.lower() not in (".csv", ".txt"):
        raise AdminError(f"{args.file}: not a CSV file (expected a .csv file, UTF-8)")
    try:
        rows = registry.read_mahalla_csv(args.file)
    except UnicodeDecodeError:
        raise AdminError(f"{args.file}: not a UTF-8 CSV file") from None
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    async with session_factory(settings)() as session:
        report = await registry.import_mahallas(session, rows, utcnow())
    lines = [
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {len(report.rejected)}"
    ]
    lines += [f"  line {line}: {reason}" for line, reason in report.rejected]
    return "\n".join(lines)


async def places(settings: Settings, args: argparse.Namespace) -> Any:
    async with session_factory(settings)() as session:
        if args.district:
            district = await registry.get_district(session, args.district)
            if district is None:
                raise AdminError(f"unknown district SOATO {args.district}")
            shown = await registry.mahallas_page(session, args.district, 0, 100_000)
            items = [
                {"code": m.code, "name_uz": m.name_uz, "name_uz_cyrl": m.name_uz_cyrl}
                for m in shown.items
            ]
        elif args.region:
            if await registry.get_region(session, args.region) is None:
                raise AdminError(f"unknown region SOATO {args.region}")
            items = [
                {"soato": d.soato, "kind": d.kind, "name_uz": d.name_uz, "name_ru": d.name_ru}
                for d in await registry.districts(session, args.region)
            ]
        else:
            items = [
                {"soato": r.soato, "kind": r.kind, "name_uz": r.name_uz, "name_ru": r.name_ru}
                for r in await registry.regions(session)
            ]
    if args.json:
        return items
    if not items:
        return "no mahallas registered in this district"
    key = "code" if args.district else "soato"
    return "\n".join(f"{item[key]}\t{item['name_uz']}" for item in items)


async def _bot_username(settings: Settings) -> str:
    if settings.bot_username:
        return settings.bot_username.lstrip("@")
    try:
        from bot.app import build_bot

        bot: Bot = build_bot(settings)
    except ConfigError:
        raise AdminError(
            "set BOT_USERNAME (or BOT_TOKEN, to ask Telegram) to print invite links"
        ) from None
    try:
        me = await bot.get_me()
    except Exception as exc:
        raise AdminError(f"could not ask Telegram for the bot's username: {exc}") from None
    finally:
        await bot.session.close()
    return me.username or ""


async def invite(settings: Settings, args: argparse.Namespace) -> str:
    if args.role == "assistant":
        role, level, code = "assistant", "mahalla", args.mahalla
    elif args.country:
        role, level, code = "supervisor", "country", None
    elif args.region:
        role, level, code = "supervisor", "region", args.region
    else:
        role, level, code = "supervisor", "district", args.district
    async with session_factory(settings)() as session:
        try:
            token = await invites.create(
                session, role, level, code, valid_days=settings.invite_valid_days
            )
        except invites.InviteError as exc:
            raise AdminError(str(exc)) from None
    return invites.deep_link(await _bot_username(settings), token)


async def users(settings: Settings, args: argparse.Namespace) -> Any:
    now = utcnow()
    async with session_factory(settings)() as session:
        all_users = (await session.scalars(select(User).order_by(User.id))).all()
        assignments = (
            await session.execute(
                select(AssistantAssignment.user_id, AssistantAssignment.mahalla_code).where(
                    (AssistantAssignment.active_to.is_(None))
                    | (AssistantAssignment.active_to > now)
                )
            )
        ).all()
        scopes = (
            await session.execute(
                select(
                    SupervisorScope.user_id, SupervisorScope.level, SupervisorScope.place_code
                ).where((SupervisorScope.active_to.is_(None)) | (SupervisorScope.active_to > now))
            )
        ).all()
    rows = []
    for user in all_users:
        mahallas = [code for uid, code in assignments if uid == user.id]
        user_scopes = [f"{level}:{code or '*'}" for uid, level, code in scopes if uid == user.id]
        roles = (
            ["citizen"]
            + (["assistant"] if mahallas else [])
            + (["supervisor"] if user_scopes else [])
            + (["admin"] if user.telegram_id in settings.admin_ids else [])
        )
        if args.role and args.role not in roles:
            continue
        places = set(mahallas) | {s.split(":")[1] for s in user_scopes} | {user.mahalla_code}
        if args.place and args.place not in places:
            continue
        rows.append(
            {
                "id": user.id,
                "telegram_id": user.telegram_id,
                "roles": roles,
                "mahallas": mahallas,
                "scopes": user_scopes,
                "locale": user.locale,
            }
        )
    if args.json:
        return rows
    if not rows:
        return "no users match"
    return "\n".join(
        f"{r['id']}\ttg:{r['telegram_id']}\t{','.join(r['roles'])}\t"
        f"{' '.join(r['mahallas'] + r['scopes'])}"
        for r in rows
    )


# --- roles without an invite --------------------------------------------------------------


async def _user_by_telegram_id(session: AsyncSession, telegram_id: int) -> User:
    user = await session.scalar(select(User).where(User.telegram_id == telegram_id))
    if user is None:
        raise AdminError(f"no user with Telegram id {telegram_id}: they must /start the bot first")
    return user


async def _tell(
    settings: Settings,
    session: AsyncSession,
    user: User,
    now: dt.datetime,
    *,
    granted: bool,
    level: str,
    code: str | None,
) -> None:
    """Queue the person's message about the change (with their new menu); the running bot's
    outbox sends it."""
    from bot.i18n import create_i18n
    from bot.views.texts import queue_role_notice

    await queue_role_notice(
        session,
        create_i18n(settings.default_locale),
        user,
        settings.admin_ids,
        now,
        granted=granted,
        role="assistant" if level == "mahalla" else "supervisor",
        level=level,
        code=code,
    )


async def grant(settings: Settings, args: argparse.Namespace) -> str:
    """Grant a role directly, for operators fixing things up without an invite link."""
    now = utcnow()
    async with session_factory(settings)() as session:
        user = await _user_by_telegram_id(session, args.user)
        if args.role == "assistant":
            if await registry.get_mahalla(session, args.mahalla) is None:
                raise AdminError(f"unknown mahalla code {args.mahalla}")
            before = await supervision.mahalla_assistants(session, args.mahalla, now)
            granted = await roles.grant_assistant(session, user, args.mahalla, now)
            what = f"assistant of mahalla {args.mahalla}"
            level, code = "mahalla", args.mahalla
            for predecessor in before if granted else ():  # their term ended: tell them
                await _tell(
                    settings, session, predecessor, now, granted=False, level=level, code=None
                )
        else:
            if args.country:
                level, code = "country", None
            elif args.region:
                level, code = "region", args.region
                if await registry.get_region(session, code) is None:
                    raise AdminError(f"unknown region SOATO {code}")
            else:
                level, code = "district", args.district
                if await registry.get_district(session, code) is None:
                    raise AdminError(f"unknown district SOATO {code}")
            granted = await roles.grant_supervisor(session, user, level, code, now)
            what = f"{level} supervisor" + (f" of {code}" if code else "")
        if granted:
            await _tell(settings, session, user, now, granted=True, level=level, code=code)
        await session.commit()
    return f"{'granted' if granted else 'already'}: user {args.user} is {what}"


async def revoke(settings: Settings, args: argparse.Namespace) -> str:
    """End every active term of the role; an assistant's cases stay with the mahalla."""
    now = utcnow()
    async with session_factory(settings)() as session:
        user = await _user_by_telegram_id(session, args.user)
        if args.role == "assistant":
            ended = await roles.revoke_assistant(session, user, now)
        else:
            ended = await roles.revoke_supervisor(session, user, now)
        if ended == 0:
            raise AdminError(f"user {args.user} is not an active {args.role}")
        level = "mahalla" if args.role == "assistant" else ""
        await _tell(settings, session, user, now, granted=False, level=level, code=None)
        await session.commit()
    return f"revoked: user {args.user} is no longer {args.role} ({ended} ended)"


# --- an announcement to the assistants of a place -----------------------------------------


async def announce(settings: Settings, args: argparse.Namespace) -> Any:
    """Queue TEXT for every active assistant of the country, a region or a district."""
    import secrets

    from bot.i18n import create_i18n
    from bot.notifications import cases as notify
    from bot.services import announcements
    from bot.services.roles import Roles, Scope

    try:
        text = announcements.clean_text(args.text)
    except announcements.AnnouncementError as exc:
        raise AdminError(str(exc)) from None
    if args.country:
        scope = Scope("country", None)
    elif args.region:
        scope = Scope("region", args.region)
    else:
        scope = Scope("district", args.district)
    now = utcnow()
    async with session_factory(settings)() as session:
        operator = Roles(is_admin=True)
        if await announcements.allowed_place(session, operator, scope.level, scope.code) is None:
            raise AdminError(f"unknown {scope.level} SOATO {scope.code}")
        people = await announcements.audience(session, scope, now)
        sender = User(telegram_id=0, name=args.sign)  # not stored: only its name is shown
        queued = await notify.announcement(
            session,
            create_i18n(settings.default_locale),
            people,
            text,
            sender,
            secrets.token_hex(8),
        )
        await session.commit()
    where = f"{scope.level} {scope.code}" if scope.code else "the whole country"
    if args.json:
        return {
            "scope": scope.level,
            "code": scope.code,
            "assistants": len(people),
            "queued": queued,
        }
    return (
        f"queued for {queued} of {len(people)} assistants of {where} "
        "(the running bot sends it; see `admin outbox`)"
    )
