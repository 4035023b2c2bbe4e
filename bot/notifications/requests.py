"""Messages to other people about requests and vacancies: a request's answers updated, a vacancy
offered to a seeker, a seeker's interest told to the assistant; and the vacancy text they share.

Like `bot.notifications.cases`: rendered in the RECIPIENT's language and queued in the outbox inside the
caller's transaction; the caller commits, and the commit wakes the drainer.
"""

from __future__ import annotations

import datetime as dt

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import ACB, AssistantAction, VacancyAction, VacCB
from bot.flows.model import FlowDefinition
from bot.i18n import N_, fmt_date, fmt_money, fmt_number, in_locale
from bot.notifications import cases as notify_cases
from bot.notifications.send import send
from bot.services import cases, occupations, registry
from bot.services.submissions import Submitted
from bot.services.vacancies import NewOffer
from bot.views.texts import case_kind_label, esc
from db.models import Case, CaseEvent, User, Vacancy, VacancyOffer

#: Vacancy kinds as people read them (msgids marked for extraction).
KIND_LABELS: dict[str, str] = {
    "full_time": N_("full-time"),
    "part_time": N_("part-time"),
    "seasonal": N_("seasonal"),
    "remote": N_("remote (from home)"),
}
CHANGED_SHOWN = 5
QUESTION_CHARS = 60


def kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def occupation_label(occupation: str, locale: str) -> str:
    try:
        return occupations.label(occupation, locale)
    except KeyError:
        return occupation


async def place_text(session: AsyncSession, vacancy: Vacancy, locale: str) -> str:
    """The mahalla, or the district "(whole district)"; plain text, not escaped."""
    if vacancy.mahalla_code is not None:
        mahalla = await registry.get_mahalla(session, vacancy.mahalla_code)
        return registry.place_name(mahalla, locale) if mahalla else vacancy.mahalla_code
    district = await registry.get_district(session, vacancy.district_soato)
    name = registry.place_name(district, locale) if district else vacancy.district_soato
    return _("{district} (whole district)").format(district=name)


async def vacancy_lines(
    session: AsyncSession, vacancy: Vacancy, locale: str, *, for_assistant: bool = False
) -> list[str]:
    """The vacancy as a few HTML lines, in the current gettext locale (``locale`` for names)."""
    pay = (
        fmt_money(vacancy.pay, locale) + " " + _("a month")
        if vacancy.pay is not None
        else _("by agreement")
    )
    lines = [
        f"📢 <b>{esc(vacancy.title)}</b>",
        _("Employer: {employer}").format(employer=esc(vacancy.employer)),
        _("Occupation: {occupation}").format(
            occupation=esc(occupation_label(vacancy.occupation, locale))
        ),
        _("Where: {place}").format(place=esc(await place_text(session, vacancy, locale))),
        _("Pay: {pay}").format(pay=pay),
        _("Kind of work: {kind}").format(kind=kind_label(vacancy.kind)),
    ]
    if for_assistant:
        lines.append(
            _("Places filled: {filled} of {places}").format(
                filled=fmt_number(vacancy.filled, locale), places=fmt_number(vacancy.places, locale)
            )
        )
    else:
        lines.append(
            _("Places left: {count}").format(
                count=fmt_number(max(0, vacancy.places - vacancy.filled), locale)
            )
        )
    lines.append(_("Open until: {date}").format(date=fmt_date(vacancy.closes_on, locale)))
    return lines


# ---------------------------------------------------------------------- request updated


def _question_label(definition: FlowDefinition | None, qid: str, locale: str) -> str:
    if definition is not None:
        for question in definition.questions:
            if question.id == qid:
                text = question.text.get(locale).rstrip(" ?:")  # type: ignore[arg-type]
                return text if len(text) <= QUESTION_CHARS else text[: QUESTION_CHARS - 1] + "…"
    return qid


def _changed_text(definition: FlowDefinition | None, changed: tuple[str, ...], locale: str) -> str:
    if not changed:
        return _("The citizen sent the same answers again.")
    names = [_question_label(definition, qid, locale) for qid in changed[:CHANGED_SHOWN]]
    more = len(changed) - CHANGED_SHOWN
    listed = "; ".join(names) + (f"; +{more}" if more > 0 else "")
    return _("The citizen updated the answers. Changed: {questions}.").format(questions=listed)


