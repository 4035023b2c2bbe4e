"""Each Telegram update is handled once, even when Telegram delivers it again.

Telegram re-delivers an update when the bot did not confirm it: in polling, every update
after the last `getUpdates` offset when the process stopped or crashed; in webhook mode, when
the response was slow or failed. Handlers are not idempotent (a re-delivered answer would be
taken as the answer to the *next* question, a second "Send" could be answered twice), so the
update id is recorded in `processed_updates` in the same transaction as the update's first
commit (a use-case's, before its answer is sent; or the update's last when nothing else
committed), and an update whose id is there is skipped. The user row's own small commit comes
before this middleware (`UserMiddleware` is outside it) and carries no mark, and callback
answers are sent after the update's commit (`bot/middlewares/callbacks.py`), so that first
commit holds the handler's work: a crash before it loses nothing (the re-delivered update is
handled), a crash after it leaves the work stored once. Two deliveries of one update for one
chat are serialised by the event isolation lock, and the first has committed its row before it
sent anything; should two ever both reach a commit, the second fails on the primary key and its
changes roll back.

A crash can also fall between that first commit and the answer (the work is stored, the
person is told nothing). So the mark says whether the update ended (`done`): recorded at the
end it is done at once; recorded at a commit before a message went out it is done only in the
update's last commit. A re-delivery of an update that is marked but not done is not skipped:
it reaches `bot/handlers/recovery.py`, which shows the person where they are.

Cost per update: one small insert in a transaction that commits anyway, and for an update that
committed before answering, one update of that row in its last commit. The primary-key
lookup is only made for an update whose id is not above the highest this process has seen
(Telegram numbers updates in increasing order), i.e. for a re-delivery; in several webhook
workers a retry that reaches a worker which has not seen a later update is stopped by the
primary key instead (its changes roll back and the user is asked to try again). Rows older
than `RETAIN` are deleted at most once per `PRUNE_EVERY` per process, through the update's own
session.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import TelegramObject, Update
from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from bot.metrics import mark_update
from bot.middlewares.callbacks import answered_before
from db.models import ProcessedUpdate, utcnow

log = logging.getLogger(__name__)

#: Telegram keeps an unconfirmed update for at most 24 hours; keep ids a little longer.
RETAIN = dt.timedelta(days=2)
PRUNE_EVERY = dt.timedelta(hours=1)


class UpdateOnce(BaseMiddleware):
    """Outer update middleware; needs the update's `session` (DbSessionMiddleware) outside it."""

    def __init__(self) -> None:
        self._pruned_at: dt.datetime | None = None
        #: The highest update id this process has seen (or found recorded when it started).
        self._newest: int | None = None

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event_: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event_, Update):
            return await handler(event_, data)
        session: AsyncSession = data["session"]
        update_id = event_.update_id
        if self._newest is None:
            self._newest = await session.scalar(select(func.max(ProcessedUpdate.update_id))) or 0
        if update_id > self._newest:
            self._newest = update_id  # Telegram numbers updates in order: this one is new
        elif (
            done := await session.scalar(
                select(ProcessedUpdate.done).where(ProcessedUpdate.update_id == update_id)
            )
        ) is not None:
            if done:
                log.debug("update %s was already handled: skipped", update_id)
                mark_update("duplicate")
                answered_before()
                return UNHANDLED
            log.info("update %s was cut off after its commit: the person is shown where", update_id)
            mark_update("interrupted")
            data[INTERRUPTED] = True
            result = await handler(event_, data)
            await _mark_done(session, update_id)
            await session.commit()
            return result
        _hook(type(session.sync_session))
        session.info[UPDATE_ID] = update_id  # the first commit records it (`_record`)
        try:
            result = await handler(event_, data)
            if session.info.pop(MARKED_EARLY, False):
                await _mark_done(session, update_id)
            session.info[ENDING] = True  # a mark still to be recorded is recorded as done
            await session.commit()  # the mark, with whatever the handler left uncommitted
        finally:
            for key in (UPDATE_ID, MARKED_EARLY, ENDING):
                session.info.pop(key, None)
        await self._prune_now_and_then(session)
        return result

    async def _prune_now_and_then(self, session: AsyncSession) -> None:
        """Delete old ids through the update's own session, after its work is committed (never a
        second connection while the update holds one: see `DbSessionMiddleware`)."""
        now = utcnow()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        try:
            await session.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - RETAIN)
            )
            await session.commit()
        except Exception:  # pruning can wait for the next hour; the update was handled
            await session.rollback()
            log.warning("could not prune processed update ids", exc_info=True)


UPDATE_ID = "update_id"
#: In session.info: the mark was recorded before the update ended (it is then not done yet).
MARKED_EARLY = "update_marked_early"
#: In session.info: the update's last commit is under way.
ENDING = "update_ending"
#: In handler data: this update was cut off by a crash after its commit (bot/handlers/recovery.py).
INTERRUPTED = "interrupted"
_HOOKED: set[type[Session]] = set()


async def _mark_done(session: AsyncSession, update_id: int) -> None:
    await session.execute(
        update(ProcessedUpdate).where(ProcessedUpdate.update_id == update_id).values(done=True)
    )


def _hook(session_class: type[Session]) -> None:
    """Listen on the session class once (not on each update's session: listening costs)."""
    if session_class not in _HOOKED:
        event.listen(session_class, "before_commit", _record)
        _HOOKED.add(session_class)


def _record(session: Session) -> None:
    """`before_commit`: add the update's row to the first commit of its session. A commit that
    fails rolls the row back with everything else (the id is taken from the session's info)."""
    update_id = session.info.pop(UPDATE_ID, None)
    if update_id is not None:
        done = bool(session.info.get(ENDING))
        if not done:
            session.info[MARKED_EARLY] = True
        session.execute(
            insert(ProcessedUpdate.__table__).values(
                update_id=update_id, processed_at=utcnow(), done=done
            )
        )
