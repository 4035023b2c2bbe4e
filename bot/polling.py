"""Long polling that confirms an update to Telegram only after it was handled.

aiogram's polling sends the next getUpdates with `offset` past every update it has fetched as
soon as it has started them as tasks. If the process dies (kill -9, out of memory, a deploy)
while a handler runs, Telegram already considers those updates delivered: the person's tap or
answer is gone. Here the offset only moves past updates whose handling has ended, so after a
crash the new process is given the unfinished ones again; `UpdateOnce` (the update marked
processed in the handler's own transaction) skips those that did commit.

Telegram returns the earliest unconfirmed updates first, so while some are still being handled
the poller asks without waiting (`timeout=0`) every `BUSY_POLL_EVERY` seconds (or as soon as
one ends) and skips the ones it already has. Under a burst (`HOLD_AT_MOST` updates being
handled at once, or a whole batch of 100 unconfirmed with nothing new behind it) the poller
confirms what it fetched while it runs, as aiogram does, so the burst is not held back: only
then can a crash still lose updates in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.dispatcher import DEFAULT_BACKOFF_CONFIG
from aiogram.methods import GetUpdates
from aiogram.types import Update
from aiogram.utils.backoff import Backoff, BackoffConfig

log = logging.getLogger(__name__)

BUSY_POLL_EVERY = 0.25
BATCH = 100
HOLD_AT_MOST = 50


class UpdateWindow:
    """Which fetched updates are still being handled, and the offset that confirms the rest."""

    def __init__(self) -> None:
        self.in_flight: set[int] = set()
        self._held: set[int] = set()  # in flight and not yet confirmed to Telegram
        self._finished: set[int] = set()  # handled, but behind one still held
        self._highest = -1
        self.changed = asyncio.Event()

    @property
    def seen_any(self) -> bool:
        """Before the first update the offset is left out: Telegram starts at the earliest
        unconfirmed one."""
        return self._highest >= 0

    @property
    def holding(self) -> bool:
        """Some update being handled is not confirmed yet (Telegram keeps returning it)."""
        return bool(self._held)

    @property
    def offset(self) -> int:
        """Everything below is handled or confirmed: the lowest update held, or past the last."""
        return min(self._held) if self._held else self._highest + 1

    def is_new(self, update_id: int) -> bool:
        return (
            update_id >= self.offset
            and update_id not in self.in_flight
            and update_id not in self._finished
        )

    def start(self, update_id: int) -> None:
        self.in_flight.add(update_id)
        self._held.add(update_id)
        self._highest = max(self._highest, update_id)

    def finish(self, update_id: int) -> None:
        self.in_flight.discard(update_id)
        if update_id in self._held:
            self._held.discard(update_id)
            self._finished.add(update_id)
            offset = self.offset
            self._finished = {u for u in self._finished if u >= offset}
        if not self._held:
            self.changed.set()

    def confirm_all_fetched(self) -> None:
        """A burst: confirm what was fetched, even what is still being handled."""
        self._held.clear()
        self._finished.clear()
        self.changed.set()

    async def quiet_or(self, seconds: float) -> None:
        """Wait `seconds`, or less if nothing is held any more (a long poll can start at once).
        Each poll while holding parses the held batch again, so not sooner."""
        self.changed.clear()
        if not self._held:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.changed.wait(), seconds)


class ConfirmingDispatcher(Dispatcher):
    """aiogram's Dispatcher with the polling loop above; everything else is aiogram's own."""

    async def _polling(  # type: ignore[override]
        self,
        bot: Bot,
        polling_timeout: int = 30,
        handle_as_tasks: bool = True,
        backoff_config: BackoffConfig = DEFAULT_BACKOFF_CONFIG,
        allowed_updates: list[str] | None = None,
        tasks_concurrency_limit: int | None = None,
        **kwargs: Any,
    ) -> None:
        me = await bot.me()
        log.debug("polling for @%s (updates confirmed once handled)", me.username)
        window = UpdateWindow()
        self._last_window = (bot, window)
        fetch = _fetcher(bot, window, polling_timeout, backoff_config, allowed_updates)
        try:
            async for update in fetch:
                window.start(update.update_id)
                work = self._handle_then_release(bot, update, window, kwargs)
                if not handle_as_tasks:
                    await work
                    continue
                task = asyncio.create_task(work)
                self._handle_update_tasks.add(task)
                task.add_done_callback(self._handle_update_tasks.discard)
        finally:
            log.debug("polling stopped for @%s", me.username)

    async def drain(self, within: float) -> None:
        """On a graceful stop, let updates being handled finish (up to `within` seconds);
        one cut off is not confirmed, so the next process is given it again."""
        if self._handle_update_tasks:
            await asyncio.wait(set(self._handle_update_tasks), timeout=within)
        last = getattr(self, "_last_window", None)
        if last is None or not last[1].seen_any:
            return
        bot, window = last
        try:  # tell Telegram what was handled, so the next process does not get it again
            await bot(GetUpdates(offset=window.offset, limit=1, timeout=0))
        except Exception as exc:
            log.warning("could not confirm the last updates on stop (%s)", exc)

    async def _handle_then_release(
        self, bot: Bot, update: Update, window: UpdateWindow, kwargs: dict[str, Any]
    ) -> None:
        try:
            await self._process_update(bot=bot, update=update, **kwargs)
        finally:
            window.finish(update.update_id)


async def _fetcher(
    bot: Bot,
    window: UpdateWindow,
    polling_timeout: int,
    backoff_config: BackoffConfig,
    allowed_updates: list[str] | None,
) -> AsyncIterator[Update]:
    """Updates not seen before, forever; getUpdates errors are retried with back-off."""
    backoff = Backoff(config=backoff_config)
    extra: dict[str, Any] = {}
    if bot.session.timeout:
        extra["request_timeout"] = int(bot.session.timeout + polling_timeout)
    while True:
        method = GetUpdates(
            offset=window.offset if window.seen_any else None,
            limit=BATCH,
            timeout=0 if window.holding else polling_timeout,
            allowed_updates=allowed_updates,
        )
        try:
            updates = await bot(method, **extra)
        except Exception as exc:
            log.error("getUpdates failed (%s: %s); retrying", type(exc).__name__, exc)
            await backoff.asleep()
            continue
        backoff.reset()
        fresh = [u for u in updates if window.is_new(u.update_id)]
        for update in fresh:
            yield update
        if len(window.in_flight) >= HOLD_AT_MOST or (not fresh and len(updates) >= BATCH):
            window.confirm_all_fetched()
        elif window.holding:
            await window.quiet_or(BUSY_POLL_EVERY)
