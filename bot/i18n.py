"""Languages: the catalogs, the locale guess from Telegram, and Babel formatting.

Handlers get `_` from aiogram's gettext (bound to the update's locale by LocaleMiddleware).
Code that runs outside an update (the scheduler, the outbox) uses `in_locale(locale)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from bot.config import LOCALES

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

# Names of the languages in themselves, for the language buttons.
LANGUAGE_NAMES: dict[str, str] = {"uz": "Oʻzbekcha", "uz_Cyrl": "Ўзбекча", "ru": "Русский"}
_BABEL_LOCALES = {"uz": "uz_Latn", "uz_Cyrl": "uz_Cyrl", "ru": "ru"}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, when the locale is known."""
    return message


def create_i18n(default_locale: str = "uz") -> I18n:
    return I18n(path=LOCALES_DIR, default_locale=default_locale, domain=DOMAIN)


def locale_from_telegram(language_code: str | None) -> str:
    """Guess our locale from Telegram's language_code; any odd value falls back to Uzbek Latin."""
    code = (language_code or "").strip().lower().replace("_", "-")
    if code.startswith("ru"):
        return "ru"
    if code.startswith("uz") and "cyrl" in code:
        return "uz_Cyrl"
    return "uz"


def normalize_locale(locale: str | None, default: str = "uz") -> str:
    return locale if locale in LOCALES else default


@contextmanager
def in_locale(i18n: I18n, locale: str) -> Iterator[None]:
    """Render messages for someone other than the current update's sender."""
    with i18n.context(), i18n.use_locale(normalize_locale(locale, i18n.default_locale)):
        yield


def current_locale() -> str:
    i18n = I18n.get_current(no_error=True)
    return i18n.current_locale if i18n else "uz"


def fmt_number(value: int | float | Decimal, locale: str | None = None) -> str:
    return _format_number(value, _BABEL_LOCALES[normalize_locale(locale or current_locale())])


@lru_cache(maxsize=4096)
def _format_number(value: int | float | Decimal, babel_locale: str) -> str:
    """Babel's formatting takes ~30 µs a call; the same small numbers recur in every digest
    and reminder (9,000 morning reminders format ~70,000 of them)."""
    return format_decimal(value, locale=babel_locale)


def fmt_percent(part: int | float, whole: int | float, locale: str | None = None) -> str:
    """`part` as a whole percentage of `whole` ("45 %" or "45%" as the locale writes it); "—"
    when there is no whole to compare with."""
    if not whole:
        return "—"
    return format_percent(
        round(part / whole, 2), locale=_BABEL_LOCALES[normalize_locale(locale or current_locale())]
    )


def fmt_money(amount: int | float | Decimal, locale: str | None = None) -> str:
    """Soʻm without fractions: '669 000 soʻm'."""
    number = format_decimal(
        round(amount), locale=_BABEL_LOCALES[normalize_locale(locale or current_locale())]
    )
    return _("{amount} soʻm").format(amount=number)


def fmt_date(value: dt.date, locale: str | None = None) -> str:
    return format_date(
        value, format="medium", locale=_BABEL_LOCALES[normalize_locale(locale or current_locale())]
    )


def fmt_datetime(value: dt.datetime, tz: dt.tzinfo, locale: str | None = None) -> str:
    return format_datetime(
        value.astimezone(tz),
        format="d MMM y, HH:mm",
        locale=_BABEL_LOCALES[normalize_locale(locale or current_locale())],
    )
