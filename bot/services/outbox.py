"""The persistent outbox: every message the service sends on its own is a row first.

Rows are added in the same transaction as their cause (a case, a status change, a claimed
scheduled run), so a message exists if and only if its cause was committed.
`scheduler/outbox.py` delivers them, holding everything during quiet hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxFile, OutboxMessage, User, utcnow


class Markup(Protocol):
    """A keyboard (aiogram's inline or reply markup), kept as its JSON: services know no aiogram."""

    def model_dump(self, *, mode: str, exclude_none: bool) -> dict[str, Any]: ...


class Options(TypedDict, total=False):
    """A queued message's keyboard, dedupe key and when it may go: keywords every enqueue
    function hands on to `new_row` unchanged."""

    reply_markup: Markup | None
    dedupe_key: str | None
    not_before: dt.datetime | None
    expires_at: dt.datetime | None


class Delivery(Options, total=False):
    """`Options` and the user a row is for (None for a group chat)."""

    user_id: int | None


MEDIA_KINDS = ("photo", "document")
#: Files Telegram already has, re-sent by file_id (a voice note relayed to an assistant).
TELEGRAM_FILE_KINDS = ("voice", "video_note", "photo", "document")
#: Telegram's limit of items in one media group.
ALBUM_MAX = 10
CAPTION_MAX = 1024


@dataclass(frozen=True)
class QuietHours:
    """Local hours when nothing is sent (21:00–08:00 by default); equal ends mean none."""

    start: dt.time
    end: dt.time
    tz: dt.tzinfo

    def contains(self, moment: dt.datetime) -> bool:
        if self.start == self.end:
            return False
        local = moment.astimezone(self.tz).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_end(self, moment: dt.datetime) -> dt.datetime:
        """When the quiet period holding `moment` ends (moment itself when it is not quiet)."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(self.tz)
        end = dt.datetime.combine(local.date(), self.end, tzinfo=self.tz)
        if end <= local:
            end += dt.timedelta(days=1)
        return end.astimezone(dt.UTC)


def _markup_json(reply_markup: Markup | None) -> dict[str, Any] | None:
    if reply_markup is None:
        return None
    return reply_markup.model_dump(mode="json", exclude_none=True)


def new_row(
    *,
    chat_id: int,
    kind: str,
    text: str | None = None,
    user_id: int | None = None,
    reply_markup: Markup | None = None,
    dedupe_key: str | None = None,
    not_before: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    file: OutboxFile | None = None,
    media: str | None = None,
    caption: str | None = None,
    telegram: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Build a row without looking for duplicates: for bulk senders that claimed their run.

    A text row needs `text`; a media row needs `file` and `media` ("photo" or "document"); a
    row re-sending files Telegram has needs `telegram` (see `enqueue_telegram_files`).
    """
    payload: dict[str, Any]
    if telegram is not None:
        payload = dict(telegram)
    elif file is not None:
        if media not in MEDIA_KINDS:
            raise ValueError(f"media must be one of {MEDIA_KINDS}")
        payload = {media: {"caption": (caption or "")[:CAPTION_MAX]}}
    else:
        if text is None:
            raise ValueError("a text message needs text")
        payload = {"text": text}
    markup = _markup_json(reply_markup)
    if markup is not None:
        payload["reply_markup"] = markup
    now = utcnow()
    row = OutboxMessage(
        chat_id=chat_id,
        user_id=user_id,
        kind=kind,
        payload=payload,
        dedupe_key=dedupe_key,
        status="queued",
        attempts=0,
        next_attempt_at=not_before or now,
        expires_at=expires_at,
        created_at=now,
    )
    if file is not None:
        if file.id is None:
            raise ValueError("flush the file before queueing it")
        row.file_id = file.id
    return row


async def _exists(session: AsyncSession, dedupe_key: str | None) -> bool:
    if dedupe_key is None:
        return False
    found = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    )
    return found is not None


async def _add_once(session: AsyncSession, **fields: Any) -> OutboxMessage | None:
    """Add a `new_row` unless a row with its dedupe key exists (then None): every enqueue."""
    if await _exists(session, fields.get("dedupe_key")):
        return None
    row = new_row(**fields)
    session.add(row)
    return row


