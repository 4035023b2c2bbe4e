"""Definition validation and loading: every rule of docs/flow-format.md fails with a clear message."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from bot.flows.loader import (
    DEFAULT_DIRECTORY,
    FlowDefinitionError,
    FlowRegistry,
    UnknownFlowError,
    load_definition_file,
    load_definitions,
    parse_definition,
)
from bot.flows.model import FlowDefinition, LocalizedText

DEMO_DIR = Path(__file__).parent / "flows"


def t(word: str) -> dict[str, str]:
    return {"uz": f"{word} uz", "uz_Cyrl": f"{word} кир", "ru": f"{word} ру"}


def base() -> dict[str, Any]:
    return {
        "id": "sample",
        "version": 1,
        "title": t("Title"),
        "questions": [
            {"id": "age", "type": "integer", "text": t("Age"), "min": 0, "max": 120},
            {
                "id": "kind",
                "type": "single",
                "text": t("Kind"),
                "choices": [{"id": "a", "text": t("A")}, {"id": "b", "text": t("B")}],
            },
            {
                "id": "tags",
                "type": "multi",
                "text": t("Tags"),
                "choices": [{"id": "x", "text": t("X")}],
            },
            {
                "id": "note",
                "type": "text",
                "text": t("Note"),
                "required": False,
                "show_if": "age > 1",
            },
        ],
        "computed": [{"id": "double_age", "expr": "age * 2"}],
    }


def fails(data: dict[str, Any], *fragments: str) -> str:
    with pytest.raises(FlowDefinitionError) as info:
        parse_definition(data, "sample.v1.yaml")
    message = str(info.value)
    assert message.startswith("sample.v1.yaml: ")
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_valid_definition_parses_and_compiles_expressions() -> None:
    definition = parse_definition(base())
    assert isinstance(definition, FlowDefinition)
    note = definition.question("note")
    assert note is not None and note.condition is not None
    assert note.condition.test({"age": 5})
    assert definition.computed[0].expression.evaluate({"age": 5}) == 10
    assert definition.question("missing") is None


def test_localized_text_get_falls_back_to_uzbek() -> None:
    text = LocalizedText(uz="a", uz_Cyrl="б", ru="в")
    assert (text.get("uz"), text.get("uz_Cyrl"), text.get("ru"), text.get("en")) == (
        "a",
        "б",
        "в",
        "a",
    )


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (lambda d: d["title"].pop("ru"), ("title: ru: Field required",)),
        (
            lambda d: d["questions"][0]["text"].update(uz_Cyrl="  "),
            ("question 'age': text: uz_Cyrl",),
        ),
        (
            lambda d: d["questions"][1]["choices"][0]["text"].pop("uz"),
            ("question 'kind': choice 'a': text: uz",),
        ),
        (lambda d: d["questions"][0].update(hint={"uz": "x"}), ("question 'age': hint",)),
        (lambda d: d["questions"][0].update(colour="red"), ("question 'age': colour", "Extra")),
        (lambda d: d["questions"][0].update(type="date"), ("question 'age': type",)),
        (lambda d: d["questions"][0].update(id="Age"), ("question 'Age': id", "pattern")),
        (lambda d: d["questions"][1]["choices"][0].update(id="A b"), ("choice 'A b': id",)),
        (lambda d: d["questions"][2].update(id="age"), ("question 'age': the id is used more",)),
        (lambda d: d["computed"][0].update(id="kind"), ("computed 'kind': the id is used more",)),
        (lambda d: d["questions"][0].update(id="null"), ("question 'null': the id is a reserved",)),
        (lambda d: d["computed"][0].update(id="len"), ("computed 'len': the id is a reserved",)),
        (lambda d: d["questions"][1].pop("choices"), ("question 'kind'", "needs a non-empty")),
        (lambda d: d["questions"][2].update(choices=[]), ("question 'tags'", "non-empty")),
        (
            lambda d: d["questions"][0].update(choices=[{"id": "a", "text": t("A")}]),
            ("question 'age'", "'choices' is only allowed"),
        ),
        (
            lambda d: d["questions"][1]["choices"].append({"id": "a", "text": t("C")}),
            ("question 'kind'", "duplicate choice id(s): a"),
        ),
        (
            lambda d: d["questions"][1]["choices"][1].update(text=t("A")),
            ("question 'kind'", "share the uz label"),
        ),
        (lambda d: d["questions"][0].update(min=10, max=5), ("question 'age'", "min (10)")),
        (lambda d: d["questions"][0].update(min=1.5), ("question 'age'", "whole number")),
        (lambda d: d["questions"][0].update(min="1"), ("question 'age': min",)),
        (lambda d: d["questions"][3].update(min=1), ("question 'note'", "'min'/'max'")),
        (lambda d: d["questions"][0].update(max_length=5), ("question 'age'", "'max_length'")),
        (lambda d: d["questions"][3].update(max_length=0), ("question 'note': max_length",)),
        (lambda d: d["questions"][0].update(min_choices=1), ("question 'age'", "'min_choices'")),
        (lambda d: d["questions"][2].update(max_choices=2), ("question 'tags'", "max_choices (2)")),
        (
            lambda d: d["questions"][2].update(min_choices=1, max_choices=1, choices=[]),
            ("question 'tags'",),
        ),
        (lambda d: d["questions"][0].update(required="yes"), ("question 'age': required",)),
        (lambda d: d.update(version=0), ("version",)),
        (lambda d: d.update(version="1"), ("version",)),
        (lambda d: d.update(questions=[]), ("questions",)),
        (lambda d: d.update(id="Sample"), ("id",)),
        (
            lambda d: d["questions"][3].update(show_if="age >"),
            ("question 'note': show_if: syntax error",),
        ),
        (
            lambda d: d["questions"][3].update(show_if="__import__('os')"),
            ("question 'note': show_if", "only len"),
        ),
        (
            lambda d: d["questions"][3].update(show_if="nobody > 1"),
            ("question 'note': show_if: unknown name 'nobody'",),
        ),
        (
            lambda d: d["questions"][0].update(show_if="kind == 'a'"),
            ("question 'age': show_if: 'kind' cannot be used here",),
        ),
        (
            lambda d: d["questions"][1].update(show_if="kind == 'a'"),
            ("question 'kind': show_if: 'kind' cannot be used here",),
        ),
        (
            lambda d: d["computed"].insert(0, {"id": "early", "expr": "double_age + 1"}),
            ("computed 'early': expr: 'double_age' cannot be used here",),
        ),
    ],
)
def test_invalid_definitions_are_rejected(change: Any, fragments: tuple[str, ...]) -> None:
    data = copy.deepcopy(base())
    change(data)
    fails(data, *fragments)


def test_show_if_may_use_computed_values_of_earlier_questions_only() -> None:
    data = base()
    data["questions"][3]["show_if"] = "double_age > 10"
    note = parse_definition(data).question("note")
    assert note is not None and note.condition is not None
    assert note.condition.names == {"double_age"}

    data = base()
    data["computed"] = [{"id": "tag_count", "expr": "len(tags)"}, {"id": "n", "expr": "tag_count"}]
    data["questions"][1]["show_if"] = "n > 0"  # n depends on 'tags', which comes later
    fails(data, "question 'kind': show_if: 'n' cannot be used here")


def test_year_defaults_to_1900_until_this_year() -> None:
    data = base()
    data["questions"].append({"id": "born", "type": "year", "text": t("Born")})
    born = parse_definition(data).question("born")
    assert born is not None
    assert (born.min_value, born.max_value) == (1900, dt.date.today().year)
    data["questions"][-1]["min"] = 3000
    fails(data, "question 'born'", "min (3000) is greater than max")


def test_multi_choice_defaults() -> None:
    data = base()
    data["questions"][2]["choices"].append({"id": "y", "text": t("Y")})
    data["questions"].append(
        {
            "id": "opt",
            "type": "multi",
            "required": False,
            "text": t("O"),
            "choices": [{"id": "z", "text": t("Z")}],
        }
    )
    definition = parse_definition(data)
    tags, opt = definition.question("tags"), definition.question("opt")
    assert tags is not None and opt is not None
    assert (tags.choices_min, tags.choices_max) == (1, 2)
    assert (opt.choices_min, opt.choices_max) == (0, 1)


def test_several_errors_are_reported_together() -> None:
    data = base()
    data["title"].pop("ru")
    data["questions"][0]["text"].pop("uz")
    message = fails(data)
    assert message.count("\n") >= 1
    assert "title: ru" in message and "question 'age': text: uz" in message


def test_non_mapping_is_rejected() -> None:
    with pytest.raises(FlowDefinitionError, match="must contain a mapping"):
        parse_definition(["id"], "x.v1.yaml")


# --------------------------------------------------------------------------- loader


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
id: tiny
version: {version}
title: {{uz: "T", uz_Cyrl: "Т", ru: "Т"}}
questions:
  - id: answer
    type: single
    text: {{uz: "Q", uz_Cyrl: "С", ru: "В"}}
    choices:
      - id: no
        text: {{uz: "Yo'q", uz_Cyrl: "Йўқ", ru: "Нет"}}
      - id: yes
        text: {{uz: "Ha", uz_Cyrl: "Ҳа", ru: "Да"}}
"""