async def request_updated(
    session: AsyncSession,
    i18n: I18n,
    case: Case,
    event: CaseEvent,
    citizen: User,
    definition: FlowDefinition | None,
    changed: tuple[str, ...],
    now: dt.datetime,
) -> bool:
    """Write the update's note (in the language of whoever works the case) and tell them;
    False when the case has nobody to tell yet (the note is then in the default language)."""
    assistant = await cases.responsible(session, case, now)
    locale = assistant.locale if assistant is not None else i18n.default_locale
    with in_locale(i18n, locale):
        event.note = "✏️ " + _changed_text(definition, changed, locale)
        if assistant is None:
            return False
        text = "\n".join(
            [
                _("✏️ {name} updated request <b>{number}</b>: {kind}.").format(
                    name=esc(citizen.name or "—"),
                    number=case.number,
                    kind=case_kind_label(case.kind),
                ),
                esc(_changed_text(definition, changed, locale)),
            ]
        )
        button = (_("📂 Open"), ACB(action=AssistantAction.OPEN, id=case.id))
        await session.flush()
        key = f"case_update:{event.id}"
        return await send(
            session, assistant, text, kind="case_update", dedupe_key=key, buttons=[button]
        )


# ---------------------------------------------------------------------- vacancies


async def vacancy_offer(session: AsyncSession, i18n: I18n, new: NewOffer) -> bool:
    """Offer a vacancy to a seeker, with Interested · Not for me; False if unreachable."""
    citizen, offer = new.citizen, new.offer
    with in_locale(i18n, citizen.locale):
        lines = [
            _("A vacancy that may suit you, for your request <b>{number}</b>:").format(
                number=new.case.number
            ),
            "",
            *await vacancy_lines(session, new.vacancy, citizen.locale),
            "",
            _(
                "Are you interested? If you are, your assistant gets your name and phone number "
                "to put you in touch with the employer."
            ),
        ]
        buttons = [
            (_("👍 Interested"), VacCB(action=VacancyAction.OFFER_YES, id=offer.id)),
            (_("👎 Not for me"), VacCB(action=VacancyAction.OFFER_NO, id=offer.id)),
        ]
        return await send(
            session,
            citizen,
            "\n".join(lines),
            kind="vacancy_offer",
            dedupe_key=f"vacancy_offer:{offer.id}",
            buttons=buttons,
        )


async def vacancy_interest(
    session: AsyncSession, i18n: I18n, offer: VacancyOffer, vacancy: Vacancy, citizen: User
) -> bool:
    """Tell the assistant who posted the vacancy that a seeker is interested: name, phone,
    request, with a button to mark them hired."""
    assistant = await session.get(User, vacancy.assistant_id)
    case = await session.get(Case, offer.case_id)
    if assistant is None:
        return False
    with in_locale(i18n, assistant.locale):
        mahalla = (
            await registry.get_mahalla(session, citizen.mahalla_code)
            if citizen.mahalla_code
            else None
        )
        lines = [
            _("👍 {name} is interested in your vacancy “{title}”.").format(
                name=esc(citizen.name or "—"), title=esc(vacancy.title)
            ),
            _("Phone: {phone}").format(phone=esc(citizen.phone or "—")),
        ]
        if mahalla is not None:
            lines.append(
                _("Mahalla: {mahalla}").format(
                    mahalla=esc(registry.place_name(mahalla, assistant.locale))
                )
            )
        if case is not None:
            lines.append(
                _("Request: <b>{number}</b> ({kind})").format(
                    number=case.number, kind=case_kind_label(case.kind)
                )
            )
        lines.append(_("When they get the job, press “✅ Hired”."))
        buttons = [
            (_("✅ Hired"), VacCB(action=VacancyAction.HIRE, id=offer.id)),
            (_("👥 Everyone interested"), VacCB(action=VacancyAction.PEOPLE, id=vacancy.id)),
        ]
        return await send(
            session,
            assistant,
            "\n".join(lines),
            kind="vacancy_interest",
            dedupe_key=f"vacancy_interest:{offer.id}",
            buttons=buttons,
            columns=1,
        )


async def request_sent(
    session: AsyncSession,
    i18n: I18n,
    submitted: Submitted,
    citizen: User,
    definition: FlowDefinition,
    now: dt.datetime,
) -> str:
    """Word of a new or updated request to whoever works it; returns where it went
    ("assistant", "district" or "nobody"), for the citizen's answer."""
    if submitted.event is None:
        return await notify_cases.case_created(session, i18n, submitted.case, citizen, now)
    told = await request_updated(
        session,
        i18n,
        submitted.case,
        submitted.event,
        citizen,
        definition,
        submitted.changed,
        now,
    )
    return "assistant" if told else "district"
