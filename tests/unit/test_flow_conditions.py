"""The show_if / computed expression language: every construct, null safety, and what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from bot.flows.conditions import RESERVED_NAMES, ExpressionError, compile_expr

NAMES = {"a", "b", "s", "items", "flag", "nothing", "word"}
VALUES: dict[str, Any] = {
    "a": 6,
    "b": 4,
    "s": 2.5,
    "items": ["wage", "pension"],
    "flag": True,
    "nothing": None,
    "word": "abc",
}


def ev(text: str, values: dict[str, Any] | None = None) -> Any:
    return compile_expr(text, NAMES).evaluate(VALUES if values is None else values)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # literals
        ("42", 42),
        ("-2.5", -2.5),
        ("'x'", "x"),
        ('"x"', "x"),
        ("true", True),
        ("false", False),
        ("null", None),
        ("True", True),
        ("False", False),
        ("None", None),
        ("[1, 'a', null]", [1, "a", None]),
        ("(1, 2)", [1, 2]),
        ("[]", []),
        # names
        ("a", 6),
        ("items", ["wage", "pension"]),
        # boolean logic
        ("a > 5 and b > 5", False),
        ("a > 5 or b > 5", True),
        ("not flag", False),
        ("not nothing", True),
        ("nothing or 0", 0),
        ("a and b", 4),
        ("flag and a > 1 and b < 10", True),
        # comparisons
        ("a == 6", True),
        ("a != 6", False),
        ("a < 6", False),
        ("a <= 6", True),
        ("a > 5", True),
        ("a >= 7", False),
        ("1 < b < a", True),
        ("1 < a < b", False),
        ("0 <= s <= 2.5 < a", True),
        ("'wage' in items", True),
        ("'other' in items", False),
        ("'other' not in items", True),
        ("'wage' not in items", False),
        ("a in [1, 6]", True),
        ("'b' in word", True),
        ("flag == true", True),
        # arithmetic
        ("a + b", 10),
        ("a - b", 2),
        ("a * b", 24),
        ("a / b", 1.5),
        ("-a", -6),
        ("(a + b) * 2", 20),
        ("a + b * 2", 14),
        ("a / b / 3", 0.5),
        # functions
        ("len(items)", 2),
        ("len(word)", 3),
        ("min(a, b, 5)", 4),
        ("max(a, b)", 6),
        ("max([1, 9, 3])", 9),
        ("round(s)", 2),
        ("round(10 / 3, 2)", 3.33),
        ("abs(b - a)", 2),
    ],
)
def test_every_construct(text: str, expected: Any) -> None:
    assert ev(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # comparisons with null are false, whichever the operator
        ("nothing > 1", False),
        ("nothing < 1", False),
        ("nothing >= 0", False),
        ("nothing <= 0", False),
        ("nothing == 1", False),
        ("nothing != 1", False),
        ("1 < nothing < 3", False),
        ("'a' in nothing", False),
        ("'a' not in nothing", False),
        ("nothing in items", False),
        ("missing_is_null > 0", False),
        # ... except against the null literal, which tests for null
        ("nothing == null", True),
        ("nothing != null", False),
        ("a == null", False),
        ("a != null", True),
        ("null == nothing", True),
        ("nothing == None", True),
        # arithmetic with null gives null, so does division by zero
        ("nothing + 1", None),
        ("1 - nothing", None),
        ("nothing * 2", None),
        ("nothing / 2", None),
        ("-nothing", None),
        ("a / 0", None),
        ("a / (b - 4)", None),
        ("(nothing + 1) > 0", False),
        # functions
        ("len(nothing)", 0),
        ("min(a, nothing)", None),
        ("max(nothing)", None),
        ("round(nothing)", None),
        ("abs(nothing)", None),
        # type mismatches behave like null
        ("word + 1", None),
        ("word * 3", None),
        ("word > 1", False),
        ("1 in a", False),
        ("'x' not in a", False),
        ("len(a)", None),
        ("min(a, 'x')", None),
        ("round(word)", None),
        ("round(s, 'x')", None),
        ("-word", None),
    ],
)
def test_null_safety(text: str, expected: Any) -> None:
    names = NAMES | {"missing_is_null"}
    assert compile_expr(text, names).evaluate(VALUES) == expected


def test_missing_values_read_as_null() -> None:
    expr = compile_expr("a > 1 and 'x' in items", NAMES)
    assert expr.evaluate({}) is False
    assert compile_expr("a", NAMES).evaluate({}) is None
    assert expr.test({}) is False
    assert expr.test({"a": 2, "items": ["x"]}) is True


def test_names_are_collected_and_text_kept() -> None:
    expr = compile_expr("a + b > len(items) and true", NAMES)
    assert expr.names == {"a", "b", "items"}
    assert expr.text == "a + b > len(items) and true"


def test_multiline_yaml_text_is_accepted() -> None:
    assert compile_expr("a > 1 and\n  b > 1\n", NAMES).evaluate(VALUES) is True


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("__import__('os')", "only len"),
        ("__import__('os').system('true')", "only len"),
        ("open('x')", "only len"),
        ("a.real", "attribute access"),
        ("().__class__", "attribute access"),
        ("lambda: 1", "lambda"),
        ("items[0]", "subscripts"),
        ("word[1:]", "subscripts"),
        ("[x for x in items]", "comprehensions"),
        ("{x for x in items}", "comprehensions"),
        ("(x for x in items)", "comprehensions"),
        ("{'k': 1}", "dictionaries"),
        ("{1, 2}", "sets"),
        ("a if flag else b", "conditional"),
        ("(c := 1)", "assignment"),
        ("f'{a}'", "f-strings"),
        ("a ** 2", "operator"),
        ("a // 2", "operator"),
        ("a % 2", "operator"),
        ("~a", "operator"),
        ("+a", "operator"),
        ("a is None", "== null"),
        ("a is not None", "== null"),
        ("len(items, word)", "takes 1 argument"),
        ("len()", "takes 1 argument"),
        ("round(1, 2, 3)", "takes 1-2"),
        ("min()", "1 or more"),
        ("round(s, ndigits=1)", "keyword"),
        ("len(*items)", "starred"),
        ("[*items]", "starred"),
        ("a(1)", "only len"),
        ("len", "must be called"),
        ("unknown_id > 1", "unknown name 'unknown_id'"),
        ("1j", "literal"),
        ("b'x'", "literal"),
        ("...", "literal"),
        ("a >", "syntax error"),
        ("a = 1", "syntax error"),
        ("import os", "syntax error"),
        ("", "empty"),
        ("   ", "empty"),
        ("1 + " * 400 + "1", "longer than"),
    ],
)
def test_rejected_at_load_time(text: str, fragment: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expr(text, NAMES)
    assert fragment in str(info.value)


def test_later_or_unknown_names_are_reported_by_name() -> None:
    # compile_expr only knows what it is given: a later question is simply not in known_names.
    with pytest.raises(ExpressionError) as info:
        compile_expr("later_question == 1", {"earlier"})
    assert info.value.name == "later_question"
    with pytest.raises(ExpressionError) as info:
        compile_expr("earlier == 1 and later_question", {"earlier"})
    assert info.value.name == "later_question"


def test_reserved_names_cover_literals_functions_and_keywords() -> None:
    assert {"true", "false", "null", "len", "min", "max", "round", "abs", "and", "in"} <= (
        RESERVED_NAMES
    )


def test_huge_numbers_do_not_crash() -> None:
    values = {"a": 10**400, "b": 0.5}
    assert compile_expr("a / 3", NAMES).evaluate(values) is None
    assert compile_expr("a * b", NAMES).evaluate(values) is None
