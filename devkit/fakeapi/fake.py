"""``FakeBotAPI``: the one object tests use — core state, HTTP server and simulated users."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from devkit.fakeapi.core import BotApiCore
from devkit.fakeapi.models import ApiCall, CallbackRecord, UserRecord
from devkit.fakeapi.server import FakeApiServer
from devkit.fakeapi.users import SimUser


class FakeBotAPI:
    """A fake Telegram Bot API server for one bot token, run inside the test's event loop.

    Point aiogram at it with ``TelegramAPIServer.from_base(fake.base_url)``.
    """

    def __init__(
        self,
        token: str = "42:TEST",
        bot_username: str = "test_bot",
        *,
        bot_name: str = "Test Bot",
        emulate_limits: bool = False,
        process_timeout: float = 10.0,
        callback_ttl: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.core = BotApiCore(
            token,
            bot_username,
            bot_name=bot_name,
            emulate_limits=emulate_limits,
            callback_ttl=callback_ttl,
            clock=clock,
        )
        #: Seconds a simulated user waits for the bot to finish one update.
        self.process_timeout = process_timeout
        self.server = FakeApiServer(self.core, host, port, timeout=process_timeout)
        self._users: dict[int, SimUser] = {}

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Start serving on ``host`` (random port by default); see :attr:`base_url`."""
        await self.server.start()

    async def stop(self) -> None:
        """Stop serving; releases long polls and fails updates still waiting."""
        await self.server.stop()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` — pass to ``TelegramAPIServer.from_base``."""
        return self.server.base_url

    @property
    def token(self) -> str:
        """Bot token the server accepts."""
        return self.core.token

    @property
    def bot_id(self) -> int:
        """The bot's user id (from the token prefix)."""
        return self.core.bot_id

    @property
    def mode(self) -> str:
        """``webhook`` when a webhook is set, else ``polling``."""
        return "webhook" if self.core.webhook is not None else "polling"

    # ----------------------------------------------------------------- users
    def user(
        self,
        user_id: int,
        first_name: str = "User",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        *,
        phone: str | None = None,
        started: bool = False,
    ) -> SimUser:
        """Create (or return the existing) simulated user.

        A new user has not written to the bot yet (sends to them get 403) unless
        ``started=True``; their first message/press starts the conversation.
        """
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        record = self.core.add_user(
            UserRecord(user_id, first_name, last_name, username, language_code, phone, started)
        )
        sim = SimUser(self.core, record, lambda: self.process_timeout, lambda: self.mode)
        self._users[user_id] = sim
        return sim

    def block(self, user_id: int) -> None:
        """Mark a user as having blocked the bot (sends then fail with 403); no update sent."""
        self.core.users[user_id].blocked = True

    def unblock(self, user_id: int) -> None:
        """Undo :meth:`block` silently."""
        self.core.users[user_id].blocked = False

    # ----------------------------------------------------------------- calls
    @property
    def calls(self) -> list[ApiCall]:
        """Every API call: ``.method, .params, .ok, .error_code, .time`` (+ description, result)."""
        return self.core.calls

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[ApiCall]:
        """Calls of one method (case-insensitive), optionally only successful/failed ones."""
        lowered = method.lower()
        return [
            c for c in self.core.calls if c.method.lower() == lowered and (ok is None or c.ok is ok)
        ]

    async def wait_for(
        self,
        predicate: Callable[[ApiCall], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - documented test API
        *,
        since: int | None = 0,
    ) -> ApiCall:
        """Wait (event-driven) for a call matching ``predicate``; raises AssertionError on timeout.

        Already-recorded calls from index ``since`` count too (``since=None``: only new ones).
        """
        return await self.core.wait_for_call(predicate, timeout, since)

    def fail_next(
        self,
        method: str,
        error_code: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        *,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next ``times`` valid calls of ``method`` (``"*"``: any) fail like this."""
        self.core.fail_next(method, error_code, description, retry_after, times, chat_id)

    @property
    def flood_hits(self) -> int:
        """Number of 429s produced by ``emulate_limits``."""
        return self.core.flood_hits

    def errors(self, error_code: int | None = None) -> list[ApiCall]:
        """Failed calls (optionally of one error code)."""
        return [
            c
            for c in self.core.calls
            if not c.ok and (error_code is None or c.error_code == error_code)
        ]

    def violations(self) -> list[ApiCall]:
        """Calls refused because they break the Bot API spec (always a bug in the bot)."""
        return [c for c in self.core.calls if c.violation]

    # ----------------------------------------------------------------- state
    def unanswered_callbacks(self) -> list[CallbackRecord]:
        """Callback queries the bot never answered."""
        return self.core.unanswered_callbacks()

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[Any]:
        """Commands set with setMyCommands for a scope/language (default scope if None)."""
        return list(self.core.commands.get((self.core.scope_key(scope), language_code), []))

    def file_bytes(self, file_id: str) -> bytes | None:
        """Bytes of an uploaded/known file."""
        stored = self.core.files.get(file_id)
        return stored.data if stored else None

    async def redeliver(self, update_id: int, *, wait: bool = True) -> asyncio.Future[None]:
        """Deliver an already delivered update again, same id (see ``BotApiCore.redeliver``).

        ``wait=False`` only queues it (polling: do it while the bot is stopped, then start one,
        and await the returned future).
        """
        done = self.core.redeliver(update_id)
        if wait:
            await self._wait(update_id, done)
        return done

    async def _wait(self, update_id: int, done: asyncio.Future[None]) -> None:
        try:
            await asyncio.wait_for(asyncio.shield(done), self.process_timeout)
        except TimeoutError:
            raise AssertionError(
                f"bot did not finish update {update_id} within {self.process_timeout}s"
            ) from None

    async def feed(self, payload: dict[str, Any]) -> int:
        """Inject a raw update payload (e.g. ``{"my_chat_member": {...}}``) and wait for it."""
        update_id, done = self.core.inject_update(payload)
        try:
            await asyncio.wait_for(asyncio.shield(done), self.process_timeout)
        except TimeoutError:
            raise AssertionError(
                f"bot did not finish update {update_id} within {self.process_timeout}s"
            ) from None
        return update_id
