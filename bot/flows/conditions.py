"""The small expression language of questionnaire definitions (``show_if`` and ``computed``).

Definitions are data written by non-programmers, so an expression is parsed with ``ast`` and
turned into a tree of closures from a whitelist of node types; ``eval`` is never used. Everything
that can be checked without answers (syntax, allowed constructs, names, function arity) is checked
in :func:`compile_expr`, so a bad definition stops the bot at start-up instead of mid-interview.

Evaluation never raises for bad data: answers are missing, skipped or of an unexpected type all
the time, so null and type mismatches follow the null-safety rules of docs/flow-format.md.
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FUNCTION_ARITY",
    "LITERAL_NAMES",
    "RESERVED_NAMES",
    "Expr",
    "ExpressionError",
    "compile_expr",
]

Evaluator = Callable[[Mapping[str, Any]], Any]

#: Lower-case spellings of the literals, so YAML authors need not know Python.
LITERAL_NAMES: dict[str, Any] = {"true": True, "false": False, "null": None}

#: Callable functions and their (min, max) number of arguments; max None = unlimited.
FUNCTION_ARITY: dict[str, tuple[int, int | None]] = {
    "len": (1, 1),
    "min": (1, None),
    "max": (1, None),
    "round": (1, 2),
    "abs": (1, 1),
}

#: Names a question or computed id may not take: they would be unreadable or unparsable.
RESERVED_NAMES: frozenset[str] = (
    frozenset(LITERAL_NAMES)
    | frozenset(FUNCTION_ARITY)
    | frozenset(keyword.kwlist)
    | frozenset({"none"})
)

MAX_EXPRESSION_LENGTH = 1000

_FRIENDLY_NODE_NAMES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Slice: "slices",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.IfExp: "conditional expressions (x if c else y)",
    ast.NamedExpr: "assignment (:=)",
    ast.Dict: "dictionaries",
    ast.Set: "sets",
    ast.JoinedStr: "f-strings",
    ast.Starred: "starred arguments",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
}


class ExpressionError(ValueError):
    """An expression is not in the language; ``name`` is set when an unknown name is the cause."""

    def __init__(self, message: str, *, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Expr:
    """A validated expression; ``names`` are the answer/computed ids it reads."""

    text: str
    names: frozenset[str]
    _run: Evaluator = field(repr=False, compare=False)

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """Value of the expression; ids missing from ``values`` read as null."""
        return self._run(values)

    def test(self, values: Mapping[str, Any]) -> bool:
        """Truth of the expression, for ``show_if``."""
        return bool(self._run(values))


def compile_expr(text: str, known_names: Iterable[str]) -> Expr:
    """Parse and validate ``text``; ``known_names`` are the ids it is allowed to read."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_EXPRESSION_LENGTH} characters")
    # YAML folded or multi-line strings bring newlines that Python's eval mode rejects.
    source = " ".join(text.splitlines()).strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error in {source!r}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ExpressionError(f"cannot parse {source!r}: {exc}") from None
    compiler = _Compiler(frozenset(known_names))
    try:
        run = compiler.compile(tree.body)
    except RecursionError:
        raise ExpressionError(f"{source!r} is nested too deeply") from None
    return Expr(text=source, names=frozenset(compiler.names), _run=run)


# --------------------------------------------------------------------------- runtime helpers


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _add(a: Any, b: Any) -> Any:
    return a + b


def _sub(a: Any, b: Any) -> Any:
    return a - b


def _mul(a: Any, b: Any) -> Any:
    return a * b


def _div(a: Any, b: Any) -> Any:
    return None if b == 0 else a / b


_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: _add,
    ast.Sub: _sub,
    ast.Mult: _mul,
    ast.Div: _div,
}


def _arith(op: Callable[[Any, Any], Any], a: Any, b: Any) -> Any:
    """Numbers only: null or any other type gives null, so does x / 0 and overflow."""
    if not (_is_number(a) and _is_number(b)):
        return None
    try:
        return _finite(op(a, b))
    except ArithmeticError:
        return None


def _ordering(op: type[ast.cmpop], a: Any, b: Any) -> bool:
    try:
        if op is ast.Lt:
            return bool(a < b)
        if op is ast.LtE:
            return bool(a <= b)
        if op is ast.Gt:
            return bool(a > b)
        return bool(a >= b)
    except TypeError:
        return False


def _contains(a: Any, b: Any) -> bool:
    try:
        return a in b
    except TypeError:
        return False


def _compare(
    op: type[ast.cmpop], a: Any, b: Any, a_is_null_literal: bool, b_is_null_literal: bool
) -> bool:
    """One link of a comparison chain under the null-safety rules.

    Any comparison with a null value is false, except ``== null`` / ``!= null`` written with the
    literal, which test for null so that definitions can ask "was this skipped?".
    """
    if op in (ast.Eq, ast.NotEq) and (a_is_null_literal or b_is_null_literal):
        other = b if a_is_null_literal else a
        is_null = other is None
        return is_null if op is ast.Eq else not is_null
    if a is None or b is None:
        return False
    if op is ast.Eq:
        return bool(a == b)
    if op is ast.NotEq:
        return bool(a != b)
    if op is ast.In:
        return _contains(a, b)
    if op is ast.NotIn:
        if not isinstance(b, str | list | tuple):
            return False
        return not _contains(a, b)
    return _ordering(op, a, b)


def _fn_len(args: list[Any]) -> Any:
    value = args[0]
    if value is None:
        return 0
    if isinstance(value, str | list | tuple):
        return len(value)
    return None


