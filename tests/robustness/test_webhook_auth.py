"""Webhook mode accepts only Telegram: a POST without the right secret token gets 401 and is not
processed, even a forged update from an admin's id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from db.models import ProcessedUpdate, User
from tests.support.harness import ADMIN_ID, BotHarness, make_settings

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


@pytest.fixture
async def harness(fake: Any, db_url: str, redis_url: str | None) -> AsyncIterator[Any]:
    h = BotHarness(fake, make_settings(db_url, fake.base_url, redis_url), mode="webhook")
    await h.start()
    yield h
    await h.stop()


def forged(update_id: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_800_000_000,
            "chat": {"id": ADMIN_ID, "type": "private", "first_name": "Admin"},
            "from": {"id": ADMIN_ID, "is_bot": False, "first_name": "Admin"},
            "text": "/admin",
        },
    }


async def post(harness: Any, update: dict[str, Any], headers: dict[str, str]) -> int:
    port = harness._web.addresses[0][1]
    url = f"http://127.0.0.1:{port}/webhook"
    async with aiohttp.ClientSession() as http, http.post(url, json=update, headers=headers) as r:
        return r.status


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Telegram-Bot-Api-Secret-Token": "guessed"}, {"X-Telegram-Bot-Api-Secret-Token": ""}],
    ids=["no header", "wrong secret", "empty secret"],
)
async def test_a_post_without_the_secret_is_refused_and_not_processed(
    harness: Any, headers: dict[str, str]
) -> None:
    assert await post(harness, forged(900_001), headers) == 401
    assert harness.fake.calls_to("sendMessage") == []
    async with harness.db() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0


async def test_the_right_secret_is_processed(harness: Any) -> None:
    secret = harness.settings.webhook_secret.get_secret_value()
    assert await post(harness, forged(900_002), {"X-Telegram-Bot-Api-Secret-Token": secret}) == 200
    async with harness.db() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1
