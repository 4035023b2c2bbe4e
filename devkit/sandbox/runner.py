"""The sandbox process: emulator + real bot + demo data + the web chat page, in one loop.

The page and the Bot API share one aiohttp server on 127.0.0.1 (the bot talks to
``/bot<token>/…``, the browser to ``/`` and ``/api/…``), so there is one address to open.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import io
import logging
import math
import signal
import struct
import sys
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.app import App, build_app, set_commands
from bot.bootstrap import prepare_database
from bot.config import Settings
from bot.logging_setup import setup_logging
from db.models import utcnow
from devkit.fakeapi import BotApiCore, FakeBotAPI, SimUser
from devkit.fakeapi.models import ApiCall
from devkit.sandbox import cast, seed
from devkit.sandbox.cast import Person
from devkit.sandbox.tasks import JobControl, scheduler_hook
from devkit.sandbox.web import install

log = logging.getLogger(__name__)

TOKEN = "7000000001:SANDBOX-not-a-real-token"
BOT_USERNAME = "mahalla_sandbox_bot"
BOT_NAME = "Mahalla Yordamchi"
DEFAULT_PORT = 8088
DEFAULT_DATABASE = Path("data/sandbox.db")
NEW_CITIZEN_BASE = 500_010
CHAT_BURST = 10.0


def sample_voice(seconds: int, rate: int = 8000) -> bytes:
    """A WAV file of a quiet two-tone hum, ``seconds`` long: a voice note for the sandbox."""
    frames = bytearray()
    for n in range(max(1, seconds) * rate):
        tone = 440 if (n // rate) % 2 == 0 else 330
        frames += struct.pack("<h", int(3000 * math.sin(2 * math.pi * tone * n / rate)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class SystemLine:
    """A red line in a chat: a Bot API call the emulator refused, as Telegram would."""

    seq: int
    chat_id: int | None
    text: str


class Sandbox:
    """Start/stop the whole sandbox; the web layer (:mod:`devkit.sandbox.web`) reads it."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        database: Path = DEFAULT_DATABASE,
        fresh: bool = True,
        emulate_limits: bool = True,
        greet: bool = True,
        schedule: bool = True,
        process_timeout: float = 10.0,
        jobs: JobControl | None = None,
    ) -> None:
        self.base_settings = settings
        self.database = database
        self.fresh = fresh
        self.greet = greet
        self.schedule = schedule
        self.fake = FakeBotAPI(
            TOKEN,
            BOT_USERNAME,
            bot_name=BOT_NAME,
            emulate_limits=emulate_limits,
            process_timeout=process_timeout,
            host=host,
            port=port,
        )
        if self.fake.core.limiter is not None:
            # Telegram tolerates short bursts in a private chat; 1 a second is the sustained
            # pace. A person tapping through a questionnaire must not meet 429s the real
            # app would not show, while a broadcast that ignores the limits still does.
            self.fake.core.limiter.chat_burst = CHAT_BURST
        self.jobs = jobs if jobs is not None else scheduler_hook()
        self.people: dict[int, Person] = {}
        self.system_lines: list[SystemLine] = []
        self.viewed: dict[int, int] = {}
        self.subscribers: set[asyncio.Queue[int | None]] = set()
        self.app: App | None = None
        self.stopping = False
        self.settings: Settings | None = None
        self._calls_seen = 0
        self._tasks: list[asyncio.Task[Any]] = []
        install(self.fake.server.app, self)

    # ----------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        """The page's address (also the Bot API's base URL)."""
        return self.fake.base_url + "/"

    @property
    def core(self) -> BotApiCore:
        """The emulator's state (chats, files, calls) that the page draws."""
        return self.fake.core

    async def start(self) -> str:
        """Serve, prepare and seed the database, start the bot; return the page's address."""
        self.fake.core.change_listeners.append(self._on_change)
        await self.fake.start()
        _prepare_file(self.database, fresh=self.fresh)
        admin_ids = list(dict.fromkeys([*self.base_settings.admin_ids, cast.ADMIN.telegram_id]))
        self.settings = self.base_settings.model_copy(
            update={
                "bot_token": SecretStr(TOKEN),
                "bot_username": BOT_USERNAME,
                "telegram_api_url": self.fake.base_url,
                "database_url": f"sqlite+aiosqlite:///{self.database}",
                "redis_url": None,
                "webhook_url": None,
                "admin_ids": admin_ids,
                # A demo shows what happens at once, at any hour: no quiet hours.
                "quiet_from": dt.time(0, 0),
                "quiet_to": dt.time(0, 0),
            }
        )
        await prepare_database(self.settings.database_url)
        self.app = build_app(self.settings)
        async with self.app.sessions() as session:
            if not await seed.is_seeded(session):
                await seed.seed_demo(session, self.settings, utcnow())
            for person in await seed.load_people(session):
                self._add_person(person)
        await set_commands(self.app.bot, self.app.i18n)
        await self.app.bot.delete_webhook(drop_pending_updates=True)
        dispatcher = self.app.dispatcher
        self._tasks = [
            asyncio.create_task(
                dispatcher.start_polling(
                    self.app.bot, handle_as_tasks=False, handle_signals=False, polling_timeout=10
                ),
                name="sandbox-polling",
            ),
            asyncio.create_task(self.app.outbox.run(), name="sandbox-outbox"),
        ]
        if self.schedule and self.app.scheduler is not None:
            self.app.scheduler.start()  # the real schedule too, as `python -m bot run` has
        if self.greet:
            for person in cast.MAIN_PEOPLE:
                if person.started:  # their chats open on the main menu, like an old chat
                    await self.send(person.telegram_id, "/start")
        return self.url

    async def stop(self) -> None:
        """Stop polling and the outbox, close the bot and the emulator."""
        if self.app is not None:
            with contextlib.suppress(RuntimeError):
                await self.app.dispatcher.stop_polling()
            for task in self._tasks:
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self.app.close()
            self.app = None
        self.stopping = True
        for queue in list(self.subscribers):
            queue.put_nowait(None)
        await self.fake.stop()
        with contextlib.suppress(ValueError):
            self.fake.core.change_listeners.remove(self._on_change)

    # ----------------------------------------------------------------- people
    def _add_person(self, person: Person) -> SimUser:
        self.people[person.telegram_id] = person
        return self.fake.user(
            person.telegram_id,
            first_name=person.first_name,
            last_name=person.last_name,
            language_code=person.language_code,
            phone=person.phone,
            started=person.started,
        )

    def add_citizen(self) -> Person:
        """Another brand-new citizen (never wrote to the bot), for demos with several."""
        number = 1 + sum(1 for p in self.people.values() if p.role == "citizen_new")
        person = dataclasses.replace(
            cast.NEW_CITIZEN,
            telegram_id=NEW_CITIZEN_BASE + number,
            first_name=f"Fuqaro {number}",
            last_name=None,
            phone=f"+99890{NEW_CITIZEN_BASE + number:07d}",
        )
        self._add_person(person)
        return person

    def sim(self, person_id: int) -> SimUser:
        """The simulated Telegram app of a known person (KeyError for anyone else)."""
        if person_id not in self.people:
            raise KeyError(person_id)
        return self.fake.user(person_id)

    # ----------------------------------------------------------------- actions
    async def _deliver(self, action: Any) -> None:
        """Wait for the bot to finish the update; a slow bot only means the page updates later."""
        with contextlib.suppress(AssertionError):
            await action

    async def send(self, person_id: int, text: str) -> None:
        await self._deliver(self.sim(person_id).send(text))

    async def press(self, person_id: int, message_id: int, row: int, col: int) -> dict[str, Any]:
        """Tap an inline button; returns the toast/alert the bot answered with (if any)."""
        sim = self.sim(person_id)
        message = sim.chat.messages.get(message_id)
        if message is None or message.deleted or not message.from_bot:
            raise LookupError("this message is gone")
        try:
            button = message.inline_keyboard[row][col] if min(row, col) >= 0 else None
        except IndexError:
            button = None
        if button is None:
            raise LookupError("this button is gone")
        if "callback_data" not in button:
            raise LookupError("only callback buttons send anything to the bot")
        await self._deliver(sim.press_data(message, button["callback_data"]))
        answer = sim.last_answer
        if answer is None:
            return {}
        return {"text": answer.text, "show_alert": answer.show_alert, "url": answer.url}

    async def press_reply(
        self, person_id: int, row: int, col: int, location: tuple[float, float] | None = None
    ) -> None:
        """Tap a reply-keyboard button: its text, the own contact, or a location."""
        sim = self.sim(person_id)
        keyboard = sim.chat.reply_keyboard
        try:
            button = keyboard["keyboard"][row][col] if keyboard and min(row, col) >= 0 else None
        except IndexError:
            button = None
        if button is None:
            raise LookupError("this button is gone")
        if keyboard is not None and keyboard.get("one_time_keyboard"):
            sim.chat.reply_keyboard = None
            sim.chat.reply_keyboard_message_id = None
        if button.get("request_contact"):
            await self._deliver(sim.send_contact())
        elif button.get("request_location"):
            await self._deliver(sim.send_location(*(location or seed_location())))
        elif any(
            button.get(key) for key in ("request_users", "request_chat", "request_poll", "web_app")
        ):
            raise LookupError("this kind of button is not emulated in the sandbox")
        else:
            await self._deliver(sim.send(button["text"]))

    async def send_contact(self, person_id: int) -> None:
        await self._deliver(self.sim(person_id).send_contact())

    async def send_location(self, person_id: int, latitude: float, longitude: float) -> None:
        await self._deliver(self.sim(person_id).send_location(latitude, longitude))

    async def send_voice(self, person_id: int, seconds: int) -> None:
        """A voice note: a short sample tone, so the page can play it back."""
        await self._deliver(
            self.sim(person_id).send_voice(
                sample_voice(seconds), duration=seconds, mime_type="audio/wav"
            )
        )

    async def send_file(
        self, person_id: int, data: bytes, filename: str, mime: str, caption: str | None
    ) -> None:
        sim = self.sim(person_id)
        if mime in ("image/jpeg", "image/png"):
            await self._deliver(sim.send_photo(data, caption=caption))
        else:
            await self._deliver(sim.send_document(data, filename, mime_type=mime, caption=caption))

    async def fire_job(self, name: str) -> str:
        """Run a scheduled job now (when the scheduler offers it), then flush the outbox."""
        if self.jobs.run is None or self.app is None:
            raise LookupError(self.jobs.reason or "jobs are not available")
        if name not in self.jobs.names:
            raise LookupError(f"unknown job {name!r}")
        context: Mapping[str, Any] = {
            "app": self.app,
            "settings": self.app.settings,
            "sessions": self.app.sessions,
            "session_factory": self.app.sessions,
            "bot": self.app.bot,
            "i18n": self.app.i18n,
            "outbox": self.app.outbox,
            "dispatcher": self.app.dispatcher,
            "engine": self.app.engine,
        }
        result = await self.jobs.run(name, utcnow(), context)
        self.app.outbox.wake()
        return "done" if result is None else str(result)

    # ----------------------------------------------------------------- changes
    def _on_change(self, chat_id: int | None) -> None:
        """Collect refused calls as red lines, and tell the open pages what changed."""
        calls = self.fake.core.calls
        global_line = False
        while self._calls_seen < len(calls):
            call = calls[self._calls_seen]
            self._calls_seen += 1
            if not call.ok:
                global_line |= self._refused(call) is None
        if chat_id is None and not global_line:
            return  # getUpdates, getMe, setMyCommands…: nothing any chat shows
        for queue in list(self.subscribers):
            queue.put_nowait(chat_id)

    def _refused(self, call: ApiCall) -> int | None:
        """Record a red line; returns its chat (None: shown in every chat). -1: not shown."""
        if call.method == "getUpdates" and call.error_code == 409:
            return -1  # the emulator's own shutdown/restart of long polls, not the bot's doing
        chat_id = self.fake.core.call_chat_id(call)
        self.system_lines.append(
            SystemLine(
                self.fake.core.event_seq,
                chat_id,
                f"Bot API refused {call.method}: {call.description or call.error_code}",
            )
        )
        return chat_id


