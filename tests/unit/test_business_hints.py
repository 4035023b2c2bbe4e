"""Business support hints, case by case, including rules that change on a date."""

from __future__ import annotations

import copy
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.services.business_hints import (
    BUSINESS_CHANNELS,
    DEFAULT_BUSINESS_RULES_PATH,
    BusinessRules,
    BusinessRulesConfigError,
    channel_label,
    hints,
    load_business_rules,
    parse_business_rules,
)

ON = date(2025, 6, 1)


def applicant(**overrides: Any) -> dict[str, Any]:
    """Has a job, family not poor, wants training only, trade: no channel applies by default."""
    answers: dict[str, Any] = {
        "idea": "Doʻkon ochish",
        "sector": "trade",
        "amount_needed": 20_000_000,
        "own_contribution": 2_000_000,
        "support_wanted": ["training"],
        "experience": "none",
        "has_job": True,
        "low_income": False,
    }
    answers.update(overrides)
    return answers


def channels(answers: dict[str, Any], **person: Any) -> list[str]:
    person = {"birth_year": 1980, "gender": "m", "on": ON, **person}
    return [hint.channel for hint in hints(answers, **person)]


def test_nothing_applies_to_a_working_man_of_45_wanting_training() -> None:
    assert channels(applicant()) == []


# ----------------------------------------------------------------------------- each channel


def test_family_business_loan_when_a_loan_is_wanted() -> None:
    assert channels(applicant(support_wanted=["loan"])) == ["family_business_loan"]
    assert channels(applicant(support_wanted=["loan", "training"])) == ["family_business_loan"]
    assert channels(applicant(support_wanted=None)) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"has_job": False}, ["employment_fund_subsidy"]),  # training, no job
        ({"low_income": True}, ["employment_fund_subsidy"]),  # training, poor family
        ({"has_job": False, "support_wanted": ["subsidy"]}, ["employment_fund_subsidy"]),
        ({"has_job": False, "support_wanted": ["equipment"]}, ["employment_fund_subsidy"]),
        ({"has_job": False, "support_wanted": ["land"]}, []),  # land is not the fund's help
        ({"support_wanted": ["subsidy"]}, []),  # has a job and the family is not poor
        ({"has_job": None, "low_income": None}, []),  # unknown is not a yes
    ],
)
def test_employment_fund_subsidy(overrides: dict[str, Any], expected: list[str]) -> None:
    assert channels(applicant(**overrides)) == expected


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"sector": "farming", "has_land": True}, ["farmers_fund"]),
        ({"sector": "livestock", "has_land": True}, ["farmers_fund"]),
        ({"sector": "farming", "has_land": False, "support_wanted": ["land"]}, ["farmers_fund"]),
        ({"sector": "farming", "has_land": False}, []),
        ({"sector": "trade", "has_land": True}, []),  # hidden answer left over: not farming
        ({"sector": "crafts", "support_wanted": ["land"]}, []),
    ],
)
def test_farmers_fund(overrides: dict[str, Any], expected: list[str]) -> None:
    assert channels(applicant(**overrides)) == expected


@pytest.mark.parametrize(
    ("gender", "overrides", "expected"),
    [
        ("f", {"has_job": False}, True),
        ("f", {"low_income": True}, True),
        ("F", {"low_income": True}, True),
        ("female", {"low_income": True}, True),
        ("f", {}, False),  # working woman, family not poor
        ("m", {"has_job": False}, False),
        (None, {"has_job": False}, False),
        ("?", {"has_job": False}, False),
    ],
)
def test_ayollar_daftari(gender: str | None, overrides: dict[str, Any], expected: bool) -> None:
    found = channels(applicant(**overrides), gender=gender)
    assert ("ayollar_daftari" in found) is expected


@pytest.mark.parametrize(
    ("birth_year", "expected"),
    [
        (2012, False),  # 2025 − 2012 = 13
        (2011, True),  # 14
        (2000, True),
        (1995, True),  # 30
        (1994, False),  # 31
        (None, False),
        (2030, False),  # impossible: born after the date
    ],
)
def test_yoshlar_daftari_age_bounds(birth_year: int | None, expected: bool) -> None:
    # Age is the age reached in the year of the date: only the birth year is known.
    found = channels(applicant(has_job=False), birth_year=birth_year, gender="m")
    assert ("yoshlar_daftari" in found) is expected


def test_yoshlar_daftari_needs_a_reason_besides_age() -> None:
    assert channels(applicant(), birth_year=2000) == []
    assert channels(applicant(low_income=True, support_wanted=[]), birth_year=2000) == [
        "yoshlar_daftari"
    ]


def test_every_channel_at_once_in_channel_order() -> None:
    answers = applicant(
        sector="farming",
        has_land=True,
        support_wanted=["land", "equipment", "loan"],
        has_job=False,
        low_income=True,
    )
    assert channels(answers, birth_year=2001, gender="f") == list(BUSINESS_CHANNELS)


def test_a_hint_names_the_channel_and_says_why_in_three_languages() -> None:
    (hint,) = hints(applicant(support_wanted=["loan"]), birth_year=1980, gender="m", on=ON)
    assert hint.channel == "family_business_loan" and hint.institution == "bank"
    assert hint.rule == "family_business_loan_v1"
    assert set(hint.label) == set(hint.reason) == {"uz", "uz_Cyrl", "ru"}
    assert hint.label["uz"] == "Oilaviy tadbirkorlik krediti"
    assert all(text.strip() for text in [*hint.label.values(), *hint.reason.values()])
    assert channel_label("yoshlar_daftari", "uz_Cyrl") == "«Ёшлар дафтари»"