def test_demo_definition_loads() -> None:
    registry = load_definitions(DEMO_DIR)
    assert registry.flow_ids() == ["demo"]
    demo = registry.latest("demo")
    assert demo.version == 1 and registry.get("demo", 1) is demo
    assert len(registry) == 1 and "demo" in registry and list(registry) == [demo]


def test_shipped_definitions_load() -> None:
    # Whatever is in bot/flows/definitions/ must load, or the bot would not start.
    registry = load_definitions()
    assert DEFAULT_DIRECTORY.is_dir()
    for definition in registry:
        assert registry.get(definition.id, definition.version) is definition


def test_registry_versions_and_unknown_flows(tmp_path: Path) -> None:
    write(tmp_path, "tiny.v1.yaml", MINIMAL.format(version=1))
    write(tmp_path, "tiny.v2.yaml", MINIMAL.format(version=2))
    registry = load_definitions(tmp_path)
    assert registry.versions("tiny") == [1, 2]
    assert registry.latest("tiny").version == 2
    assert registry.get("tiny", 1).version == 1
    with pytest.raises(UnknownFlowError, match="'tiny' version 3"):
        registry.get("tiny", 3)
    with pytest.raises(UnknownFlowError, match="'nope'"):
        registry.latest("nope")
    assert registry.versions("nope") == []


