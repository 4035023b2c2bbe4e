"""Eligibility rules, case by case, with every expected figure computed by hand in the comments."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.flows.loader import load_definitions
from bot.services.eligibility import (
    CHANNEL_IDS,
    DEFAULT_RULES_PATH,
    INSTITUTIONS,
    EligibilityConfigError,
    EligibilityRules,
    NoMcsForDate,
    assess,
    load_rules,
)

ON = date(2025, 6, 1)
MCS_2025 = 669_000


@pytest.fixture(scope="module")
def rules() -> EligibilityRules:
    return load_rules()


def household(**overrides: Any) -> dict[str, Any]:
    """Two working adults, no children, nobody in need: no channel applies unless overridden."""
    answers: dict[str, Any] = {
        "members": 2,
        "children": 0,
        "pensioners": 0,
        "disabled": 0,
        "unemployed": 0,
        "breadwinner_lost": False,
        "income_3m": 9_000_000,  # 9,000,000 / 2 / 3 = 1,500,000 > 1.5 × MCS
        "income_sources": ["wage"],
        "migrants_abroad": None,
        "plot_sotix": 0.0,
        "housing": "good",
        "business_interest": False,
        "woman_needs_support": False,
        "youth_idle": 0,
        "health_need": False,
    }
    answers.update(overrides)
    return answers


def write_rules(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "eligibility.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def raw_rules() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- income and MCS


def test_default_household_has_no_category_and_no_channels(rules: EligibilityRules) -> None:
    result = assess(household(), ON, rules)
    assert result.income_per_person == 1_500_000
    assert result.mcs == MCS_2025
    assert result.category is None
    assert result.channels == []
    assert result.roadmap == []


@pytest.mark.parametrize(
    ("income_3m", "per_person", "category"),
    [
        # members = 2, so income per person = income_3m / 6, rounded down to whole so'm.
        (4_014_000, 669_000, "green"),  # exactly the MCS: 669,000 × 6
        (4_013_999, 668_999, "yellow"),  # 668,999.83 → 668,999: just below the MCS
        (6_021_000, 1_003_500, "green"),  # exactly 1.5 × MCS = 1,003,500
        (6_021_005, 1_003_500, "green"),  # 1,003,500.83 → 1,003,500: the shown figure decides
        (6_021_006, 1_003_501, None),  # 1,003,501: above 1.5 × MCS
        (0, 0, "yellow"),  # no income at all, but two adults able to work
    ],
)
def test_category_boundaries(
    rules: EligibilityRules, income_3m: int, per_person: int, category: str | None
) -> None:
    result = assess(household(income_3m=income_3m), ON, rules)
    assert result.income_per_person == per_person
    assert result.category == category


def test_missing_income_or_members_gives_no_figure_and_no_category(rules: EligibilityRules) -> None:
    for answers in (
        household(income_3m=None),
        household(members=None),
        household(members=0),
        household(income_3m=-5),
        household(income_3m="1000"),
    ):
        result = assess(answers, ON, rules)
        assert result.income_per_person is None
        assert result.category is None


def test_mcs_is_picked_by_date(tmp_path: Path) -> None:
    raw = raw_rules()
    # A hypothetical later entry, for this test only.
    raw["mcs"].append({"from": date(2026, 1, 1), "amount": 700_000})
    rules = load_rules(write_rules(tmp_path, raw))
    assert rules.mcs_on(date(2025, 1, 1)) == 669_000
    assert rules.mcs_on(date(2025, 12, 31)) == 669_000
    assert rules.mcs_on(date(2026, 1, 1)) == 700_000
    assert rules.mcs_on(datetime(2026, 3, 1, 12, 30)) == 700_000
    # 4,100,000 / 6 = 683,333: above 669,000 (green in 2025), below 700,000 (yellow in 2026).
    answers = household(income_3m=4_100_000)
    assert assess(answers, date(2025, 12, 31), rules).category == "green"
    late = assess(answers, date(2026, 1, 1), rules)
    assert (late.mcs, late.category) == (700_000, "yellow")


def test_date_before_the_first_mcs_entry_is_a_clear_error(rules: EligibilityRules) -> None:
    with pytest.raises(NoMcsForDate, match=r"2024-12-31.*2025-01-01"):
        assess(household(), date(2024, 12, 31), rules)
    assert assess(household(), date(2025, 1, 1), rules).mcs == MCS_2025


# ----------------------------------------------------------------------------- red or yellow


def test_nobody_able_to_work_is_red(rules: EligibilityRules) -> None:
    # A pensioner and a disabled adult: able = max(2 - 0 - 1 - 1, 0, 0) = 0.
    # 1,200,000 / 2 / 3 = 200,000 < MCS.
    answers = household(pensioners=1, disabled=1, income_3m=1_200_000)
    result = assess(answers, ON, rules)
    assert (result.income_per_person, result.category) == (200_000, "red")


def test_one_able_member_is_yellow(rules: EligibilityRules) -> None:
    # 3 members: a pensioner, a disabled adult and one able adult: able = 3 - 1 - 1 = 1.
    # 1,800,000 / 3 / 3 = 200,000 < MCS.
    answers = household(members=3, pensioners=1, disabled=1, income_3m=1_800_000)
    result = assess(answers, ON, rules)
    assert (result.income_per_person, result.category) == (200_000, "yellow")


def test_mother_alone_with_children_is_red_when_the_breadwinner_is_lost(
    rules: EligibilityRules,
) -> None:
    # Mother and 2 children: able = 3 - 2 = 1, but the breadwinner died → red.
    # 2,700,000 / 3 / 3 = 300,000 < MCS.
    answers = household(members=3, children=2, breadwinner_lost=True, income_3m=2_700_000)
    assert assess(answers, ON, rules).category == "red"
    assert assess(answers | {"breadwinner_lost": False}, ON, rules).category == "yellow"


def test_breadwinner_lost_does_not_matter_above_the_mcs(rules: EligibilityRules) -> None:
    # 4,500,000 / 2 / 3 = 750,000: between 1 and 1.5 × MCS.
    answers = household(breadwinner_lost=True, income_3m=4_500_000)
    assert assess(answers, ON, rules).category == "green"


def test_reported_unemployed_adult_counts_as_able_even_if_composition_says_none(
    rules: EligibilityRules,
) -> None:
    # 2 members: a child and a pensioner by the counts (2 - 1 - 1 = 0), yet one adult is reported
    # able-bodied without work, so able = max(0, 1, 0) = 1 → yellow, not red.
    answers = household(children=1, pensioners=1, unemployed=1, income_3m=600_000)
    assert assess(answers, ON, rules).category == "yellow"


def test_remittances_count_as_income(rules: EligibilityRules) -> None:
    # 5 members: 3 children, the mother, the father working in Russia (counted in members).
    # able = 5 - 3 = 2. Only remittances: 9,000,000 / 5 / 3 = 600,000 < MCS → yellow.
    answers = household(
        members=5,
        children=3,
        income_sources=["remittance"],
        migrants_abroad=1,
        income_3m=9_000_000,
    )
    poorer = assess(answers, ON, rules)
    assert (poorer.income_per_person, poorer.category) == (600_000, "yellow")
    # More money sent home: 12,000,000 / 15 = 800,000 → green.
    richer = assess(answers | {"income_3m": 12_000_000}, ON, rules)
    assert (richer.income_per_person, richer.category) == (800_000, "green")


# ----------------------------------------------------------------------------- channels


def test_woman_in_need_is_referred_to_ayollar_daftari(rules: EligibilityRules) -> None:
    answers = household(
        woman_needs_support=True,
        women_situation=["single_mother", "unemployed"],
        women_help=["job"],
    )
    result = assess(answers, ON, rules)
    assert result.channels == ["ayollar_daftari"]
    (step,) = result.roadmap
    assert (step.channel, step.institution) == ("ayollar_daftari", "ayollar_daftari")
    assert set(step.action) == {"uz", "uz_Cyrl", "ru"}


def test_idle_young_member_is_referred_to_yoshlar_daftari(rules: EligibilityRules) -> None:
    answers = household(members=3, youth_idle=1, youth_wants=["job"])
    assert assess(answers, ON, rules).channels == ["yoshlar_daftari"]


def test_youth_who_wants_to_learn_a_trade_also_gets_vocational_training(
    rules: EligibilityRules,
) -> None:
    answers = household(members=3, youth_idle=1, youth_wants=["training", "job"])
    assert assess(answers, ON, rules).channels == ["yoshlar_daftari", "vocational_training"]


def test_plot_with_help_wanted_goes_to_the_farmers_fund(rules: EligibilityRules) -> None:
    answers = household(
        plot_sotix=6.0, plot_use="vegetables", plot_help=["seedlings", "greenhouse"]
    )
    result = assess(answers, ON, rules)
    assert result.channels == ["farmers_fund"]
    assert result.roadmap[0].institution == "farmers_fund"
    # No help wanted, or the plot module not shown at all (null): no referral.
    assert assess(answers | {"plot_help": ["none"]}, ON, rules).channels == []
    assert assess(answers | {"plot_help": None}, ON, rules).channels == []


def test_business_loan_for_anyone_subsidy_only_for_poor_households(
    rules: EligibilityRules,
) -> None:
    wants = household(business_interest=True, business_support=["loan", "subsidy"])
    assert assess(wants, ON, rules).channels == ["family_business_loan"]
    # 3,000,000 / 2 / 3 = 500,000 < MCS, able adults → yellow: the subsidy applies, and the
    # yellow category also brings social protection.
    poor = assess(wants | {"income_3m": 3_000_000}, ON, rules)
    assert poor.category == "yellow"
    assert poor.channels == ["family_business_loan", "employment_fund_subsidy", "social_protection"]


def test_public_works_for_unemployed_in_poor_households_only(rules: EligibilityRules) -> None:
    answers = household(unemployed=1, job_train=False, job_kind="any")
    assert assess(answers, ON, rules).channels == []
    # 3,000,000 / 6 = 500,000 → yellow.
    poor = assess(answers | {"income_3m": 3_000_000}, ON, rules)
    assert poor.channels == ["social_protection", "public_works"]


def test_social_protection_for_registry_request_or_disability_without_benefits(
    rules: EligibilityRules,
) -> None:
    assert "social_protection" in assess(household(wants_registry=True), ON, rules).channels
    disabled = household(disabled=1, receives_benefits=False)
    assert "social_protection" in assess(disabled, ON, rules).channels
    covered = household(disabled=1, receives_benefits=True)
    assert "social_protection" not in assess(covered, ON, rules).channels


def test_health_and_housing(rules: EligibilityRules) -> None:
    answers = household(health_need=True, housing="unsafe")
    result = assess(answers, ON, rules)
    assert result.channels == ["health_referral", "housing_help"]
    assert [s.institution for s in result.roadmap] == ["health", "khokimiyat"]


def test_channels_come_in_the_canonical_order(rules: EligibilityRules) -> None:
    # Red household needing everything: 1 pensioner + 1 disabled adult + 1 idle youth counted
    # as unemployed; able = max(3 - 0 - 1 - 1, 1, 0) = 1 but the breadwinner is lost → red.
    answers = household(
        members=3,
        pensioners=1,
        disabled=1,
        unemployed=1,
        breadwinner_lost=True,
        income_3m=900_000,  # 900,000 / 9 = 100,000
        plot_sotix=3.5,
        plot_help=["irrigation"],
        housing="needs_repair",
        business_interest=True,
        business_support=["loan", "equipment", "training"],
        woman_needs_support=True,
        youth_idle=1,
        health_need=True,
        job_train=True,
        receives_benefits=False,
        wants_registry=True,
    )
    result = assess(answers, ON, rules)
    assert result.category == "red"
    assert result.channels == list(CHANNEL_IDS)
    assert [step.channel for step in result.roadmap] == list(CHANNEL_IDS)
    assert {step.institution for step in result.roadmap} <= set(INSTITUTIONS)


def test_labels_in_three_languages(rules: EligibilityRules) -> None:
    for category in ("red", "yellow", "green"):
        assert all(rules.category_label(category).values())
    for channel in CHANNEL_IDS:
        label = rules.channel_label(channel)
        assert set(label) == {"uz", "uz_Cyrl", "ru"} and all(label.values())
    for institution in INSTITUTIONS:
        assert all(rules.institution_label(institution).values())


# ----------------------------------------------------------------------------- agreement with the flow


def test_inputs_are_questions_of_the_household_flow(rules: EligibilityRules) -> None:
    definition = load_definitions().get("household", 1)
    question_ids = {question.id for question in definition.questions}
    assert set(rules.inputs) <= question_ids


def test_flow_computed_values_agree_with_the_assessment(rules: EligibilityRules) -> None:
    definition = load_definitions().get("household", 1)
    answers = household(members=3, children=1, income_3m=2_000_000)
    values: dict[str, Any] = dict(answers)
    for item in definition.computed:
        values[item.id] = item.expression.evaluate(values)
    result = assess(answers, ON, rules)
    # 2,000,000 / 3 / 3 = 222,222.2…
    assert math.floor(values["income_per_person"]) == result.income_per_person == 222_222
    assert values["able_workers"] == 2


# ----------------------------------------------------------------------------- rules file errors


def test_bundled_rules_load_and_cover_every_channel(rules: EligibilityRules) -> None:
    assert list(rules.channels) == list(CHANNEL_IDS)
    assert rules.mcs[0].valid_from == date(2025, 1, 1)
    assert rules.mcs[0].amount == MCS_2025


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: raw["channels"].update(cash_gift=raw["channels"]["public_works"]),
            "cash_gift",
        ),
        (lambda raw: raw["channels"].pop("housing_help"), "housing_help"),
        (lambda raw: raw["channels"]["farmers_fund"]["action"].update(ru=" "), "ru"),
        (lambda raw: raw["channels"]["farmers_fund"]["label"].pop("uz_Cyrl"), "uz_Cyrl"),
        (
            lambda raw: raw["channels"]["health_referral"].update(institution="mosque"),
            "institution",
        ),
        (lambda raw: raw["channels"]["health_referral"].update(when="salary > 0"), "salary"),
        (lambda raw: raw["categories"].update(red_when="category == 'red'"), "category"),
        (lambda raw: raw["categories"]["labels"].pop("green"), "green"),
        (lambda raw: raw["mcs"].insert(0, {"from": date(2026, 1, 1), "amount": 1}), "order"),
        (lambda raw: raw["mcs"][0].update(amount=0), "amount"),
        (lambda raw: raw.update(mcs=[]), "mcs"),
    ],
)
def test_invalid_rules_are_rejected_with_a_clear_message(
    tmp_path: Path, change: Any, message: str
) -> None:
    raw = raw_rules()
    change(raw)
    with pytest.raises(EligibilityConfigError, match=message):
        load_rules(write_rules(tmp_path, raw))


def test_missing_rules_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EligibilityConfigError, match="cannot read"):
        load_rules(tmp_path / "nope.yaml")
