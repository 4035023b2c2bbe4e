"""The update queue: updates users cause wait here until the bot has handled them.

Each queued update carries a future that resolves once the bot is done with it (confirmed by
getUpdates, acknowledged by a webhook POST, or finished by a test hook).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

from devkit.fakeapi.state import CoreState

#: Telegram's default when allowed_updates was never set.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateDeliveryError(AssertionError):
    """An update could not be delivered/processed (webhook error, fake stopped...)."""


class UpdateQueueMixin(CoreState):
    """Queue, redeliver, confirm and fail updates; wake long polls."""

    def _update_allowed(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _NOT_DEFAULT_UPDATES

    def inject_update(self, payload: Mapping[str, Any]) -> tuple[int, asyncio.Future[None]]:
        """Queue an update (``{"message": {...}}``); the future resolves once processed.

        Polling: when getUpdates confirms it (offset past it). Webhook: when the POST returns.
        Updates of a type excluded by allowed_updates are dropped (future resolves at once).
        """
        update_id = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": update_id, **payload}
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        kind = next(iter(payload))
        if self._closing:
            future.set_exception(UpdateDeliveryError("the fake Bot API is stopped"))
            return update_id, future
        if not self._update_allowed(kind):
            self.dropped_updates.append(update)
            future.set_result(None)
            return update_id, future
        self.delivered[update_id] = update
        return update_id, self._queue(update, future)

    def _queue(self, update: dict[str, Any], future: asyncio.Future[None]) -> asyncio.Future[None]:
        self._pending.append(update)
        self._pending.sort(key=lambda u: int(u["update_id"]))
        self._waiters[update["update_id"]] = future
        if self.webhook is not None and self.webhook_dispatcher is not None:
            self.webhook_dispatcher(update)
        self._notify()
        return future

    def redeliver(self, update_id: int) -> asyncio.Future[None]:
        """Queue an update again with its own id, as Telegram does with one it holds unconfirmed
        (the bot crashed before confirming the offset, or a webhook response failed or was slow).

        In polling mode a running bot's offset is already past it, so call this while the bot
        is stopped and start a new one (the new process polls from the first unconfirmed).
        """
        if update_id not in self.delivered:
            raise AssertionError(f"update {update_id} was never delivered")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._closing:
            future.set_exception(UpdateDeliveryError("the fake Bot API is stopped"))
            return future
        return self._queue(dict(self.delivered[update_id]), future)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _resolve(self, update_id: int, error: BaseException | None = None) -> None:
        future = self._waiters.pop(update_id, None)
        if future is None or future.done():
            return
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
            future.exception()  # waiters re-raise it; don't log "never retrieved" if none

    def _confirm_below(self, offset: int) -> None:
        if offset < 0:
            keep = self._pending[offset:] if -offset < len(self._pending) else self._pending
            confirmed = self._pending[: len(self._pending) - len(keep)]
        else:
            confirmed = [u for u in self._pending if u["update_id"] < offset]
        for update in confirmed:
            self._pending.remove(update)
            if self.resolve_on_confirm:
                self._resolve(update["update_id"])

    def finish_update(self, update_id: int) -> None:
        """The bot says it finished an update (a test hook for polling with concurrent tasks,
        where confirming the offset comes before the handling ends)."""
        self._resolve(update_id)

    def ack_update(self, update_id: int) -> None:
        """Webhook delivery succeeded: the bot finished with this update."""
        self._pending = [u for u in self._pending if u["update_id"] != update_id]
        self._resolve(update_id)

    def fail_update(self, update_id: int, message: str) -> None:
        """Webhook delivery failed: remember the error like getWebhookInfo shows it."""
        self._pending = [u for u in self._pending if u["update_id"] != update_id]
        if self.webhook is not None:
            self.webhook.last_error_date = int(time.time())
            self.webhook.last_error_message = message
        self._resolve(update_id, UpdateDeliveryError(f"update {update_id}: {message}"))

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed (polling) or not yet delivered (webhook)."""
        return list(self._pending)

    def _drop_pending(self) -> None:
        for update in self._pending:
            self._resolve(update["update_id"])
        self._pending.clear()

    def close(self) -> None:
        """Stop long polls and fail everything still waiting (used on shutdown)."""
        self._closing = True
        for update_id in list(self._waiters):
            self._resolve(update_id, UpdateDeliveryError("the fake Bot API was stopped"))
        for _, future in self._call_listeners:
            if not future.done():
                future.cancel()
        self._call_listeners.clear()
        self._notify()
