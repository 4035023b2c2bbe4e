"""Deliver the outbox: ~25 messages a second overall, 1 a second per chat, retries, 403s.

Each row is claimed with a conditional UPDATE (queued → sending) before the call, so two
drainers never send the same row; the result is written in a short transaction of its own,
and no transaction is open while Telegram is called. A stop (cancel) lets the message in
flight finish and be recorded, so a restart neither loses nor repeats it. During quiet hours
nothing leaves: rows wait, they are not dropped; rows past their `expires_at` are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    Message,
    ReplyKeyboardMarkup,
)
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.alerts import AdminAlerts
from bot.metrics import Metrics
from bot.services.outbox import QuietHours
from db.models import OutboxFile, OutboxMessage, User, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
_UNREACHABLE = "chat not found"
STUCK_AFTER = dt.timedelta(minutes=2)
FILES_KEPT = dt.timedelta(days=2)  # bytes of a sent chart or export are dropped after this


@dataclass
class _Claimed:
    row: OutboxMessage
    file_name: str | None = None
    file_mime: str | None = None
    file_cached: str | None = None  # Telegram's file_id from an earlier upload


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        *,
        rate: float = 26.0,  # timer slack brings it to ~25 a second; Telegram allows ~30
        per_chat_interval: float = 1.0,
        batch: int = 100,
        idle_wait: float = 2.0,
        quiet: QuietHours | None = None,
        requeue_every: float = 60.0,
        metrics: Metrics | None = None,
        alerts: AdminAlerts | None = None,
    ) -> None:
        self._bot = bot
        self._metrics = metrics
        self._alerts = alerts
        self._sessions = sessions
        self._interval = 1.0 / rate
        self._per_chat = per_chat_interval
        self._batch = batch
        self._idle_wait = idle_wait
        self._quiet = quiet
        self._requeue_every = requeue_every
        self._wake = asyncio.Event()
        self._last_send = 0.0
        self._chat_last: OrderedDict[int, float] = OrderedDict()
        self._paused_until = 0.0
        self.sent = 0

    def wake(self) -> None:
        """Called after a commit that queued messages, so they leave at once."""
        self._wake.set()

    def holding(self, now: dt.datetime | None = None) -> bool:
        """True during quiet hours: queued rows wait until they end."""
        return self._quiet is not None and self._quiet.contains(now or utcnow())

    async def run(self) -> None:
        """Drain forever; cancel the task to stop (the message in flight is finished first)."""
        await self.requeue_stuck()
        last_requeue = time.monotonic()
        while True:
            try:
                if time.monotonic() - last_requeue >= self._requeue_every:
                    last_requeue = time.monotonic()
                    await self.requeue_stuck()
                    await self.release_files()
                sent = await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox drain failed; retrying shortly")
                sent = 0
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._idle_wait)

    async def requeue_stuck(self) -> None:
        """Rows left 'sending' by a process that died mid-call go back to the queue.

        A process killed during the very call may have got the message out: this is the one
        case where a message can arrive twice (losing it would be worse).
        """
        async with self._sessions() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "sending")
                .where(OutboxMessage.next_attempt_at < utcnow() - STUCK_AFTER)
                .values(status="queued")
            )
            await session.commit()

    async def release_files(self, older_than: dt.timedelta = FILES_KEPT) -> int:
        """Drop the bytes of charts and exports nobody waits for any more (the rows stay)."""
        waiting = (
            select(OutboxMessage.id)
            .where(OutboxMessage.file_id == OutboxFile.id)
            .where(OutboxMessage.status.in_(("queued", "sending")))
        )
        async with self._sessions() as session:
            result = await session.execute(
                update(OutboxFile)
                .where(OutboxFile.size > 0, OutboxFile.created_at < utcnow() - older_than)
                .where(~waiting.exists())
                .values(data=b"", size=0)
            )
            await session.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def drain_once(self) -> int:
        """Send what is due now, in order, honouring the rates; returns how many were sent."""
        now = utcnow()
        if self.holding(now):
            return 0
        async with self._sessions() as session:
            due = (
                await session.execute(
                    select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.expires_at)
                    .where(OutboxMessage.status == "queued")
                    .where(OutboxMessage.next_attempt_at <= now)
                    .order_by(OutboxMessage.id)
                    .limit(self._batch)
                )
            ).all()
            expired = [
                row_id for row_id, _, expires in due if expires is not None and expires <= now
            ]
            if expired:
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(expired), OutboxMessage.status == "queued")
                    .values(status="expired", last_error="expired before it could be sent")
                )
                await session.commit()
        if self._metrics is not None:
            self._metrics.outbox_waiting.set(len(due))
        sent = 0
        busy: set[int] = set()
        for row_id, chat_id, expires in due:
            if expires is not None and expires <= now:
                continue
            if chat_id in busy:
                continue  # one message per chat per pass keeps the per-chat pace
            if self.holding():
                break  # quiet hours began during the pass
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

    async def _claim(self, row_id: int) -> _Claimed | None:
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
            assert row is not None
            result = _Claimed(row)
            if row.file_id is not None:
                meta = (
                    await session.execute(
                        select(
                            OutboxFile.filename, OutboxFile.mime_type, OutboxFile.telegram_file_id
                        ).where(OutboxFile.id == row.file_id)
                    )
                ).one()
                result.file_name, result.file_mime, result.file_cached = meta
            await session.commit()
            return result

    async def _finish(self, row_id: int, **values: object) -> None:
        async with self._sessions() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
            )
            await session.commit()

    async def _send_row(self, row_id: int, chat_id: int) -> bool:
        await self._pace(chat_id)  # before the claim: a stop while waiting leaves nothing claimed
        task = asyncio.ensure_future(self._claim_and_send(row_id, chat_id))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            # Stopping: let the message in flight finish and be recorded, then stop.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(task)
            raise

    async def _file_source(self, claimed: _Claimed) -> str | BufferedInputFile:
        if claimed.file_cached:
            return claimed.file_cached
        async with self._sessions() as session:
            data = await session.scalar(
                select(OutboxFile.data).where(OutboxFile.id == claimed.row.file_id)
            )
        return BufferedInputFile(data or b"", filename=claimed.file_name or "file")

    async def _call(self, claimed: _Claimed) -> Message:
        row = claimed.row
        payload: dict[str, Any] = row.payload
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None
        if "reply_markup" in payload:
            raw = payload["reply_markup"]
            markup = (
                InlineKeyboardMarkup.model_validate(raw)
                if "inline_keyboard" in raw
                else ReplyKeyboardMarkup.model_validate(raw)
            )
        if "text" in payload:
            return await self._bot.send_message(row.chat_id, payload["text"], reply_markup=markup)
        if "telegram_file" in payload:
            return await self._send_telegram_file(row.chat_id, payload["telegram_file"])
        if "telegram_album" in payload:
            album = payload["telegram_album"]
            item = InputMediaPhoto if album["kind"] == "photo" else InputMediaDocument
            sent = await self._bot.send_media_group(
                row.chat_id, media=[item(media=file_id) for file_id in album["file_ids"]]
            )
            return sent[0]
        source = await self._file_source(claimed)
        if "photo" in payload:
            caption = payload["photo"].get("caption") or None
            return await self._bot.send_photo(
                row.chat_id, source, caption=caption, reply_markup=markup
            )
        caption = payload["document"].get("caption") or None
        return await self._bot.send_document(
            row.chat_id, source, caption=caption, reply_markup=markup
        )

    async def _send_telegram_file(self, chat_id: int, file: dict[str, Any]) -> Message:
        """A voice note, video note, photo or document re-sent by Telegram's file_id."""
        kind, file_id = file["kind"], file["file_id"]
        if kind == "voice":
            return await self._bot.send_voice(chat_id, file_id)
        if kind == "video_note":
            return await self._bot.send_video_note(chat_id, file_id)
        if kind == "photo":
            return await self._bot.send_photo(chat_id, file_id)
        return await self._bot.send_document(chat_id, file_id)

    async def _claim_and_send(self, row_id: int, chat_id: int) -> bool:
        claimed = await self._claim(row_id)
        if claimed is None:
            return False
        row = claimed.row
        try:
            message = await self._call(claimed)
        except TelegramRetryAfter as exc:
            self._count("429")
            self._paused_until = time.monotonic() + exc.retry_after
            await self._finish(
                row_id,
                status="queued",
                next_attempt_at=utcnow() + dt.timedelta(seconds=exc.retry_after),
                last_error=f"429 retry after {exc.retry_after}",
            )
            return False
        except TelegramForbiddenError as exc:
            self._count("blocked")
            await self._mark_blocked(row_id, chat_id, str(exc))
            return False
        except TelegramBadRequest as exc:
            if claimed.file_cached:
                # Telegram forgot the file id: upload the bytes again on the next attempt.
                await self._forget_file_id(row.file_id)
                await self._retry_later(row, exc.message)
                return False
            log.warning("outbox row %s refused: %s", row_id, exc.message)
            await self._finish(
                row_id, status="failed", last_error=exc.message[:500], attempts=row.attempts + 1
            )
            await self._failed_for_good(row, unreachable=_UNREACHABLE in exc.message.lower())
            return False
        except Exception as exc:  # network, 5xx, timeouts: try again later
            await self._retry_later(row, str(exc) or type(exc).__name__)
            return False
        await self._finish(
            row_id,
            status="sent",
            sent_at=utcnow(),
            message_id=message.message_id,
            attempts=row.attempts + 1,
            last_error=None,
        )
        if row.file_id is not None and not claimed.file_cached:
            await self._remember_file_id(row.file_id, message)
        self.sent += 1
        self._count("sent")
        return True

    def _count(self, outcome: str) -> None:
        if self._metrics is not None:
            self._metrics.outbox.labels(outcome).inc()

    async def _failed_for_good(self, row: OutboxMessage, *, unreachable: bool = False) -> None:
        """Counted; the admins are alerted unless the recipient simply does not exist for
        Telegram (an id typed by hand) or the message was itself an alert."""
        self._count("failed")
        if self._alerts is not None and row.kind != "admin_alert" and not unreachable:
            await self._alerts.outbox_failed(row.id)

    async def _retry_later(self, row: OutboxMessage, error: str) -> None:
        attempts = row.attempts + 1
        status = "failed" if attempts >= MAX_ATTEMPTS else "queued"
        delay = min(2**attempts, 600)
        if status == "failed":
            await self._failed_for_good(row)
        else:
            self._count("retry")
        await self._finish(
            row.id,
            status=status,
            attempts=attempts,
            last_error=error[:500],
            next_attempt_at=utcnow() + dt.timedelta(seconds=delay),
        )

    async def _remember_file_id(self, file_row_id: int, message: Message) -> None:
        file_id = (
            message.photo[-1].file_id
            if message.photo
            else message.document.file_id
            if message.document
            else None
        )
        if file_id is None:
            return
        async with self._sessions() as session:
            await session.execute(
                update(OutboxFile)
                .where(OutboxFile.id == file_row_id, OutboxFile.telegram_file_id.is_(None))
                .values(telegram_file_id=file_id)
            )
            await session.commit()

    async def _forget_file_id(self, file_row_id: int | None) -> None:
        async with self._sessions() as session:
            await session.execute(
                update(OutboxFile).where(OutboxFile.id == file_row_id).values(telegram_file_id=None)
            )
            await session.commit()

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
