"""Tell the admins when something keeps going wrong: a message through the outbox, in their
language, at most one per kind per hour.

Kinds: `updates_failing` (5 updates failed within 5 minutes in this process), `job_failed` (a
scheduled job raised), `outbox_failed` (a message failed for good). The hourly limit holds across
processes: each alert's outbox row has a dedupe key made of the kind, the admin and the hour.
An alert is queued in a short transaction of its own, never inside an update's.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import in_locale
from bot.metrics import Metrics
from bot.services import outbox
from db.models import User, utcnow

log = logging.getLogger(__name__)

FAILURES_TO_ALERT = 5
FAILURE_WINDOW = 300.0  # seconds


class AdminAlerts:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        admin_ids: list[int],
        i18n: I18n,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._admins = admin_ids
        self._i18n = i18n
        self._metrics = metrics
        self._clock = clock
        self._failures: deque[float] = deque()

    async def update_failed(self) -> None:
        now = self._clock()
        self._failures.append(now)
        while self._failures and now - self._failures[0] > FAILURE_WINDOW:
            self._failures.popleft()
        if len(self._failures) >= FAILURES_TO_ALERT:
            count = len(self._failures)
            self._failures.clear()
            await self.send("updates_failing", lambda: _updates_text(count))

    async def job_failed(self, job: str) -> None:
        await self.send("job_failed", lambda: _job_text(job))

    async def outbox_failed(self, row_id: int) -> None:
        await self.send("outbox_failed", lambda: _outbox_text(row_id))

    async def send(self, kind: str, render: Callable[[], str]) -> int:
        """Queue the alert for every admin not yet told of this kind this hour; how many."""
        if not self._admins:
            return 0
        hour = utcnow().strftime("%Y%m%d%H")
        queued = 0
        try:
            async with self._sessions() as session:
                rows = await session.scalars(select(User).where(User.telegram_id.in_(self._admins)))
                locales = {user.telegram_id: user.locale for user in rows}
                for admin_id in self._admins:
                    with in_locale(self._i18n, locales.get(admin_id, self._i18n.default_locale)):
                        text = render()
                    row = await outbox.enqueue(
                        session,
                        chat_id=admin_id,
                        text=text,
                        kind="admin_alert",
                        dedupe_key=f"alert:{kind}:{admin_id}:{hour}",
                    )
                    queued += row is not None
                await session.commit()
        except IntegrityError:  # another process queued this hour's alert at the same moment
            return 0
        except Exception:  # an alert must never break what reported the trouble
            log.warning("could not queue the %s alert", kind, exc_info=True)
            return 0
        if queued:
            log.warning("alert %s queued for %s admin(s)", kind, queued)
            if self._metrics is not None:
                self._metrics.alerts.labels(kind).inc()
        return queued


def _updates_text(count: int) -> str:
    return _(
        "⚠️ Alert: updates keep failing. Failed within 5 minutes: {count}. The people concerned "
        "were sent an apology. Please look at the bot's log."
    ).format(count=count)


def _job_text(job: str) -> str:
    return _(
        "⚠️ Alert: the scheduled job <code>{job}</code> failed. Please look at the bot's log; "
        "to run it again: <code>python -m bot admin run-job {job}</code>"
    ).format(job=job)


def _outbox_text(row_id: int) -> str:
    return _(
        "⚠️ Alert: a message could not be delivered and will not be tried again (outbox "
        "#{row_id}). To see the outbox: <code>python -m bot admin outbox</code>"
    ).format(row_id=row_id)
