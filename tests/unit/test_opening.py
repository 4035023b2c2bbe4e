"""`opening`: a message that opens with a place name starts with a capital letter."""

from __future__ import annotations

from bot.views.texts import opening


def test_the_first_letter_is_capitalised_after_opening_tags() -> None:
    assert opening("город Ташкент: выберите район") == "Город Ташкент: выберите район"
    assert opening("<b>город Ташкент</b>: напишите") == "<b>Город Ташкент</b>: напишите"
    assert opening("<b><i>shahar</i></b>") == "<b><i>Shahar</i></b>"


def test_what_needs_no_change_is_left_as_it_is() -> None:
    assert opening("") == ""
    assert opening("Toshkent shahri: tumanni tanlang") == "Toshkent shahri: tumanni tanlang"
    assert opening("1-Qatortol MFY") == "1-Qatortol MFY"
    assert opening("⚠️ город") == "⚠️ город"  # not a place name's first letter: left alone