def test_a_datetime_is_taken_as_its_date() -> None:
    found = hints(
        applicant(support_wanted=["loan"]), birth_year=1980, gender="m", on=datetime(2025, 6, 1, 9)
    )
    assert [h.channel for h in found] == ["family_business_loan"]


# ----------------------------------------------------------------------------- dates


def test_no_hints_before_the_rules_start() -> None:
    answers = applicant(support_wanted=["loan", "subsidy"], has_job=False)
    assert channels(answers, on=date(2021, 12, 31)) == []
    assert channels(answers, on=date(2022, 1, 1)) == [
        "family_business_loan",
        "employment_fund_subsidy",
    ]


def raw_rules() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_BUSINESS_RULES_PATH.read_text(encoding="utf-8"))


def dated_rules() -> BusinessRules:
    """The loan rule changes on 2026-01-01: from then on it also needs an own contribution."""
    raw = raw_rules()
    old = next(rule for rule in raw["rules"] if rule["id"] == "family_business_loan_v1")
    old["valid_to"] = date(2025, 12, 31)
    new = copy.deepcopy(old)
    new.update(
        id="family_business_loan_v2",
        valid_from=date(2026, 1, 1),
        when="'loan' in support_wanted and own_contribution > 0",
    )
    del new["valid_to"]
    raw["rules"].insert(raw["rules"].index(old) + 1, new)
    return parse_business_rules(raw)


@pytest.mark.parametrize(
    ("on", "contribution", "expected_rule"),
    [
        (date(2025, 12, 31), None, "family_business_loan_v1"),  # last day of the old rule
        (date(2025, 12, 31), 1_000_000, "family_business_loan_v1"),
        (date(2026, 1, 1), None, None),  # the new rule asks for an own contribution
        (date(2026, 1, 1), 0, None),
        (date(2026, 1, 1), 1_000_000, "family_business_loan_v2"),
        (date(2030, 5, 5), 1_000_000, "family_business_loan_v2"),
    ],
)
def test_a_rule_can_change_on_a_date(
    on: date, contribution: int | None, expected_rule: str | None
) -> None:
    answers = applicant(support_wanted=["loan"], own_contribution=contribution)
    found = hints(answers, birth_year=1980, gender="m", on=on, rules=dated_rules())
    assert [h.rule for h in found] == ([expected_rule] if expected_rule else [])


def test_rules_in_force_on_a_date() -> None:
    rules = dated_rules()
    ids_2025 = [rule.id for rule in rules.rules_on(date(2025, 6, 1))]
    ids_2026 = [rule.id for rule in rules.rules_on(date(2026, 6, 1))]
    assert "family_business_loan_v1" in ids_2025 and "family_business_loan_v2" not in ids_2025
    assert "family_business_loan_v2" in ids_2026 and "family_business_loan_v1" not in ids_2026
    assert rules.rules_on(date(2020, 1, 1)) == []


def test_one_hint_per_channel_the_first_rule_wins() -> None:
    raw = raw_rules()
    extra = copy.deepcopy(raw["rules"][0])
    extra.update(id="family_business_loan_extra", when="'loan' in support_wanted")
    raw["rules"].append(extra)
    found = hints(
        applicant(support_wanted=["loan"]),
        birth_year=1980,
        gender="m",
        on=ON,
        rules=parse_business_rules(raw),
    )
    assert [h.rule for h in found] == ["family_business_loan_v1"]


# ----------------------------------------------------------------------------- the rules file


def test_the_bundled_file_loads_and_covers_every_channel() -> None:
    rules = load_business_rules()
    assert set(rules.channels) == set(BUSINESS_CHANNELS)
    assert {rule.channel for rule in rules.rules} == set(BUSINESS_CHANNELS)


def _broken(change: Any) -> dict[str, Any]:
    raw = raw_rules()
    change(raw)
    return raw


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["rules"][0].update(when="'loan' in wishes"), "unknown"),
        (lambda r: r["rules"][0].update(when="support_wanted["), "family_business_loan_v1"),
        (lambda r: r["rules"][0].update(valid_to=date(2021, 1, 1)), "before valid_from"),
        (lambda r: r["rules"][0].update(channel="lottery"), "channel"),
        (lambda r: r["rules"][1].update(id=r["rules"][0]["id"]), "duplicate rule"),
        (lambda r: r["channels"].pop("farmers_fund"), "farmers_fund"),
        (lambda r: r["channels"]["farmers_fund"]["label"].pop("ru"), "ru"),
        (lambda r: r["inputs"].append("age"), "age"),
        (lambda r: r["inputs"].append("sector"), "duplicate input"),
        (lambda r: r["rules"][0]["reason"].update(uz=""), "uz"),
        (lambda r: r["rules"][0].update(extra=1), "extra"),
    ],
)
def test_bad_rules_are_rejected_with_a_clear_message(change: Any, message: str) -> None:
    with pytest.raises(BusinessRulesConfigError, match=message):
        parse_business_rules(_broken(change))


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(BusinessRulesConfigError, match="cannot read"):
        load_business_rules(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [", encoding="utf-8")
    with pytest.raises(BusinessRulesConfigError, match="invalid YAML"):
        load_business_rules(bad)
    bad.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(BusinessRulesConfigError, match="mapping"):
        load_business_rules(bad)
