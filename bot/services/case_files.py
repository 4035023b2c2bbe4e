"""Voice notes, video notes, photos and documents kept on a case (``case_files``).

Only Telegram's ids are stored: the bot shows a file again by re-sending its ``file_id`` and
never downloads it. Files come from three places: a voice answer to a free-text question,
papers attached to an answer (both recorded when the request is sent), and messages between
the citizen and whoever works the case (recorded with the message's case event).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows.answers import SPOKEN_KINDS, is_media
from bot.services import cases
from db.models import Case, CaseEvent, CaseFile, User

__all__ = [
    "ALBUM_WINDOW",
    "add",
    "album_source",
    "counts_by_case",
    "erase_for_citizen",
    "of_case",
    "record_questionnaire",
]

#: The parts of one album arrive as separate messages within seconds of each other.
ALBUM_WINDOW = dt.timedelta(minutes=2)


def _row(
    case_id: int, value: Mapping[str, Any], sender_id: int | None, now: dt.datetime, **extra: Any
) -> CaseFile:
    return CaseFile(
        case_id=case_id,
        sender_id=sender_id,
        kind=str(value["kind"]),
        file_id=str(value["file_id"]),
        file_unique_id=str(value["file_unique_id"]),
        duration=value.get("duration"),
        size=value.get("size"),
        sent_at=now,
        **extra,
    )


async def add(
    session: AsyncSession,
    case: Case,
    value: Mapping[str, Any],
    *,
    sender: User,
    now: dt.datetime,
    event: CaseEvent | None = None,
    album_id: str | None = None,
) -> CaseFile:
    """One file of a message between the citizen and the assistant (flushed: it has an id)."""
    row = _row(
        case.id,
        value,
        sender.id,
        now,
        event_id=event.id if event is not None else None,
        album_id=album_id,
    )
    session.add(row)
    await session.flush()
    return row


T = TypeVar("T")


async def send(
    session: AsyncSession,
    case: Case,
    value: Mapping[str, Any],
    *,
    sender: User,
    now: dt.datetime,
    caption: str = "",
    album_id: str | None = None,
    notify: Callable[[CaseEvent, CaseFile], Awaitable[T]],
) -> T:
    """A file sent on a case: kept as a message event, queued for the other side and committed
    before the sender is answered; returns what `notify` says (delivered or only saved)."""
    event = await cases.add_message(session, case, actor=sender, text=caption, now=now)
    file = await add(session, case, value, sender=sender, now=now, event=event, album_id=album_id)
    outcome = await notify(event, file)
    await session.commit()
    return outcome


async def relay_album_part(
    session: AsyncSession,
    case: Case,
    value: Mapping[str, Any],
    *,
    sender: User,
    now: dt.datetime,
    event: CaseEvent | None,
    album_id: str,
    notify: Callable[[CaseFile], Awaitable[object]],
) -> None:
    """A later photo of an album joins its first photo's message, queued and committed."""
    file = await add(session, case, value, sender=sender, now=now, event=event, album_id=album_id)
    await notify(file)
    await session.commit()


async def show(
    session: AsyncSession, case_id: int, notify: Callable[[list[CaseFile]], Awaitable[object]]
) -> list[CaseFile]:
    """Queue a case's files to the reader's chat and commit, before the press is answered."""
    files = list(await of_case(session, case_id))
    await notify(files)
    await session.commit()
    return files


async def record_questionnaire(
    session: AsyncSession,
    case: Case,
    answers: Mapping[str, Any],
    papers: Mapping[str, Iterable[Mapping[str, Any]]],
    *,
    sender: User,
    now: dt.datetime,
) -> int:
    """The voice answers and papers of a sent questionnaire; the number of new rows.

    An update of a request sends its answers again: its voice answers replace the earlier ones,
    and papers are added to those already on the case (the same file is kept once).
    """
    await session.execute(
        delete(CaseFile).where(
            CaseFile.case_id == case.id,
            CaseFile.event_id.is_(None),
            CaseFile.kind.in_(tuple(SPOKEN_KINDS)),
        )
    )
    known = set(
        await session.scalars(
            select(CaseFile.file_unique_id).where(
                CaseFile.case_id == case.id, CaseFile.event_id.is_(None)
            )
        )
    )
    rows = [
        _row(case.id, value, sender.id, now, question_id=qid)
        for qid, value in answers.items()
        if is_media(value)
    ]
    for qid, files in papers.items():
        for value in files:
            if is_media(value) and value["file_unique_id"] not in known:
                known.add(value["file_unique_id"])
                rows.append(_row(case.id, value, sender.id, now, question_id=qid))
    session.add_all(rows)
    return len(rows)


async def of_case(session: AsyncSession, case_id: int) -> Sequence[CaseFile]:
    """Every file on the case, oldest first."""
    rows = await session.scalars(
        select(CaseFile).where(CaseFile.case_id == case_id).order_by(CaseFile.id)
    )
    return rows.all()


async def counts_by_case(session: AsyncSession, case_ids: Sequence[int]) -> dict[int, int]:
    """How many files each case has, in one query (for lists and exports)."""
    if not case_ids:
        return {}
    rows = await session.execute(
        select(CaseFile.case_id, func.count())
        .where(CaseFile.case_id.in_(tuple(case_ids)))
        .group_by(CaseFile.case_id)
    )
    return {case_id: int(count) for case_id, count in rows}


async def album_source(
    session: AsyncSession, sender: User, album_id: str, now: dt.datetime
) -> CaseFile | None:
    """The earlier part of an album this person is sending as a case message, if any."""
    return await session.scalar(
        select(CaseFile)
        .where(
            CaseFile.sender_id == sender.id,
            CaseFile.album_id == album_id,
            CaseFile.event_id.is_not(None),
            CaseFile.sent_at >= now - ALBUM_WINDOW,
        )
        .order_by(CaseFile.id)
        .limit(1)
    )


async def erase_for_citizen(session: AsyncSession, citizen: User) -> list[int]:
    """Remove every file record on the citizen's cases (their data is being erased), and the
    voice answers kept in the cases' answers; the ids of the cases that had any."""
    case_rows = await session.scalars(select(Case).where(Case.user_id == citizen.id))
    touched: set[int] = set()
    for case in case_rows:
        answers = dict(case.answers or {})
        spoken = [key for key, value in answers.items() if is_media(value)]
        if spoken:
            for key in spoken:
                answers[key] = None
            case.answers = answers
            touched.add(case.id)
    owned = select(Case.id).where(Case.user_id == citizen.id).scalar_subquery()
    found = await session.scalars(
        select(CaseFile.case_id).where(CaseFile.case_id.in_(owned)).distinct()
    )
    touched.update(found)
    await session.execute(delete(CaseFile).where(CaseFile.case_id.in_(owned)))
    return sorted(touched)
