"""Phone numbers: typed Uzbek numbers and shared contacts normalised to +998XXXXXXXXX."""

from __future__ import annotations

import pytest

from bot.services import phones


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("90 123 45 67", "+998901234567"),
        ("901234567", "+998901234567"),
        ("(90) 123-45-67", "+998901234567"),
        ("90.123.45.67", "+998901234567"),
        ("998901234567", "+998901234567"),
        ("+998 90 123 45 67", "+998901234567"),
        ("+998(90)1234567", "+998901234567"),
        ("8 90 123 45 67", "+998901234567"),  # the old domestic trunk prefix
        ("  33 123 45 67 ", "+998331234567"),
        ("71 234 56 78", "+998712345678"),  # a Tashkent landline is callable too
    ],
)
def test_valid_uzbek_numbers_are_normalised(typed: str, expected: str) -> None:
    assert phones.parse_typed(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "12345",
        "90 123 45 6",  # a digit short
        "90 123 45 678",  # a digit too many
        "+998 90 123 45 67 89",
        "+7 912 345 67 89",  # valid, but not Uzbek
        "+1 202 555 0143",
        "1-800-FLOWERS",  # letters are never a number here
        "tel: 901234567",
        "90 123 45 67 ext 2",
        "9" * 40,
        "+",
        "0901234567",
    ],
)
def test_invalid_or_foreign_typed_numbers_are_refused(typed: str) -> None:
    assert phones.parse_typed(typed) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("998901234567", "+998901234567"),  # Telegram often sends digits without "+"
        ("+998901234567", "+998901234567"),
        ("79123456789", "+79123456789"),  # the sender's own number abroad is kept
        ("+998 00 000 00 00", "+998000000000"),  # unknown to the library, plausible length
    ],
)
def test_contact_numbers(raw: str, expected: str) -> None:
    assert phones.from_contact(raw) == expected


@pytest.mark.parametrize("raw", ["", "123", "1" * 16, "no digits"])
def test_contact_numbers_without_a_usable_number(raw: str) -> None:
    assert phones.from_contact(raw) is None


def test_display() -> None:
    assert phones.display("+998901234567") == "+998 90 123 45 67"
    assert phones.display("+79123456789").startswith("+7 912")
    assert phones.display("garbage") == "garbage"