def _prepare_file(database: Path, *, fresh: bool) -> None:
    """Make the database's folder; a fresh run starts from no file (and no WAL leftovers)."""
    database.parent.mkdir(parents=True, exist_ok=True)
    if fresh:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)


def seed_location() -> tuple[float, float]:
    """Chilonzor, roughly: where a demo citizen's phone says they are."""
    return (41.2756, 69.2034)


def run_sandbox(settings: Settings, host: str, port: int, keep: bool = False) -> int:
    """``python -m bot sandbox``: serve until Ctrl+C; returns the exit code."""
    # A readable console: the ready line, then warnings and errors only (LOG_LEVEL=DEBUG or
    # LOG_SQL=true still show everything, for whoever is debugging).
    level = settings.log_level if settings.log_level == "DEBUG" else "WARNING"
    setup_logging(level, settings.log_format, settings.log_sql)
    return asyncio.run(_serve(settings, host, port, keep))


async def _serve(settings: Settings, host: str, port: int, keep: bool) -> int:
    # The default port may be taken by something else: then any free one will do.
    ports = [port, 0] if port == DEFAULT_PORT else [port]
    for candidate in ports:
        sandbox = Sandbox(settings, host=host, port=candidate, fresh=not keep)
        try:
            try:
                url = await sandbox.start()
            except OSError as exc:
                if candidate != ports[-1]:
                    continue
                print(
                    f"python -m bot sandbox: cannot listen on {host}:{candidate} "
                    f"({exc.strerror}); choose another with --port",
                    file=sys.stderr,
                )
                return 2
            busy = f" (port {port} was busy)" if candidate != port else ""
            kept = "kept from the last run" if keep else "fresh; --keep keeps it next time"
            print(
                f"Sandbox ready: open {url} in a browser{busy} (no Telegram, no internet "
                f"needed). Ctrl+C stops it.\nIts data: {sandbox.database} ({kept}; the "
                "sandbox never uses DATABASE_URL, which is the real bot's).",
                flush=True,
            )
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(signum, stop.set)
            await stop.wait()
            return 0
        finally:
            await sandbox.stop()
    return 2
