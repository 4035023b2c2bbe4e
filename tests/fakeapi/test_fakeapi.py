"""Tests of the fake Bot API driven through a real aiogram Bot/Dispatcher over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.filters import Command, CommandStart
from aiogram.methods import SendMessage
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import ClientSession, web

from devkit.fakeapi import FakeBotAPI, SimUser
from devkit.fakeapi.formatting import parse_html
from devkit.fakeapi.specgen import build_slim_spec

TOKEN = "42:TEST"


class _QuickSession(AiohttpSession):
    """aiogram's session sleeps 250 ms on close; tests don't need that."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


# --------------------------------------------------------------------------- fixtures
@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    """A started fake server, stopped after the test."""
    server = FakeBotAPI(token=TOKEN, bot_username="mahalla_test_bot")
    await server.start()
    yield server
    await server.stop()


def make_bot(fake: FakeBotAPI) -> Bot:
    """A bare aiogram Bot talking to the fake over HTTP."""
    return Bot(TOKEN, session=_QuickSession(api=TelegramAPIServer.from_base(fake.base_url)))


@pytest.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    """Bare bot bound to ``fake``."""
    instance = make_bot(fake)
    yield instance
    await instance.session.close()


def build_router() -> Router:
    """Tiny bot: /start with inline language buttons, a reply keyboard, contacts, echo."""
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Русский", callback_data="lang:ru"),
                    InlineKeyboardButton(text="O‘zbekcha", callback_data="lang:uz"),
                ],
                [InlineKeyboardButton(text="Site", url="https://example.uz")],
            ]
        )
        await message.answer(
            "Salom! <b>Tilni tanlang</b>", reply_markup=keyboard, parse_mode="HTML"
        )

    @router.callback_query(F.data.startswith("lang:"))
    async def language(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        await query.answer("OK")
        await query.message.edit_text(f"Til: {query.data}")

    @router.callback_query()
    async def forged(query: CallbackQuery) -> None:
        await query.answer("Unknown button", show_alert=True)

    @router.message(Command("menu"))
    async def menu(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[
                [KeyboardButton(text="Telefon raqam", request_contact=True)],
                [KeyboardButton(text="Yordam")],
            ],
            resize_keyboard=True,
        )
        await message.answer("Menyu", reply_markup=keyboard)

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None and message.from_user is not None
        own = message.contact.user_id == message.from_user.id
        await message.answer(
            f"Raqam: {message.contact.phone_number} own={own}", reply_markup=ReplyKeyboardRemove()
        )

    @router.message(F.document)
    async def document(message: Message, bot: Bot) -> None:
        assert message.document is not None
        data = await bot.download(message.document.file_id)
        assert data is not None
        await message.answer(f"Got {message.document.file_name}: {data.read().decode()}")

    @router.message(F.text == "ping")
    async def ping(message: Message) -> SendMessage:
        # Returned methods are sent in the webhook response (executed by the fake).
        return message.answer("pong")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    return router


@pytest.fixture
async def polling(fake: FakeBotAPI, bot: Bot) -> AsyncIterator[Dispatcher]:
    """Dispatcher polling the fake with handle_as_tasks=False (so send() can wait)."""
    dp = Dispatcher()
    dp.include_router(build_router())
    task = asyncio.create_task(
        dp.start_polling(bot, handle_as_tasks=False, handle_signals=False, close_bot_session=False)
    )
    yield dp
    await dp.stop_polling()
    await task


@pytest.fixture
def ali(fake: FakeBotAPI) -> SimUser:
    """A user who has not written to the bot yet."""
    return fake.user(1001, first_name="Ali", language_code="uz")


async def raw_post(fake: FakeBotAPI, method: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """Call the fake without aiogram (to see raw HTTP codes)."""
    async with (
        ClientSession() as session,
        session.post(f"{fake.base_url}/bot{TOKEN}/{method}", **kwargs) as response,
    ):
        return response.status, await response.json()


# --------------------------------------------------------------------------- conversation
async def test_send_reply_round_trip(fake: FakeBotAPI, polling: Dispatcher, ali: SimUser) -> None:
    replies = await ali.send("/start")
    assert [m.text for m in replies] == ["Salom! Tilni tanlang"]
    assert replies[0].html == "Salom! <b>Tilni tanlang</b>"
    assert replies[0].entities == [{"type": "bold", "offset": 7, "length": 13}]
    assert replies[0].buttons == [["Русский", "O‘zbekcha"], ["Site"]]
    assert ali.last is replies[0]
    assert await ali.send("hello") == [ali.last]
    assert ali.texts() == ["Salom! Tilni tanlang", "hello"]
    sent = fake.calls_to("sendMessage")
    assert [c.params["chat_id"] for c in sent] == [1001, 1001] and all(c.ok for c in sent)


async def test_press_inline_button_answers_callback(
    fake: FakeBotAPI, polling: Dispatcher, ali: SimUser
) -> None:
    start = (await ali.send("/start"))[0]
    replies = await ali.press("Русский")
    assert replies == [start] and start.edited and start.text == "Til: lang:ru"
    assert start.buttons == []  # edit without reply_markup drops the keyboard, like Telegram
    assert ali.last_answer is not None and ali.last_answer.text == "OK"
    assert fake.unanswered_callbacks() == []
    with pytest.raises(AssertionError, match="no button 'Русский'"):
        await ali.press("Русский")
    await ali.send("/start")
    with pytest.raises(AssertionError, match="url button"):
        await ali.press("Site")
    await ali.press_data(ali.last.message_id, "forged:123")  # type: ignore[union-attr]
    assert ali.last_answer is not None and ali.last_answer.show_alert


async def test_reply_keyboard_and_request_contact(polling: Dispatcher, ali: SimUser) -> None:
    await ali.send("/menu")
    assert ali.reply_keyboard == [["Telefon raqam"], ["Yordam"]]
    assert [m.text for m in await ali.press("Yordam")] == ["Yordam"]
    replies = await ali.press("Telefon raqam")
    assert replies[0].text == "Raqam: +998900001001 own=True"
    assert ali.reply_keyboard == []  # ReplyKeyboardRemove
    replies = await ali.send_contact(phone="+998901112233", user_id=999)
    assert replies[0].text == "Raqam: +998901112233 own=False"


async def test_user_document_download_and_bot_upload(
    fake: FakeBotAPI, polling: Dispatcher, bot: Bot, ali: SimUser
) -> None:
    replies = await ali.send_document(b"hello", "a.txt")
    assert replies[0].text == "Got a.txt: hello"
    await bot.send_document(ali.id, BufferedInputFile(b"%PDF-1", "report.pdf"), caption="Hisobot")
    last = ali.last
    assert last is not None and last.document is not None and last.caption == "Hisobot"
    assert (last.document.filename, last.document.mime_type, last.document.data) == (
        "report.pdf",
        "application/pdf",
        b"%PDF-1",
    )
    again = await bot.send_document(ali.id, last.document.file_id)  # resend by file_id
    assert again.document is not None and again.document.file_name == "report.pdf"
    await bot.send_photo(ali.id, "https://example.uz/p.jpg")
    assert ali.last is not None and ali.last.photo is not None


async def test_webhook_mode(fake: FakeBotAPI, bot: Bot, ali: SimUser) -> None:
    dp = Dispatcher()
    dp.include_router(build_router())
    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token="s3cret").register(
        app, path="/hook"
    )
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        assert (await bot.get_webhook_info()).url.endswith("/hook")
        assert [m.text for m in await ali.send("/start")] == ["Salom! Tilni tanlang"]
        assert [m.text for m in await ali.press("Русский")] == ["Til: lang:ru"]
        # The handler returns SendMessage: it travels in the webhook response.
        assert [m.text for m in await ali.send("ping")] == ["pong"]
        assert fake.calls_to("sendMessage")[-1].source == "webhook_reply"
        with pytest.raises(TelegramConflictError):
            await bot.get_updates()
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="wrong")
        with pytest.raises(AssertionError, match="401"):
            await ali.send("hi")
        assert "401" in ((await bot.get_webhook_info()).last_error_message or "")
    finally:
        await runner.cleanup()


