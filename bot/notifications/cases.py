"""Messages to people other than the update's sender, rendered in THEIR language and queued
in the outbox inside the caller's transaction (the caller commits; the commit wakes the drainer, `bot/notifications/wakeup.py`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, AssistantAction, CaseAction, CaseCB
from bot.i18n import in_locale
from bot.notifications.send import Button, send
from bot.services import case_files, cases, outbox, registry
from bot.views.case_card import assessment_lines
from bot.views.case_files import file_label
from bot.views.texts import case_kind_label, esc, status_label
from db.models import Case, CaseEvent, CaseFile, User


async def case_created(
    session: AsyncSession, i18n: I18n, case: Case, citizen: User, now: dt.datetime
) -> str:
    """Tell the mahalla's assistant at once; with no assistant, the district's supervisors.

    Returns "assistant", "district" or "nobody", so the citizen can be told what happens next.
    """
    mahalla = await registry.get_mahalla(session, case.mahalla_code)
    await session.flush()  # the request's files were just added
    files = (await case_files.counts_by_case(session, [case.id])).get(case.id, 0)
    assistant = await cases.responsible(session, case, now)
    if assistant is not None:
        with in_locale(i18n, assistant.locale):
            text = _new_case_text(case, citizen, mahalla, assistant.locale, files)
            buttons = [
                (_("✅ Accept"), ACB(action=AssistantAction.ACCEPT, id=case.id)),
                (_("📂 Open"), ACB(action=AssistantAction.OPEN, id=case.id)),
            ]
            key = f"new_case:{case.id}:{assistant.id}"
            await send(session, assistant, text, kind="new_case", dedupe_key=key, buttons=buttons)
        return "assistant"
    supervisors = await cases.district_supervisors(session, case.district_soato, now)
    for supervisor in supervisors:
        with in_locale(i18n, supervisor.locale):
            text = _("⚠️ No assistant in this mahalla: the case is in the district queue.") + (
                "\n\n" + _new_case_text(case, citizen, mahalla, supervisor.locale, files)
            )
            key = f"queue_case:{case.id}:{supervisor.id}"
            await send(session, supervisor, text, kind="queue_case", dedupe_key=key)
    return "district" if supervisors else "nobody"


def _new_case_text(case: Case, citizen: User, mahalla: object, locale: str, files: int = 0) -> str:
    lines = [
        _("🆕 New request <b>{number}</b>: {kind}").format(
            number=case.number, kind=case_kind_label(case.kind)
        ),
        _("Mahalla: {mahalla}").format(
            mahalla=esc(registry.place_name(mahalla, locale)) if mahalla else case.mahalla_code
        ),
        _("Citizen: {name}").format(name=esc(citizen.name or "—")),
        _("Phone: {phone}").format(phone=esc(citizen.phone or "—")),
    ]
    lines += assessment_lines(case, locale)
    if files:
        lines.append(_("📎 Voice messages and files: {count}").format(count=files))
    return "\n".join(lines)


async def status_changed(session: AsyncSession, i18n: I18n, case: Case, event: CaseEvent) -> None:
    """Tell the citizen about every change of their case's status, in the citizen's language."""
    await session.flush()  # the event's id is the dedupe key
    citizen = await session.get(User, case.user_id)
    if citizen is None:
        return
    with in_locale(i18n, citizen.locale):
        text = _("Your request <b>{number}</b> is now: {status}.").format(
            number=case.number, status=status_label(event.to_status or case.status)
        )
        if event.to_status == "rejected" and case.reason:
            text += "\n" + _("Reason: {reason}").format(reason=esc(case.reason))
        await to_citizen(
            session, citizen, case, text, kind="case_status", dedupe_key=f"case_status:{event.id}"
        )


async def to_citizen(
    session: AsyncSession, citizen: User, case: Case, text: str, *, kind: str, dedupe_key: str
) -> None:
    """Queue news of a case for its citizen, with the "Open the request" button every such
    message carries. Call it in the citizen's locale (`in_locale`)."""
    button = (_("Open the request"), CaseCB(action=CaseAction.OPEN, id=case.id))
    await send(session, citizen, text, kind=kind, dedupe_key=dedupe_key, buttons=[button])


