"""The admin's targets and time limits in the bot: see each value and where it comes from,
change one (a whole number within its bounds) or go back to the configured value. The same
overrides as `python -m bot admin set`; running bots use a change within seconds. The typed
value is taken by its step (`SettingStep`)."""

from __future__ import annotations

import logging
from typing import Unpack

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import AdmCB, AdminAction
from bot.config import Settings
from bot.filters import AnyMenuButton
from bot.handlers.admin_common import AdminData, back_button, refuse
from bot.handlers.dialog import TYPED, Step, include, register_buttons
from bot.i18n import fmt_datetime, fmt_number
from bot.services import runtime_settings
from bot.services.runtime_settings import SettingsCache
from bot.states import AdminWork
from bot.views.screens import show_in_place
from bot.views.texts import esc
from db.models import User, utcnow

log = logging.getLogger("bot.handlers.admin_panel")


def _label(key: str) -> str:
    return {
        "jobs_per_day_target": _("Jobs a day per assistant"),
        "jobs_per_month_target": _("Jobs a month per assistant"),
        "accept_within_days": _("Working days to accept a case"),
        "resolve_within_days": _("Working days to resolve a case"),
    }[key]


async def _settings_view(
    session: AsyncSession, cache: SettingsCache, settings: Settings, notice: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [notice, ""] if notice else []
    lines.append(_("🎯 <b>Targets and time limits</b>"))
    builder = InlineKeyboardBuilder()
    for index, item in enumerate(await runtime_settings.describe(session, cache.base)):
        if item.overridden and item.changed_at is not None:
            who = _("the command line") if item.changed_by == "cli" else esc(item.changed_by or "")
            source = _("changed by {who}, {when}; configured: {configured}").format(
                who=who,
                when=fmt_datetime(item.changed_at, settings.tz),
                configured=fmt_number(item.configured),
            )
        else:
            source = _("from the configuration")
        lines.append(f"• {_label(item.key)}: <b>{fmt_number(item.value)}</b> ({source})")
        builder.button(
            text=f"✏️ {_label(item.key)}",
            callback_data=AdmCB(action=AdminAction.SETTING, v=str(index)),
        )
    builder.adjust(1)
    builder.row(back_button())
    return "\n".join(lines), builder.as_markup()


async def on_settings(
    query: CallbackQuery,
    session: AsyncSession,
    state: FSMContext,
    settings: Settings,
    runtime_settings: SettingsCache,
) -> None:
    await state.clear()
    await query.answer()
    await show_in_place(query, *await _settings_view(session, runtime_settings, settings))


async def _pressed_key(
    query: CallbackQuery, user: User, callback_data: AdmCB, action: AdminAction
) -> str | None:
    """The setting a button names (by its index), or None: the press is refused."""
    keys, value = runtime_settings.KEYS, callback_data.v
    if value.isdigit() and int(value) < len(keys):
        return keys[int(value)]
    await refuse(query, user, action)
    return None


async def _typed_key(message: Message, state: FSMContext) -> str | None:
    """The setting being typed (`key` in data), or None: the user is told the step is out of
    date and it is left."""
    key = (await state.get_data()).get("key")
    if key not in runtime_settings.KEYS:
        await state.clear()
        await message.answer(_("This button is out of date. Please use the menu or /start."))
        return None
    return str(key)


async def _ask_number(message: Message, key: str) -> None:
    bounds = runtime_settings.bounds(key)
    await message.answer(
        _("Please type a whole number from {low} to {high}, or /cancel.").format(
            low=fmt_number(bounds.low), high=fmt_number(bounds.high)
        )
    )


async def on_setting_key(
    query: CallbackQuery, callback_data: AdmCB, **data: Unpack[AdminData]
) -> None:
    key = await _pressed_key(query, data["user"], callback_data, AdminAction.SETTING)
    if key is None:
        return
    await data["state"].set_state(AdminWork.setting)
    await data["state"].update_data(key=key)
    bounds = runtime_settings.bounds(key)
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("↩️ Use the configured value"),
        callback_data=AdmCB(action=AdminAction.SETTING_DEFAULT, v=callback_data.v),
    )
    builder.row(back_button(AdminAction.SETTINGS))
    await query.answer()
    await show_in_place(
        query,
        _(
            "{label}: now <b>{value}</b>.\nType the new value, a whole number from {low} to {high}."
        ).format(
            label=_label(key),
            value=fmt_number(int(getattr(data["settings"], key))),
            low=fmt_number(bounds.low),
            high=fmt_number(bounds.high),
        ),
        builder.as_markup(),
    )


async def on_setting_default(
    query: CallbackQuery,
    callback_data: AdmCB,
    runtime_settings: SettingsCache,
    **data: Unpack[AdminData],
) -> None:
    from bot.services import runtime_settings as service

    session, user, state, settings = data["session"], data["user"], data["state"], data["settings"]
    key = await _pressed_key(query, user, callback_data, AdminAction.SETTING_DEFAULT)
    if key is None:
        return
    await service.restore(session, key)
    runtime_settings.invalidate()
    await state.clear()
    log.info("setting %s back to the configured value by user %s", key, user.id)
    notice = _("Saved: {label} is now {value}.").format(
        label=_label(key), value=fmt_number(int(getattr(runtime_settings.base, key)))
    )
    await query.answer()
    await show_in_place(query, *await _settings_view(session, runtime_settings, settings, notice))


class SettingStep(Step, state=AdminWork.setting.state):
    """The new value of a setting (`key` in data); answers every other message itself too."""

    @on.message(*TYPED)
    async def on_setting_value(
        self, message: Message, runtime_settings: SettingsCache, **data: Unpack[AdminData]
    ) -> None:
        from bot.services import runtime_settings as service

        session, user, state = data["session"], data["user"], data["state"]

        key = await _typed_key(message, state)
        if key is None:
            return
        try:
            value = await service.change(
                session, key, message.text or "", f"tg:{user.telegram_id}", utcnow()
            )
        except service.SettingError:
            await _ask_number(message, key)
            return
        runtime_settings.invalidate()
        await state.clear()
        log.info("setting %s changed to %s by user %s", key, value, user.id)
        notice = _("Saved: {label} is now {value}.").format(
            label=_label(key), value=fmt_number(value)
        )
        text, markup = await _settings_view(session, runtime_settings, data["settings"], notice)
        await message.answer(text, reply_markup=markup)

    @on.message(~AnyMenuButton())
    async def on_settings_other(self, message: Message, state: FSMContext) -> None:
        key = await _typed_key(message, state)
        if key is not None:
            await _ask_number(message, key)


def router() -> Router:
    """Inside the admin audience's router, which checks the role. The buttons here are all
    callbacks and the step takes only messages, so their order does not matter."""
    r = Router(name="admin_settings")
    buttons = {
        AdminAction.SETTINGS: on_settings,
        AdminAction.SETTING: on_setting_key,
        AdminAction.SETTING_DEFAULT: on_setting_default,
    }
    register_buttons(r, AdmCB, buttons)
    include(r, SettingStep)
    return r