# --------------------------------------------------------------------------- validation
async def test_text_rules(bot: Bot, fake: FakeBotAPI) -> None:
    user = fake.user(7, started=True)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(user.id, "x" * 4097)
    await bot.send_message(user.id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(user.id, "a < b", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(user.id, "Tom & Jerry", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(user.id, "<b>open", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(user.id, "<b> </b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(user.id, "https://example.uz/p.jpg", caption="c" * 1025)
    await bot.send_message(user.id, "*bold*", parse_mode="MarkdownV2")  # stored as is


async def test_keyboard_rules(bot: Bot, fake: FakeBotAPI) -> None:
    user = fake.user(7, started=True)

    def markup(**button: Any) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="B", **button)]])

    await bot.send_message(user.id, "ok", reply_markup=markup(callback_data="я" * 32))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):  # 66 bytes
        await bot.send_message(user.id, "x", reply_markup=markup(callback_data="я" * 33))
    with pytest.raises(TelegramBadRequest, match="Text buttons are unallowed"):
        await bot.send_message(user.id, "x", reply_markup=markup())
    with pytest.raises(TelegramBadRequest, match="exactly one action"):
        await bot.send_message(
            user.id, "x", reply_markup=markup(callback_data="a", url="https://a.uz")
        )


async def test_unknown_method_missing_and_unknown_parameters(fake: FakeBotAPI) -> None:
    fake.user(7, started=True)
    assert await raw_post(fake, "sendMesage", json={"chat_id": 7, "text": "x"}) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    status, body = await raw_post(fake, "SENDMESSAGE", data={"chat_id": "7", "text": "hi"})
    assert status == 200 and body["result"]["text"] == "hi"
    status, body = await raw_post(fake, "sendMessage", json={"text": "x"})
    assert (status, body["description"]) == (400, 'Bad Request: parameter "chat_id" is required')
    status, body = await raw_post(fake, "sendMessage", json={"chat_id": 7, "text": "x", "txt": 1})
    assert status == 400 and "unknown parameter" in body["description"]
    status, body = await raw_post(fake, "getUpdates", json={"limit": "many"})
    assert status == 400 and "expected Integer" in body["description"]
    async with ClientSession() as session, session.get(f"{fake.base_url}/botBAD/getMe") as resp:
        assert resp.status == 401


