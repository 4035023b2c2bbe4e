"""What every figure shares: which jobs count, the month and local-day bounds of a period,
and the SQL that keeps a scope's rows or groups them by place (district, region, country).

The other modules of the package build their queries from these pieces, so a figure is
counted by the same rule wherever it appears.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal_column, select, true

from bot.services.roles import Scope
from db.models import AssistantAssignment, District, Job, Mahalla

COUNTED_JOB_STATUSES = ("recorded", "pending", "confirmed")  # a disputed job does not count


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


COUNTRY = "*"  # the key of the whole country in the `*_by` results


def expected_jobs(day: dt.date, target_day: int, target_month: int) -> int:
    """Jobs an assistant should have this month by the end of `day`: one a day, up to 30."""
    return min(target_month, target_day * day.day)


def counted_job() -> ColumnElement[bool]:
    """The jobs that count towards targets (the rule `jobs_count` applies)."""
    return Job.deleted_at.is_(None) & Job.status.in_(COUNTED_JOB_STATUSES)


def assistant_jobs(people: Any, first: dt.date, last: dt.date) -> Any:
    """Counted jobs (`aid`, `jobs`) of each assistant in `people` (a query with a `uid` column)
    between two local dates: what the on-target counts and the standings compare."""
    return (
        select(Job.assistant_id.label("aid"), func.count().label("jobs"))
        .where(counted_job(), Job.work_date >= first, Job.work_date <= last)
        .where(Job.assistant_id.in_(select(people.c.uid)))
        .group_by(Job.assistant_id)
        .subquery()
    )


def local_bounds(first: dt.date, last: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[start of `first`, start of the day after `last`) in local time, as UTC instants."""
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start, end.astimezone(dt.UTC)


def area_clause(scope: Scope, district: Any, region: Any) -> ColumnElement[bool]:
    """Rows of a table that carries district and region codes and lie in the scope."""
    if scope.level == "country":
        return true()
    if scope.level == "region":
        return region == scope.code
    return district == scope.code


def mahalla_area(scope: Scope) -> ColumnElement[bool]:
    """Mahallas in the scope (a region's through its districts)."""
    if scope.level == "country":
        return true()
    if scope.level == "region":
        return Mahalla.district_soato.in_(
            select(District.soato).where(District.region_soato == scope.code)
        )
    return Mahalla.district_soato == scope.code


def active_assignment(now: dt.datetime) -> ColumnElement[bool]:
    return AssistantAssignment.active_to.is_(None) | (AssistantAssignment.active_to > now)


def _place(level: str, district: Any, region: Any) -> Any | None:
    """The column that names a row's place at `level` (None: the country, one group)."""
    if level == "district":
        return district
    if level == "region":
        return region
    return None


def _only(place: Any | None, codes: Sequence[str] | None) -> ColumnElement[bool]:
    return place.in_(list(codes)) if place is not None and codes is not None else true()


def _grouped(columns: Sequence[Any], place: Any | None) -> tuple[list[Any], list[Any]]:
    """(select columns, group-by columns): the place first when there is one."""
    if place is None:
        return [literal_column(f"'{COUNTRY}'").label("place"), *columns], []
    return [place.label("place"), *columns], [place]


def _no_assistant(code: Any, now: dt.datetime) -> ColumnElement[bool]:
    return ~exists().where(AssistantAssignment.mahalla_code == code, active_assignment(now))
