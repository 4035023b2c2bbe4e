"""The fake Bot API against the shared spec: same version as the reference, the limits the spec
states, and spec violations told apart from errors a correct bot can meet (races, users)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BufferedInputFile,
    ForceReply,
    KeyboardButton,
    MessageEntity,
    ReplyKeyboardMarkup,
)

from devkit.fakeapi import FakeBotAPI
from devkit.fakeapi.specgen import DEFAULT_OUTPUT, build_slim_spec, render
from tests.support.harness import TOKEN, BotHarness, make_settings
from tests.support.reference import reference_data

REFERENCE = reference_data("telegram-bot-api") / "api.json"


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI(token=TOKEN, bot_username="mahalla_test_bot")
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    client = Bot(TOKEN, session=session)
    yield client
    await session.close()


@pytest.mark.skipif(
    not REFERENCE.exists(), reason="set REFERENCE_DATA to check against the Bot API spec"
)
def test_the_packaged_spec_is_the_shared_reference() -> None:
    full = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert render(build_slim_spec(full)) == DEFAULT_OUTPUT.read_text(encoding="utf-8")
    assert json.loads(DEFAULT_OUTPUT.read_text(encoding="utf-8"))["version"] == full["version"]


async def test_spec_limits(bot: Bot, fake: FakeBotAPI) -> None:
    user = fake.user(7, started=True)
    await bot.send_message(user.id, "😀" * 2048)  # 4096 UTF-16 code units
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(user.id, "😀" * 2049)
    with pytest.raises(TelegramBadRequest, match="entity type"):
        await bot.send_message(
            user.id, "hello", entities=[MessageEntity(type="shout", offset=0, length=5)]
        )
    with pytest.raises(TelegramBadRequest, match="beyond the end"):
        await bot.send_message(
            user.id, "hello", entities=[MessageEntity(type="bold", offset=3, length=5)]
        )
    keyboard = [[KeyboardButton(text="A")]]
    with pytest.raises(TelegramBadRequest, match="input_field_placeholder"):
        await bot.send_message(
            user.id,
            "x",
            reply_markup=ReplyKeyboardMarkup(keyboard=keyboard, input_field_placeholder="p" * 65),
        )
    with pytest.raises(TelegramBadRequest, match="input_field_placeholder"):
        await bot.send_message(
            user.id, "x", reply_markup=ForceReply(force_reply=True, input_field_placeholder="")
        )
    with pytest.raises(TelegramBadRequest, match="non-empty"):
        await bot.send_document(user.id, BufferedInputFile(b"", filename="empty.csv"))
    assert len(fake.violations()) == 6 and all(not c.ok for c in fake.violations())


async def test_runtime_errors_are_not_violations(bot: Bot, fake: FakeBotAPI) -> None:
    user = fake.user(7, started=True)
    sent = await bot.send_message(user.id, "same")
    with pytest.raises(TelegramBadRequest, match="not modified"):
        await bot.edit_message_text("same", chat_id=user.id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(404, "x")
    fake.fail_next("sendMessage", 400, "Bad Request: injected")
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(user.id, "x")
    assert len(fake.errors()) == 3 and fake.violations() == []
    with pytest.raises(TelegramBadRequest, match="callback answer text"):
        await bot.answer_callback_query("1", text="x" * 201)
    assert [c.method for c in fake.violations()] == ["answerCallbackQuery"]


async def test_the_harness_fails_a_test_whose_bot_broke_the_spec(
    fake: FakeBotAPI, db_url: str
) -> None:
    harness = BotHarness(fake, make_settings(db_url, fake.base_url))
    await harness.start()
    user = harness.user(77, first_name="Ali", language_code="uz")
    await user.send("/start")
    assert harness.app is not None
    with pytest.raises(TelegramBadRequest):
        await harness.app.bot.send_message(user.id, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(AssertionError, match="sendMessage: Bad Request: can't parse entities"):
        await harness.stop()


async def test_a_redelivered_update_keeps_its_id(fake: FakeBotAPI, bot: Bot) -> None:
    user = fake.user(7)
    message = fake.core.add_user_message(user.record, {"text": "hi"})
    update_id, _ = fake.core.inject_update({"message": message.raw})
    (first,) = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=update_id + 1, timeout=0)  # confirmed
    assert fake.core.pending_updates == []
    fake.core.redeliver(update_id)
    (again,) = await bot.get_updates(timeout=0)
    assert again.update_id == first.update_id == update_id
    assert again.message is not None and again.message.text == "hi"
    with pytest.raises(AssertionError, match="never delivered"):
        fake.core.redeliver(999)
