"""Deliver the outbox: ~25 messages a second overall, 1 a second per chat, retries, 403s.

Each row is claimed with a conditional UPDATE (queued → sending) before the call, so two
drainers never send the same row; the result is written in a short transaction of its own,
and no transaction is open while Telegram is called.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import OrderedDict

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import OutboxMessage, User, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STUCK_AFTER = dt.timedelta(minutes=2)


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        *,
        rate: float = 25.0,
        per_chat_interval: float = 1.0,
        batch: int = 100,
        idle_wait: float = 2.0,
    ) -> None:
        self._bot = bot
        self._sessions = sessions
        self._interval = 1.0 / rate
        self._per_chat = per_chat_interval
        self._batch = batch
        self._idle_wait = idle_wait
        self._wake = asyncio.Event()
        self._last_send = 0.0
        self._chat_last: OrderedDict[int, float] = OrderedDict()
        self._paused_until = 0.0
        self.sent = 0

    def wake(self) -> None:
        """Called after a commit that queued messages, so they leave at once."""
        self._wake.set()

    async def run(self) -> None:
        """Drain forever; cancel the task to stop."""
        await self.requeue_stuck()
        while True:
            try:
                sent = await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox drain failed; retrying shortly")
                sent = 0
            if sent == 0:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle_wait)
                except TimeoutError:
                    pass

    async def requeue_stuck(self) -> None:
        """Rows left 'sending' by a process that died mid-call go back to the queue."""
        async with self._sessions() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "sending")
                .where(OutboxMessage.next_attempt_at < utcnow() - STUCK_AFTER)
                .values(status="queued")
            )
            await session.commit()

    async def drain_once(self) -> int:
        """Send what is due now, in order, honouring the rates; returns how many were sent."""
        async with self._sessions() as session:
            due = (
                await session.execute(
                    select(OutboxMessage.id, OutboxMessage.chat_id)
                    .where(OutboxMessage.status == "queued")
                    .where(OutboxMessage.next_attempt_at <= utcnow())
                    .order_by(OutboxMessage.id)
                    .limit(self._batch)
                )
            ).all()
        sent = 0
        busy: set[int] = set()
        for row_id, chat_id in due:
            if chat_id in busy:
                continue  # one message per chat per pass keeps the per-chat pace
            busy.add(chat_id)
            if await self._send_row(row_id, chat_id):
                sent += 1
        return sent

    async def _pace(self, chat_id: int) -> None:
        now = time.monotonic()
        wait = max(
            self._paused_until - now,
            self._last_send + self._interval - now,
            self._chat_last.get(chat_id, -1e9) + self._per_chat - now,
            0.0,
        )
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_send = time.monotonic()
        self._chat_last[chat_id] = self._last_send
        self._chat_last.move_to_end(chat_id)
        while len(self._chat_last) > 10_000:
            self._chat_last.popitem(last=False)

    async def _claim(self, row_id: int) -> OutboxMessage | None:
        async with self._sessions() as session:
            claimed = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status == "queued")
                .values(status="sending", next_attempt_at=utcnow())
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                await session.rollback()
                return None
            row = await session.get(OutboxMessage, row_id)
            await session.commit()
            return row

    async def _finish(self, row_id: int, **values: object) -> None:
        async with self._sessions() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
            )
            await session.commit()

    async def _send_row(self, row_id: int, chat_id: int) -> bool:
        row = await self._claim(row_id)
        if row is None:
            return False
        await self._pace(chat_id)
        payload = row.payload
        markup = None
        if "reply_markup" in payload:
            raw = payload["reply_markup"]
            markup = (
                InlineKeyboardMarkup.model_validate(raw)
                if "inline_keyboard" in raw
                else ReplyKeyboardMarkup.model_validate(raw)
            )
        try:
            message = await self._bot.send_message(chat_id, payload["text"], reply_markup=markup)
        except TelegramRetryAfter as exc:
            self._paused_until = time.monotonic() + exc.retry_after
            await self._finish(
                row_id,
                status="queued",
                next_attempt_at=utcnow() + dt.timedelta(seconds=exc.retry_after),
                last_error=f"429 retry after {exc.retry_after}",
            )
            return False
        except TelegramForbiddenError as exc:
            await self._mark_blocked(row_id, chat_id, str(exc))
            return False
        except TelegramBadRequest as exc:
            log.warning("outbox row %s refused: %s", row_id, exc.message)
            await self._finish(
                row_id, status="failed", last_error=exc.message[:500], attempts=row.attempts + 1
            )
            return False
        except (TelegramNetworkError, TelegramServerError, TimeoutError) as exc:
            attempts = row.attempts + 1
            status = "failed" if attempts >= MAX_ATTEMPTS else "queued"
            delay = min(2**attempts, 600)
            await self._finish(
                row_id,
                status=status,
                attempts=attempts,
                last_error=str(exc)[:500],
                next_attempt_at=utcnow() + dt.timedelta(seconds=delay),
            )
            return False
        await self._finish(
            row_id,
            status="sent",
            sent_at=utcnow(),
            message_id=message.message_id,
            attempts=row.attempts + 1,
            last_error=None,
        )
        self.sent += 1
        return True

    async def _mark_blocked(self, row_id: int, chat_id: int, error: str) -> None:
        """403: the user blocked the bot. Stop writing to them until they write to us again."""
        now = utcnow()
        async with self._sessions() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(status="blocked", last_error=error[:500])
            )
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "queued")
                .values(status="blocked", last_error="recipient blocked the bot")
            )
            await session.execute(
                update(User)
                .where(User.telegram_id == chat_id)
                .where(or_(User.blocked_at.is_(None), User.blocked_at < now))
                .values(blocked_at=now)
            )
            await session.commit()
