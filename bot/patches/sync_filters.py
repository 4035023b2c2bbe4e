"""Run synchronous filters inline instead of in a thread.

aiogram calls every filter that is not a coroutine function (``StateFilter`` for a bare
``State``, ``F.…`` magic filters, plain functions) through ``asyncio.to_thread``. Those filters
are tiny comparisons, so the thread hop (a pool hand-off, a wake-up of the event loop and GIL
contention with the database threads) costs far more than the check itself, and every update
tries dozens of them on its way through the routers. Our filters never block, so after the
routers are built each synchronous filter object is given a coroutine that calls it directly.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject


def _inline(filter_object: FilterObject) -> bool:
    if filter_object.awaitable:
        return False
    check: Callable[..., Any] = filter_object.callback

    async def call_inline(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    filter_object.callback = call_inline
    filter_object.awaitable = True
    return True


def _filters(router: Router) -> Iterable[FilterObject]:
    for observer in router.observers.values():
        observer_wide = getattr(observer, "_handler", None)  # router.message.filter(...)
        if observer_wide is not None:
            yield from observer_wide.filters or ()
        for handler in observer.handlers:
            yield from handler.filters or ()


def run_sync_filters_inline(root: Router) -> int:
    """Make every synchronous filter under `root` run in the event loop; returns how many."""
    count = 0
    for router in root.chain_tail:
        for filter_object in _filters(router):
            if inspect.iscoroutinefunction(filter_object.callback):
                continue
            count += _inline(filter_object)
    return count
