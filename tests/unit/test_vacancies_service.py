"""bot/services/vacancies.py and the request submissions against a real database: posting checks,
matching to open requests, the daily offer limit, answers, hiring and closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from bot.flows.engine import Engine
from bot.flows.loader import load_definitions
from bot.services import cases, drafts, jobs, roles, vacancies
from bot.services.eligibility import default_rules
from bot.services.submissions import SubmitError, changed_questions, submit
from db.models import Case, CaseEvent, Job, User, Vacancy, VacancyOffer

NOW = dt.datetime(2026, 11, 26, 6, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 26)
CHILONZOR = "1726294"  # district of 103-0085, 103-0086, 103-0104, 103-0105
UCHTEPA = "1726262"  # another district of the same region (101-0085 …)
JOB = {"occupation": "tailor", "work_kind": "full_time", "travel": "own_district"}


async def _user(session: Any, telegram_id: int, mahalla: str = "103-0104", **extra: Any) -> User:
    user = User(
        telegram_id=telegram_id,
        locale="uz",
        name=f"Citizen {telegram_id}",
        phone=f"+99890{telegram_id:07d}",
        birth_year=1990,
        gender="m",
        mahalla_code=mahalla,
        consent_version=1,
        consent_at=NOW,
        registered_at=NOW,
        **extra,
    )
    session.add(user)
    await session.flush()
    return user


async def _request(session: Any, citizen: User, answers: dict[str, Any], kind: str = "job") -> Case:
    return await cases.create_case(
        session,
        citizen=citizen,
        kind=kind,
        flow_id=kind,
        flow_version=1,
        answers=answers,
        now=NOW,
    )


async def _assistant(session: Any, telegram_id: int = 1, mahalla: str = "103-0104") -> User:
    user = await _user(session, telegram_id, mahalla)
    await roles.grant_assistant(session, user, mahalla, NOW - dt.timedelta(days=1))
    return user


async def _vacancy(session: Any, assistant: User, **overrides: Any) -> Vacancy:
    values: dict[str, Any] = {
        "title": "Tikuvchi",
        "employer": "Chilonzor tikuv",
        "occupation": "tailor",
        "district": CHILONZOR,
        "mahalla": None,
        "pay": 3_000_000,
        "kind": "full_time",
        "places": 2,
        "closes_on": TODAY + dt.timedelta(days=7),
    }
    values.update(overrides)
    return await vacancies.create(
        session, assistant=assistant, mahallas=("103-0104",), today=TODAY, now=NOW, **values
    )


async def test_posting_checks_fields_and_the_assistants_place(sessions: Any) -> None:
    async with sessions() as session:
        assistant = await _assistant(session)
        for bad in (
            {"title": " "},
            {"title": "x" * 101},
            {"employer": ""},
            {"occupation": "astronaut"},
            {"occupation": "other"},
            {"kind": "any"},
            {"pay": 5},
            {"places": 0},
            {"places": 501},
            {"closes_on": TODAY - dt.timedelta(days=1)},
            {"closes_on": TODAY + dt.timedelta(days=181)},
            {"mahalla": "103-0105"},  # a mahalla of the district, but not the assistant's
            {"district": UCHTEPA},  # another district
            {"mahalla": "103-0104", "district": UCHTEPA},
        ):
            with pytest.raises(vacancies.VacancyError):
                await _vacancy(session, assistant, **bad)
        vacancy = await _vacancy(session, assistant, mahalla="103-0104", title="  Tikuvchi   ayol ")
        assert vacancy.title == "Tikuvchi ayol" and vacancy.region_soato == "1726"
        assert vacancy.status == "open" and vacancy.filled == 0
        assert await vacancies.manageable(session, vacancy.id, ("103-0085",)) is vacancy
        assert await vacancies.manageable(session, vacancy.id, ("101-0085",)) is None
        assert await vacancies.manageable(session, vacancy.id + 99, ("103-0104",)) is None


async def test_matching_offers_once_per_citizen_and_respects_the_daily_limit(
    sessions: Any,
) -> None:
    async with sessions() as session:
        assistant = await _assistant(session)
        fits = await _request(session, await _user(session, 11), JOB)
        intern = await _request(
            session,
            await _user(session, 12, "103-0085"),
            {"field": "tailor", "work_kind": "any"},
            kind="internship",
        )
        await _request(session, await _user(session, 13), {**JOB, "occupation": "driver"})
        await _request(session, await _user(session, 14), {**JOB, "work_kind": "part_time"})
        await _request(
            session, await _user(session, 15, "103-0086"), {**JOB, "travel": "own_mahalla"}
        )
        await _request(session, await _user(session, 16, "101-0085"), JOB)  # Uchtepa, own district
        far = await _request(
            session, await _user(session, 17, "101-0086"), {**JOB, "travel": "region"}
        )
        gone = await _user(session, 18, blocked_at=NOW)
        await _request(session, gone, JOB)
        done = await _request(session, await _user(session, 19), JOB)
        await cases.change_status(
            session, done, actor=assistant, to_status="resolved", now=NOW, outcome="other"
        )
        await _request(session, await _user(session, 20), {**JOB, "occupation": "other"})

        vacancy = await _vacancy(session, assistant)
        result = await vacancies.match_and_offer(session, vacancy, TODAY, NOW)
        assert {o.case.id for o in result.offers} == {fits.id, intern.id, far.id}
        assert result.matched == 3 and result.limited == 0
        rows = list(await session.scalars(select(VacancyOffer)))
        assert len(rows) == 3 and all(r.source == "offer" and r.offered_on == TODAY for r in rows)
        # Nobody twice.
        again = await vacancies.match_and_offer(session, vacancy, TODAY, NOW)
        assert again.offers == [] and again.matched == 0

        # Three more vacancies: the citizen of `fits` gets two more (3 a day), not a third.
        for title in ("B", "C", "D"):
            await vacancies.match_and_offer(
                session, await _vacancy(session, assistant, title=title), TODAY, NOW
            )
        counts = await vacancies.offers_today(session, [fits.user_id], TODAY)
        assert counts == {fits.user_id: 3}
        later = await _vacancy(session, assistant, title="E")
        limited = await vacancies.match_and_offer(session, later, TODAY, NOW)
        assert limited.offers == [] and limited.limited == 3
        # The next day the limit starts again.
        tomorrow = await vacancies.match_and_offer(
            session, later, TODAY + dt.timedelta(days=1), NOW + dt.timedelta(days=1)
        )
        assert len(tomorrow.offers) == 3


async def test_new_request_gets_open_vacancies_within_its_limit(sessions: Any) -> None:
    async with sessions() as session:
        assistant = await _assistant(session)
        for title in "ABCD":
            await _vacancy(session, assistant, title=title)
        await _vacancy(session, assistant, title="Driver", occupation="driver")
        citizen = await _user(session, 21)
        case = await _request(session, citizen, JOB)
        offers = await vacancies.offer_open_vacancies(session, case, citizen, TODAY, NOW)
        assert [o.vacancy.title for o in offers] == ["A", "B", "C"]
        assert await vacancies.offer_open_vacancies(session, case, citizen, TODAY, NOW) == []


async def test_answers_hire_fill_and_close(sessions: Any) -> None:
    async with sessions() as session:
        assistant = await _assistant(session)
        one = await _user(session, 31)
        two = await _user(session, 32)
        case_one = await _request(session, one, JOB)
        case_two = await _request(session, two, {**JOB, "travel": "anywhere"}, kind="internship")
        vacancy = await _vacancy(session, assistant, places=2)
        result = await vacancies.match_and_offer(session, vacancy, TODAY, NOW)
        offer_one, offer_two = (
            next(o.offer for o in result.offers if o.citizen.id == who.id) for who in (one, two)
        )
        with pytest.raises(vacancies.HireError, match="not_interested"):
            await vacancies.hire(session, offer_one, assistant=assistant, today=TODAY, now=NOW)
        assert (
            await vacancies.answer_offer(session, offer_one, False, TODAY, NOW)
            is vacancies.OfferAnswer.DECLINED
        )
        assert (
            await vacancies.answer_offer(session, offer_one, False, TODAY, NOW)
            is vacancies.OfferAnswer.ALREADY
        )
        assert (
            await vacancies.answer_offer(session, offer_one, True, TODAY, NOW)
            is vacancies.OfferAnswer.INTERESTED
        )
        assert await vacancies.own_offer(session, offer_one.id, two) is None

        hired = await vacancies.hire(session, offer_one, assistant=assistant, today=TODAY, now=NOW)
        assert hired.case.status == "resolved" and hired.case.outcome == "job_placed"
        assert hired.job.status == "pending" and hired.job.citizen_id == one.id
        assert hired.job.kind == "permanent" and hired.job.employer == "Chilonzor tikuv"
        assert vacancy.filled == 1 and not hired.closed
        with pytest.raises(vacancies.HireError, match="already"):
            await vacancies.hire(session, offer_one, assistant=assistant, today=TODAY, now=NOW)
        assert (await jobs.answer(session, hired.job.id, one, True, NOW))[
            0
        ] is jobs.Answer.CONFIRMED

        await vacancies.answer_offer(session, offer_two, True, TODAY, NOW)
        last = await vacancies.hire(session, offer_two, assistant=assistant, today=TODAY, now=NOW)
        assert last.case.outcome == "internship_placed" and last.job.kind == "internship"
        assert last.closed and vacancy.status == "closed" and vacancy.closed_reason == "filled"
        assert case_two.status == "resolved" and case_one.status == "resolved"
        assert (
            await vacancies.answer_offer(session, offer_two, False, TODAY, NOW)
            is vacancies.OfferAnswer.HIRED
        )
        assert len(list(await session.scalars(select(Job)))) == 2


async def test_browse_interest_and_closing_dates(sessions: Any) -> None:
    async with sessions() as session:
        assistant = await _assistant(session)
        soon = await _vacancy(session, assistant, title="Soon", closes_on=TODAY)
        later = await _vacancy(
            session, assistant, title="Later", closes_on=TODAY + dt.timedelta(days=3)
        )
        page = await vacancies.browse_page(session, CHILONZOR, TODAY, 0, 5)
        assert [v.title for v in page.items] == ["Soon", "Later"]
        assert (await vacancies.browse_page(session, UCHTEPA, TODAY, 0, 5)).total == 0

        citizen = await _user(session, 41)
        result, offer = await vacancies.express_interest(session, later, citizen, TODAY, NOW)
        assert result is vacancies.Interest.NO_REQUEST and offer is None
        await _request(session, citizen, {**JOB, "occupation": "driver"})
        result, offer = await vacancies.express_interest(session, later, citizen, TODAY, NOW)
        assert result is vacancies.Interest.RECORDED and offer is not None
        assert offer.source == "browse" and offer.answer == "interested"
        assert (await vacancies.express_interest(session, later, citizen, TODAY, NOW))[0] is (
            vacancies.Interest.ALREADY
        )
        assert await vacancies.offers_today(session, [citizen.id], TODAY) == {}  # not an offer
        assert [c.name for _o, c, _case in await vacancies.interested(session, later.id)] == [
            citizen.name
        ]

        tomorrow = TODAY + dt.timedelta(days=1)
        assert await vacancies.close_expired(session, tomorrow, NOW) == 1
        await session.refresh(soon)
        assert soon.status == "closed" and soon.closed_reason == "expired"
        assert [
            v.title for v in (await vacancies.browse_page(session, CHILONZOR, tomorrow, 0, 5)).items
        ] == ["Later"]
        assert not vacancies.refresh(later, TODAY + dt.timedelta(days=4), NOW)
        assert later.closed_reason == "expired"
        result, _ = await vacancies.express_interest(session, later, citizen, TODAY, NOW)
        assert result is vacancies.Interest.CLOSED


# ---------------------------------------------------------------------- submissions


async def _run_at_summary(session: Any, flows: Any, draft: Any, answers: dict[str, Any]) -> Any:
    run = drafts.load(flows, draft)
    assert run is not None
    state = run.engine.resume(run.state.model_copy(update={"answers": answers, "current": None}))
    await drafts.save(run, state, NOW)
    return run


async def test_a_second_request_of_a_kind_updates_the_open_case(sessions: Any) -> None:
    flows = load_definitions()
    full = {
        **JOB,
        "education": "school",
        "experience_years": 2,
        "expected_pay": None,
        "available_from": "now",
    }
    async with sessions() as session:
        citizen = await _user(session, 51)
        draft = (await drafts.start(session, citizen.id, flows, "job", NOW)).draft
        run = await _run_at_summary(session, flows, draft, full)
        first = await submit(
            session, user=citizen, run=run, rules=default_rules(), now=NOW, today=TODAY
        )
        assert not first.updated and first.case.kind == "job"
        with pytest.raises(SubmitError, match="already_sent"):
            await submit(
                session, user=citizen, run=run, rules=default_rules(), now=NOW, today=TODAY
            )

        again = await drafts.start(
            session, citizen.id, flows, "job", NOW, answers=first.case.answers
        )
        assert Engine(flows.latest("job")).step(again.state).__class__.__name__ == "SummaryStep"
        run = await _run_at_summary(
            session, flows, again.draft, {**full, "expected_pay": 4_000_000}
        )
        second = await submit(
            session, user=citizen, run=run, rules=default_rules(), now=NOW, today=TODAY
        )
        assert second.updated and second.case.id == first.case.id
        assert second.changed == ("expected_pay",)
        assert second.case.answers["expected_pay"] == 4_000_000
        events = list(await session.scalars(select(CaseEvent).where(CaseEvent.kind == "note")))
        assert len(events) == 1
        assert len(list(await session.scalars(select(Case)))) == 1


def test_changed_questions() -> None:
    assert changed_questions({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == ("b", "c")
    assert changed_questions({"a": 1, "x": 5}, {"a": 1}) == ("x",)
    assert changed_questions({"a": [1]}, {"a": [1]}) == ()
