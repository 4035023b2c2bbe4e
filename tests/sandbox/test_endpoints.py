"""The sandbox page's HTTP API, without a browser: people, chats, buttons, files, events, jobs."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import types
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, KeyboardButton, ReplyKeyboardMarkup
from aiohttp import ClientSession, FormData

from bot.__main__ import main as cli_main
from devkit.sandbox import Sandbox, cast
from devkit.sandbox.render import entities_to_html
from devkit.sandbox.tasks import JobControl, scheduler_hook
from tests.sandbox.conftest import start_sandbox

ASSISTANT = cast.ASSISTANT.telegram_id
NEW = cast.NEW_CITIZEN.telegram_id
SUPERVISOR = cast.SUPERVISOR.telegram_id


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[ClientSession]:
    async with ClientSession(base_url=sandbox.fake.base_url) as session:
        yield session


async def get(http: ClientSession, path: str) -> Any:
    async with http.get(path) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def post(http: ClientSession, path: str, body: Any, status: int = 200) -> Any:
    async with http.post(path, json=body) as response:
        assert response.status == status, await response.text()
        return await response.json()


def bot_messages(chat: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [i for i in chat["items"] if i["type"] == "message" and i["from_bot"]]


def find_button(chat: Mapping[str, Any], label: str) -> tuple[int, int, int]:
    for item in reversed(bot_messages(chat)):
        for r, row in enumerate(item["buttons"]):
            for c, button in enumerate(row):
                if label in button["text"]:
                    return item["id"], r, c
    raise AssertionError(f"no button {label!r}")


async def test_page_and_static_files_are_served(http: ClientSession) -> None:
    async with http.get("/") as response:
        page = await response.text()
    assert response.status == 200 and "Send · Yuborish" in page
    for name in ("app.js", "style.css"):
        async with http.get(f"/static/{name}") as response:
            assert response.status == 200


async def test_state_lists_every_role_and_a_disabled_job_control(http: ClientSession) -> None:
    state = await get(http, "/api/state")
    roles = {p["role"] for p in state["people"] if p["group"] == "main"}
    assert roles == {"citizen_new", "citizen", "assistant", "supervisor", "admin"}
    assert len([p for p in state["people"] if p["role"] == "other_assistant"]) >= 40
    assert state["jobs"] == {
        "available": False,
        "names": ["morning_reminder"],
        "reason": "no scheduler in this test",
    }
    async with http.post("/api/jobs/morning_reminder") as response:
        assert response.status == 409
        assert "no scheduler" in (await response.json())["error"]


async def test_switch_person_send_text_and_see_html(http: ClientSession) -> None:
    # The seeded assistant's chat opens on the main menu (a reply keyboard).
    assistant = await get(http, f"/api/chat/{ASSISTANT}")
    assert assistant["started"] and assistant["reply_keyboard"]["rows"]
    chat = await post(http, f"/api/chat/{ASSISTANT}/send", {"text": "/help"})
    last = bot_messages(chat)[-1]
    assert "<b>" in last["html"]  # HTML formatting reaches the page as tags
    assert '<a class="cmd" href="#" data-cmd="/start">/start</a>' in last["html"]
    mine = [i for i in chat["items"] if i["type"] == "message" and not i["from_bot"]]
    assert mine[-1]["html"].endswith("/help</a>")

    # Another person: the supervisor writes Russian, so the command menu is Russian.
    supervisor = await get(http, f"/api/chat/{SUPERVISOR}")
    assert supervisor["person"]["language_code"] == "ru"
    assert {c["command"] for c in supervisor["commands"]} >= {"start", "help"}
    uz_menu = {c["description"] for c in assistant["commands"]}
    assert {c["description"] for c in supervisor["commands"]} != uz_menu


async def test_new_citizen_starts_and_presses_an_inline_button(http: ClientSession) -> None:
    fresh = await get(http, f"/api/chat/{NEW}")
    assert not fresh["started"] and fresh["items"] == []
    chat = await post(http, f"/api/chat/{NEW}/send", {"text": "/start"})
    assert chat["started"]
    message_id, row, col = find_button(chat, "Oʻzbekcha")
    pressed = await post(
        http, f"/api/chat/{NEW}/press", {"message_id": message_id, "row": row, "col": col}
    )
    edited = next(i for i in pressed["items"] if i.get("id") == message_id)
    assert edited["edited"] and "Oʻzbekcha" in edited["html"]
    # Pressing on a message that is gone is refused plainly, not silently.
    refused = await post(
        http, f"/api/chat/{NEW}/press", {"message_id": 999, "row": 0, "col": 0}, status=409
    )
    assert "gone" in refused["error"]


async def test_unknown_person_and_bad_bodies(http: ClientSession) -> None:
    async with http.get("/api/chat/123") as response:
        assert response.status == 404
    await post(http, f"/api/chat/{ASSISTANT}/send", {"text": "  "}, status=400)
    await post(http, f"/api/chat/{ASSISTANT}/press", {"message_id": "x"}, status=400)
    async with http.post(f"/api/chat/{ASSISTANT}/send", data=b"[1]") as response:
        assert response.status == 400


async def test_new_citizen_can_be_added(http: ClientSession) -> None:
    body = await post(http, "/api/people", {})
    person = body["person"]
    assert person["role"] == "citizen_new" and not person["started"]
    assert person["id"] in {p["id"] for p in body["people"]}


async def test_documents_and_photos_download(sandbox: Sandbox, http: ClientSession) -> None:
    assert sandbox.app is not None
    data = b"PK\x03\x04 fake xlsx bytes"
    await sandbox.app.bot.send_document(
        ASSISTANT, BufferedInputFile(data, "hisobot.xlsx"), caption="<b>Hisobot</b>"
    )
    await sandbox.app.bot.send_photo(ASSISTANT, BufferedInputFile(b"\x89PNG fake", "c.png"))
    chat = await get(http, f"/api/chat/{ASSISTANT}")
    document = next(i["document"] for i in bot_messages(chat) if i["document"])
    assert document["name"] == "hisobot.xlsx" and document["size"] == len(data)
    async with http.get(document["url"] + "?download=1") as response:
        assert response.status == 200
        assert await response.read() == data
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert "hisobot.xlsx" in response.headers["Content-Disposition"]
    photo = next(i["photo"] for i in bot_messages(chat) if i["photo"])
    async with http.get(photo["url"]) as response:
        assert response.status == 200 and await response.read() == b"\x89PNG fake"
    async with http.get("/api/file/nope") as response:
        assert response.status == 404


async def test_user_uploads_a_document(sandbox: Sandbox, http: ClientSession) -> None:
    form = FormData()
    form.add_field("file", b"%PDF-1.4 demo", filename="ariza.pdf", content_type="application/pdf")
    form.add_field("caption", "Arizam")
    async with http.post(f"/api/chat/{ASSISTANT}/upload", data=form) as response:
        chat = await response.json()
    mine = [i for i in chat["items"] if i["type"] == "message" and not i["from_bot"]]
    assert mine[-1]["document"]["name"] == "ariza.pdf" and "Arizam" in mine[-1]["html"]
    assert bot_messages(chat)[-1]["id"] > mine[-1]["id"]  # the bot answered something


async def test_refused_call_is_shown_as_a_system_line(
    sandbox: Sandbox, http: ClientSession
) -> None:
    assert sandbox.app is not None
    with pytest.raises(TelegramBadRequest):
        await sandbox.app.bot.send_message(ASSISTANT, "<b>unclosed")
    # The citizen who never started the bot can't be written to: Telegram says 403.
    with pytest.raises(Exception, match="initiate"):
        await sandbox.app.bot.send_message(NEW, "hello")
    chat = await get(http, f"/api/chat/{ASSISTANT}")
    lines = [i["text"] for i in chat["items"] if i["type"] == "system"]
    assert any(line.startswith("Bot API refused sendMessage: Bad Request:") for line in lines)
    fresh = await get(http, f"/api/chat/{NEW}")
    assert any("bot can't initiate conversation" in i["text"] for i in fresh["items"])


async def test_reply_keyboard_contact_and_location(sandbox: Sandbox, http: ClientSession) -> None:
    assert sandbox.app is not None
    keyboard = ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text="📱 Raqam", request_contact=True)],
            [KeyboardButton(text="📍 Joy", request_location=True)],
        ],
        resize_keyboard=True,
        one_time_keyboard=False,
    )
    await sandbox.app.bot.send_message(ASSISTANT, "Raqamingiz?", reply_markup=keyboard)
    chat = await get(http, f"/api/chat/{ASSISTANT}")
    kinds = [b["kind"] for row in chat["reply_keyboard"]["rows"] for b in row]
    assert kinds == ["contact", "location"]
    chat = await post(http, f"/api/chat/{ASSISTANT}/reply", {"row": 0, "col": 0})
    mine = [i for i in chat["items"] if i["type"] == "message" and not i["from_bot"]]
    assert mine[-1]["contact"]["phone"] == cast.ASSISTANT.phone
    # The bot may have answered with another keyboard: show ours again.
    await sandbox.app.bot.send_message(ASSISTANT, "Qayerdasiz?", reply_markup=keyboard)
    chat = await post(
        http,
        f"/api/chat/{ASSISTANT}/reply",
        {"row": 1, "col": 0, "latitude": 41.3, "longitude": 69.2},
    )
    mine = [i for i in chat["items"] if i["type"] == "message" and not i["from_bot"]]
    assert mine[-1]["location"] == {"latitude": 41.3, "longitude": 69.2}
    await post(http, f"/api/chat/{ASSISTANT}/location", {"latitude": 100, "longitude": 0}, 400)


async def test_events_stream_reports_changed_chats(sandbox: Sandbox, http: ClientSession) -> None:
    async with http.get("/api/events") as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        await post(http, f"/api/chat/{ASSISTANT}/send", {"text": "/help"})
        chats: set[int] = set()
        async with asyncio.timeout(5):
            while ASSISTANT not in chats:
                line = (await stream.content.readline()).decode()
                if line.startswith("data: "):
                    chats |= set(json.loads(line[6:])["chats"])


async def test_fire_job_calls_the_scheduler(seeded_template: Path, tmp_path: Path) -> None:
    seen: list[tuple[str, dt.datetime, Any]] = []

    async def run(name: str, now: dt.datetime, context: Mapping[str, Any]) -> str:
        seen.append((name, now, context["sessions"]))
        return "sent 3"

    box = await start_sandbox(
        seeded_template, tmp_path, jobs=JobControl(("daily_digest",), run=run), greet=False
    )
    try:
        async with ClientSession(base_url=box.fake.base_url) as http:
            state = await get(http, "/api/state")
            assert state["jobs"]["available"] is True
            assert await post(http, "/api/jobs/daily_digest", {}) == {
                "job": "daily_digest",
                "result": "sent 3",
            }
            await post(http, "/api/jobs/nope", {}, status=409)
    finally:
        await box.stop()
    assert seen and seen[0][0] == "daily_digest" and seen[0][2] is not None


async def test_real_scheduler_job_reaches_the_assistant(
    seeded_template: Path, tmp_path: Path
) -> None:
    control = scheduler_hook()
    if not control.available:
        pytest.skip(f"scheduler not ready: {control.reason}")
    box = await start_sandbox(seeded_template, tmp_path, jobs=control)
    try:
        assistant = box.fake.user(ASSISTANT)
        seen = len(assistant.messages)
        async with ClientSession(base_url=box.fake.base_url) as http:
            body = await post(http, "/api/jobs/morning_reminder", {})
            assert "queued" in body["result"], body
        reminder = await assistant.next_message(timeout=15, after=seen)
        assert cast.ASSISTANT.telegram_id == reminder.chat_id
    finally:
        await box.stop()


def test_scheduler_hook_adapts_run_job(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("fake_scheduler_jobs")
    calls: list[tuple[Any, ...]] = []

    async def run_task(name: str, now: dt.datetime, *, sessions: Any, bot: Any = None) -> int:
        calls.append((name, now, sessions, bot))
        return 7

    module.run_task = run_task  # type: ignore[attr-defined]
    module.JOBS = {"morning_reminder": object(), "daily_digest": object()}  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_scheduler_jobs", module)
    control = scheduler_hook(("fake_scheduler_jobs",))
    assert control.available and control.names == ("morning_reminder", "daily_digest")
    assert control.run is not None
    now = dt.datetime(2026, 11, 26, 4, tzinfo=dt.UTC)
    assert asyncio.run(control.run("daily_digest", now, {"sessions": "S", "bot": "B"})) == 7
    assert calls == [("daily_digest", now, "S", "B")]
    missing = scheduler_hook(("no_such_module_here",))
    assert not missing.available and missing.reason and missing.names


def test_entities_render_escaped_and_nested() -> None:
    text = "Ali <script> 😀 bold link"
    entities = [
        {"type": "bold", "offset": 0, "length": 3},
        {"type": "italic", "offset": 16, "length": 9},
        {"type": "text_link", "offset": 21, "length": 4, "url": "javascript:alert(1)"},
    ]
    html = entities_to_html(text, entities)
    assert html.startswith("<b>Ali</b> &lt;script&gt; 😀 ")
    assert "javascript" not in html and "<i>bold <span" in html


def test_cli_rejects_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["sandbox", "--port", "70000"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_console_says_where_to_go_and_where_the_data_is(tmp_path: Path) -> None:
    """A newcomer's `python -m bot sandbox`: the ready line with the address, where its data
    lives, and nothing else (no migration or scheduler chatter) at the default log level."""
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    env["DATABASE_URL"] = "sqlite+aiosqlite:///elsewhere.db"  # the real bot's: not used
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    # A watchdog: a sandbox that never gets ready is stopped after a minute, not waited on.
    watchdog = threading.Timer(60, process.send_signal, (signal.SIGINT,))
    watchdog.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Its data:"):
                break
    finally:
        watchdog.cancel()
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    lines += rest.splitlines()
    assert lines[0].startswith("Sandbox ready: open http://127.0.0.1:"), lines
    assert lines[1].startswith("Its data: data/sandbox.db (fresh"), lines
    assert "DATABASE_URL" in lines[1]
    assert len(lines) == 2, lines  # no INFO lines, no warnings, nothing on stopping
    assert (tmp_path / "data" / "sandbox.db").exists()
    assert not (tmp_path / "elsewhere.db").exists()


async def test_bubble_times_are_told_in_the_bots_time_zone(http: ClientSession) -> None:
    state = await get(http, "/api/state")
    assert state["timezone"] == "Asia/Tashkent"
    async with http.get("/static/app.js") as response:
        script = await response.text()
    assert "timeZone: zone" in script and "state.timezone" in script