def _extreme(args: list[Any], pick: Callable[[list[Any]], Any]) -> Any:
    items = list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else args
    if not items or any(item is None for item in items):
        return None
    try:
        return pick(items)
    except TypeError:
        return None


def _fn_min(args: list[Any]) -> Any:
    return _extreme(args, min)


def _fn_max(args: list[Any]) -> Any:
    return _extreme(args, max)


def _fn_round(args: list[Any]) -> Any:
    value = args[0]
    if not _is_number(value):
        return None
    if len(args) == 1:
        try:
            return round(value)
        except (ArithmeticError, ValueError):
            return None
    digits = args[1]
    if not isinstance(digits, int) or isinstance(digits, bool):
        return None
    return round(value, digits)


def _fn_abs(args: list[Any]) -> Any:
    return abs(args[0]) if _is_number(args[0]) else None


_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "len": _fn_len,
    "min": _fn_min,
    "max": _fn_max,
    "round": _fn_round,
    "abs": _fn_abs,
}


def _is_null_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value is None
    return isinstance(node, ast.Name) and node.id == "null"


# --------------------------------------------------------------------------- compiler


class _Compiler:
    """Turns a whitelisted ``ast`` tree into closures, rejecting everything else."""

    def __init__(self, known: frozenset[str]) -> None:
        self.known = known
        self.names: set[str] = set()

    def compile(self, node: ast.expr) -> Evaluator:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.List | ast.Tuple):
            return self._sequence(node)
        if isinstance(node, ast.BoolOp):
            return self._bool_op(node)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node)
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        if isinstance(node, ast.Compare):
            return self._comparison(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        what = _FRIENDLY_NODE_NAMES.get(type(node), type(node).__name__)
        raise ExpressionError(f"{what} is not allowed: {ast.unparse(node)!r}")

    def _constant(self, node: ast.Constant) -> Evaluator:
        value = node.value
        if value is not None and not isinstance(value, bool | int | float | str):
            raise ExpressionError(f"literal {ast.unparse(node)!r} is not allowed")
        return lambda _values: value

    def _name(self, node: ast.Name) -> Evaluator:
        name = node.id
        if name in LITERAL_NAMES:
            literal = LITERAL_NAMES[name]
            return lambda _values: literal
        if name in self.known:
            self.names.add(name)
            return lambda values: values.get(name)
        if name in FUNCTION_ARITY:
            raise ExpressionError(f"function {name!r} must be called, e.g. {name}(x)", name=name)
        raise ExpressionError(f"unknown name {name!r}", name=name)

    def _sequence(self, node: ast.List | ast.Tuple) -> Evaluator:
        items = [self.compile(element) for element in node.elts]
        return lambda values: [item(values) for item in items]

    def _bool_op(self, node: ast.BoolOp) -> Evaluator:
        operands = [self.compile(value) for value in node.values]
        if isinstance(node.op, ast.And):

            def run_and(values: Mapping[str, Any]) -> Any:
                result: Any = None
                for operand in operands:
                    result = operand(values)
                    if not result:
                        return result
                return result

            return run_and

        def run_or(values: Mapping[str, Any]) -> Any:
            result: Any = None
            for operand in operands:
                result = operand(values)
                if result:
                    return result
            return result

        return run_or

    def _unary(self, node: ast.UnaryOp) -> Evaluator:
        operand = self.compile(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda values: not operand(values)
        if isinstance(node.op, ast.USub):

            def negate(values: Mapping[str, Any]) -> Any:
                value = operand(values)
                return -value if _is_number(value) else None

            return negate
        raise ExpressionError(f"operator in {ast.unparse(node)!r} is not allowed")

    def _binary(self, node: ast.BinOp) -> Evaluator:
        op = _ARITHMETIC.get(type(node.op))
        if op is None:
            raise ExpressionError(f"operator in {ast.unparse(node)!r} is not allowed")
        left = self.compile(node.left)
        right = self.compile(node.right)
        return lambda values: _arith(op, left(values), right(values))

    def _comparison(self, node: ast.Compare) -> Evaluator:
        allowed = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn)
        for op in node.ops:
            if not isinstance(op, allowed):
                hint = " (use == null / != null)" if isinstance(op, ast.Is | ast.IsNot) else ""
                raise ExpressionError(f"comparison in {ast.unparse(node)!r} is not allowed{hint}")
        operands = [node.left, *node.comparators]
        evaluators = [self.compile(operand) for operand in operands]
        null_literals = [_is_null_literal(operand) for operand in operands]
        ops = [type(op) for op in node.ops]

        def run(values: Mapping[str, Any]) -> bool:
            left = evaluators[0](values)
            for index, op in enumerate(ops):
                right = evaluators[index + 1](values)
                if not _compare(op, left, right, null_literals[index], null_literals[index + 1]):
                    return False
                left = right
            return True

        return run

    def _call(self, node: ast.Call) -> Evaluator:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTION_ARITY:
            raise ExpressionError(
                f"only {', '.join(FUNCTION_ARITY)} can be called: {ast.unparse(node)!r}"
            )
        name = node.func.id
        if node.keywords:
            raise ExpressionError(f"keyword arguments are not allowed: {ast.unparse(node)!r}")
        low, high = FUNCTION_ARITY[name]
        count = len(node.args)
        if count < low or (high is not None and count > high):
            if high is None:
                expected = f"{low} or more"
            else:
                expected = str(low) if low == high else f"{low}-{high}"
            raise ExpressionError(f"{name}() takes {expected} argument(s), got {count}")
        args = [self.compile(arg) for arg in node.args]
        function = _FUNCTIONS[name]
        return lambda values: function([arg(values) for arg in args])
