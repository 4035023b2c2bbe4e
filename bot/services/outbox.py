"""The persistent outbox: every message the service sends on its own is a row first.

Rows are added in the same transaction as their cause (a case, a status change), so a message
exists if and only if its cause was committed. `scheduler/outbox.py` delivers them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxMessage, User, utcnow


async def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    text: str,
    kind: str,
    user_id: int | None = None,
    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
    dedupe_key: str | None = None,
    not_before: dt.datetime | None = None,
) -> OutboxMessage | None:
    """Queue a text message. With a dedupe key, a second message with the same key is dropped."""
    if dedupe_key is not None:
        exists = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        )
        if exists is not None:
            return None
    payload: dict[str, Any] = {"text": text}
    if reply_markup is not None:
        payload["reply_markup"] = reply_markup.model_dump(mode="json", exclude_none=True)
    row = OutboxMessage(
        chat_id=chat_id,
        user_id=user_id,
        kind=kind,
        payload=payload,
        dedupe_key=dedupe_key,
        status="queued",
        next_attempt_at=not_before or utcnow(),
        created_at=utcnow(),
    )
    session.add(row)
    return row


async def enqueue_to_user(
    session: AsyncSession,
    user: User,
    *,
    text: str,
    kind: str,
    reply_markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Queue for a user unless they blocked the bot or erased their data."""
    if user.blocked_at is not None or user.deleted_at is not None:
        return None
    return await enqueue(
        session,
        chat_id=user.telegram_id,
        user_id=user.id,
        text=text,
        kind=kind,
        reply_markup=reply_markup,
        dedupe_key=dedupe_key,
    )
