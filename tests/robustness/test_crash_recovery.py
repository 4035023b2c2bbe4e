"""Nothing lost on a crash: the real bot (`python -m bot run`, a process of its own) is killed with
SIGKILL at random points while a person registers and fills in the household questionnaire;
it is started again and the update in flight is delivered again, as Telegram does with one it
holds unconfirmed. Every answer is stored exactly once and the person goes on to a case.

Polling on SQLite; a webhook worker on PostgreSQL + Redis. The kill points come from a seeded
random generator (CRASH_SEED), so a failure can be replayed.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.i18n import create_i18n
from db.models import Case, Draft, ProcessedUpdate, User
from db.session import create_engine, create_session_factory
from devkit.fakeapi.models import WebhookConfig
from devkit.fakeapi.updates import UpdateDeliveryError
from tests.conversation.test_questionnaire import SHORT_PATH, give, question_on_screen, t
from tests.support.cluster import free_port, process_env, webhook_env

SEED = int(os.environ.get("CRASH_SEED", "20261205"))
KILLS = 4
SECRET = "crash-test-secret"


class BotProcess:
    """The bot as operators run it, restartable, with a kill switch."""

    def __init__(self, fake: Any, db_url: str, logs: Path, webhook: bool) -> None:
        self.fake, self.db_url, self.logs, self.webhook = fake, db_url, logs, webhook
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = free_port()
        self.starts = 0

    def env(self) -> dict[str, str]:
        return process_env(
            self.fake,
            self.db_url,
            THROTTLE_RATE="1000",  # the driver answers at machine speed, not a person's
            DOUBLE_TAP_WINDOW="0",  # a re-sent press after a crash is not a double tap
            METRICS_PORT="0",
            **(webhook_env(self.port, SECRET) if self.webhook else {}),
        )

    async def start(self) -> None:
        self.starts += 1
        args = [sys.executable, "-m", "bot", "run", *(["--webhook"] if self.webhook else [])]
        log = (self.logs / f"bot{self.starts}.log").open("wb")
        since = len(self.fake.calls)
        self.proc = subprocess.Popen(  # noqa: ASYNC220 - started once, not awaited
            args, env=self.env(), stdout=log, stderr=subprocess.STDOUT
        )
        if self.webhook:
            await self._until_listening()
            # The bot listens first and then registers its public WEBHOOK_URL: only after that
            # may the fake be pointed at this process's port, or the bot's own setWebhook
            # would point it away again and no update would reach the bot.
            await self.fake.core.wait_for_call(
                lambda call: call.method == "setWebhook", 30.0, since=since
            )
            self.fake.core.webhook = WebhookConfig(
                url=f"http://127.0.0.1:{self.port}/webhook", secret_token=SECRET
            )

    async def _until_listening(self) -> None:
        for _ in range(300):
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.1)
        raise AssertionError(f"the bot did not listen; see {self.logs}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            for _ in range(150):
                if self.proc.poll() is not None:
                    break
                await asyncio.sleep(0.1)
            else:
                self.proc.kill()


class Person:
    """Answers whatever the bot asks, as someone who does not know the bot would: when a step
    brings no answer (the bot died), they try again; when a retry changes nothing, they ask
    for the open question again."""

    def __init__(self, harness: Any, bot: BotProcess, user: Any, rng: random.Random) -> None:
        self.harness, self.bot, self.user, self.rng = harness, bot, user, rng
        self.kills_left = KILLS
        self.kills = 0
        #: Restarts after which the bot said nothing until the person asked again.
        self.silences: list[str] = []

    def _screen(self) -> tuple[int, str]:
        last = self.user.last
        return len(
            self.user.messages
        ), f"{last.message_id}:{last.text}:{last.buttons}" if last else ""

    async def _killer(self) -> None:
        """Kill the bot after a random number of its Bot API calls from now."""
        calls = self.rng.randint(0, 3)
        start = len(self.harness.fake.calls)
        try:
            await self.harness.fake.core.wait_for_call(
                lambda _call: len(self.harness.fake.calls) - start > calls, 10.0, since=start
            )
        except (AssertionError, TimeoutError):
            return
        if self.kills_left > 0:
            self.kills_left -= 1
            self.kills += 1
            self.bot.kill()

    async def act(self, action: Any) -> None:
        before = self._screen()
        killer = asyncio.create_task(self._killer()) if self.rng.random() < 0.35 else None
        try:
            await action()
        except (UpdateDeliveryError, AssertionError):
            pass  # the bot died while handling it (webhook) or did not answer in time
        changed = await self._changed(before, 3.0)
        if killer is not None:
            killer.cancel()
        if not changed:
            await self._recover(before)

    async def _changed(self, before: tuple[int, str], within: float) -> bool:
        for _ in range(int(within / 0.05)):
            if self._screen() != before:
                await asyncio.sleep(0.15)  # let the rest of the answer arrive
                return True
            if not self.bot.alive():
                return False
            await asyncio.sleep(0.05)
        return False

    async def _recover(self, before: tuple[int, str]) -> None:
        """The bot died: start it again. Polling: the new process is given what the dead one
        had not confirmed (nothing is re-sent by hand). Webhook: Telegram retries the update
        whose request failed."""
        if not self.bot.alive():
            await self.bot.stop()
            await self.bot.start()
            update_id = self.user.last_update_id
            if update_id is not None and self.bot.webhook:
                future = self.harness.fake.core.redeliver(update_id)
                try:
                    await asyncio.wait_for(future, 20)
                except (UpdateDeliveryError, TimeoutError):
                    pass
            if await self._changed(before, 10.0):
                return
            self.silences.append(transcript(self.user, 4))
        try:  # no answer: the person starts over from the menu
            await self.user.send("/start")
        except (UpdateDeliveryError, AssertionError):
            return  # the next step sees what is on screen and tries again
        await self._changed(before, 5.0)


def transcript(user: Any, last: int = 12) -> str:
    """The end of the conversation, both sides, with each message's buttons: what a failure
    message needs to show where the person got stuck."""
    lines = []
    for message in user.all_messages[-last:]:
        side = "bot" if message.from_bot else "person"
        gone = " (deleted)" if message.deleted else ""
        lines.append(
            f"  {side} #{message.message_id}{gone}: {message.body[:90]!r} {message.buttons}"
        )
    return "\n".join(lines)


async def registered(harness: Any, telegram_id: int) -> User | None:
    async with harness.db() as session:
        return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def walk(harness: Any, person: Person) -> None:
    user = person.user
    needs = t(harness, "📝 My household's needs", "uz")
    for _ in range(80):
        row = await registered(harness, user.id)
        if row is not None and row.registered_at is not None:
            break
        text = user.last.text if user.last else ""
        labels = [b for row_ in (user.last.buttons if user.last else []) for b in row_]
        if not text or "Tilni tanlang" in text:
            if not labels:
                await person.act(lambda: user.send("/start"))
            else:
                label = next(b for b in labels if b.endswith("Oʻzbekcha"))
                await person.act(lambda label=label: user.press(label))
        elif "Rozimisiz" in text:
            await person.act(lambda: user.press("✅ Roziman"))
        elif "Ismingiz" in text:
            await person.act(lambda: user.send("Ali Valiyev"))
        elif "Telefon" in text:
            await person.act(lambda: user.send("90 123 45 67"))
        elif "yil" in text and "tugʻilgan" in text.lower():
            await person.act(lambda: user.send("1980"))
        elif "Jinsingiz" in text:
            await person.act(lambda: user.send("👨 Erkak"))
        elif "Viloyatingizni" in text:
            await person.act(lambda: user.press("Toshkent shahri"))
        elif "tuman" in text and "Chilonzor tumani" in labels:
            await person.act(lambda: user.press("Chilonzor tumani"))
        elif "Beshqoʻrgʻon MFY" in labels:
            await person.act(lambda: user.press("Beshqoʻrgʻon MFY"))
        elif labels and "▶️" in labels:
            await person.act(lambda: user.press("▶️"))
        elif needs in [b for row_ in user.reply_keyboard for b in row_]:
            # The main menu: the language was saved, the welcome was not sent (killed in
            # between). The person picks what they came for; that leads to registration.
            await person.act(lambda: user.send(needs))
        else:
            await person.act(lambda: user.send("/start"))
    else:
        row = await registered(harness, user.id)
        fields = (
            {
                k: getattr(row, k)
                for k in (
                    "name",
                    "phone",
                    "birth_year",
                    "gender",
                    "mahalla_code",
                    "consent_version",
                    "registered_at",
                    "locale",
                )
            }
            if row
            else None
        )
        raise AssertionError(
            f"registration did not finish; row {fields}; the end of the chat:\n{transcript(user)}"
        )

    for _ in range(80):
        async with harness.db() as session:
            row = await registered(harness, user.id)
            assert row is not None
            cases = await session.scalar(
                select(func.count()).select_from(Case).where(Case.user_id == row.id)
            )
        if cases:
            break
        qid = question_on_screen(user, "uz")
        send = t(harness, "✅ Send", "uz")
        if qid is not None and qid in SHORT_PATH:
            await person.act(lambda q=qid: give(harness, user, "uz", q, SHORT_PATH[q]))
        elif user.last and send in [b for r in user.last.buttons for b in r]:
            await person.act(lambda send=send: user.press(send))
        elif user.last and (go_on := t(harness, "▶️ Continue where you stopped", "uz")) in [
            b for r in user.last.buttons for b in r
        ]:
            await person.act(lambda go_on=go_on: user.press(go_on))
        else:
            await person.act(lambda: user.send(t(harness, "📝 My household's needs", "uz")))
    else:
        raise AssertionError(f"no case; the end of the chat:\n{transcript(user)}")


@pytest.mark.parametrize("seed", [SEED])
async def test_killed_at_random_points_nothing_is_lost_or_doubled(
    fake: Any, db_url: str, redis_url: str | None, tmp_path: Path, seed: int
) -> None:
    from tests.support.harness import BotHarness, make_settings

    fake.process_timeout = 20.0
    webhook = redis_url is not None
    harness = BotHarness(fake, make_settings(db_url, fake.base_url, redis_url))  # for db() only
    engine = create_engine(db_url)
    harness.app = SimpleNamespace(  # type: ignore[assignment]
        sessions=create_session_factory(engine), i18n=create_i18n("uz")
    )
    bot = BotProcess(fake, db_url, tmp_path, webhook)
    await bot.start()
    try:
        person = Person(
            harness,
            bot,
            fake.user(60_001, first_name="Ali", language_code="uz"),
            random.Random(seed),
        )
        await walk(harness, person)
        assert person.kills >= 1, "no kill happened: the test proved nothing"
        # Whether the kill fell before the update's commit (it is handled again) or between
        # its commit and its answer (the person is shown where they are), the restarted bot
        # answers without being asked again.
        assert person.silences == [], "\n\n".join(person.silences)
        async with harness.db() as session:
            users = list(await session.scalars(select(User).where(User.telegram_id == 60_001)))
            assert len(users) == 1
            row = users[0]
            assert (row.name, row.birth_year, row.gender) == ("Ali Valiyev", 1980, "m")
            assert row.phone and row.phone.endswith("901234567")
            cases = list(await session.scalars(select(Case).where(Case.user_id == row.id)))
            assert len(cases) == 1  # the questionnaire's answers became one case
            assert cases[0].answers.get("members") == SHORT_PATH["members"]
            drafts = await session.scalar(
                select(func.count()).select_from(Draft).where(Draft.user_id == row.id)
            )
            assert drafts == 0
            marks = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
            assert marks and marks <= len(fake.core.delivered)
    finally:
        await bot.stop()
        await engine.dispose()


async def test_polling_an_update_cut_off_by_a_kill_goes_to_the_next_process(
    fake: Any, db_url: str, backend: str, tmp_path: Path
) -> None:
    """Long polling confirms an update to Telegram only once it was handled: the bot is killed
    while a newcomer's /start waits for the database, and the next process, given the same
    unconfirmed update by getUpdates (nothing re-sent by hand), answers it."""
    if backend != "sqlite":
        pytest.skip("polling is the single-process SQLite set-up; webhooks are tested above")
    import sqlite3

    fake.process_timeout = 20.0
    bot = BotProcess(fake, db_url, tmp_path, webhook=False)
    await bot.start()
    blocker = sqlite3.connect(db_url.split("///", 1)[1], isolation_level=None)
    try:
        await fake.core.wait_for_call(lambda call: call.method == "deleteWebhook", 30.0)
        await asyncio.sleep(1.0)  # polling now
        user = fake.user(60_002, first_name="Vali", language_code="uz")
        blocker.execute("BEGIN IMMEDIATE")  # every write waits: the handler is stuck mid-way
        asyncio.get_running_loop().create_task(user.send("/start")).add_done_callback(
            lambda task: task.exception()
        )
        await asyncio.sleep(2.0)
        assert [u["update_id"] for u in fake.core.pending_updates] == [user.last_update_id], (
            "the update being handled was confirmed to Telegram before its handling ended"
        )
        bot.kill()
        await asyncio.sleep(0.5)
        blocker.execute("ROLLBACK")
        assert user.last is None  # the dead process never answered
        await bot.stop()
        await bot.start()
        for _ in range(200):
            if user.last is not None:
                break
            await asyncio.sleep(0.1)
        assert user.last is not None and "Tilni tanlang" in user.last.text
        assert len(fake.core.delivered) == 1  # Telegram was not asked to send it again
        # The next getUpdates confirms it; on a busy machine that call may come a little later.
        for _ in range(100):
            if not fake.core.pending_updates or fake.core.pending_updates[0]["update_id"] > 1:
                break
            await asyncio.sleep(0.1)
        assert not fake.core.pending_updates or fake.core.pending_updates[0]["update_id"] > 1
    finally:
        blocker.close()
        await bot.stop()


async def test_polling_a_graceful_stop_lets_the_update_in_flight_finish(
    fake: Any, db_url: str, backend: str, tmp_path: Path
) -> None:
    """SIGTERM (a deploy, systemd stop) while a newcomer's /start waits for the database: the
    process finishes it, answers, confirms it and only then exits."""
    if backend != "sqlite":
        pytest.skip("polling is the single-process SQLite set-up")
    import sqlite3

    fake.process_timeout = 20.0
    bot = BotProcess(fake, db_url, tmp_path, webhook=False)
    await bot.start()
    blocker = sqlite3.connect(db_url.split("///", 1)[1], isolation_level=None)
    try:
        await fake.core.wait_for_call(lambda call: call.method == "deleteWebhook", 30.0)
        await asyncio.sleep(1.0)
        user = fake.user(60_003, first_name="Olim", language_code="uz")
        blocker.execute("BEGIN IMMEDIATE")
        sent = asyncio.get_running_loop().create_task(user.send("/start"))
        await asyncio.sleep(1.5)
        assert bot.proc is not None
        bot.proc.send_signal(signal.SIGTERM)
        await asyncio.sleep(1.0)
        assert bot.alive(), "the process left before the update in flight was done"
        blocker.execute("ROLLBACK")
        for _ in range(150):
            if not bot.alive():
                break
            await asyncio.sleep(0.1)
        assert not bot.alive()
        assert user.last is not None and "Tilni tanlang" in user.last.text
        await asyncio.wait_for(sent, 5)  # and it was confirmed: nothing left for the next one
        assert fake.core.pending_updates == []
    finally:
        blocker.close()
        await bot.stop()
