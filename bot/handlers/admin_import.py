"""Importing mahallas from a CSV document sent to the bot: the prompt, the checks of the
file and the report of what was added, updated and rejected; the document is taken by its
step (`ImportStep`). Apart because it is a dialog of its own, on its own state, sharing nothing
with the other admin screens but Back.
"""

from __future__ import annotations

import io
import logging

from aiogram import Bot, F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import AnyMenuButton
from bot.handlers.admin_common import back_button
from bot.handlers.dialog import Step
from bot.i18n import fmt_number
from bot.services import registry
from bot.states import AdminWork
from bot.views.screens import show_in_place
from db.models import User, utcnow

log = logging.getLogger("bot.handlers.admin_panel")  # one logger for the admin menu

IMPORT_MAX_BYTES = 512 * 1024
REJECTED_SHOWN = 15


async def on_import(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(AdminWork.import_csv)
    builder = InlineKeyboardBuilder()
    builder.row(back_button())
    await query.answer()
    await show_in_place(
        query,
        _(
            "Send the mahallas as a CSV file (a document, UTF-8, up to {size} KB) with the "
            "header:\n<code>{header}</code>\nNew codes are added and changed ones updated; "
            "nothing is duplicated. /cancel to stop."
        ).format(size=IMPORT_MAX_BYTES // 1024, header=",".join(registry.MAHALLA_COLUMNS)),
        builder.as_markup(),
    )


def _reason(reason: str) -> str:
    """The importer's reason for a rejected line, in the admin's language."""
    if reason == "code is empty":
        return _("the code is empty")
    if reason.startswith("code ") and "appears twice" in reason:
        return _("the code appears twice in the file")
    if reason.startswith("code "):
        return _("the code is not like RRDDNNNN or 1DD-NNNN")
    if reason.startswith("district SOATO"):
        return _("the district SOATO is unknown")
    if reason == "name_uz is empty":
        return _("name_uz is empty")
    return _("a name is longer than 200 characters")


class ImportStep(Step, state=AdminWork.import_csv.state):
    """The CSV document; answers every other message itself too."""

    @on.message(F.document)
    async def on_import_document(
        self, message: Message, session: AsyncSession, user: User, state: FSMContext, bot: Bot
    ) -> None:
        document = message.document
        assert document is not None
        name = (document.file_name or "").lower()
        if not (
            name.endswith(".csv")
            or document.mime_type in ("text/csv", "text/comma-separated-values")
        ):
            await message.answer(_("This is not a CSV file. Please send a .csv file, or /cancel."))
            return
        if (document.file_size or 0) > IMPORT_MAX_BYTES:
            await message.answer(
                _(
                    "The file is too big: at most {size} KB. Split it and send the parts, or /cancel."
                ).format(size=IMPORT_MAX_BYTES // 1024)
            )
            return
        buffer = io.BytesIO()
        await bot.download(document, destination=buffer)
        data = buffer.getvalue()
        header = ",".join(registry.MAHALLA_COLUMNS)
        try:
            rows = registry.parse_mahalla_csv(
                data[: IMPORT_MAX_BYTES + 1].decode("utf-8-sig"), name
            )
        except UnicodeDecodeError:
            await message.answer(
                _(
                    "The file is not UTF-8 text. Save it as “CSV UTF-8” and send it again, or /cancel."
                )
            )
            return
        except ValueError:
            await message.answer(
                _(
                    "The first line must be the header:\n<code>{header}</code>\nFix the file and send "
                    "it again, or /cancel."
                ).format(header=header)
            )
            return
        report = await registry.import_mahallas(session, rows, utcnow())  # commits
        await state.clear()
        log.info(
            "mahallas imported by user %s: added %s, updated %s, rejected %s",
            user.id,
            report.added,
            report.updated,
            len(report.rejected),
        )
        lines = [
            _(
                "Mahallas imported: {added} added, {updated} updated, {unchanged} unchanged, "
                "{rejected} rejected."
            ).format(
                added=fmt_number(report.added),
                updated=fmt_number(report.updated),
                unchanged=fmt_number(report.unchanged),
                rejected=fmt_number(len(report.rejected)),
            )
        ]
        for line, reason in report.rejected[:REJECTED_SHOWN]:
            lines.append(_("Line {line}: {reason}").format(line=line, reason=_reason(reason)))
        if len(report.rejected) > REJECTED_SHOWN:
            lines.append(
                _("…and {count} more (the command line lists them all).").format(
                    count=fmt_number(len(report.rejected) - REJECTED_SHOWN)
                )
            )
        builder = InlineKeyboardBuilder()
        builder.row(back_button())
        await message.answer("\n".join(lines), reply_markup=builder.as_markup())

    @on.message(~AnyMenuButton())
    async def on_import_other(self, message: Message) -> None:
        await message.answer(_("Please send the CSV file as a document, or /cancel."))
