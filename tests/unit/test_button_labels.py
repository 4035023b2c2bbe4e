"""No place button is cut on a phone: every label fits the width its row leaves it, in the
three languages (`bot.views.keyboards.common.fits`), for every region, district and mahalla list."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.i18n import create_i18n
from bot.services import registry
from bot.views.keyboards.common import fits
from bot.views.keyboards.places import (
    MAHALLAS_PER_PAGE,
    districts_keyboard,
    mahallas_keyboard,
    regions_keyboard,
)


def cut_labels(markup: InlineKeyboardMarkup) -> list[str]:
    return [b.text for row in markup.inline_keyboard for b in row if not fits(b.text, len(row))]


async def test_every_place_button_shows_whole(sessions: Any) -> None:
    i18n = create_i18n("uz")
    cut: list[str] = []
    async with sessions() as session:
        regions = await registry.regions(session)
        for locale in ("uz", "uz_Cyrl", "ru"):
            with i18n.context(), i18n.use_locale(locale):
                cut += cut_labels(regions_keyboard("r", regions, locale))
                for region in regions:
                    districts = await registry.districts(session, region.soato)
                    for page in range(-(-len(districts) // 16) or 1):
                        cut += cut_labels(
                            districts_keyboard("r", region.soato, districts, locale, page)
                        )
                    for district in districts:
                        shown = await registry.mahallas_page(
                            session, district.soato, 0, MAHALLAS_PER_PAGE
                        )
                        if shown.items:
                            cut += cut_labels(mahallas_keyboard("r", district, shown, locale))
    assert cut == []


def test_the_width_rule_cuts_what_a_phone_cuts() -> None:
    assert not fits("Кашкадарьинская область", 2)  # seen cut two to a row
    assert fits("Кашкадарьинская область", 1)
    assert fits("Toshkent shahri", 2)
