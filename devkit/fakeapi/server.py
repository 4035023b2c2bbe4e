"""HTTP face of the fake: Bot API routes over aiohttp, and webhook delivery to the bot.

Only translation lives here (requests → :meth:`BotApiCore.call`, ApiError → JSON), so the
same core can later back a local sandbox with a web chat page.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Iterator
from typing import Any

from aiohttp import (
    BodyPartReader,
    ClientError,
    ClientResponse,
    ClientSession,
    ClientTimeout,
    MultipartReader,
    TCPConnector,
    web,
)

from devkit.fakeapi.core import BotApiCore
from devkit.fakeapi.errors import ApiError
from devkit.fakeapi.models import UploadedFile

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
_UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


def _json_response(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Collect parameters from the query string and a JSON, urlencoded or multipart body."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if not request.can_read_body:
        return params, files
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON object") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON body must be an object")
        params.update(body)
    elif content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            raise ApiError(413, "Request Entity Too Large") from None
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = UploadedFile(
                    filename=value.filename,
                    content_type=value.content_type,
                    data=value.file.read(),
                )
            else:
                params[key] = value
    else:
        raw = await request.read()
        if raw.strip():
            raise ApiError(400, f"Bad Request: unsupported Content-Type {content_type!r}")
    return params, files


class WebhookDelivery:
    """POSTs updates to the bot's webhook: in order per chat, like Telegram.

    An update counts as processed when the POST returns; a method in the response body
    (aiogram's "reply into webhook") is executed first, as Telegram does.
    """

    def __init__(self, core: BotApiCore, timeout: float = 10.0) -> None:
        self.core = core
        self.timeout = timeout
        self._session: ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: dict[Any, asyncio.Lock] = {}
        self._targets: Iterator[str] | None = None

    def balance(self, urls: list[str]) -> None:
        """Act as a load balancer in front of several webhook workers: each update goes to the
        next of `urls` in turn, chosen when it is queued (so a burst is split evenly). The
        webhook's secret still applies; an empty list sends to the webhook's own URL again."""
        self._targets = itertools.cycle(urls) if urls else None

    def dispatch(self, update: dict[str, Any]) -> None:
        """Schedule delivery (called synchronously by the core)."""
        url = next(self._targets) if self._targets is not None else None
        task = asyncio.get_running_loop().create_task(self._deliver(update, url))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    def _chat_key(update: dict[str, Any]) -> Any:
        for key, value in update.items():
            if key == "update_id" or not isinstance(value, dict):
                continue
            chat = value.get("chat") or (value.get("message") or {}).get("chat")
            if isinstance(chat, dict):
                return chat.get("id")
            sender = value.get("from")
            if isinstance(sender, dict):
                return sender.get("id")
        return None

    async def _deliver(self, update: dict[str, Any], url: str | None = None) -> None:
        lock = self._locks.setdefault(self._chat_key(update), asyncio.Lock())
        async with lock:
            config = self.core.webhook
            update_id = update["update_id"]
            if config is None or update not in self.core.pending_updates:
                return  # webhook removed meanwhile: stays queued for getUpdates
            if self._session is None:
                # No client-side cap: the bot's own admission decides how many run at once (a cap
                # here, with two workers, starved some chats for many seconds).
                self._session = ClientSession(connector=TCPConnector(limit=0))
            headers = {}
            if config.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret_token
            try:
                async with self._session.post(
                    url or config.url,
                    json=update,
                    headers=headers,
                    timeout=ClientTimeout(total=self.timeout),
                ) as response:
                    if response.status >= 300:
                        self.core.fail_update(
                            update_id,
                            f"Wrong response from the webhook: {response.status} {response.reason}",
                        )
                        return
                    reply = await self._read_reply(response)
            except (ClientError, TimeoutError) as exc:
                self.core.fail_update(update_id, f"Webhook delivery failed: {exc!r}")
                return
            if reply is not None:
                method, params, files = reply
                with contextlib.suppress(ApiError):  # Telegram can't report these either
                    await self.core.call(method, params, files, source="webhook_reply")
            self.core.ack_update(update_id)

    @staticmethod
    async def _read_reply(
        response: ClientResponse,
    ) -> tuple[str, dict[str, Any], dict[str, UploadedFile]] | None:
        """Parse a method call returned in the webhook response (JSON or multipart)."""
        content_type = response.content_type
        params: dict[str, Any] = {}
        files: dict[str, UploadedFile] = {}
        if content_type == "application/json":
            body = await response.json()
            if not isinstance(body, dict):
                return None
            params = dict(body)
        elif content_type == "multipart/form-data":
            reader = MultipartReader(response.headers, response.content)
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename:
                    files[part.name] = UploadedFile(
                        part.filename,
                        part.headers.get("Content-Type", "application/octet-stream"),
                        bytes(await part.read()),
                    )
                else:
                    params[part.name] = await part.text()
        else:
            return None
        method = params.pop("method", None)
        if not isinstance(method, str):
            return None
        return method, params, files

    async def close(self) -> None:
        """Cancel deliveries in flight and close the HTTP client."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None


class FakeApiServer:
    """aiohttp server exposing ``/bot{token}/{method}`` and ``/file/bot{token}/{path}``."""

    def __init__(
        self, core: BotApiCore, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0
    ) -> None:
        self.core = core
        self.host = host
        self.port = port
        self.delivery = WebhookDelivery(core, timeout)
        self.app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        self.app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> str:
        """Bind (port 0 = random free port) and return the base URL."""
        self.core.webhook_dispatcher = self.delivery.dispatch
        self._runner = web.AppRunner(self.app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{port}"
        return self.base_url

    async def stop(self) -> None:
        """Release long polls, stop webhook deliveries, close the server."""
        self.core.close()
        await self.delivery.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle_method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.core.token:
            return _json_response(_UNAUTHORIZED, 401)
        try:
            params, files = await read_request(request)
            result = await self.core.call(request.match_info["method"], params, files)
        except ApiError as exc:
            return _json_response(exc.to_json(), exc.error_code)
        return _json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.core.token:
            return _json_response(_UNAUTHORIZED, 401)
        stored = self.core.files_by_path.get(request.match_info["path"])
        if stored is None or stored.data is None:
            return _json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: file not found"}, 404
            )
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