async def enqueue(
    session: AsyncSession, *, chat_id: int, text: str, kind: str, **delivery: Unpack[Delivery]
) -> OutboxMessage | None:
    """Queue a text message. With a dedupe key, a second message with the same key is dropped."""
    return await _add_once(session, chat_id=chat_id, kind=kind, text=text, **delivery)


async def store_file(
    session: AsyncSession, data: bytes, *, filename: str, mime_type: str
) -> OutboxFile:
    """Keep the bytes of a photo or document in the database (flushed, so it has an id)."""
    file = OutboxFile(
        filename=filename, mime_type=mime_type, data=data, size=len(data), created_at=utcnow()
    )
    session.add(file)
    await session.flush()
    return file


async def enqueue_file(
    session: AsyncSession,
    *,
    chat_id: int,
    file: OutboxFile,
    media: str,
    kind: str,
    caption: str | None = None,
    **delivery: Unpack[Delivery],
) -> OutboxMessage | None:
    """Queue a photo (a chart) or a document (an export) stored with `store_file`."""
    return await _add_once(
        session, chat_id=chat_id, kind=kind, file=file, media=media, caption=caption, **delivery
    )


async def enqueue_telegram_files(
    session: AsyncSession,
    user: User,
    *,
    kind: str,
    file_ids: list[str],
    outbox_kind: str,
    dedupe_key: str,
) -> OutboxMessage | None:
    """Queue files Telegram already has (someone sent them to the bot), re-sent by file_id:
    nothing is downloaded or uploaded again. One file goes alone; 2–10 photos (or 2–10
    documents) go as one album. Unreachable users get nothing."""
    if kind not in TELEGRAM_FILE_KINDS or not 1 <= len(file_ids) <= ALBUM_MAX:
        raise ValueError(f"1 to {ALBUM_MAX} files of one of {TELEGRAM_FILE_KINDS}")
    if len(file_ids) > 1 and kind not in ("photo", "document"):
        raise ValueError("only photos or documents make an album")
    if not reachable(user):
        return None
    telegram = (
        {"telegram_file": {"kind": kind, "file_id": file_ids[0]}}
        if len(file_ids) == 1
        else {"telegram_album": {"kind": kind, "file_ids": list(file_ids)}}
    )
    return await _add_once(
        session,
        chat_id=user.telegram_id,
        user_id=user.id,
        kind=outbox_kind,
        telegram=telegram,
        dedupe_key=dedupe_key,
    )


def reachable(user: User) -> bool:
    """Whether the service may write to this user at all."""
    return user.blocked_at is None and user.deleted_at is None


async def enqueue_to_user(
    session: AsyncSession,
    user: User,
    *,
    text: str,
    kind: str,
    **options: Unpack[Options],
) -> OutboxMessage | None:
    """Queue for a user unless they blocked the bot or erased their data."""
    if not reachable(user):
        return None
    return await enqueue(
        session, chat_id=user.telegram_id, user_id=user.id, text=text, kind=kind, **options
    )


# --- read-only figures for admins ----------------------------------------------------------


@dataclass(frozen=True)
class Health:
    """The outbox at a glance: rows by status, people who blocked the bot, the oldest wait."""

    by_status: dict[str, int]
    blocked_users: int
    oldest_queued: dt.datetime | None

    def count(self, status: str) -> int:
        return self.by_status.get(status, 0)

    def oldest_age(self, now: dt.datetime) -> dt.timedelta | None:
        return now - self.oldest_queued if self.oldest_queued is not None else None


async def health(session: AsyncSession) -> Health:
    from sqlalchemy import func

    by_status = dict(
        (
            await session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
        ).all()
    )
    oldest = await session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "queued")
    )
    blocked = await session.scalar(
        select(func.count()).select_from(User).where(User.blocked_at.is_not(None))
    )
    if oldest is not None and oldest.tzinfo is None:  # SQLite aggregates lose the zone
        oldest = oldest.replace(tzinfo=dt.UTC)
    return Health(
        {str(status): int(n) for status, n in by_status.items()}, int(blocked or 0), oldest
    )