async def message_to_citizen(
    session: AsyncSession,
    i18n: I18n,
    case: Case,
    event: CaseEvent,
    files: Sequence[CaseFile] = (),
) -> bool:
    """Relay the assistant's message to the citizen, with a Reply button; False if unreachable."""
    citizen = await session.get(User, case.user_id)
    if citizen is None:
        return False
    with in_locale(i18n, citizen.locale):
        writer = await session.get(User, event.actor_id) if event.actor_id else None
        head = _("✉️ Your assistant {name} wrote about request <b>{number}</b>:").format(
            name=esc((writer.name if writer else None) or "—"), number=case.number
        )
        buttons = [
            (_("↩️ Reply"), CaseCB(action=CaseAction.REPLY, id=case.id)),
            (_("Open the request"), CaseCB(action=CaseAction.OPEN, id=case.id)),
        ]
        return await _relay(session, citizen, event, head, buttons, columns=1, files=files)


async def message_to_assistant(
    session: AsyncSession,
    i18n: I18n,
    case: Case,
    event: CaseEvent,
    citizen: User,
    now: dt.datetime,
    files: Sequence[CaseFile] = (),
) -> bool:
    """Relay the citizen's reply to whoever works the case now (the mahalla's current assistant
    or the assignee), with Reply and Open buttons; False when nobody works it yet."""
    assistant = await cases.responsible(session, case, now)
    if assistant is None:
        return False
    first_name = (citizen.name or "").split(" ")[0] or "—"
    with in_locale(i18n, assistant.locale):
        head = _("↩️ {name} replied about request <b>{number}</b>:").format(
            name=esc(first_name), number=case.number
        )
        buttons = [
            (_("↩️ Reply"), ACB(action=AssistantAction.MESSAGE, id=case.id)),
            (_("📂 Open"), ACB(action=AssistantAction.OPEN, id=case.id)),
        ]
        return await _relay(session, assistant, event, head, buttons, columns=2, files=files)


async def _relay(
    session: AsyncSession,
    recipient: User,
    event: CaseEvent,
    head: str,
    buttons: list[Button],
    *,
    columns: int,
    files: Sequence[CaseFile] = (),
) -> bool:
    """Queue one relayed case message once per event: the head with the escaped text and the
    buttons, then each voice note, photo or document re-sent by its Telegram file_id."""
    parts = [head]
    if event.note:
        parts.append(esc(event.note))
    if files:
        parts.append("\n".join(esc(file_label(file)) for file in files))
    queued = await send(
        session,
        recipient,
        "\n\n".join(parts),
        kind="case_message",
        dedupe_key=f"case_message:{event.id}",
        buttons=buttons,
        columns=columns,
    )
    await relay_files(session, recipient, files)
    return queued


async def relay_files(session: AsyncSession, recipient: User, files: Sequence[CaseFile]) -> None:
    """Queue files for someone, each once (an album's later parts come with no new head)."""
    for file in files:
        await outbox.enqueue_telegram_files(
            session,
            recipient,
            kind=file.kind,
            file_ids=[file.file_id],
            outbox_kind="case_message",
            dedupe_key=f"case_file:{file.id}:{recipient.id}",
        )


async def show_files(
    session: AsyncSession, viewer: User, files: Sequence[CaseFile], *, request: str
) -> None:
    """Send a case's files to someone who asked to see them (once per press: ``request``):
    photos as one album, documents as another, each voice or video note on its own."""
    batches = [(file.kind, [file]) for file in files if file.kind not in ("photo", "document")]
    for kind in ("photo", "document"):
        group = [file for file in files if file.kind == kind]
        batches += [
            (kind, group[start : start + outbox.ALBUM_MAX])
            for start in range(0, len(group), outbox.ALBUM_MAX)
        ]
    for kind, batch in batches:
        await outbox.enqueue_telegram_files(
            session,
            viewer,
            kind=kind,
            file_ids=[file.file_id for file in batch],
            outbox_kind="case_file",
            dedupe_key=f"case_file_show:{request}:{batch[0].id}",
        )


