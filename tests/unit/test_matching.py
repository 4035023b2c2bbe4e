"""Vacancy matching: exactly the fitting seekers, closest first, at most 3 offers a day each."""

from __future__ import annotations

import random

import pytest

from bot.services.matching import (
    DAILY_OFFER_LIMIT,
    SeekerRequest,
    Vacancy,
    fits,
    match_requests,
    region_of,
    request_from_answers,
    select_offers,
)

# Two districts of one region (1703 = Andijan region) and one district of another (1726).
HOME, NEIGHBOUR, FAR = "1703202", "1703206", "1726262"
M1, M2, M3 = "M-1", "M-2", "M-3"  # M1, M2 in HOME; M3 in NEIGHBOUR

VACANCY = Vacancy(occupation="tailor", kind="full_time", district=HOME, mahalla=M1, places=2)


def seeker(case_id: int, **fields: object) -> SeekerRequest:
    values: dict[str, object] = {
        "case_id": case_id,
        "citizen_id": 1000 + case_id,
        "occupation": "tailor",
        "kind": "full_time",
        "district": HOME,
        "mahalla": M2,
        "travel": "own_district",
    }
    values.update(fields)
    return SeekerRequest(**values)  # type: ignore[arg-type]


def ids(found: list[SeekerRequest]) -> list[int]:
    return [request.case_id for request in found]


def test_exactly_the_matching_seekers_closest_first() -> None:
    requests = [
        seeker(1),  # same district: yes
        seeker(2, occupation="cook"),  # other occupation
        seeker(3, kind="part_time"),  # other kind
        seeker(4, kind="any"),  # any kind: yes
        seeker(5, mahalla=M1, travel="own_mahalla"),  # same mahalla: yes, first
        seeker(6, travel="own_mahalla"),  # only their mahalla M2: no
        seeker(7, district=NEIGHBOUR, mahalla=M3),  # own district elsewhere: no
        seeker(8, district=NEIGHBOUR, mahalla=M3, travel="region"),  # same region: yes
        seeker(9, district=FAR, mahalla="M-9", travel="region"),  # other region: no
        seeker(10, district=FAR, mahalla="M-10", travel="anywhere"),  # yes, last
        seeker(11, kind="remote"),  # wants remote only: no
        seeker(12, occupation="other"),  # free text never matches
        seeker(13, kind="seasonal", travel="anywhere"),  # other kind: no
    ]
    found = match_requests(VACANCY, requests)
    assert ids(found) == [5, 1, 4, 8, 10]
    # The same list in another order gives the same answer.
    shuffled = requests[:]
    random.Random(3).shuffle(shuffled)
    assert ids(match_requests(VACANCY, shuffled)) == [5, 1, 4, 8, 10]


def test_a_vacancy_for_the_whole_district() -> None:
    vacancy = Vacancy(occupation="tailor", kind="full_time", district=HOME, mahalla=None)
    requests = [
        seeker(1),
        seeker(2, mahalla=M1, travel="own_mahalla"),  # not known to be in their mahalla
        seeker(3, district=NEIGHBOUR, mahalla=M3, travel="region"),
        seeker(4, district=NEIGHBOUR, mahalla=M3),
    ]
    assert ids(match_requests(vacancy, requests)) == [1, 3]


def test_the_same_district_orders_by_case_then_citizen() -> None:
    requests = [seeker(30), seeker(10), seeker(20), seeker(10, citizen_id=1)]
    assert [(r.case_id, r.citizen_id) for r in match_requests(VACANCY, requests)] == [
        (10, 1),
        (10, 1010),
        (20, 1020),
        (30, 1030),
    ]


@pytest.mark.parametrize(
    ("vacancy_kind", "request_kind", "expected"),
    [
        ("full_time", "full_time", True),
        ("full_time", "any", True),
        ("part_time", "any", True),
        ("seasonal", "any", True),
        ("remote", "any", True),
        ("remote", "remote", True),
        ("remote", "full_time", False),
        ("full_time", "remote", False),
        ("seasonal", "part_time", False),
        ("any", "seasonal", True),
    ],
)
def test_kinds(vacancy_kind: str, request_kind: str, expected: bool) -> None:
    vacancy = Vacancy(occupation="tailor", kind=vacancy_kind, district=HOME, mahalla=M1)
    assert fits(vacancy, seeker(1, kind=request_kind)) is expected


