"""The outbox drainer: pace (seen at the fake Bot API), 429 retry_after, 403, retries, quiet
hours, photos and documents, and no loss or duplicate across a restart or two drainers."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import itertools

import time_machine
from sqlalchemy import select, update

from bot.services import outbox
from bot.services.outbox import QuietHours
from db.models import OutboxFile, OutboxMessage, User, utcnow
from tests.scheduler.support import TZ, local, outbox_rows, start_all
from tests.support.factories import make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # the fake stores bytes; it does not decode them


async def _queue(sessions, chats, text="hello {chat}", **extra):  # type: ignore[no-untyped-def]
    async with sessions() as session:
        for chat in chats:
            await outbox.enqueue(
                session, chat_id=chat, text=text.format(chat=chat), kind="t", **extra
            )
        await session.commit()


def _sends(fake, method="sendMessage"):  # type: ignore[no-untyped-def]
    return fake.calls_to(method, ok=True)


async def test_global_and_per_chat_pace(env) -> None:  # type: ignore[no-untyped-def]
    chats = list(range(9001, 9041))
    start_all(env.fake, *chats)
    await _queue(env.sessions, chats)
    await _queue(env.sessions, [9001, 9001])  # two more for one chat
    sender = env.sender()
    while await sender.drain_once():
        pass
    sends = _sends(env.fake)
    # The fake answers 429 above 30 a second (burst 30) or ~1 a second per chat, as Telegram
    # does: 42 messages at full speed would be refused; paced at ~25 a second none is.
    assert len(sends) == 42 and env.fake.flood_hits == 0 and not env.fake.errors()
    first_pass = [call.time for call in sends[:40]]
    assert first_pass[-1] - first_pass[0] >= 0.9 * 39 / 25
    own = [call.time for call in sends if call.params["chat_id"] == 9001]
    assert len(own) == 3 and all(b - a >= 0.9 for a, b in itertools.pairwise(own))
    async with env.sessions() as session:
        rows = await outbox_rows(session)
    assert {row.status for row in rows} == {"sent"} and all(r.message_id for r in rows)


async def test_429_retry_after_is_honoured(env) -> None:  # type: ignore[no-untyped-def]
    start_all(env.fake, 9101, 9102)
    await _queue(env.sessions, [9101, 9102])
    env.fake.fail_next("sendMessage", 429, retry_after=1)
    sender = env.sender()
    await sender.drain_once()  # 9101 refused with retry_after; 9102 waits out the pause
    refused = env.fake.errors(429)
    assert len(refused) == 1
    sent = _sends(env.fake)
    assert [c.params["chat_id"] for c in sent] == [9102]
    assert sent[0].time - refused[0].time >= 0.99
    async with env.sessions() as session:
        (row,) = await outbox_rows(session, chat_id=9101)
        assert row.status == "queued" and row.last_error == "429 retry after 1"
        assert row.next_attempt_at - row.created_at >= dt.timedelta(seconds=1)
    await asyncio.sleep(max(0.0, (row.next_attempt_at - utcnow()).total_seconds()) + 0.05)
    assert await sender.drain_once() == 1
    assert sorted(c.params["chat_id"] for c in _sends(env.fake)) == [9101, 9102]


async def test_403_marks_the_user_blocked(env) -> None:  # type: ignore[no-untyped-def]
    async with env.sessions() as session:
        user = await make_user(session, 9201)
    start_all(env.fake, 9201, 9202)
    env.fake.block(9201)
    await _queue(env.sessions, [9201, 9201, 9202])
    sender = env.sender()
    while await sender.drain_once():
        pass
    assert len(env.fake.errors(403)) == 1  # the second row is never tried
    async with env.sessions() as session:
        statuses = [r.status for r in await outbox_rows(session, chat_id=9201)]
        assert statuses == ["blocked", "blocked"]
        fresh = await session.get(User, user.id)
        assert fresh is not None and fresh.blocked_at is not None
        assert await outbox.enqueue_to_user(session, fresh, text="x", kind="t") is None
    assert [c.params["chat_id"] for c in _sends(env.fake)] == [9202]


async def test_transient_errors_retry_with_backoff(env) -> None:  # type: ignore[no-untyped-def]
    start_all(env.fake, 9301)
    with time_machine.travel(local(2026, 12, 9, 10), tick=True) as traveller:
        await _queue(env.sessions, [9301])
        env.fake.fail_next("sendMessage", 500, times=2)
        sender = env.sender(per_chat_interval=0)
        assert await sender.drain_once() == 0
        assert await sender.drain_once() == 0  # not due yet: backing off
        traveller.shift(3)
        assert await sender.drain_once() == 0  # second failure, longer backoff
        async with env.sessions() as session:
            (row,) = await outbox_rows(session)
            assert row.status == "queued" and row.attempts == 2
        traveller.shift(5)
        assert await sender.drain_once() == 1
    assert len(_sends(env.fake)) == 1


async def test_quiet_hours_hold_messages_until_morning(env) -> None:  # type: ignore[no-untyped-def]
    start_all(env.fake, 9401)
    quiet = QuietHours(dt.time(21), dt.time(8), TZ)
    with time_machine.travel(local(2026, 12, 9, 22), tick=True) as traveller:
        await _queue(env.sessions, [9401])
        sender = env.sender(quiet=quiet)
        assert sender.holding() and await sender.drain_once() == 0
        traveller.move_to(local(2026, 12, 10, 7, 59, 50))
        assert await sender.drain_once() == 0
        assert _sends(env.fake) == []
        async with env.sessions() as session:
            assert [r.status for r in await outbox_rows(session)] == ["queued"]  # held, kept
        traveller.move_to(local(2026, 12, 10, 8, 0, 1))
        assert await sender.drain_once() == 1
    assert len(_sends(env.fake)) == 1
    assert quiet.next_end(local(2026, 12, 9, 22)) == local(2026, 12, 10, 8)
    assert not quiet.contains(local(2026, 12, 10, 12))


async def test_expired_rows_are_dropped_not_sent(env) -> None:  # type: ignore[no-untyped-def]
    start_all(env.fake, 9501)
    await _queue(env.sessions, [9501], expires_at=utcnow() - dt.timedelta(seconds=1))
    await _queue(env.sessions, [9501], text="fresh")
    sender = env.sender()
    while await sender.drain_once():
        pass
    async with env.sessions() as session:
        assert [r.status for r in await outbox_rows(session)] == ["expired", "sent"]
    assert [c.params["text"] for c in _sends(env.fake)] == ["fresh"]


async def test_photos_and_documents_sent_once_uploaded_once(env) -> None:  # type: ignore[no-untyped-def]
    start_all(env.fake, 9601, 9602)
    table = b"PK\x03\x04 pretend this is a workbook"
    async with env.sessions() as session:
        chart = await outbox.store_file(session, PNG, filename="chart.png", mime_type="image/png")
        xlsx = await outbox.store_file(
            session, table, filename="export.xlsx", mime_type="application/vnd.ms-excel"
        )
        for chat in (9601, 9602):
            await outbox.enqueue_file(
                session, chat_id=chat, file=chart, media="photo", kind="t", caption="<b>Chart</b>"
            )
        await outbox.enqueue_file(
            session, chat_id=9601, file=xlsx, media="document", kind="t", caption="Export"
        )
        await session.commit()
    sender = env.sender(per_chat_interval=0)
    while await sender.drain_once():
        pass
    photos = _sends(env.fake, "sendPhoto")
    assert [c.params["chat_id"] for c in photos] == [9601, 9602]
    first_id = photos[0].result["photo"][-1]["file_id"]
    assert photos[1].params["photo"] == first_id  # the second chat got Telegram's file_id
    me = env.fake.user(9601)
    document = next(m for m in me.messages if m.document is not None)
    assert env.fake.file_bytes(document.document.file_id) == table
    assert document.document.filename == "export.xlsx" and document.caption == "Export"
    picture = next(m for m in me.messages if m.photo is not None)
    assert env.fake.file_bytes(picture.photo.file_id) == PNG and picture.caption == "Chart"
    async with env.sessions() as session:
        cached = await session.scalar(
            select(OutboxFile.telegram_file_id).where(OutboxFile.id == chart.id)
        )
        assert cached == first_id
        assert {r.status for r in await outbox_rows(session)} == {"sent"}
        waiting = await outbox.store_file(session, PNG, filename="w.png", mime_type="image/png")
        await outbox.enqueue_file(session, chat_id=9602, file=waiting, media="photo", kind="t")
        await session.commit()
    # Sent files give their bytes back; a file still waiting to go keeps them.
    assert await sender.release_files(older_than=dt.timedelta(0)) == 2
    async with env.sessions() as session:
        sizes = dict((await session.execute(select(OutboxFile.id, OutboxFile.size))).all())
    assert sizes == {chart.id: 0, xlsx.id: 0, waiting.id: len(PNG)}


async def test_two_drainers_never_send_a_row_twice(env) -> None:  # type: ignore[no-untyped-def]
    chats = list(range(9701, 9711))
    start_all(env.fake, *chats)
    await _queue(env.sessions, chats)
    first, second = env.sender(), env.sender()

    async def drain(sender):  # type: ignore[no-untyped-def]
        while await sender.drain_once():
            pass

    await asyncio.gather(drain(first), drain(second))
    per_chat = collections.Counter(c.params["chat_id"] for c in _sends(env.fake))
    assert per_chat == dict.fromkeys(chats, 1)
    assert first.sent + second.sent == 10


async def test_restart_mid_drain_loses_and_repeats_nothing(harness) -> None:  # type: ignore[no-untyped-def]
    chats = list(range(9801, 9809))
    start_all(harness.fake, *chats)
    await _queue(harness.app.sessions, chats)
    harness.app.outbox.wake()

    def third_send(call) -> bool:  # type: ignore[no-untyped-def]
        return len(_sends(harness.fake)) >= 3

    await harness.fake.wait_for(third_send, timeout=5)
    await harness.restart()  # the drainer is stopped mid-batch; the message in flight finishes
    async with harness.db() as session:
        assert not await outbox_rows(session, status="sending")
    harness.app.outbox.wake()
    for _ in range(100):
        if len(_sends(harness.fake)) >= len(chats):
            break
        await asyncio.sleep(0.05)
    per_chat = collections.Counter(c.params["chat_id"] for c in _sends(harness.fake))
    assert per_chat == dict.fromkeys(chats, 1)
    async with harness.db() as session:
        assert {r.status for r in await outbox_rows(session)} == {"sent"}


async def test_a_row_left_sending_by_a_crash_is_sent_after_restart(env) -> None:  # type: ignore[no-untyped-def]
    start_all(env.fake, 9901, 9902)
    await _queue(env.sessions, [9901, 9902])
    async with env.sessions() as session:  # a process died while this row was in flight
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id == 9901)
            .values(status="sending", next_attempt_at=utcnow() - dt.timedelta(minutes=5))
        )
        await session.execute(  # and this one was delivered before the crash
            update(OutboxMessage).where(OutboxMessage.chat_id == 9902).values(status="sent")
        )
        await session.commit()
    sender = env.sender()
    task = asyncio.create_task(sender.run())
    try:
        await env.fake.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [c.params["chat_id"] for c in _sends(env.fake)] == [9901]
