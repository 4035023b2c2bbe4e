"""Every kind of case event, told in each language: no database ids, ISO dates or English."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import create_i18n, in_locale
from bot.services import cases
from bot.views.case_history import history_line, history_section, roadmap_event_text
from db.models import Case, CaseEvent

TZ = ZoneInfo("Asia/Tashkent")
AT = dt.datetime(2026, 12, 5, 9, 30, tzinfo=dt.UTC)
STEP_ID, STEP_ON_SCREEN, GONE_ID = 100, 7, 101
ROADMAP_NOTES = [
    f"step {STEP_ID}: added",
    f"step {STEP_ID}: action changed",
    f"step {STEP_ID}: done",
    f"step {GONE_ID}: removed",
    f"step {STEP_ID}: due 2026-12-12",
    f"step {STEP_ID}: no due date",
]
ENGLISH = re.compile(r"\b(step|added|changed|done|removed|due|Roadmap|assistant|History)\b")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _events() -> list[CaseEvent]:
    def event(kind: str, to_status: str | None = None, note: str | None = None) -> CaseEvent:
        return CaseEvent(case_id=1, actor_id=2, at=AT, kind=kind, to_status=to_status, note=note)

    made = [event("status", status) for status in (*cases.OPEN_STATUSES, *cases.FINAL_STATUSES)]
    made += [event("status", "resolved", outcome) for outcome in cases.OUTCOMES]
    made += [event("status", "rejected", "Manzil notoʻgʻri"), event("note", None, "Qoʻngʻiroq")]
    made += [event("message", None, "Salom"), event("reassign", None, "Taʼtilda")]
    made += [event("roadmap", None, note) for note in ROADMAP_NOTES]
    return made


@pytest.mark.parametrize("locale", ["uz", "uz_Cyrl", "ru"])
def test_every_event_is_told_in_the_readers_language(locale: str) -> None:
    i18n = create_i18n("uz")
    case = Case(id=1, user_id=3, number="N-1")
    numbers = {STEP_ID: STEP_ON_SCREEN}
    with in_locale(i18n, locale):
        lines = [history_line(e, case, {2: "Madina Saidova"}, numbers, TZ) for e in _events()]
        section = history_section(_events(), case, {2: "Madina"}, numbers, TZ)
    for line in [*lines, section]:
        assert str(STEP_ID) not in line and str(GONE_ID) not in line, line
        assert not ISO_DATE.search(line), line
        assert not ENGLISH.search(line), line
    roadmap_lines = lines[-len(ROADMAP_NOTES) :]
    assert all(str(STEP_ON_SCREEN) in line for i, line in enumerate(roadmap_lines) if i != 3)
    assert "12" in roadmap_lines[4]  # the due date, in the reader's form
    if locale == "ru":
        assert "шаг 7: выполнен" in roadmap_lines[2]
        assert "удалённый шаг" in roadmap_lines[3]


def test_an_unreadable_note_is_not_shown_raw() -> None:
    with in_locale(create_i18n("uz"), "ru"):
        assert roadmap_event_text("step x: exploded", {}) == "Дорожная карта изменена"