async def citizen_erased(
    session: AsyncSession,
    i18n: I18n,
    closed: Sequence[Case],
    files_removed_from: Sequence[int],
    now: dt.datetime,
) -> None:
    """Tell the assistants what a citizen's "delete my data" did to their cases: open ones
    closed as withdrawn, and the voice messages and files of any case removed."""
    for case in closed:
        files = case.id in files_removed_from
        await case_withdrawn(session, i18n, case, now, files_removed=files)
    closed_ids = {case.id for case in closed}
    for case_id in files_removed_from:
        if case_id not in closed_ids:
            await case_files_erased(session, i18n, case_id, now)


async def case_withdrawn(
    session: AsyncSession,
    i18n: I18n,
    case: Case,
    now: dt.datetime,
    *,
    files_removed: bool = False,
) -> None:
    """Tell whoever works the case that the citizen withdrew it by erasing their data (the case
    is already closed); nobody is told when the case had nobody yet."""
    assistant = await cases.responsible(session, case, now)
    if assistant is None:
        return
    with in_locale(i18n, assistant.locale):
        text = _(
            "📭 Request <b>{number}</b> was withdrawn by the citizen: they deleted their "
            "data. The request is closed."
        ).format(number=case.number)
        if files_removed:
            text += "\n" + _("Its voice messages, photos and documents were removed too.")
        await send(
            session, assistant, text, kind="case_status", dedupe_key=f"case_withdrawn:{case.id}"
        )


async def case_files_erased(
    session: AsyncSession, i18n: I18n, case_id: int, now: dt.datetime
) -> None:
    """Tell whoever worked a finished case that its files are gone with the citizen's data."""
    case = await session.get(Case, case_id)
    assistant = await cases.responsible(session, case, now) if case is not None else None
    if case is None or assistant is None:
        return
    with in_locale(i18n, assistant.locale):
        text = _(
            "🗑 The citizen of request <b>{number}</b> deleted their data: the request's "
            "voice messages, photos and documents were removed."
        ).format(number=case.number)
        key = f"case_files_erased:{case.id}"
        await send(session, assistant, text, kind="case_status", dedupe_key=key)


async def case_reassigned(
    session: AsyncSession,
    i18n: I18n,
    case: Case,
    event: CaseEvent,
    old: User | None,
    new: User,
) -> None:
    """Tell the assistant who lost the case, the one who got it, and the citizen, each in their
    own language; the event's id makes each message once-only."""
    if old is not None and old.id != new.id:
        with in_locale(i18n, old.locale):
            text = _(
                "🔁 Request <b>{number}</b> was given to another assistant by the "
                "supervisor.\nReason: {reason}"
            ).format(number=case.number, reason=esc(event.note or ""))
            key = f"case_reassign:{event.id}:{old.id}"
            await send(session, old, text, kind="case_reassign", dedupe_key=key)
    with in_locale(i18n, new.locale):
        text = _(
            "🔁 The supervisor gave you request <b>{number}</b>: {kind}.\nReason: {reason}"
        ).format(number=case.number, kind=case_kind_label(case.kind), reason=esc(event.note or ""))
        button = (_("📂 Open"), ACB(action=AssistantAction.OPEN, id=case.id))
        key = f"case_reassign:{event.id}:{new.id}"
        await send(session, new, text, kind="case_reassign", dedupe_key=key, buttons=[button])
    citizen = await session.get(User, case.user_id)
    if citizen is None:
        return
    with in_locale(i18n, citizen.locale):
        text = _(
            "Your request <b>{number}</b> is now handled by another assistant: {name}."
        ).format(number=case.number, name=esc((new.name or "—").split(" ")[0]))
        key = f"case_reassign:{event.id}:{citizen.id}"
        await to_citizen(session, citizen, case, text, kind="case_reassign", dedupe_key=key)


async def announcement(
    session: AsyncSession,
    i18n: I18n,
    recipients: list[User],
    text: str,
    sender: User,
    key: str,
) -> int:
    """Queue the announcement for each recipient once (`key` names the announcement); returns
    how many were queued."""
    queued = 0
    for person in recipients:
        with in_locale(i18n, person.locale):
            body = _("📣 Announcement from {name}:").format(name=esc(sender.name or "—"))
            queued += await send(
                session,
                person,
                body + "\n\n" + esc(text),
                kind="announcement",
                dedupe_key=f"announcement:{key}:{person.id}",
            )
    return queued
