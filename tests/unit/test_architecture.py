"""The layout keeps its promises: no import cycles, dev tools out of the product, small modules.

Read from the source (AST), so the checks cost nothing at run time and a new cycle, a product
module that reaches into `devkit/` or a module that grows past the limit fails here first.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("bot", "db", "scheduler")
PACKAGES = (*PRODUCT, "devkit")
MAX_LINES = 500
# Modules over the limit, with the size they may not exceed while they wait to be split: the
# list may only shrink (every module was split in the "One conversation layer" issue).
OVERSIZED: dict[str, int] = {}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "versions" in path.parts:  # Alembic revisions are data, not code
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = _modules()


def _imports(body: list[ast.stmt]) -> Iterator[tuple[ast.stmt, str]]:
    """Every import in `body`, in functions too (a lazy import is still a dependency), but not
    those under `if TYPE_CHECKING:` (never run)."""
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _imports(node.orelse)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                yield node, submodule if submodule in MODULES else node.module
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(node, field, None)
            if isinstance(inner, list) and not isinstance(node, (ast.Import, ast.ImportFrom)):
                yield from _imports(inner)  # type: ignore[arg-type]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = {target for _, target in _imports(tree.body) if target in MODULES} - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_product_does_not_import_the_development_tools() -> None:
    """Only `python -m bot sandbox` reaches `devkit/`, from a checkout (bot/__main__.py)."""
    offenders = []
    for name, path in MODULES.items():
        if name.split(".")[0] not in PRODUCT:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for _node, target in _imports(tree.body):
            if target.split(".")[0] == "devkit":
                offenders.append(f"{name} imports {target}")
    assert offenders == ["bot.__main__ imports devkit.sandbox"]


def test_the_wheel_holds_the_product_and_not_the_development_tools() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packaged = set(find_packages(where=str(ROOT), include=include))
    assert not {p for p in packaged if p.split(".")[0] == "devkit"}
    product = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    assert {p for p in product if p.split(".")[0] in PRODUCT} <= packaged
    assert "devkit" in product  # the check above would pass vacuously without it


def test_no_module_grows_past_the_limit() -> None:
    over = {}
    for path in MODULES.values():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        key = path.relative_to(ROOT).as_posix()
        if lines > OVERSIZED.get(key, MAX_LINES):
            over[key] = lines
    assert over == {}, f"split these modules (at most {MAX_LINES} lines each): {over}"


def test_the_list_of_oversized_modules_only_shrinks() -> None:
    """A module that was split must leave the list, so the limit applies to it again."""
    stale = {
        key: limit
        for key, limit in OVERSIZED.items()
        if not (ROOT / key).exists()
        or len((ROOT / key).read_text(encoding="utf-8").splitlines()) <= MAX_LINES
    }
    assert stale == {}


def test_services_know_nothing_of_telegram() -> None:
    """Domain rules in `bot/services/` are plain Python: no aiogram, no handlers, no views."""
    offenders = []
    for name, path in MODULES.items():
        if not name.startswith("bot.services"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for _node, target in _imports(tree.body):
            if target.split(".")[0] == "aiogram" or target.startswith(
                ("bot.handlers", "bot.views")
            ):
                offenders.append(f"{name} imports {target}")
    assert offenders == []


def test_handlers_do_not_commit() -> None:
    """Use-cases own the transaction (issue 16): a handler calls one service function that
    writes, queues the notices and commits (or, refused, rolls back); it does neither itself."""
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}:{number}"
        for path in sorted((ROOT / "bot" / "handlers").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if (".commit(" in line or ".rollback(" in line) and not line.lstrip().startswith("#")
    ]
    assert offenders == [], f"move these into a service use-case: {offenders}"
