"""Generic navigation of the place picker: region → district → mahalla pages and search.

Flows that pick a place (registration, settings, admin invites) handle the final choice in
their own routers, which are included before this one; here only the steps in between. A part
of a mahalla's name typed while its list is open (any purpose) is a search, taken by the
list's Step, `PickStep`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.scene import on
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import PlaceBackCB, PlaceCB
from bot.handlers.dialog import Step, include
from bot.handlers.registration_questions import reshow_mahallas
from bot.i18n import N_
from bot.services import registry
from bot.states import PlacePick
from bot.views.keyboards.places import (
    MAHALLAS_PER_PAGE,
    districts_keyboard,
    mahallas_keyboard,
    regions_keyboard,
    search_results_keyboard,
)
from bot.views.screens import pressed_message
from bot.views.texts import esc, opening
from db.models import User

#: The picker's purposes where people choose where they live ("your mahalla"); the others
#: are staff choosing a place for someone else ("the mahalla").
OWN_PLACE = frozenset({"r", "s"})


async def show_regions(
    target: Message, session: AsyncSession, purpose: str, locale: str, edit: bool = False
) -> None:
    markup = regions_keyboard(purpose, await registry.regions(session), locale)
    text = _("Choose your region:") if purpose in OWN_PLACE else _("Choose the region:")
    if edit:
        await target.edit_text(text, reply_markup=markup)
    else:
        await target.answer(text, reply_markup=markup)


async def show_districts(
    message: Message,
    session: AsyncSession,
    purpose: str,
    region_soato: str,
    locale: str,
    page: int = 0,
) -> bool:
    region = await registry.get_region(session, region_soato)
    if region is None:
        return False
    districts = await registry.districts(session, region_soato)
    await message.edit_text(
        opening(
            _("{region}: choose the district or city:").format(
                region=esc(registry.place_name(region, locale))
            )
        ),
        reply_markup=districts_keyboard(purpose, region_soato, districts, locale, page),
    )
    return True


async def show_mahallas(
    message: Message,
    session: AsyncSession,
    state: FSMContext,
    purpose: str,
    district_soato: str,
    locale: str,
    page: int = 0,
) -> bool:
    district = await registry.get_district(session, district_soato)
    if district is None:
        return False
    shown = await registry.mahallas_page(session, district_soato, page, MAHALLAS_PER_PAGE)
    await state.set_state(PlacePick.choosing)
    await state.update_data(purpose=purpose, district=district_soato)
    name = registry.place_name(district, locale)
    if shown.total == 0:
        text = _("{district}: no mahallas are registered here yet. Choose another district.")
    elif purpose in OWN_PLACE:
        text = _("{district}: choose your mahalla, or type a part of its name to search.")
    else:
        text = _("{district}: choose the mahalla, or type a part of its name to search.")
    await message.edit_text(
        opening(text.format(district=esc(name))),
        reply_markup=mahallas_keyboard(purpose, district, shown, locale),
    )
    return True


async def on_place(
    query: CallbackQuery,
    callback_data: PlaceCB,
    session: AsyncSession,
    state: FSMContext,
    user: User,
) -> None:
    message = await pressed_message(query)
    if message is None:
        return
    cb, locale = callback_data, user.locale
    if cb.level in ("r", "rp"):
        ok = await show_districts(message, session, cb.purpose, cb.code, locale, cb.page)
    elif cb.level in ("d", "p"):
        ok = await show_mahallas(message, session, state, cb.purpose, cb.code, locale, cb.page)
    else:
        ok = False
    await query.answer(None if ok else _("This button is out of date."))


def back_region(back: PlaceBackCB) -> str | None:
    """The region whose districts Back shows again when pressed under a mahalla list; None
    under a district list, where Back goes to the regions."""
    return back.code if back.level == "d" and back.code else None


async def on_place_back(
    query: CallbackQuery, callback_data: PlaceBackCB, session: AsyncSession, user: User
) -> None:
    message = await pressed_message(query)
    if message is None:
        return
    region = back_region(callback_data)
    if region is not None:
        await show_districts(message, session, callback_data.purpose, region, user.locale)
    else:
        await show_regions(message, session, callback_data.purpose, user.locale, edit=True)
    await query.answer()


#: Draws a dialog's own region list in the pressed message and puts the dialog in its step.
RegionList = Callable[[Message, FSMContext, AsyncSession, User], Awaitable[None]]


def picker_back(step: State, regions: RegionList) -> Callable[..., Awaitable[None]]:
    """The picker's Back handler for a dialog that takes it over (registration, Settings):
    answered first, then from a mahalla list to the districts of its region, in the dialog's
    place step `step`; else to the dialog's own region list (`regions`)."""

    async def on_picker_back(
        query: CallbackQuery,
        callback_data: PlaceBackCB,
        state: FSMContext,
        session: AsyncSession,
        user: User,
    ) -> None:
        message = await pressed_message(query)
        if message is None:
            return
        await query.answer()
        region = back_region(callback_data)
        if region is None:
            await regions(message, state, session, user)
            return
        await state.set_state(step)
        await show_districts(message, session, callback_data.purpose, region, user.locale)

    return on_picker_back


class PickStep(Step, state=PlacePick.choosing.state):
    """The mahalla list of any purpose (registration, settings, the ledger, announcements…)."""

    hint = N_("Please choose with the buttons, or type a part of the mahalla's name.")
    reshow = reshow_mahallas

    @on.message(F.text & ~F.text.startswith("/"))
    async def on_search_text(
        self, message: Message, session: AsyncSession, state: FSMContext, user: User
    ) -> None:
        data = await state.get_data()
        district = await registry.get_district(session, data.get("district", ""))
        if district is None:
            await message.answer(_("Please choose with the buttons above."))
            return
        query = message.text or ""
        found = await registry.search_mahallas(session, query, district.soato)
        if not found:
            await message.answer(
                _(
                    "Nothing found for “{query}”. Try a shorter part of the name, or choose from "
                    "the list."
                ).format(query=esc(query[:50])),
                reply_markup=search_results_keyboard(
                    data.get("purpose", "r"), district, [], user.locale
                ),
            )
            return
        own = data.get("purpose", "r") in OWN_PLACE
        await message.answer(
            _("Found: choose your mahalla.") if own else _("Found: choose the mahalla."),
            reply_markup=search_results_keyboard(
                data.get("purpose", "r"), district, found, user.locale
            ),
        )


def router() -> Router:
    r = Router(name="places")
    r.callback_query.register(on_place, PlaceCB.filter())
    r.callback_query.register(on_place_back, PlaceBackCB.filter())
    include(r, PickStep)
    return r
