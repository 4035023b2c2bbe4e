"""Vacancy matching: which open job and internship requests a new vacancy should be offered to.

Pure (no I/O): the caller loads the vacancy and the candidate requests (usually the open requests
of the vacancy's region) and sends the offers; keeping the rules here lets them be tested case by
case. Rules:

* occupation: the request's occupation id equals the vacancy's; "other" (free text) never
  matches, since free text cannot be compared reliably;
* kind: equal kinds match; a request (or vacancy) of kind "any" matches every kind; so a
  "remote" request matches only remote (or "any") vacancies;
* place, by the seeker's travel range: "own_mahalla" only a vacancy in the same mahalla (a
  vacancy for the whole district is not known to be in it), "own_district" the same district,
  "region" the same region, "anywhere" everywhere. A remote vacancy needs no travel, so the
  travel range is not checked for it;
* a vacancy without places left matches nobody.

Matches come closest first (same mahalla, district, region, elsewhere), then oldest case first,
so the order is stable. :func:`select_offers` then applies the daily limit per citizen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

__all__ = [
    "ANY_KIND",
    "DAILY_OFFER_LIMIT",
    "DEFAULT_TRAVEL",
    "KINDS",
    "OTHER_OCCUPATION",
    "TRAVEL_RANGES",
    "SeekerRequest",
    "Travel",
    "Vacancy",
    "WorkKind",
    "fits",
    "match_requests",
    "region_of",
    "request_from_answers",
    "select_offers",
]

WorkKind = Literal["full_time", "part_time", "seasonal", "remote", "any"]
Travel = Literal["own_mahalla", "own_district", "region", "anywhere"]
#: Choice ids of ``work_kind`` in job.v1 / internship.v1, and of ``travel`` in job.v1.
KINDS: tuple[str, ...] = get_args(WorkKind)
TRAVEL_RANGES: tuple[str, ...] = get_args(Travel)
ANY_KIND = "any"
REMOTE = "remote"
OTHER_OCCUPATION = "other"
#: Travel range of a request whose flow does not ask (internship.v1): the district, where the
#: assistant offers vacancies first (docs/PRODUCT.md, "Vacancies").
DEFAULT_TRAVEL: Travel = "own_district"
#: At most this many vacancy offers per citizen a day, so seekers are not flooded.
DAILY_OFFER_LIMIT = 3

_SAME_MAHALLA, _SAME_DISTRICT, _SAME_REGION, _ELSEWHERE = range(4)


def region_of(district_soato: str) -> str:
    """The region SOATO of a district SOATO (its first four digits, as the registry stores it)."""
    return district_soato[:4]


@dataclass(frozen=True, slots=True)
class Vacancy:
    """Where and what the job is; ``mahalla`` None means anywhere in the district."""

    occupation: str
    kind: str
    district: str
    mahalla: str | None = None
    places: int = 1
    region: str | None = None

    @property
    def region_code(self) -> str:
        """The region, given or derived from the district."""
        return self.region or region_of(self.district)


@dataclass(frozen=True, slots=True)
class SeekerRequest:
    """An open job or internship request, reduced to what matching reads."""

    case_id: int
    citizen_id: int
    occupation: str
    kind: str
    district: str
    mahalla: str
    travel: str = DEFAULT_TRAVEL
    region: str | None = None

    @property
    def region_code(self) -> str:
        """The region, given or derived from the district."""
        return self.region or region_of(self.district)


def request_from_answers(
    case_id: int,
    citizen_id: int,
    answers: Mapping[str, Any],
    *,
    district: str,
    mahalla: str,
    region: str | None = None,
) -> SeekerRequest:
    """A request from a job.v1 or internship.v1 result (``occupation`` or ``field``)."""
    occupation = answers.get("occupation", answers.get("field"))
    kind = answers.get("work_kind")
    travel = answers.get("travel")
    return SeekerRequest(
        case_id=case_id,
        citizen_id=citizen_id,
        occupation=occupation if isinstance(occupation, str) else OTHER_OCCUPATION,
        kind=kind if isinstance(kind, str) else ANY_KIND,
        district=district,
        mahalla=mahalla,
        travel=travel if travel in TRAVEL_RANGES else DEFAULT_TRAVEL,
        region=region,
    )


def _distance(vacancy: Vacancy, request: SeekerRequest) -> int:
    if vacancy.mahalla is not None and vacancy.mahalla == request.mahalla:
        return _SAME_MAHALLA
    if vacancy.district == request.district:
        return _SAME_DISTRICT
    if vacancy.region_code == request.region_code:
        return _SAME_REGION
    return _ELSEWHERE


def _kind_matches(vacancy_kind: str, request_kind: str) -> bool:
    return ANY_KIND in (vacancy_kind, request_kind) or vacancy_kind == request_kind


def _reachable(vacancy: Vacancy, request: SeekerRequest, distance: int) -> bool:
    if vacancy.kind == REMOTE:
        return True
    travel = request.travel if request.travel in TRAVEL_RANGES else DEFAULT_TRAVEL
    if travel == "own_mahalla":
        return distance == _SAME_MAHALLA
    if travel == "own_district":
        return distance <= _SAME_DISTRICT
    if travel == "region":
        return distance <= _SAME_REGION
    return True


def fits(vacancy: Vacancy, request: SeekerRequest) -> bool:
    """Whether one request fits the vacancy (places are not looked at here)."""
    if request.occupation == OTHER_OCCUPATION or request.occupation != vacancy.occupation:
        return False
    if not _kind_matches(vacancy.kind, request.kind):
        return False
    return _reachable(vacancy, request, _distance(vacancy, request))


def match_requests(vacancy: Vacancy, requests: Iterable[SeekerRequest]) -> list[SeekerRequest]:
    """The requests the vacancy fits, closest first, then oldest case (lowest id) first."""
    if vacancy.places <= 0:
        return []
    found = [request for request in requests if fits(vacancy, request)]
    found.sort(key=lambda r: (_distance(vacancy, r), r.case_id, r.citizen_id))
    return found


def select_offers(
    matches: Sequence[SeekerRequest],
    already_offered_today: Mapping[int, int],
    limit: int = DAILY_OFFER_LIMIT,
) -> list[SeekerRequest]:
    """Whom to offer the vacancy now: one request per citizen, and nobody at the daily limit.

    ``already_offered_today`` maps citizen id → offers sent today (missing = 0). Order is kept.
    """
    if limit < 0:
        raise ValueError("limit must not be negative")
    chosen: list[SeekerRequest] = []
    seen: set[int] = set()
    for request in matches:
        if request.citizen_id in seen:
            continue
        if already_offered_today.get(request.citizen_id, 0) >= limit:
            continue
        seen.add(request.citizen_id)
        chosen.append(request)
    return chosen
