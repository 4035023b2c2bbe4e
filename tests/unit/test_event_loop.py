"""`python -m bot run` runs on uvloop when it is installed; EVENT_LOOP=asyncio opts out."""

from __future__ import annotations

import asyncio

import pytest

from bot import event_loop


async def _loop_class() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_uvloop_by_default_and_asyncio_on_request() -> None:
    pytest.importorskip("uvloop")
    assert event_loop.name() == "uvloop"
    assert event_loop.run(_loop_class()).startswith("uvloop")
    assert event_loop.name("asyncio") == "asyncio"
    assert event_loop.run(_loop_class(), "asyncio").startswith("asyncio")
