"""The operator commands behind `python -m bot admin …`; each returns text or JSON-able data."""

from __future__ import annotations

import argparse
from typing import Any

from aiogram import Bot
from sqlalchemy import select

from bot.config import ConfigError, Settings
from bot.services import invites, registry
from db.models import AssistantAssignment, SupervisorScope, User, utcnow
from db.session import create_engine, create_session_factory


class AdminError(Exception):
    """A bad argument: one line for the operator."""


def _sessions(settings: Settings):  # type: ignore[no-untyped-def]
    return create_session_factory(create_engine(settings.database_url))


async def import_mahallas(settings: Settings, args: argparse.Namespace) -> str:
    if not args.file.is_file():
        raise AdminError(f"{args.file}: no such file")
    try:
        rows = registry.read_mahalla_csv(args.file)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AdminError(str(exc)) from None
    async with _sessions(settings)() as session:
        report = await registry.import_mahallas(session, rows, utcnow())
    lines = [
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {len(report.rejected)}"
    ]
    lines += [f"  line {line}: {reason}" for line, reason in report.rejected]
    return "\n".join(lines)


async def places(settings: Settings, args: argparse.Namespace) -> Any:
    async with _sessions(settings)() as session:
        if args.district:
            district = await registry.get_district(session, args.district)
            if district is None:
                raise AdminError(f"unknown district SOATO {args.district}")
            rows, _total = await registry.mahallas_page(session, args.district, 0, 100_000)
            items = [
                {"code": m.code, "name_uz": m.name_uz, "name_uz_cyrl": m.name_uz_cyrl} for m in rows
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
    async with _sessions(settings)() as session:
        try:
            token = await invites.create(
                session,
                role=role,
                level=level,
                place_code=code,
                now=utcnow(),
                valid_days=settings.invite_valid_days,
            )
        except invites.InviteError as exc:
            raise AdminError(str(exc)) from None
    return invites.deep_link(await _bot_username(settings), token)


async def users(settings: Settings, args: argparse.Namespace) -> Any:
    now = utcnow()
    async with _sessions(settings)() as session:
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
