"""The engine's voice answers and papers: which questions take them, the limits, Back, Edit and
what the result keeps (pure Python, no Telegram)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.flows.answers import MAX_FILE_BYTES, media
from bot.flows.engine import AnswerError, AttachStep, Engine, QuestionStep, SummaryStep
from bot.flows.loader import load_definitions

FLOWS = load_definitions()


@pytest.fixture
def business() -> Engine:
    return Engine(FLOWS.latest("business"))


def voice(seconds: int = 42, n: int = 1) -> dict[str, Any]:
    return media("voice", f"VOICE{n}", f"uV{n}", duration=seconds, size=9000)


def photo(n: int) -> dict[str, Any]:
    return media("photo", f"PHOTO{n}", f"uP{n}", size=100_000, mime_type="image/jpeg")


def pdf(n: int, size: int = 50_000, mime: str = "application/pdf") -> dict[str, Any]:
    return media("document", f"DOC{n}", f"uD{n}", size=size, mime_type=mime)


def to_experience(engine: Engine):  # type: ignore[no-untyped-def]
    state = engine.answer_spoken(engine.start(), voice())
    state = engine.answer_choice(state, "services")
    state = engine.answer_text(state, "30000000", "ru")
    state = engine.answer_text(state, "0", "ru")
    state = engine.toggle(state, "loan")
    state = engine.done(state)
    step = engine.step(state)
    assert isinstance(step, QuestionStep) and step.question.id == "experience"
    return state


def test_voice_answers_free_text_only_and_within_five_minutes(business: Engine) -> None:
    with pytest.raises(AnswerError) as long:
        business.answer_spoken(business.start(), voice(301))
    assert long.value.code == "voice_too_long"
    state = business.answer_spoken(business.start(), voice(300))
    assert state.answers["idea"]["duration"] == 300
    note = media("video_note", "ROUND1", "uR1", duration=12)
    assert business.answer_spoken(business.start(), note).answers["idea"]["kind"] == "video_note"
    with pytest.raises(AnswerError) as choice:
        business.answer_spoken(state, voice())  # sector: a choice
    assert choice.value.code == "voice_not_here"
    with pytest.raises(AnswerError) as photo_answer:
        business.attach(state, photo(1))  # no papers step here
    assert photo_answer.value.code == "file_not_here"


def test_papers_follow_an_answer_that_has_something_to_show(business: Engine) -> None:
    state = business.answer_choice(to_experience(business), "none")
    assert isinstance(business.step(state), QuestionStep)  # "none": nothing to show
    state = business.answer_choice(to_experience(business), "y1_3")
    step = business.step(state)
    assert isinstance(step, AttachStep) and step.files == []
    with pytest.raises(AnswerError) as typed:
        business.answer_text(state, "вот", "ru")
    assert typed.value.code == "files_or_done"
    for bad, code in (
        (pdf(9, mime="application/zip"), "file_kind"),
        (pdf(9, size=MAX_FILE_BYTES + 1), "file_too_big"),
        (voice(), "file_kind"),
    ):
        with pytest.raises(AnswerError) as refused:
            business.attach(state, bad)
        assert refused.value.code == code
    for n in range(1, 5):
        state = business.attach(state, photo(n))
    state = business.attach(state, pdf(5))
    state = business.attach(state, pdf(5))  # the same file again: kept once
    with pytest.raises(AnswerError) as full:
        business.attach(state, photo(6))
    assert full.value.code == "files_max" and full.value.params == {"max": 5}

    back = business.back(state)  # to the question; its papers are kept
    step = business.step(back)
    assert isinstance(step, QuestionStep) and step.question.id == "experience"
    assert len(back.files["experience"]) == 5
    state = business.finish_attachments(state)
    step = business.step(state)
    assert isinstance(step, QuestionStep) and step.question.id == "has_job"
    state = business.answer_choice(state, "no")
    state = business.answer_choice(state, "no")
    summary = business.step(state)
    assert isinstance(summary, SummaryStep)
    by_id = {item.question.id: item for item in summary.items}
    assert len(by_id["experience"].files) == 5 and by_id["idea"].value["kind"] == "voice"
    assert [f["file_id"] for f in business.attachments(state)["experience"]] == [
        "PHOTO1",
        "PHOTO2",
        "PHOTO3",
        "PHOTO4",
        "DOC5",
    ]
    # Changed to "none", the papers are no longer part of the request.
    edited = business.answer_choice(business.edit(state, "experience"), "none")
    assert business.attachments(edited) == {}
    assert isinstance(business.step(edited), SummaryStep)


def test_a_stale_or_foreign_files_entry_is_dropped(business: Engine) -> None:
    state = to_experience(business).model_copy(
        update={"files": {"idea": [photo(1)], "nope": [photo(2)], "experience": ["junk"]}}
    )
    repaired = business.resume(state)
    assert repaired.files == {"experience": []}