async def test_chat_access_rules(bot: Bot, fake: FakeBotAPI) -> None:
    newcomer = fake.user(8)
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(newcomer.id, "hi")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(123456, "hi")
    fan = fake.user(9, started=True)
    fake.block(fan.id)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(fan.id, "hi")
    fake.unblock(fan.id)
    await bot.send_message(fan.id, "hi")


async def test_edit_delete_and_callback_errors(bot: Bot, fake: FakeBotAPI) -> None:
    user = fake.user(7, started=True)
    sent = await bot.send_message(user.id, "v1")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("v1", chat_id=user.id, message_id=sent.message_id)
    await bot.edit_message_text("v2", chat_id=user.id, message_id=sent.message_id)
    assert user.last is not None and user.last.text == "v2" and user.last.edited
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=999)
    await bot.delete_message(user.id, sent.message_id)
    assert user.last is None and user.messages[0].deleted
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("nope")


async def test_fail_next_and_flood_emulation(bot: Bot, fake: FakeBotAPI) -> None:
    user = fake.user(7, started=True)
    fake.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(user.id, "x")
    assert caught.value.retry_after == 3
    await bot.send_message(user.id, "y")
    assert [c.error_code for c in fake.calls_to("sendMessage")] == [429, None]

    limited = FakeBotAPI(token=TOKEN, emulate_limits=True)
    await limited.start()
    limited_bot = make_bot(limited)
    try:
        limited.user(7, started=True)
        for _ in range(3):  # burst of 3 per chat is allowed
            await limited_bot.send_message(7, "burst")
        with pytest.raises(TelegramRetryAfter):
            await limited_bot.send_message(7, "too fast")
        assert limited.flood_hits == 1 and len(limited.errors(429)) == 1
    finally:
        await limited_bot.session.close()
        await limited.stop()


async def test_commands_menu_and_descriptions(bot: Bot, fake: FakeBotAPI) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Boshlash")])
    await bot.set_my_commands(
        [BotCommand(command="start", description="Начать")], language_code="ru"
    )
    scope = BotCommandScopeChat(chat_id=5)
    await bot.set_my_commands([BotCommand(command="admin", description="Admin")], scope=scope)
    assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["admin"]
    assert fake.commands(language_code="ru") == [{"command": "start", "description": "Начать"}]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])
    await bot.delete_my_commands(language_code="ru")
    assert fake.commands(language_code="ru") == []
    await bot.set_my_description("Mahalla yordamchisi")
    assert (await bot.get_my_description()).description == "Mahalla yordamchisi"
    assert (await bot.get_chat_menu_button()).type == "default"
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (42, "mahalla_test_bot", True)


async def test_wait_for_background_call(bot: Bot, fake: FakeBotAPI) -> None:
    user = fake.user(7, started=True)

    async def background_sender() -> None:
        await asyncio.sleep(0)
        await bot.send_message(user.id, "from outbox")

    task = asyncio.create_task(background_sender())
    call = await fake.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=5)
    assert call.params["text"] == "from outbox"
    await task
    with pytest.raises(AssertionError, match="no matching API call"):
        await fake.wait_for(lambda c: c.method == "sendPoll", timeout=0.05)


async def test_send_times_out_without_a_bot(fake: FakeBotAPI, ali: SimUser) -> None:
    fake.process_timeout = 0.05
    with pytest.raises(AssertionError, match=r"did not finish update 1 \(message text='hi'\)"):
        await ali.send("hi")


# --------------------------------------------------------------------------- units
def test_html_entities_use_utf16_offsets() -> None:
    parsed = parse_html('😀 <i>a&lt;b</i> <a href="https://x.uz?a=1&amp;b=2">l</a>')
    assert parsed.text == "😀 a<b l"
    assert parsed.entities == [
        {"type": "italic", "offset": 3, "length": 3},
        {"type": "text_link", "offset": 7, "length": 1, "url": "https://x.uz?a=1&b=2"},
    ]


def test_specgen_keeps_what_validation_needs() -> None:
    full = {
        "version": "Bot API 0",
        "methods": {
            "getMe": {"name": "getMe", "returns": ["User"], "fields": []},
        },
        "types": {
            "Update": {"fields": [{"name": "update_id"}, {"name": "message"}]},
            "BotCommandScope": {"subtypes": ["BotCommandScopeDefault"]},
            "BotCommandScopeDefault": {
                "fields": [
                    {
                        "name": "type",
                        "types": ["String"],
                        "required": True,
                        "description": "Scope type, must be default",
                    }
                ]
            },
        },
    }
    slim = build_slim_spec(full)
    assert slim["methods"]["getMe"] == {"returns": ["User"], "fields": []}
    assert slim["types"]["BotCommandScope"]["subtypes"] == {"default": "BotCommandScopeDefault"}
    assert slim["update_types"] == ["message"]
    assert "PaulSonOfLars/telegram-bot-api-spec" in slim["_source"]
