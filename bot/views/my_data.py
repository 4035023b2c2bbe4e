"""The "My data" view: everything kept about a person, shown from Settings and after an edit."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import LANGUAGE_NAMES, fmt_date
from bot.services import phones, privacy, registry
from bot.views.texts import case_kind_label, esc, status_label
from db.models import User


def gender_label(code: str | None) -> str:
    return {"m": _("male"), "f": _("female")}.get(code or "", "—")


async def my_data_text(session: AsyncSession, user: User, settings: Settings) -> str:
    """Everything kept about the user, user-supplied values escaped."""
    kept = await privacy.collect(session, user)
    dash = "—"
    place = dash
    if kept.mahalla is not None:
        parts = [kept.mahalla, kept.district, kept.region]
        place = ", ".join(esc(registry.place_name(p, user.locale)) for p in parts if p)
    lines = [
        _("👤 <b>My data</b>"),
        _("Name: {name}").format(name=esc(kept.name) if kept.name else dash),
        _("Phone: {phone}").format(phone=esc(phones.display(kept.phone)) if kept.phone else dash),
        _("Year of birth: {year}").format(year=kept.birth_year or dash),
        _("Gender: {gender}").format(gender=gender_label(kept.gender)),
        _("Mahalla: {mahalla}").format(mahalla=place),
        _("Language: {language}").format(language=LANGUAGE_NAMES.get(kept.locale, kept.locale)),
    ]
    if kept.consent_at is not None:
        lines.append(
            _("Consent given: {date}").format(
                date=fmt_date(kept.consent_at.astimezone(settings.tz).date())
            )
        )
    else:
        lines.append(_("Consent: not given"))
    if kept.consent_version is not None and kept.registered_at is None:
        lines.append(_("The registration is not finished yet."))
    lines.append(_("Requests: {count}").format(count=kept.cases_total))
    for case in kept.cases:
        lines.append(
            f"• {case.number} — {case_kind_label(case.kind)} — {status_label(case.status)}"
        )
    if kept.drafts:
        lines.append(_("Questionnaires in progress: {count}").format(count=kept.drafts))
    if kept.jobs:
        lines.append(_("Jobs recorded with you: {count}").format(count=kept.jobs))
    if kept.files:
        lines.append(_("Voice messages, photos and documents: {count}").format(count=kept.files))
    return "\n".join(lines)
