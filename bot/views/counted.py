"""Messages whose words follow a number, through ngettext (Russian has three forms, Uzbek two):
one function each, shared by the handlers so their plural pairs live in one place."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.i18n import fmt_number


def job_title_prompt(limit: int) -> str:
    return _(
        "Please type the job title (up to {limit} character).",
        "Please type the job title (up to {limit} characters).",
        limit,
    ).format(limit=limit)


def employer_name_prompt(limit: int) -> str:
    return _(
        "Please type the employer's name (up to {limit} character).",
        "Please type the employer's name (up to {limit} characters).",
        limit,
    ).format(limit=limit)


def over_limit(count: int, limit: int) -> str:
    """A typed text over its limit (an employer's name, a roadmap action)."""
    return _(
        "That is {count} character; please keep it under {limit}.",
        "That is {count} characters; please keep it under {limit}.",
        count,
    ).format(count=count, limit=limit)


def too_far_ahead(days: int) -> str:
    return _(
        "That is too far ahead: at most {days} day from today.",
        "That is too far ahead: at most {days} days from today.",
        days,
    ).format(days=days)


def vacancy_posted(sent: int, limited: int, daily_limit: int) -> str:
    """How many seekers were offered the new vacancy, and how many more matched but had had
    today's offers."""
    lead = _(
        "✅ Vacancy posted. Offered to {count} person whose request matches.",
        "✅ Vacancy posted. Offered to {count} people whose requests match.",
        sent,
    ).format(count=sent)
    if limited:
        lead += "\n" + _(
            "{count} more matches, but has already had today's {limit} offers.",
            "{count} more match, but have already had today's {limit} offers.",
            limited,
        ).format(count=limited, limit=daily_limit)
    return lead


def reason_prompt(limit: int) -> str:
    return _(
        "Please type a reason of up to {limit} character, or /cancel.",
        "Please type a reason of up to {limit} characters, or /cancel.",
        limit,
    ).format(limit=limit)


def announcement_text_prompt(limit: int) -> str:
    return _(
        "Please type the text, up to {limit} character, or /cancel.",
        "Please type the text, up to {limit} characters, or /cancel.",
        limit,
    ).format(limit=limit)


def announcement_prompt(place: str, limit: int) -> str:
    """`place` is already escaped HTML."""
    return _(
        "Type the announcement for the assistants of <b>{place}</b> in one message "
        "(up to {limit} character), or /cancel.",
        "Type the announcement for the assistants of <b>{place}</b> in one message "
        "(up to {limit} characters), or /cancel.",
        limit,
    ).format(place=place, limit=limit)


def announcement_confirm(count: int, place: str) -> str:
    return _(
        "Send this to {count} assistant of {place}?",
        "Send this to {count} assistants of {place}?",
        count,
    ).format(count=fmt_number(count), place=place)


def announcement_queued(count: int) -> str:
    return _("Queued for {count} assistant.", "Queued for {count} assistants.", count).format(
        count=fmt_number(count)
    )


def too_long(limit: int) -> str:
    return _(
        "That is too long: at most {limit} character. Please shorten it.",
        "That is too long: at most {limit} characters. Please shorten it.",
        limit,
    ).format(limit=limit)
