"""Import aiogram with its pydantic schemas built on first use, not all at import.

Why: ``aiogram/types/__init__.py`` ends with a loop that calls
``model_rebuild(_types_namespace=...)`` on each of its ~410 types, which builds every pydantic
core schema eagerly although ``TelegramObject`` asks for ``defer_build=True`` (aiogram issue
#1513). That loop alone costs ≈100 MB resident per process and a second of start-up; a bot
process needs only a few dozen of those schemas.

How: while aiogram is first imported, ``BaseModel.model_rebuild`` is replaced by a version that,
for a not-yet-built aiogram type given ``_types_namespace``, only stores that namespace as the
type's parent namespace (where pydantic looks when it builds the model on first use) and
returns. After the import the original ``model_rebuild`` is back, and the same namespace is
given to every class of ``aiogram.methods`` (their modules do not import the types their nested
fields refer to, so their lazy builds need it too). ``tests/unit/test_lazy_aiogram.py`` builds
every aiogram type and method through this path in a fresh process, so a type that cannot be
resolved fails CI.

Applied from ``bot/__init__.py``, so it runs before aiogram is imported by ``python -m bot``,
the tests, the sandbox and the benchmarks. If aiogram is already imported, or pydantic's or
aiogram's internals are not what this was tested with (``pyproject.toml`` pins both), it does
nothing but log a warning: aiogram then works exactly as upstream, with the eager build. Setting
``MAHALLA_EAGER_AIOGRAM=1`` in the environment turns it off (to measure the difference).
"""

from __future__ import annotations

import inspect
import logging
import os
import sys
from typing import Any

log = logging.getLogger(__name__)

_state: dict[str, Any] = {"applied": False, "reason": "not tried"}


def applied() -> bool:
    """True when aiogram was imported with lazy schemas in this process."""
    return bool(_state["applied"])


def reason() -> str:
    """Why the lazy import was not applied (for the warning and the tests)."""
    return str(_state["reason"])


def _give_up(why: str, *, warn: bool = True) -> None:
    _state["reason"] = why
    if warn:
        log.warning("aiogram imported with eager schemas (≈100 MB more memory): %s", why)


def install() -> bool:
    """Import aiogram lazily if it is not imported yet; returns whether that was done."""
    if _state["applied"]:
        return True
    if os.environ.get("MAHALLA_EAGER_AIOGRAM"):  # for measuring the difference, or an escape hatch
        _give_up("MAHALLA_EAGER_AIOGRAM is set", warn=False)
        return False
    if "aiogram" in sys.modules:
        _give_up("aiogram was imported before bot (import bot first)")
        return False
    try:
        from pydantic import BaseModel
    except ImportError:  # pragma: no cover - pydantic is a dependency of aiogram
        _give_up("pydantic is not installed")
        return False

    original = BaseModel.__dict__.get("model_rebuild")
    try:
        parameters = inspect.signature(BaseModel.model_rebuild).parameters
    except (TypeError, ValueError):
        parameters = {}  # type: ignore[assignment]
    if (
        not isinstance(original, classmethod)
        or "_types_namespace" not in parameters
        or "force" not in parameters
        or not hasattr(BaseModel, "__pydantic_parent_namespace__")
        or not hasattr(BaseModel, "__pydantic_complete__")
    ):
        _give_up("pydantic's model_rebuild is not the one this was tested with")
        return False

    captured: list[dict[str, Any]] = []

    def deferred_rebuild(cls: Any, **kwargs: Any) -> Any:
        namespace = kwargs.get("_types_namespace")
        if (
            namespace is not None
            and not kwargs.get("force")
            and cls.__module__.startswith("aiogram.types.")
            and not cls.__pydantic_complete__
        ):
            if not captured:
                captured.append(namespace)
            cls.__pydantic_parent_namespace__ = namespace  # read when pydantic builds it later
            return None
        # One frame more than usual (this one) lies between the caller and pydantic.
        kwargs["_parent_namespace_depth"] = kwargs.get("_parent_namespace_depth", 2) + 1
        return original.__func__(cls, **kwargs)

    BaseModel.model_rebuild = classmethod(deferred_rebuild)  # type: ignore[assignment,method-assign]
    try:
        import aiogram.methods
        import aiogram.types
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]

    update = getattr(aiogram.types, "Update", None)
    if not captured or update is None or update.__pydantic_complete__:
        _give_up("aiogram's types were not deferred (aiogram changed how it imports them)")
        return False
    namespace = captured[0]
    for cls in _method_models(aiogram.methods):
        own = cls.__dict__.get("__pydantic_parent_namespace__")
        cls.__pydantic_parent_namespace__ = {**namespace, **own} if own else namespace
    _state.update(applied=True, reason="")
    return True


def _method_models(package: Any) -> list[type[Any]]:
    """Every pydantic model defined in aiogram.methods (the methods, TelegramMethod, Response…)."""
    from pydantic import BaseModel

    models: dict[str, type[Any]] = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(package.__name__):
            continue
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__.startswith(package.__name__)
            ):
                models[f"{value.__module__}.{value.__qualname__}"] = value
    return list(models.values())
