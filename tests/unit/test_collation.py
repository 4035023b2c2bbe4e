"""Place lists in each reader's alphabetical order."""

from __future__ import annotations

from typing import Any

import pytest

from bot.services.collation import sort_key


@pytest.mark.parametrize(
    ("locale", "names", "ordered"),
    [
        # Russian: Ё after Е (code points put it before А); the Uzbek Ў after the Russian letters
        (
            "ru",
            ["Ёлкино", "Андижан", "Ўрта", "Ташкент", "Ежово"],
            ["Андижан", "Ежово", "Ёлкино", "Ташкент", "Ўрта"],
        ),
        # Uzbek Cyrillic: Ў, Қ, Ғ, Ҳ close the alphabet
        (
            "uz_Cyrl",
            ["Қашқадарё", "Андижон", "Ўзбекистон", "Навоий", "Ҳазорасп"],
            ["Андижон", "Навоий", "Ўзбекистон", "Қашқадарё", "Ҳазорасп"],
        ),
        # Uzbek Latin: Oʻ, Gʻ, Sh, Ch come after Z (and are letters of their own)
        (
            "uz",
            ["Samarqand", "Oʻrta", "Sirdaryo", "Shahrisabz", "Zomin", "Oltiariq", "Chust"],
            ["Oltiariq", "Samarqand", "Sirdaryo", "Zomin", "Oʻrta", "Shahrisabz", "Chust"],
        ),
        # a name before its longer forms; a space or hyphen before any letter
        (
            "ru",
            ["Андижан-2", "Андижанская область", "Андижан"],
            ["Андижан", "Андижан-2", "Андижанская область"],
        ),
    ],
)
def test_names_sort_in_the_readers_alphabet(
    locale: str, names: list[str], ordered: list[str]
) -> None:
    assert sorted(names, key=lambda name: sort_key(name, locale)) == ordered


def test_uzbek_latin_accepts_any_apostrophe_for_o_and_g() -> None:
    assert sort_key("O'rta", "uz") == sort_key("Oʻrta", "uz") == sort_key("O‘rta", "uz")


async def test_region_buttons_follow_the_readers_alphabet(sessions: Any) -> None:
    """Russian speakers got the regions in Uzbek order ("Кашкадарьинская обла…" among the
    Uzbek Q names); each language now gets its own order."""
    from aiogram.utils.i18n import I18n

    from bot.i18n import create_i18n
    from bot.services import registry
    from bot.views.keyboards.places import regions_keyboard

    i18n: I18n = create_i18n("uz")
    async with sessions() as session:
        regions = await registry.regions(session)
    orders = {}
    for locale in ("uz", "uz_Cyrl", "ru"):
        with i18n.context(), i18n.use_locale(locale):
            markup = regions_keyboard("r", regions, locale)
        labels = [
            b.text
            for row in markup.inline_keyboard
            for b in row
            if b.callback_data.startswith("pl:")
        ]
        assert len(labels) == len(regions)
        assert labels == sorted(labels, key=lambda name: sort_key(name, locale))
        orders[locale] = [registry.place_name(r, locale) for r in regions]
    assert orders["ru"] != sorted(orders["ru"], key=lambda name: sort_key(name, "ru"))
