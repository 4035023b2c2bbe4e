"""The event loop the bot runs on: uvloop where it is installed, asyncio's own otherwise.

uvloop (libuv under asyncio's interface) makes the loop itself and aiohttp's sockets cheaper:
about a tenth less CPU per questionnaire answer and a tenth more answers a second on one core
(`benchmarks/throughput.py --fake-apart`, benchmarks/README.md). It is a drop-in loop; nothing
in the bot depends on which one runs. `EVENT_LOOP=asyncio` in the environment chooses
asyncio's loop (to rule the loop out when chasing a problem). The tests run on asyncio's loop;
the process tests (`tests/multiprocess`, `tests/robustness`) start `python -m bot run` and so
exercise this one.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None for asyncio's default (not installed, or not wanted)."""
    if os.environ.get("EVENT_LOOP", "").strip().lower() == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:  # Windows, or installed without it
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)


def name() -> str:
    """Which loop `run` uses, for start-up logs and benchmark headers."""
    return "asyncio" if loop_factory() is None else "uvloop"
