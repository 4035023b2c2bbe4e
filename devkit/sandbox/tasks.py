"""The "fire a scheduled job now" control: the sandbox's only coupling to the scheduler.

The scheduler is written separately; this looks for its ``run_task(name, now)`` and the list of
job names, and hands the page a disabled control (with the reason) when they are not there.
Everything that knows about the scheduler's shape is in :func:`scheduler_hook`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: What the product brief schedules, shown (disabled) when the scheduler names none.
EXPECTED_JOBS = (
    "morning_reminder",
    "evening_nudge",
    "daily_digest",
    "weekly_summary",
    "monthly_summary",
    "overdue_check",
)
JobRunner = Callable[[str, dt.datetime, Mapping[str, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class JobControl:
    """What the page's job panel offers: names, and a runner or the reason there is none."""

    names: tuple[str, ...]
    run: JobRunner | None = None
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.run is not None


def scheduler_hook(modules: tuple[str, ...] = ("scheduler.tasks", "scheduler")) -> JobControl:
    """Find ``run_task`` in the scheduler package; adapt its signature to (name, now, context).

    ``run_task``'s parameters are filled by name: ``name``/``job``, ``now``, ``force`` (True),
    and any of the context objects the sandbox holds (``app``, ``settings``, ``sessions``,
    ``bot``, ``i18n``, ``outbox``, ``dispatcher``, ``engine``). Job names come from ``JOBS`` / ``TASK_NAMES`` (a
    mapping or a sequence of names or objects with ``.name``) or ``job_names()``.
    """
    run_task: Callable[..., Any] | None = None
    names: tuple[str, ...] = ()
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        run_task = run_task or getattr(module, "run_task", None)
        names = names or _names_of(module)
    if run_task is None:
        return JobControl(EXPECTED_JOBS, reason="the scheduler has no run_task(name, now) yet")
    signature = inspect.signature(run_task)
    found = run_task

    async def run(name: str, now: dt.datetime, context: Mapping[str, Any]) -> Any:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for parameter in signature.parameters.values():
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            if parameter.name in ("name", "job", "job_name"):
                value: Any = name
            elif parameter.name == "now":
                value = now
            elif parameter.name == "force":
                value = True  # "now" means now: also on a day off, also a second time
            elif parameter.name in context:
                value = context[parameter.name]
            elif parameter.default is not parameter.empty:
                continue
            else:
                raise TypeError(f"run_task needs {parameter.name!r}, which the sandbox lacks")
            if parameter.kind == parameter.POSITIONAL_ONLY:
                args.append(value)
            else:
                kwargs[parameter.name] = value
        result = found(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    return JobControl(names or EXPECTED_JOBS, run=run)


def _names_of(module: Any) -> tuple[str, ...]:
    source: Any = getattr(module, "JOBS", None) or getattr(module, "TASK_NAMES", None)
    if source is None and callable(getattr(module, "job_names", None)):
        try:
            source = module.job_names()
        except Exception:
            source = None
    if isinstance(source, Mapping):
        return tuple(str(key) for key in source)
    if isinstance(source, list | tuple | set | frozenset):
        return tuple(
            str(item if isinstance(item, str) else getattr(item, "name", item)) for item in source
        )
    return ()
