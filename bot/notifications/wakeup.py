"""Wake the outbox drainer after every commit that queued a message: the one place that does it.

A use-case adds its outbox rows inside its own transaction and commits; it never calls the
drainer. This hook watches the sessions of one session factory: a flush that inserts an
`OutboxMessage` marks the session, and the commit that follows wakes the drainer, so the
message leaves at once instead of at the drainer's next poll. A rollback forgets the mark (the
rows are gone with it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from db.models import OutboxMessage

QUEUED = "outbox_queued"


def wake_after_commit(sessions: async_sessionmaker[AsyncSession], wake: Callable[[], None]) -> None:
    """Call `wake` after each commit, made through `sessions`, that queued outbox rows."""
    session_class = sessions.kw.get("sync_session_class")
    if session_class is None or session_class is Session:
        raise ValueError("the factory needs its own session class (db.session does that)")

    def note_queued(session: Session, _context: Any) -> None:
        if any(isinstance(row, OutboxMessage) for row in session.new):
            session.info[QUEUED] = True

    def after_commit(session: Session) -> None:
        if session.info.pop(QUEUED, False):
            wake()

    def after_rollback(session: Session) -> None:
        session.info.pop(QUEUED, None)

    event.listen(session_class, "after_flush", note_queued)
    event.listen(session_class, "after_commit", after_commit)
    event.listen(
        session_class, "after_soft_rollback", lambda session, _previous: after_rollback(session)
    )