@pytest.mark.parametrize(
    ("travel", "where", "expected"),
    [
        ("own_mahalla", (HOME, M1), True),
        ("own_mahalla", (HOME, M2), False),
        ("own_district", (HOME, M2), True),
        ("own_district", (NEIGHBOUR, M3), False),
        ("region", (NEIGHBOUR, M3), True),
        ("region", (FAR, "M-9"), False),
        ("anywhere", (FAR, "M-9"), True),
    ],
)
def test_travel_ranges(travel: str, where: tuple[str, str], expected: bool) -> None:
    district, mahalla = where
    request = seeker(1, travel=travel, district=district, mahalla=mahalla)
    assert fits(VACANCY, request) is expected


def test_a_remote_vacancy_needs_no_travel() -> None:
    vacancy = Vacancy(occupation="it", kind="remote", district=HOME, mahalla=M1)
    far = seeker(
        1, occupation="it", kind="remote", district=FAR, mahalla="M-9", travel="own_mahalla"
    )
    near = seeker(2, occupation="it", kind="any", mahalla=M1, travel="own_mahalla")
    office = seeker(3, occupation="it", kind="full_time", mahalla=M1)
    assert ids(match_requests(vacancy, [far, near, office])) == [2, 1]


def test_explicit_regions_win_over_the_district_prefix() -> None:
    assert region_of(HOME) == "1703"
    vacancy = Vacancy(
        occupation="tailor", kind="full_time", district="X1", mahalla=None, region="R"
    )
    same = seeker(1, district="X2", travel="region", region="R")
    other = seeker(2, district="X3", travel="region", region="Q")
    assert ids(match_requests(vacancy, [same, other])) == [1]


def test_a_filled_vacancy_matches_nobody() -> None:
    filled = Vacancy(occupation="tailor", kind="full_time", district=HOME, mahalla=M1, places=0)
    assert match_requests(filled, [seeker(1), seeker(2, travel="anywhere")]) == []


def test_request_from_answers_defaults() -> None:
    job = request_from_answers(
        1, 2, {"occupation": "driver", "work_kind": "seasonal", "travel": "region"},
        district=HOME, mahalla=M1,
    )  # fmt: skip
    assert (job.occupation, job.kind, job.travel, job.region_code) == (
        "driver", "seasonal", "region", "1703"
    )  # fmt: skip
    internship = request_from_answers(
        3, 4, {"field": "it", "work_kind": "remote"}, district=HOME, mahalla=M1
    )
    assert (internship.occupation, internship.travel) == ("it", "own_district")
    empty = request_from_answers(5, 6, {}, district=HOME, mahalla=M1)
    assert (empty.occupation, empty.kind) == ("other", "any")
    assert not fits(VACANCY, empty)


# ----------------------------------------------------------------------------- daily limit


def test_three_offers_a_day_at_most() -> None:
    assert DAILY_OFFER_LIMIT == 3
    found = match_requests(VACANCY, [seeker(1), seeker(2), seeker(3), seeker(4)])
    offered_today = {1001: 3, 1002: 2, 1003: 0}  # 1004 not offered anything yet
    assert ids(select_offers(found, offered_today)) == [2, 3, 4]
    assert ids(select_offers(found, {1001: 4})) == [2, 3, 4]  # over the limit, too
    assert ids(select_offers(found, {}, limit=0)) == []
    assert ids(select_offers(found, {1002: 1}, limit=1)) == [1, 3, 4]


def test_one_offer_per_citizen_even_with_two_matching_requests() -> None:
    job = seeker(1, citizen_id=77)
    internship = seeker(2, citizen_id=77, kind="any")
    other = seeker(3)
    found = match_requests(VACANCY, [internship, other, job])
    assert ids(found) == [1, 2, 3]
    assert ids(select_offers(found, {})) == [1, 3]


def test_a_citizen_reaches_the_limit_over_the_day() -> None:
    """Four vacancies posted in one day: the fourth is not offered to the same seeker."""
    request = seeker(1)
    offered: dict[int, int] = {}
    received = 0
    for _ in range(4):
        for chosen in select_offers(match_requests(VACANCY, [request]), offered):
            offered[chosen.citizen_id] = offered.get(chosen.citizen_id, 0) + 1
            received += 1
    assert received == 3 and offered == {request.citizen_id: 3}


def test_a_negative_limit_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="limit"):
        select_offers([], {}, limit=-1)
