"""Typed answers to choice questions: a part of a name chooses only in a long list."""

from __future__ import annotations

from bot.flows.choice_match import match_choice
from bot.flows.loader import load_definitions

FLOWS = load_definitions()


def _question(flow: str, qid: str):  # type: ignore[no-untyped-def]
    return next(q for q in FLOWS.latest(flow).questions if q.id == qid)


def test_a_part_of_a_name_chooses_in_a_long_list() -> None:
    occupation = _question("job", "occupation")
    assert len(occupation.choices) > 12
    assert match_choice(occupation, "payvand", "uz").id == "welder"
    assert match_choice(occupation, "свар", "ru").id == "welder"
    assert match_choice(occupation, "ишчи", "uz_Cyrl") is None  # several fit: the buttons decide
    assert match_choice(occupation, "pa", "uz") is None  # too short to mean anything


def test_a_short_list_wants_a_whole_answer() -> None:
    short = next(
        q
        for flow in ("job", "internship", "business", "household")
        for q in FLOWS.latest(flow).questions
        if q.type == "single" and 2 < len(q.choices or ()) <= 12
    )
    label = short.choices[0].text.get("uz")
    assert match_choice(short, label, "uz").id == short.choices[0].id
    assert match_choice(short, label[:-2], "uz") is None