def test_yes_and_no_stay_strings(tmp_path: Path) -> None:
    definition = load_definition_file(write(tmp_path, "tiny.v1.yaml", MINIMAL.format(version=1)))
    answer = definition.question("answer")
    assert answer is not None and answer.choice_ids() == ["no", "yes"]


def test_duplicate_versions_are_rejected() -> None:
    definition = parse_definition(base())
    with pytest.raises(FlowDefinitionError, match="defined twice"):
        FlowRegistry([definition, definition])


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("tiny.v2.yaml", MINIMAL.format(version=1), "its name says 'tiny' version 2"),
        ("other.v1.yaml", MINIMAL.format(version=1), "the file says id 'tiny'"),
        ("tiny.yaml", MINIMAL.format(version=1), "<flow_id>.v<version>.yaml"),
        ("tiny.v1.yaml", "id: [unclosed", "invalid YAML"),
        ("tiny.v1.yaml", "id: tiny\nid: tiny\n", "duplicate key 'id'"),
        ("tiny.v1.yaml", "- just a list\n", "must contain a mapping"),
        ("tiny.v1.yaml", MINIMAL.format(version=1).replace('ru: "В"', 'ru: ""'), "answer"),
    ],
)
def test_bad_files_name_the_file(tmp_path: Path, name: str, text: str, fragment: str) -> None:
    write(tmp_path, name, text)
    with pytest.raises(FlowDefinitionError) as info:
        load_definitions(tmp_path)
    assert name in str(info.value) and fragment in str(info.value)


def test_missing_directory_and_stray_yml(tmp_path: Path) -> None:
    with pytest.raises(FlowDefinitionError, match="does not exist"):
        load_definitions(tmp_path / "nope")
    write(tmp_path, "tiny.v1.yml", MINIMAL.format(version=1))
    with pytest.raises(FlowDefinitionError, match=r"rename to \.yaml"):
        load_definitions(tmp_path)
