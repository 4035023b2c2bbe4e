"""Pure parts of the roadmap editor and the job ledger: due dates, mahalla, same-day edits."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.services import jobs
from bot.services.roadmap import DueDateError, parse_due, typed_action
from db.models import Case, Job

TODAY = dt.date(2025, 3, 14)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20.03.2025", dt.date(2025, 3, 20)),
        ("1.4.2025", dt.date(2025, 4, 1)),
        (" 01/04/2025 ", dt.date(2025, 4, 1)),
        ("01-04-25", dt.date(2025, 4, 1)),
        ("01 04 2025", dt.date(2025, 4, 1)),
        ("2025-04-01", dt.date(2025, 4, 1)),
        ("14.03.2025", TODAY),  # today is allowed
        ("28.02.2027", dt.date(2027, 2, 28)),
    ],
)
def test_parse_due_accepts_what_people_type(text: str, expected: dt.date) -> None:
    assert parse_due(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "format"),
        ("tomorrow", "format"),
        ("31.02.2025", "no_such_date"),
        ("31.02.2027", "no_such_date"),
        ("29.02.2027", "no_such_date"),
        ("12.13.2025", "no_such_date"),
        ("00.03.2025", "no_such_date"),
        ("1.2", "format"),
        ("13.03.2025", "past"),
        ("01.01.2020", "past"),
        ("01.01.2030", "far"),
    ],
)
def test_parse_due_refuses_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(DueDateError) as caught:
        parse_due(text, TODAY)
    assert caught.value.reason == reason


def test_typed_action_is_readable_in_every_locale() -> None:
    action = typed_action("Kasb kursiga yozish")
    assert action == {
        "uz": "Kasb kursiga yozish",
        "uz_Cyrl": "Kasb kursiga yozish",
        "ru": "Kasb kursiga yozish",
    }


def test_job_mahalla_and_edit_access() -> None:
    case = Case(mahalla_code="103-0096")
    assert jobs.job_mahalla(("103-0104",), None) == "103-0104"
    assert jobs.job_mahalla(("103-0104", "103-0096"), None) is None
    assert jobs.job_mahalla(("103-0104", "103-0096"), case) == "103-0096"
    job = Job(work_date=TODAY)
    assert jobs.edit_access(job, TODAY) is jobs.Access.OK
    assert jobs.edit_access(job, TODAY + dt.timedelta(days=1)) is jobs.Access.OTHER_DAY
    assert jobs.edit_access(None, TODAY) is jobs.Access.FORGED
