"""The event loop the bot runs on: uvloop where it is installed, asyncio's own otherwise.

uvloop (libuv under asyncio's interface) makes the loop itself and aiohttp's sockets cheaper:
about a tenth less CPU per questionnaire answer and a tenth more answers a second on one core
(`benchmarks/throughput.py --fake-apart`, benchmarks/README.md). It is a drop-in loop; nothing
in the bot depends on which one runs. The setting `EVENT_LOOP=asyncio` chooses asyncio's loop
(to rule the loop out when chasing a problem). The tests run on asyncio's loop;
the process tests (`tests/multiprocess`, `tests/robustness`) start `python -m bot run` and so
exercise this one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory(choice: str = "uvloop") -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None for asyncio's default (not installed, or not wanted)."""
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:  # Windows, or installed without it
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T], choice: str = "uvloop") -> T:
    """`asyncio.run(main)` on the chosen loop (the `EVENT_LOOP` setting)."""
    with asyncio.Runner(loop_factory=loop_factory(choice)) as runner:
        return runner.run(main)


def name(choice: str = "uvloop") -> str:
    """Which loop `run` uses, for start-up logs and benchmark headers."""
    return "asyncio" if loop_factory(choice) is None else "uvloop"
