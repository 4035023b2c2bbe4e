"""Vacancies: posting, matching them to open job and internship requests, offers and answers,
hiring, and closing (no aiogram here).

The matching rules and the daily limit live in :mod:`bot.services.matching` (pure); this package
loads the candidates, records every offer in ``vacancy_offers`` (the daily limit counts them)
and leaves the messages to the caller; the bot's use-cases (:mod:`.actions`) queue them through
the caller's `notify` and commit once.
A vacancy closes when its places are filled or its closing date has passed; every action checks
that, and :func:`close_expired` lets the scheduler close them all at once.

The package is split by stage; every public name is re-exported here, so callers keep
importing from ``bot.services.vacancies``:

* :mod:`.rules`: field limits and checks, the assistant's districts, open or closed;
* :mod:`.posting`: posting a vacancy and the pages that list them;
* :mod:`.offers`: matching and offers, citizens' answers and interest;
* :mod:`.hiring`: hiring through an offer;
* :mod:`.actions`: what people do in the bot, each one committed unit of work.
"""

from __future__ import annotations

from bot.services.vacancies.actions import (
    post,
    reply,
    show_interest,
    still_open,
    take_on,
    withdraw,
)
from bot.services.vacancies.hiring import LEDGER_KINDS, Hired, HireError, hire
from bot.services.vacancies.offers import (
    SEEKER_KINDS,
    Interest,
    MatchResult,
    NewOffer,
    OfferAnswer,
    answer_offer,
    as_match,
    as_request,
    citizen_offer,
    counts,
    express_interest,
    interested,
    match_and_offer,
    offer_open_vacancies,
    offers_today,
    own_offer,
    seeker_case,
)
from bot.services.vacancies.posting import Page, assistant_page, browse_page, create, manageable
from bot.services.vacancies.rules import (
    CLOSES_WITHIN_DAYS,
    EMPLOYER_MAX,
    KINDS,
    PAY_MAX,
    PAY_MIN,
    PLACES_MAX,
    TITLE_MAX,
    VacancyError,
    assistant_districts,
    check_closes,
    check_pay,
    citizen_district,
    clean,
    close,
    close_expired,
    is_open,
    refresh,
)

__all__ = [
    "CLOSES_WITHIN_DAYS",
    "EMPLOYER_MAX",
    "KINDS",
    "LEDGER_KINDS",
    "PAY_MAX",
    "PAY_MIN",
    "PLACES_MAX",
    "SEEKER_KINDS",
    "TITLE_MAX",
    "HireError",
    "Hired",
    "Interest",
    "MatchResult",
    "NewOffer",
    "OfferAnswer",
    "Page",
    "VacancyError",
    "answer_offer",
    "as_match",
    "as_request",
    "assistant_districts",
    "assistant_page",
    "browse_page",
    "check_closes",
    "check_pay",
    "citizen_district",
    "citizen_offer",
    "clean",
    "close",
    "close_expired",
    "counts",
    "create",
    "express_interest",
    "hire",
    "interested",
    "is_open",
    "manageable",
    "match_and_offer",
    "offer_open_vacancies",
    "offers_today",
    "own_offer",
    "post",
    "refresh",
    "reply",
    "seeker_case",
    "show_interest",
    "still_open",
    "take_on",
    "withdraw",
]
