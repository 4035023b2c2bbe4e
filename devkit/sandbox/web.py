"""HTTP face of the sandbox page: static files, a JSON API, and server-sent events.

All routes sit next to the Bot API routes on the emulator's aiohttp app. The page asks for a
chat's state (JSON), acts (send, press, share contact/location, upload), and listens to
``/api/events`` to redraw when anything changes (a reply, a notification, a refused call).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web

from devkit.sandbox.render import chat_items, commands_for, reply_keyboard_view

if TYPE_CHECKING:
    from devkit.sandbox.cast import Person
    from devkit.sandbox.runner import Sandbox

STATIC_DIR = Path(__file__).resolve().parent / "static"
SANDBOX_KEY = web.AppKey("sandbox", object)
MAX_TEXT = 4096  # what the Telegram app lets one type
HEARTBEAT_SECONDS = 15.0


def install(app: web.Application, sandbox: Sandbox) -> None:
    """Add the page's routes to the emulator's app (before it starts)."""
    app[SANDBOX_KEY] = sandbox
    routes = [
        web.get("/", _index),
        web.get("/api/state", _state),
        web.post("/api/people", _new_citizen),
        web.get("/api/chat/{person}", _chat),
        web.post("/api/chat/{person}/send", _send),
        web.post("/api/chat/{person}/press", _press),
        web.post("/api/chat/{person}/reply", _reply),
        web.post("/api/chat/{person}/contact", _contact),
        web.post("/api/chat/{person}/location", _location),
        web.post("/api/chat/{person}/upload", _upload),
        web.post("/api/chat/{person}/voice", _voice),
        web.get("/api/file/{file_id}", _file),
        web.get("/api/events", _events),
        web.post("/api/jobs/{name}", _fire_job),
    ]
    app.add_routes(routes)
    app.router.add_static("/static/", STATIC_DIR, append_version=False)


def _sandbox(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]  # type: ignore[return-value]


def _json(body: Any, status: int = 200) -> web.Response:
    response = web.json_response(
        body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status)


def _person(request: web.Request) -> Person:
    sandbox = _sandbox(request)
    try:
        person_id = int(request.match_info["person"])
        return sandbox.people[person_id]
    except (KeyError, ValueError):
        raise web.HTTPNotFound(
            text=json.dumps({"error": "no such person"}), content_type="application/json"
        ) from None


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "expected a JSON object"}), content_type="application/json"
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "expected a JSON object"}), content_type="application/json"
        )
    return body


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"{key} must be a whole number"}),
            content_type="application/json",
        )
    return value


# --------------------------------------------------------------------------- views
def person_view(sandbox: Sandbox, person: Person) -> dict[str, Any]:
    chat = sandbox.core.chat(person.telegram_id)
    viewed = sandbox.viewed.get(person.telegram_id, 0)
    unread = sum(1 for e in chat.events if e.kind == "sent" and e.from_bot and e.seq > viewed)
    record = sandbox.core.users.get(person.telegram_id)
    return {
        "id": person.telegram_id,
        "name": person.name,
        "role": person.role,
        "label": person.label,
        "group": person.group,
        "language_code": person.language_code,
        "mahalla": person.mahalla,
        "phone": person.phone,
        "started": bool(record and record.started),
        "unread": unread,
    }


def state_view(sandbox: Sandbox) -> dict[str, Any]:
    core = sandbox.core
    return {
        "bot": {"name": core.bot_name, "username": core.bot_username},
        "timezone": sandbox.base_settings.timezone,  # bubble times as the bot tells time
        "people": [person_view(sandbox, p) for p in sandbox.people.values()],
        "jobs": {
            "available": sandbox.jobs.available,
            "names": list(sandbox.jobs.names),
            "reason": sandbox.jobs.reason,
        },
        "seq": core.event_seq,
    }


def chat_view(sandbox: Sandbox, person: Person) -> dict[str, Any]:
    """Everything the page draws for one chat; marks it read."""
    core = sandbox.core
    chat_id = person.telegram_id
    items: list[dict[str, Any]] = chat_items(core, chat_id)
    for line in sandbox.system_lines:
        if line.chat_id in (chat_id, None):
            items.append({"type": "system", "seq": line.seq, "text": line.text})
    items.sort(key=lambda item: (item["seq"], item["type"] == "system"))
    chat = core.chat(chat_id)
    record = core.users.get(chat_id)
    sandbox.viewed[chat_id] = core.event_seq
    description = core.bot_texts.get(("description", person.language_code[:2])) or (
        core.bot_texts.get(("description", ""))
    )
    return {
        "person": person_view(sandbox, person),
        "items": items,
        "reply_keyboard": reply_keyboard_view(chat),
        "commands": commands_for(core, chat_id, person.language_code),
        "started": bool(record and record.started),
        "description": description,
        "seq": core.event_seq,
    }


# --------------------------------------------------------------------------- handlers
async def _index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})


async def _state(request: web.Request) -> web.Response:
    return _json(state_view(_sandbox(request)))


async def _new_citizen(request: web.Request) -> web.Response:
    sandbox = _sandbox(request)
    person = sandbox.add_citizen()
    return _json({"person": person_view(sandbox, person), **state_view(sandbox)})


async def _chat(request: web.Request) -> web.Response:
    return _json(chat_view(_sandbox(request), _person(request)))


async def _send(request: web.Request) -> web.Response:
    sandbox, person = _sandbox(request), _person(request)
    text = (await _body(request)).get("text")
    if not isinstance(text, str) or not text.strip():
        return _error(400, "type a message first")
    if len(text) > MAX_TEXT:
        return _error(400, f"a message is at most {MAX_TEXT} characters")
    await sandbox.send(person.telegram_id, text)
    return _json(chat_view(sandbox, person))


async def _press(request: web.Request) -> web.Response:
    sandbox, person = _sandbox(request), _person(request)
    body = await _body(request)
    try:
        answer = await sandbox.press(
            person.telegram_id, _int(body, "message_id"), _int(body, "row"), _int(body, "col")
        )
    except LookupError as exc:
        return _error(409, str(exc))
    return _json({"answer": answer, **chat_view(sandbox, person)})


async def _reply(request: web.Request) -> web.Response:
    sandbox, person = _sandbox(request), _person(request)
    body = await _body(request)
    location = _coordinates(body) if "latitude" in body else None
    try:
        await sandbox.press_reply(
            person.telegram_id, _int(body, "row"), _int(body, "col"), location
        )
    except LookupError as exc:
        return _error(409, str(exc))
    return _json(chat_view(sandbox, person))


async def _contact(request: web.Request) -> web.Response:
    sandbox, person = _sandbox(request), _person(request)
    await sandbox.send_contact(person.telegram_id)
    return _json(chat_view(sandbox, person))


def _coordinates(body: dict[str, Any]) -> tuple[float, float]:
    try:
        latitude, longitude = float(body["latitude"]), float(body["longitude"])
    except (KeyError, TypeError, ValueError):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "latitude and longitude must be numbers"}),
            content_type="application/json",
        ) from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "no such place on Earth"}), content_type="application/json"
        )
    return latitude, longitude


async def _location(request: web.Request) -> web.Response:
    sandbox, person = _sandbox(request), _person(request)
    latitude, longitude = _coordinates(await _body(request))
    await sandbox.send_location(person.telegram_id, latitude, longitude)
    return _json(chat_view(sandbox, person))


async def _voice(request: web.Request) -> web.Response:
    """A sample voice note of ``seconds`` (default 4) from this person."""
    sandbox, person = _sandbox(request), _person(request)
    body = await _body(request)
    seconds = body.get("seconds", 4)
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 1 <= seconds <= 600:
        return _error(400, "seconds must be a whole number from 1 to 600")
    await sandbox.send_voice(person.telegram_id, seconds)
    return _json(chat_view(sandbox, person))


async def _upload(request: web.Request) -> web.Response:
    sandbox, person = _sandbox(request), _person(request)
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        return _error(400, "choose a file to send")
    data = upload.file.read()
    if not data:
        return _error(400, "the file is empty")
    mime = upload.content_type or mimetypes.guess_type(upload.filename)[0]
    caption = form.get("caption")
    await sandbox.send_file(
        person.telegram_id,
        data,
        upload.filename or "file",
        mime or "application/octet-stream",
        caption if isinstance(caption, str) and caption.strip() else None,
    )
    return _json(chat_view(sandbox, person))


async def _file(request: web.Request) -> web.StreamResponse:
    stored = _sandbox(request).core.files.get(request.match_info["file_id"])
    if stored is None or stored.data is None:
        return _error(404, "no such file")
    name = stored.filename or stored.file_path.rsplit("/", 1)[-1]
    disposition = "attachment" if request.query.get("download") else "inline"
    return web.Response(
        body=stored.data,
        content_type=stored.mime_type or "application/octet-stream",
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _fire_job(request: web.Request) -> web.Response:
    sandbox = _sandbox(request)
    name = request.match_info["name"]
    try:
        result = await sandbox.fire_job(name)
    except LookupError as exc:
        return _error(409, str(exc))
    except Exception as exc:  # the page shows what went wrong; the sandbox keeps running
        return _error(500, f"job {name} failed: {exc!r}")
    return _json({"job": name, "result": result})


async def _events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: ``{"chats": [ids], "seq": n}`` whenever something changed."""
    sandbox = _sandbox(request)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    queue: asyncio.Queue[int | None] = asyncio.Queue()
    sandbox.subscribers.add(queue)
    try:
        await response.write(b"retry: 1000\n\n")
        while True:
            try:
                first = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            await asyncio.sleep(0.05)  # coalesce a burst of changes into one event
            chats = {first}
            while not queue.empty():
                chats.add(queue.get_nowait())
            if sandbox.stopping:
                break
            payload = {
                "chats": sorted(c for c in chats if c is not None),
                "seq": sandbox.core.event_seq,
            }
            await response.write(f"data: {json.dumps(payload)}\n\n".encode())
    except ConnectionResetError:  # the page was closed or reloaded
        return response
    finally:
        sandbox.subscribers.discard(queue)
    with contextlib.suppress(ConnectionResetError, RuntimeError):
        await response.write_eof()
    return response
