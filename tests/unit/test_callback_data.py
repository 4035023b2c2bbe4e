"""Every CallbackData factory of the product fits Telegram's 64-byte limit with its longest
realistic values, and every `action` is an Enum with readable names (not a free string)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import typing
from enum import Enum
from pathlib import Path

import pytest
from aiogram.filters.callback_data import CallbackData

import bot
from bot import callbacks
from bot.flows.loader import load_definitions
from bot.services import jobs, occupations
from bot.services.cases import ASSISTANT_FILTERS, OUTCOMES, TRANSITIONS
from bot.services.eligibility import INSTITUTIONS

LIMIT = 64
MAX_ID = 2**31  # ids and page numbers: above any Postgres integer
SOATO = "9" * 10  # regions and districts: String(10)
PLACE = "9" * 8  # a mahalla's code: 123-4567 or 8 digits (bot.services.registry)


def _longest(values: typing.Iterable[str]) -> str:
    return max(values, key=lambda value: len(value.encode()))


def _factories() -> list[type[CallbackData]]:
    for info in pkgutil.walk_packages(bot.__path__, "bot."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found: set[type[CallbackData]] = set()
    pending = list(CallbackData.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("bot."):
            found.add(cls)
    return sorted(found, key=lambda cls: cls.__name__)


FACTORIES = _factories()
_FLOWS = load_definitions()
_STATUSES = {*TRANSITIONS, *(target for targets in TRANSITIONS.values() for target in targets)}

#: The longest value each free-text field carries; a new one must be added here.
LONGEST: dict[str, str] = {
    "LangCB.code": "uz_Cyrl",
    "PlaceCB.purpose": "sa",
    "PlaceCB.level": "p",
    "PlaceCB.code": PLACE,
    "PlaceBackCB.purpose": "sa",
    "PlaceBackCB.level": "d",
    "PlaceBackCB.code": SOATO,
    "InviteCB.kind": "a",
    "RegCB.value": "consent",
    "QCB.q": _longest(q.id for flow in _FLOWS for q in flow.questions),
    "QCB.v": _longest(c.id for flow in _FLOWS for q in flow.questions for c in q.choices or ()),
    "CaseCB.v": "y",
    "ACB.f": _longest(ASSISTANT_FILTERS),
    "ACB.v": _longest([*_STATUSES, *OUTCOMES]),
    "RoadmapCB.v": _longest(INSTITUTIONS),
    "JobCB.v": _longest([*jobs.KINDS, PLACE]),
    "SupCB.level": "c",
    "SupCB.code": PLACE,
    "VacCB.v": _longest([*occupations.occupation_ids(), "d" + SOATO, PLACE]),
    "SvCB.v": f"a.{PLACE}.{MAX_ID}",  # where a case opened from the drill-down goes back
    "DrillCB.level": "h",
    "DrillCB.code": PLACE,
    "PickCB.level": "h",
    "PickCB.code": SOATO,
    "AdmCB.v": f"s.{PLACE}",  # role.place
}


def _hints(cls: type[CallbackData]) -> dict[str, typing.Any]:
    return typing.get_type_hints(cls)


def _instances(cls: type[CallbackData]) -> list[CallbackData]:
    """One instance per value of its Enum fields, every other field at its longest."""
    base: dict[str, typing.Any] = {}
    enums: dict[str, type[Enum]] = {}
    for name, hint in _hints(cls).items():
        if name not in cls.model_fields:
            continue
        if isinstance(hint, type) and issubclass(hint, Enum):
            enums[name] = hint
        elif hint is int:
            base[name] = MAX_ID
        elif hint is str:
            key = f"{cls.__name__}.{name}"
            assert key in LONGEST, f"add the longest realistic value of {key} to LONGEST"
            base[name] = LONGEST[key]
        else:
            raise AssertionError(f"{cls.__name__}.{name}: unexpected type {hint!r}")
    if not enums:
        return [cls(**base)]
    [(field, enum)] = enums.items()
    return [cls(**base, **{field: member}) for member in enum]


def test_the_product_has_factories() -> None:
    assert len(FACTORIES) >= 10
    assert {"QCB", "ACB", "SvCB", "AdmCB", "VacCB"} <= {cls.__name__ for cls in FACTORIES}


@pytest.mark.parametrize("cls", FACTORIES, ids=lambda cls: cls.__name__)
def test_callback_data_fits_64_bytes(cls: type[CallbackData]) -> None:
    for data in _instances(cls):
        packed = data.pack()
        assert len(packed.encode()) <= LIMIT, (packed, len(packed.encode()))
        assert cls.unpack(packed) == data


@pytest.mark.parametrize("cls", FACTORIES, ids=lambda cls: cls.__name__)
def test_action_is_an_enum_not_a_string(cls: type[CallbackData]) -> None:
    if "action" not in cls.model_fields:
        return
    hint = _hints(cls)["action"]
    assert isinstance(hint, type) and issubclass(hint, Enum), f"{cls.__name__}.action: {hint!r}"
    assert issubclass(hint, str)  # packs to its short value, compares equal to it
    values = [member.value for member in hint]
    assert len(values) == len(set(values))
    assert all(value and ":" not in value for value in values)


def test_unknown_action_is_not_unpacked() -> None:
    """A forged or long-gone code fails to unpack, so no handler of that factory takes it."""
    qcb = next(cls for cls in FACTORIES if cls.__name__ == "QCB")
    with pytest.raises(ValueError):
        qcb.unpack("q:1:zz::")


#: Helpers whose first argument is an action (a member, never its code).
ACTION_FIRST = {"back_button", "_cb", "_raw_cb"}


def _code_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """Where the code names an action by its packed code ("hirey") instead of its member."""
    found: list[tuple[int, str]] = []

    def strings(node: ast.AST) -> None:
        found.extend(
            (sub.lineno, sub.value)
            for sub in ast.walk(node)
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
        )

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            if func.endswith("CB"):  # SvCB(action="ra")
                for keyword in node.keywords:
                    if keyword.arg == "action":
                        strings(keyword.value)
            if func in {"F.action.in_", "register_buttons"}:  # the filter's set, the table's keys
                for arg in node.args:
                    strings(arg)
            if func in ACTION_FIRST and node.args:  # helpers taking an action first
                strings(node.args[0])
        elif isinstance(node, ast.Compare):  # F.action == "ra", cb.action in ("x", "xx")
            if ast.unparse(node.left).split(".")[-1] == "action":
                for comparator in node.comparators:
                    strings(comparator)
        elif isinstance(node, ast.Dict | ast.Set):  # a table keyed by actions: no key a code
            keys = [key for key in (node.keys if isinstance(node, ast.Dict) else node.elts) if key]
            codes = {
                member.value
                for key in keys
                if isinstance(key, ast.Attribute) and isinstance(key.value, ast.Name)
                for member in getattr(callbacks, key.value.id, ())
                if key.value.id.endswith("Action")
            }
            found.extend(
                (key.lineno, key.value)
                for key in keys
                if isinstance(key, ast.Constant) and key.value in codes
            )
    return found


def test_handlers_name_actions_by_their_members() -> None:
    """Handlers and keyboards say `VacancyAction.HIRE_YES`, never the packed "hirey": the code
    is the wire format, the member's name is what a reader (and a search) meets."""
    root = Path(bot.__file__).parent
    offenders = [
        f"{path.relative_to(root.parent)}:{line}: {value!r}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "callbacks.py"
        for line, value in _code_literals(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not offenders, "use the Action enum member:\n" + "\n".join(offenders)


def test_the_code_check_can_fail() -> None:
    source = (
        'SvCB(action="ra")\nVacCB.filter(F.action == "hirey")\nif cb.action in ("x", "xx"): pass\n'
        'register_buttons(r, JobCB, {"del": on_delete})\n'
    )
    source += 'builder.row(back_button("fu"))\n'
    table = 'HELP = {AdminAction.HELP: "?", "hlp": "?", "invite": "?"}\n'
    found = _code_literals(ast.parse(source + table))
    assert sorted(found) == [
        (1, "ra"),
        (2, "hirey"),
        (3, "x"),
        (3, "xx"),
        (4, "del"),
        (5, "fu"),
        (6, "hlp"),
    ]
