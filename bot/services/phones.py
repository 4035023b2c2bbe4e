"""Phone numbers: typed Uzbek numbers and shared contacts, normalised to E.164 (+998XXXXXXXXX).

Pure functions over the `phonenumbers` library; no I/O. Numbers are personal data: callers
never log them.
"""

from __future__ import annotations

import re

import phonenumbers

UZ = "UZ"
MAX_TYPED = 32
_ALLOWED = re.compile(r"^[\d\s+()\-.]+$")


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_typed(text: str) -> str | None:
    """A number typed by hand → +998XXXXXXXXX, only when it is a valid Uzbek number.

    Accepts the ways people write it: "90 123 45 67", "(90) 123-45-67", "998901234567",
    "+998 90 123 45 67", and the old domestic form "8 90 123 45 67". Letters (vanity numbers)
    and foreign numbers are refused: a typed number cannot be verified, so it must at least
    be one the mahalla's assistant can call.
    """
    text = text.strip()
    if not text or len(text) > MAX_TYPED or not _ALLOWED.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if not text.startswith("+") and len(digits) == 10 and digits.startswith("8"):
        digits = digits[1:]  # old trunk prefix: 8 (90) 123-45-67
    international = text.startswith("+") or (len(digits) == 12 and digits.startswith("998"))
    candidate = "+" + digits if international else digits
    try:
        number = phonenumbers.parse(candidate, UZ)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.region_code_for_number(number) != UZ or not phonenumbers.is_valid_number(
        number
    ):
        return None
    return _e164(number)


def from_contact(raw: str) -> str | None:
    """The number of a contact Telegram verified as the sender's own → E.164.

    Telegram sends digits with or without "+". The owner is verified, so a foreign number
    (a citizen working abroad) is kept too; a number the library does not know yet is kept
    as "+digits" when its length is plausible.
    """
    digits = re.sub(r"\D", "", raw or "")
    if not 7 <= len(digits) <= 15:
        return None
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return "+" + digits
    if phonenumbers.is_valid_number(number):
        return _e164(number)
    return "+" + digits


def display(phone: str) -> str:
    """+998901234567 → "+998 90 123 45 67" for people to read; other numbers internationally."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    if phonenumbers.region_code_for_number(number) == UZ and len(phone) == 13:
        national = phone[4:]
        return f"+998 {national[:2]} {national[2:5]} {national[5:7]} {national[7:]}"
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
