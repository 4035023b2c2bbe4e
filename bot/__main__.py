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
from typing import Any, NoReturn

from bot.config import ConfigError, Settings, load_settings


class CliError(Exception):
    """One line for the operator; exit code 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def _add_place_scope(parser: argparse.ArgumentParser) -> None:
    """The area a supervisor covers or an announcement reaches, asked the same way by `invite`,
    `grant` and `announce`: exactly one of --district, --region or --country."""
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--district", metavar="SOATO")
    scope.add_argument("--region", metavar="SOATO")
    scope.add_argument("--country", action="store_true")


def build_parser() -> Parser:
    parser = Parser(prog="python -m bot", description="Mahalla Yordamchi bot service")
    commands = parser.add_subparsers(dest="command", parser_class=Parser)

    run = commands.add_parser("run", help="run the bot (long polling by default)")
    run.add_argument("--webhook", action="store_true", help="serve webhooks instead of polling")

    db = commands.add_parser("db", help="database commands")
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=Parser)
    db_commands.add_parser("upgrade", help="apply migrations and load reference data")

    sandbox = commands.add_parser(
        "sandbox", help="try the bot locally without Telegram: a web chat on 127.0.0.1"
    )
    sandbox.add_argument("--port", type=int, default=8088, help="port of the page (default 8088)")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on")
    sandbox.add_argument(
        "--keep", action="store_true", help="keep data/sandbox.db from the last run (no reseed)"
    )

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
    _add_place_scope(supervisor)

    grant = a.add_parser("grant", help="give a user a role now (no invite)")
    grant_role = grant.add_subparsers(dest="role", required=True, parser_class=Parser)
    grant_assistant = grant_role.add_parser("assistant")
    grant_assistant.add_argument("--user", required=True, type=int, metavar="TG_ID")
    grant_assistant.add_argument("--mahalla", required=True, metavar="CODE")
    grant_supervisor = grant_role.add_parser("supervisor")
    grant_supervisor.add_argument("--user", required=True, type=int, metavar="TG_ID")
    _add_place_scope(grant_supervisor)
    revoke = a.add_parser("revoke", help="end a user's assistant or supervisor role now")
    revoke.add_argument("role", choices=["assistant", "supervisor"])
    revoke.add_argument("--user", required=True, type=int, metavar="TG_ID")

    users = a.add_parser("users", help="list users with roles")
    users.add_argument("--role", choices=["citizen", "assistant", "supervisor", "admin"])
    users.add_argument("--place", metavar="CODE")
    users.add_argument("--json", action="store_true")

    from scheduler.tasks import TASK_NAMES

    # "tasks" are scheduled tasks ("jobs" are the ones people get); the old names still work.
    tasks = a.add_parser(
        "tasks", aliases=["jobs"], help="scheduled tasks, their next run and last run"
    )
    tasks.set_defaults(handler="tasks")
    tasks.add_argument("--json", action="store_true")
    run_task = a.add_parser("run-task", aliases=["run-job"], help="run one scheduled task now")
    run_task.set_defaults(handler="run_task")
    run_task.add_argument("name", choices=TASK_NAMES, metavar="NAME", help=", ".join(TASK_NAMES))
    run_task.add_argument(
        "--force", action="store_true", help="send again even if it already ran for this period"
    )
    run_task.add_argument(
        "--at",
        metavar="YYYY-MM-DDTHH:MM",
        help="run for this moment instead of now (local time in TIMEZONE unless it has an offset)",
    )
    run_task.add_argument("--json", action="store_true")
    backup = a.add_parser("backup", help="a consistent copy of the SQLite database, while it runs")
    backup.add_argument("file", metavar="FILE")
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    restore = a.add_parser("restore", help="put a backup in place of the database (bot stopped)")
    restore.add_argument("file", metavar="FILE")
    restore.add_argument(
        "--yes", action="store_true", help="confirm: the bot is stopped, replace the database"
    )
    outbox = a.add_parser("outbox", help="messages queued, failed and blocked")
    outbox.add_argument("--json", action="store_true")

    from bot.services.runtime_settings import KEYS

    shown = a.add_parser("settings", help="targets and time limits in force, and where from")
    shown.add_argument("--json", action="store_true")
    change = a.add_parser(
        "set", help="change a target or time limit now (VALUE 'default': back to configured)"
    )
    change.add_argument("key", metavar="KEY", help=", ".join(KEYS))
    change.add_argument("value", metavar="VALUE")
    change.set_defaults(handler="set_setting")
    announce = a.add_parser("announce", help="queue a message to the assistants of a place")
    _add_place_scope(announce)
    announce.add_argument("text", metavar="TEXT")
    announce.add_argument("--sign", default="Mahalla Yordamchi", help="the sender shown")
    announce.add_argument("--json", action="store_true")
    return parser


def _sandbox_runner() -> Any:
    """The sandbox lives in the development package `devkit/`, beside `bot/` in a checkout and
    not in the production wheel: import it from the checkout this `bot` package came from."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "devkit").is_dir() and str(checkout) not in sys.path:
        sys.path.insert(0, str(checkout))
    try:
        from devkit.sandbox import run_sandbox
    except ModuleNotFoundError as exc:
        if exc.name is None or not exc.name.startswith("devkit"):
            raise
        raise CliError(
            "the sandbox is a development tool of the source checkout (devkit/), "
            "not part of the installed package: run `make run` in a checkout"
        ) from exc
    return run_sandbox


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
            run_sandbox = _sandbox_runner()
            if not 0 <= args.port <= 65535:
                raise CliError(f"--port {args.port} is not a port number (0-65535)")
            return run_sandbox(settings, args.host, args.port, keep=args.keep)
        if command == "db":
            from bot.bootstrap import prepare_database

            asyncio.run(prepare_database(settings.database_url))
            print("database is up to date")
            return 0
        if args.admin_command in ("backup", "restore"):
            return _backup_or_restore(settings, args)
        return asyncio.run(_admin(settings, args))
    except (ConfigError, CliError) as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _backup_or_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Without touching the database otherwise (no migrations before a copy or a restore)."""
    from pathlib import Path

    from db.backup import BackupError, backup, restore

    try:
        if args.admin_command == "backup":
            print(backup(settings.database_url, Path(args.file), force=args.force))
        else:
            if not args.yes:
                raise CliError(
                    "restore replaces the database: stop the bot, then add --yes "
                    "(the current database is kept beside it)"
                )
            print(restore(settings.database_url, Path(args.file)))
            print("start the bot as usual: it brings the schema up to date")
    except BackupError as exc:
        raise CliError(str(exc)) from None
    return 0


async def _admin(settings: Settings, args: argparse.Namespace) -> int:
    from bot import admin_cli, admin_cli_ops
    from bot.bootstrap import prepare_database

    await prepare_database(settings.database_url)
    name = getattr(args, "handler", None) or args.admin_command.replace("-", "_")
    handler = getattr(admin_cli, name, None) or getattr(admin_cli_ops, name)
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
