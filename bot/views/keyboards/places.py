"""The region → district → mahalla picker shared by registration, settings and admin invites."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.callbacks import MenuAction, MenuCB, PlaceBackCB, PlaceCB
from bot.services.collation import sort_key
from bot.services.paging import Page
from bot.services.registry import place_name
from bot.views.keyboards.common import list_buttons, paged_buttons
from db.models import District, Mahalla, Region

P = TypeVar("P", Region, District)

MAHALLAS_PER_PAGE = 8
DISTRICTS_PER_PAGE = 16


def cancel_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("✖️ Cancel"), callback_data=MenuCB(action=MenuAction.CANCEL).pack()
    )


def in_reading_order(places: Sequence[P], locale: str) -> list[P]:
    """Places sorted by their names as the reader sees them, in the reader's alphabet."""
    return sorted(places, key=lambda place: sort_key(place_name(place, locale), locale))


def regions_keyboard(
    purpose: str,
    regions: Sequence[Region],
    locale: str,
    with_cancel: bool = True,
    back: InlineKeyboardButton | None = None,
) -> InlineKeyboardMarkup:
    """The place picker's region list; `back` (a Back to the previous question) before Cancel."""
    items = [
        (place_name(r, locale), PlaceCB(purpose=purpose, level="r", code=r.soato))
        for r in in_reading_order(regions, locale)
    ]
    extra = ([back] if back else []) + ([cancel_button()] if with_cancel else [])
    return list_buttons(items, columns=2, extra=extra)


def districts_keyboard(
    purpose: str, region_soato: str, districts: Sequence[District], locale: str, page: int = 0
) -> InlineKeyboardMarkup:
    shown = Page.of(in_reading_order(districts, locale), page, DISTRICTS_PER_PAGE)
    items = [
        (place_name(d, locale), PlaceCB(purpose=purpose, level="d", code=d.soato))
        for d in shown.items
    ]
    back = InlineKeyboardButton(
        text=_("⬅️ Back"), callback_data=PlaceBackCB(purpose=purpose, level="r").pack()
    )
    return paged_buttons(
        items,
        shown.window,
        lambda p: PlaceCB(purpose=purpose, level="rp", code=region_soato, page=p),
        columns=2,
        extra=[back, cancel_button()],
    )


def mahallas_keyboard(
    purpose: str, district: District, shown: Page[Mahalla], locale: str
) -> InlineKeyboardMarkup:
    """A page of a district's mahallas (`registry.mahallas_page`), its ◀ n/N ▶ row, Back, Cancel."""
    items = [
        (place_name(m, locale), PlaceCB(purpose=purpose, level="m", code=m.code))
        for m in shown.items
    ]
    back = InlineKeyboardButton(
        text=_("⬅️ Back"),
        callback_data=PlaceBackCB(purpose=purpose, level="d", code=district.region_soato).pack(),
    )
    return paged_buttons(
        items,
        shown.window,
        lambda p: PlaceCB(purpose=purpose, level="p", code=district.soato, page=p),
        extra=[back, cancel_button()],
    )


def search_results_keyboard(
    purpose: str, district: District, mahallas: Sequence[Mahalla], locale: str
) -> InlineKeyboardMarkup:
    items = [
        (place_name(m, locale), PlaceCB(purpose=purpose, level="m", code=m.code)) for m in mahallas
    ]
    back = InlineKeyboardButton(
        text=_("⬅️ Back to the list"),
        callback_data=PlaceCB(purpose=purpose, level="p", code=district.soato, page=0).pack(),
    )
    return list_buttons(items, extra=[back, cancel_button()])
