"""Command line: `python -m bot [run|db upgrade|admin …]`.

Every command answers bad arguments or bad configuration with one clear line and exit code 2.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from bot.config import ConfigError, Settings, load_settings


class CliError(Exception):
    """One line for the operator; exit code 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def build_parser() -> Parser:
    parser = Parser(prog="python -m bot", description="Mahalla Yordamchi bot service")
    commands = parser.add_subparsers(dest="command", parser_class=Parser)

    run = commands.add_parser("run", help="run the bot (long polling by default)")
    run.add_argument("--webhook", action="store_true", help="serve webhooks instead of polling")

    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=Parser)
    db_commands.add_parser("upgrade", help="apply migrations and load reference data")

    commands.add_parser("sandbox", help="try the bot locally without Telegram")

    admin = commands.add_parser("admin", help="operator commands")
    a = admin.add_subparsers(dest="admin_command", required=True, parser_class=Parser)

    imp = a.add_parser("import-mahallas", help="add or update mahallas from a CSV file")
    imp.add_argument("file", type=Path)

    places = a.add_parser(
        "places", help="list regions, a region's districts or a district's mahallas"
    )
    where = places.add_mutually_exclusive_group()
    where.add_argument("--region", metavar="SOATO")
    where.add_argument("--district", metavar="SOATO")
    places.add_argument("--json", action="store_true")

    invite = a.add_parser("invite", help="print a single-use invite link")
    who = invite.add_subparsers(dest="role", required=True, parser_class=Parser)
    assistant = who.add_parser("assistant")
    assistant.add_argument("--mahalla", required=True, metavar="CODE")
    supervisor = who.add_parser("supervisor")
    scope = supervisor.add_mutually_exclusive_group(required=True)
    scope.add_argument("--district", metavar="SOATO")
    scope.add_argument("--region", metavar="SOATO")
    scope.add_argument("--country", action="store_true")

    users = a.add_parser("users", help="list users with roles")
    users.add_argument("--role", choices=["citizen", "assistant", "supervisor", "admin"])
    users.add_argument("--place", metavar="CODE")
    users.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
        if command == "run":
            from bot.runner import run

            return run(settings, webhook=getattr(args, "webhook", False))
        if command == "sandbox":
            raise CliError("the sandbox is not available yet")
        if command == "db":
            from bot.bootstrap import prepare_database

            asyncio.run(prepare_database(settings.database_url))
            print("database is up to date")
            return 0
        return asyncio.run(_admin(settings, args))
    except (ConfigError, CliError) as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _admin(settings: Settings, args: argparse.Namespace) -> int:
    from bot import admin_cli
    from bot.bootstrap import prepare_database

    await prepare_database(settings.database_url)
    handler = getattr(admin_cli, args.admin_command.replace("-", "_"))
    try:
        result = await handler(settings, args)
    except admin_cli.AdminError as exc:
        raise CliError(str(exc)) from None
    if isinstance(result, str):
        print(result)
    elif result is not None:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
