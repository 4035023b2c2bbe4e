"""State and behaviour of the fake Bot API, free of HTTP.

:class:`BotApiCore` answers ``call(method, params, files)`` exactly as Telegram would
(results or :class:`ApiError`), keeps chats/messages/files/updates, and records every call.
The aiohttp layer (:mod:`devkit.fakeapi.server`) and the simulated users
(:mod:`devkit.fakeapi.users`) both sit on top of it, and so can a future local sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import mimetypes
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from devkit.fakeapi.errors import (
    METHOD_NOT_FOUND,
    ApiError,
    SpecViolation,
    bad_request,
    forbidden,
    invalid,
)
from devkit.fakeapi.formatting import ParsedText, format_text
from devkit.fakeapi.limits import FloodLimiter, is_send_method
from devkit.fakeapi.models import (
    ApiCall,
    CallbackAnswer,
    CallbackRecord,
    ChatEvent,
    ChatMessage,
    ChatState,
    StoredFile,
    UploadedFile,
    UserRecord,
)
from devkit.fakeapi.spec import ApiSpec, load_spec
from devkit.fakeapi.validation import Validator

log = logging.getLogger(__name__)

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
#: Telegram's default when allowed_updates was never set.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

#: sendX method → (Message field, extra fields Telegram always returns for that media).
MEDIA_METHODS: dict[str, tuple[str, dict[str, Any]]] = {
    "sendDocument": ("document", {}),
    "sendPhoto": ("photo", {"width": 800, "height": 600}),
    "sendAudio": ("audio", {"duration": 0}),
    "sendVideo": ("video", {"width": 640, "height": 360, "duration": 0}),
    "sendAnimation": ("animation", {"width": 320, "height": 240, "duration": 0}),
    "sendVoice": ("voice", {"duration": 0}),
    "sendVideoNote": ("video_note", {"length": 240, "duration": 0}),
    "sendSticker": (
        "sticker",
        {"type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False},
    ),
}
MEDIA_EXTRAS: dict[str, dict[str, Any]] = dict(MEDIA_METHODS.values())
_NO_CAPTION = frozenset({"sticker", "video_note"})


class UpdateDeliveryError(AssertionError):
    """An update could not be delivered/processed (webhook error, fake stopped...)."""


@dataclass(slots=True)
class WebhookConfig:
    """What setWebhook stored, plus the delivery error Telegram would report."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(slots=True)
class InjectedFailure:
    """A queued error for ``fail_next`` (method ``*`` matches any method)."""

    method: str
    error_code: int
    description: str
    retry_after: int | None
    remaining: int
    chat_id: int | str | None = None


def _default_description(error_code: int, retry_after: int | None) -> str:
    if error_code == 429:
        return f"Too Many Requests: retry after {retry_after or 1}"
    return {
        400: "Bad Request: injected error",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        404: "Not Found",
        409: "Conflict: injected error",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }.get(error_code, f"Error {error_code}")


class BotApiCore:
    """The fake Telegram server's brain: one bot, its private chats, its update queue."""

    def __init__(
        self,
        token: str = "42:TEST",
        bot_username: str = "test_bot",
        *,
        bot_name: str = "Test Bot",
        emulate_limits: bool = False,
        callback_ttl: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        spec: ApiSpec | None = None,
    ) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 1
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.clock = clock
        self.callback_ttl = callback_ttl
        self.spec = spec or load_spec()
        self.validator = Validator(self.spec)
        self.limiter: FloodLimiter | None = FloodLimiter(clock) if emulate_limits else None
        self.users: dict[int, UserRecord] = {}
        self.chats: dict[int, ChatState] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.calls: list[ApiCall] = []
        self.callbacks: dict[str, CallbackRecord] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.default_menu_button: dict[str, Any] = {"type": "default"}
        self.webhook: WebhookConfig | None = None
        self.allowed_updates: list[str] | None = None
        self.dropped_updates: list[dict[str, Any]] = []
        #: Set by the HTTP layer: called with each update to POST in webhook mode.
        self.webhook_dispatcher: Callable[[dict[str, Any]], None] | None = None
        self._failures: list[InjectedFailure] = []
        self._pending: list[dict[str, Any]] = []
        #: Every update ever queued, by id (for :meth:`redeliver`).
        self.delivered: dict[int, dict[str, Any]] = {}
        self._waiters: dict[int, asyncio.Future[None]] = {}
        #: Polling: an update counts as handled once getUpdates confirms it. A bot that handles
        #: updates as concurrent tasks confirms first; it calls `finish_update` instead.
        self.resolve_on_confirm = True
        #: Every inline button press is sent twice at the same moment (a person's double tap);
        #: the press's result and its answer are the first tap's.
        self.tap_twice = False
        self._next_update_id = 1
        self._changed = asyncio.Event()
        self._poll_generation = 0
        self._closing = False
        self._call_listeners: list[tuple[Callable[[ApiCall], bool], asyncio.Future[ApiCall]]] = []
        #: Called as ``listener(chat_id)`` after every recorded call and every chat change
        #: (``chat_id`` None when the call concerns no chat); the sandbox page listens here.
        self.change_listeners: list[Callable[[int | None], None]] = []
        self._seq = itertools.count(1)
        self.event_seq = 0
        self._file_counter = itertools.count(1)
        self._callback_counter = itertools.count(1)

    # ================================================================= entry point
    async def call(
        self,
        method_name: str,
        params: Mapping[str, Any],
        files: Mapping[str, UploadedFile] | None = None,
        *,
        source: str = "http",
    ) -> Any:
        """Execute one Bot API request; return the ``result`` or raise :class:`ApiError`."""
        spec = self.spec.method(method_name)
        name = spec.name if spec else method_name
        recorded: dict[str, Any] = dict(params)
        try:
            if spec is None:
                raise ApiError(METHOD_NOT_FOUND.error_code, METHOD_NOT_FOUND.description)
            values = self.validator.validate_call(spec, params, files)
            recorded = values
            self._inject_failure(spec.name, values)
            if self.limiter is not None and is_send_method(spec.name):
                retry_after = self.limiter.check(values.get("chat_id"))
                if retry_after:
                    raise ApiError(
                        429, f"Too Many Requests: retry after {retry_after}", retry_after
                    )
            handler = getattr(self, f"_api_{spec.name}", None)
            if handler is None:
                result = self._api_generic(spec.name, values)
            else:
                result = handler(values)
                if asyncio.iscoroutine(result):
                    result = await result
        except ApiError as exc:
            self._record(
                ApiCall(
                    name,
                    recorded,
                    False,
                    exc.error_code,
                    self.clock(),
                    exc.description,
                    None,
                    source,
                    violation=isinstance(exc, SpecViolation),
                )
            )
            raise
        self._record(ApiCall(name, recorded, True, None, self.clock(), None, result, source))
        return result

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        if self.change_listeners:
            self._changed_chat(self.call_chat_id(call))
        for listener in list(self._call_listeners):
            predicate, future = listener
            if future.done():
                self._call_listeners.remove(listener)
                continue
            try:
                matched = predicate(call)
            except Exception as exc:  # a broken predicate must fail the waiting test
                future.set_exception(exc)
                self._call_listeners.remove(listener)
                continue
            if matched:
                future.set_result(call)
                self._call_listeners.remove(listener)

    async def wait_for_call(
        self,
        predicate: Callable[[ApiCall], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - documented test API
        since: int | None = 0,
    ) -> ApiCall:
        """Return the first call (at index >= ``since``) matching ``predicate``, waiting if needed.

        ``since=None`` only considers calls made after this method was called.
        """
        start = len(self.calls) if since is None else since
        for call in self.calls[start:]:
            if predicate(call):
                return call
        future: asyncio.Future[ApiCall] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._call_listeners.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            recent = ", ".join(
                f"{c.method}{'' if c.ok else f'!{c.error_code}'}" for c in self.calls[-10:]
            )
            raise AssertionError(
                f"no matching API call within {timeout}s; last calls: {recent or 'none'}"
            ) from None
        finally:
            if entry in self._call_listeners:
                self._call_listeners.remove(entry)

    # ================================================================= test controls
    def fail_next(
        self,
        method: str,
        error_code: int = 400,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next ``times`` valid calls of ``method`` (``*`` = any) fail as given."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        self._failures.append(
            InjectedFailure(
                method.lower(),
                error_code,
                description or _default_description(error_code, retry_after),
                retry_after,
                times,
                chat_id,
            )
        )

    def _inject_failure(self, method: str, values: Mapping[str, Any]) -> None:
        for failure in self._failures:
            if failure.method not in {"*", method.lower()}:
                continue
            if failure.chat_id is not None and str(values.get("chat_id")) != str(failure.chat_id):
                continue
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.remove(failure)
            raise ApiError(failure.error_code, failure.description, failure.retry_after)

    @property
    def flood_hits(self) -> int:
        """How many 429s the flood emulation produced."""
        return self.limiter.hits if self.limiter else 0

    def add_user(self, user: UserRecord) -> UserRecord:
        """Register a user (idempotent by id) and create the private chat state."""
        existing = self.users.setdefault(user.id, user)
        self.chat(user.id)
        return existing

    def chat(self, chat_id: int) -> ChatState:
        """Chat state by id, created on first use."""
        state = self.chats.get(chat_id)
        if state is None:
            state = self.chats[chat_id] = ChatState(chat_id)
        return state

    def bot_user(self) -> dict[str, Any]:
        """The bot as a Telegram ``User`` (``from`` of its messages)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    # ================================================================= chat log
    def _log(self, chat: ChatState, kind: str, message_id: int | None, from_bot: bool) -> None:
        self.event_seq = next(self._seq)
        chat.events.append(ChatEvent(self.event_seq, kind, message_id, from_bot))
        self._changed_chat(chat.chat_id)

    def _changed_chat(self, chat_id: int | None) -> None:
        """Tell the change listeners; a failing listener is logged, never fails the call."""
        for listener in list(self.change_listeners):
            try:
                listener(chat_id)
            except Exception:
                log.exception("fake Bot API change listener failed")

    def call_chat_id(self, call: ApiCall) -> int | None:
        """The private chat a call concerns (by chat_id or callback query), if any."""
        chat_id = call.params.get("chat_id")
        if isinstance(chat_id, int):
            return chat_id
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            return int(chat_id)
        query_id = call.params.get("callback_query_id")
        record = self.callbacks.get(query_id) if isinstance(query_id, str) else None
        return record.chat_id if record is not None else None

    def changes_since(self, chat_id: int, seq: int) -> list[ChatMessage]:
        """Bot messages sent or edited in a chat after ``seq`` (still existing), in order."""
        chat = self.chat(chat_id)
        ids: list[int] = []
        for event in chat.events:
            if event.seq <= seq or not event.from_bot or event.message_id is None:
                continue
            if event.kind in {"sent", "edited"} and event.message_id not in ids:
                ids.append(event.message_id)
        return [chat.messages[i] for i in ids if not chat.messages[i].deleted]

    # ================================================================= updates
    def _update_allowed(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _NOT_DEFAULT_UPDATES

    def inject_update(self, payload: Mapping[str, Any]) -> tuple[int, asyncio.Future[None]]:
        """Queue an update (``{"message": {...}}``); the future resolves once processed.

        Polling: when getUpdates confirms it (offset past it). Webhook: when the POST returns.
        Updates of a type excluded by allowed_updates are dropped (future resolves at once).
        """
        update_id = self._next_update_id
        self._next_update_id += 1
        update = {"update_id": update_id, **payload}
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        kind = next(iter(payload))
        if self._closing:
            future.set_exception(UpdateDeliveryError("the fake Bot API is stopped"))
            return update_id, future
        if not self._update_allowed(kind):
            self.dropped_updates.append(update)
            future.set_result(None)
            return update_id, future
        self.delivered[update_id] = update
        return update_id, self._queue(update, future)

    def _queue(self, update: dict[str, Any], future: asyncio.Future[None]) -> asyncio.Future[None]:
        self._pending.append(update)
        self._pending.sort(key=lambda u: int(u["update_id"]))
        self._waiters[update["update_id"]] = future
        if self.webhook is not None and self.webhook_dispatcher is not None:
            self.webhook_dispatcher(update)
        self._notify()
        return future

    def redeliver(self, update_id: int) -> asyncio.Future[None]:
        """Queue an update again with its own id, as Telegram does with one it holds unconfirmed
        (the bot crashed before confirming the offset, or a webhook response failed or was slow).

        In polling mode a running bot's offset is already past it, so call this while the bot
        is stopped and start a new one (the new process polls from the first unconfirmed).
        """
        if update_id not in self.delivered:
            raise AssertionError(f"update {update_id} was never delivered")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._closing:
            future.set_exception(UpdateDeliveryError("the fake Bot API is stopped"))
            return future
        return self._queue(dict(self.delivered[update_id]), future)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _resolve(self, update_id: int, error: BaseException | None = None) -> None:
        future = self._waiters.pop(update_id, None)
        if future is None or future.done():
            return
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
            future.exception()  # waiters re-raise it; don't log "never retrieved" if none

    def _confirm_below(self, offset: int) -> None:
        if offset < 0:
            keep = self._pending[offset:] if -offset < len(self._pending) else self._pending
            confirmed = self._pending[: len(self._pending) - len(keep)]
        else:
            confirmed = [u for u in self._pending if u["update_id"] < offset]
        for update in confirmed:
            self._pending.remove(update)
            if self.resolve_on_confirm:
                self._resolve(update["update_id"])

    def finish_update(self, update_id: int) -> None:
        """The bot says it finished an update (a test hook for polling with concurrent tasks,
        where confirming the offset comes before the handling ends)."""
        self._resolve(update_id)

    def ack_update(self, update_id: int) -> None:
        """Webhook delivery succeeded: the bot finished with this update."""
        self._pending = [u for u in self._pending if u["update_id"] != update_id]
        self._resolve(update_id)

    def fail_update(self, update_id: int, message: str) -> None:
        """Webhook delivery failed: remember the error like getWebhookInfo shows it."""
        self._pending = [u for u in self._pending if u["update_id"] != update_id]
        if self.webhook is not None:
            self.webhook.last_error_date = int(time.time())
            self.webhook.last_error_message = message
        self._resolve(update_id, UpdateDeliveryError(f"update {update_id}: {message}"))

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed (polling) or not yet delivered (webhook)."""
        return list(self._pending)

    def _drop_pending(self) -> None:
        for update in self._pending:
            self._resolve(update["update_id"])
        self._pending.clear()

    def close(self) -> None:
        """Stop long polls and fail everything still waiting (used on shutdown)."""
        self._closing = True
        for update_id in list(self._waiters):
            self._resolve(update_id, UpdateDeliveryError("the fake Bot API was stopped"))
        for _, future in self._call_listeners:
            if not future.done():
                future.cancel()
        self._call_listeners.clear()
        self._notify()

    async def _api_getUpdates(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        self._ensure_polling_allowed()
        offset = values.get("offset")
        limit = min(max(values.get("limit", 100), 1), 100)
        timeout = max(values.get("timeout", 0), 0)
        if "allowed_updates" in values:
            self.allowed_updates = list(values["allowed_updates"]) or None
        if offset is not None:
            self._confirm_below(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # wakes an older long poll so it can report the conflict
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._pending and not self._closing and generation == self._poll_generation:
            self._ensure_polling_allowed()
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        if generation != self._poll_generation:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one "
                "bot instance is running",
            )
        return [dict(update) for update in self._pending[:limit]]

    def _ensure_polling_allowed(self) -> None:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )

    def _api_setWebhook(self, values: dict[str, Any]) -> bool:
        url = values["url"]
        if not url:
            return self._api_deleteWebhook(values)
        if not re.match(r"^https?://", url, re.IGNORECASE):
            raise invalid("bad webhook: An HTTPS URL must be provided for webhook")
        secret = values.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise invalid("secret token contains unallowed characters")
        if values.get("drop_pending_updates"):
            self._drop_pending()
        if "allowed_updates" in values:
            self.allowed_updates = list(values["allowed_updates"]) or None
        self.webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            max_connections=values.get("max_connections", 40),
            ip_address=values.get("ip_address"),
        )
        self._notify()
        if self.webhook_dispatcher is not None:
            for update in list(self._pending):
                self.webhook_dispatcher(update)
        return True

    def _api_deleteWebhook(self, values: dict[str, Any]) -> bool:
        self.webhook = None
        if values.get("drop_pending_updates"):
            self._drop_pending()
        return True

    def _api_getWebhookInfo(self, values: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook.url if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook is not None:
            info["max_connections"] = self.webhook.max_connections
            if self.webhook.ip_address:
                info["ip_address"] = self.webhook.ip_address
            if self.webhook.last_error_date is not None:
                info["last_error_date"] = self.webhook.last_error_date
                info["last_error_message"] = self.webhook.last_error_message
        if self.allowed_updates:
            info["allowed_updates"] = list(self.allowed_updates)
        return info

    # ================================================================= chats
    def resolve_chat(self, chat_id: Any, *, write: bool) -> tuple[UserRecord, ChatState]:
        """Find a private chat; ``write`` applies Telegram's 403 rules for sending."""
        user = self.users.get(chat_id) if isinstance(chat_id, int) else None
        if user is None:
            raise bad_request("chat not found")
        if write and user.blocked:
            raise forbidden("bot was blocked by the user")
        if write and not user.started:
            raise forbidden("bot can't initiate conversation with a user")
        return user, self.chat(user.id)

    def _api_getChat(self, values: dict[str, Any]) -> dict[str, Any]:
        user, _ = self.resolve_chat(values["chat_id"], write=False)
        return {
            **user.to_chat(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    # ================================================================= messages
    def _new_message(
        self,
        user: UserRecord,
        chat: ChatState,
        *,
        from_bot: bool,
        content: dict[str, Any],
        method: str = "",
    ) -> ChatMessage:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        raw: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": user.to_chat(),
            "from": self.bot_user() if from_bot else user.to_user(),
            **content,
        }
        message = ChatMessage(
            message_id=message_id,
            chat_id=chat.chat_id,
            from_bot=from_bot,
            date=raw["date"],
            raw=raw,
            method=method,
        )
        self._sync_fields(message)
        chat.messages[message_id] = message
        self._log(chat, "sent", message_id, from_bot)
        return message

    def _sync_fields(self, message: ChatMessage) -> None:
        """Refresh the convenience attributes from ``raw``."""
        raw = message.raw
        message.text = raw.get("text")
        message.caption = raw.get("caption")
        message.entities = list(raw.get("entities") or raw.get("caption_entities") or [])
        message.location = raw.get("location")
        message.contact = raw.get("contact")
        message.media = next(
            (raw[key] for key in MEDIA_EXTRAS if key not in {"document", "photo"} and key in raw),
            None,
        )

    def add_user_message(
        self,
        user: UserRecord,
        content: dict[str, Any],
        *,
        document: StoredFile | None = None,
        photo: StoredFile | None = None,
    ) -> ChatMessage:
        """Record a message a simulated user sends; it also (re)starts the conversation."""
        user.started = True
        user.blocked = False
        message = self._new_message(user, self.chat(user.id), from_bot=False, content=content)
        message.document, message.photo = document, photo
        return message

    def _text_content(
        self, values: Mapping[str, Any], key: str, entities_key: str, *, caption: bool
    ) -> tuple[ParsedText, dict[str, Any]]:
        parsed = format_text(
            values[key], values.get("parse_mode"), values.get(entities_key), caption=caption
        )
        content: dict[str, Any] = {key: parsed.text}
        if parsed.entities:
            content[entities_key] = parsed.entities
        if caption and not parsed.text:
            content = {}
        return parsed, content

    def _reply_to(self, chat: ChatState, values: Mapping[str, Any]) -> dict[str, Any] | None:
        params = values.get("reply_parameters")
        if params is None and "reply_to_message_id" in values:
            params = {
                "message_id": values["reply_to_message_id"],
                "allow_sending_without_reply": values.get("allow_sending_without_reply", False),
            }
        if params is None:
            return None
        target_chat = chat
        if params.get("chat_id") is not None:
            _, target_chat = self.resolve_chat(params["chat_id"], write=False)
        target = target_chat.messages.get(params["message_id"])
        if target is None or target.deleted:
            if params.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {k: v for k, v in target.raw.items() if k != "reply_to_message"}

    def _send(
        self,
        method: str,
        values: Mapping[str, Any],
        content: dict[str, Any],
        *,
        files: tuple[StoredFile | None, StoredFile | None] = (None, None),
        source: str | None = None,
        parse_mode: str | None = None,
    ) -> ChatMessage:
        """Common tail of every sendX: access rules, reply, markup, keyboard state."""
        user, chat = self.resolve_chat(values["chat_id"], write=True)
        reply = self._reply_to(chat, values)
        if reply is not None:
            content = {**content, "reply_to_message": reply}
        markup = values.get("reply_markup")
        if markup is not None and "inline_keyboard" in markup:
            content = {**content, "reply_markup": markup}
        message = self._new_message(user, chat, from_bot=True, content=content, method=method)
        message.reply_markup = markup
        message.document, message.photo = files
        message.source = source
        message.parse_mode = parse_mode
        if markup is not None and "keyboard" in markup:
            chat.reply_keyboard = markup
            chat.reply_keyboard_message_id = message.message_id
        elif markup is not None and markup.get("remove_keyboard"):
            chat.reply_keyboard = None
            chat.reply_keyboard_message_id = None
        return message

    def _api_sendMessage(self, values: dict[str, Any]) -> dict[str, Any]:
        self.resolve_chat(values["chat_id"], write=True)  # chat errors win over text errors
        _, content = self._text_content(values, "text", "entities", caption=False)
        message = self._send(
            "sendMessage",
            values,
            content,
            source=values["text"],
            parse_mode=values.get("parse_mode") if "entities" not in values else None,
        )
        return message.raw

    def _media_object(self, stored: StoredFile, kind: str, values: Mapping[str, Any]) -> Any:
        base: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
        }
        if stored.size:
            base["file_size"] = stored.size
        extra = dict(MEDIA_EXTRAS[kind])
        for key in ("duration", "width", "height", "length"):
            if key in extra and key in values:
                extra[key] = values[key]
        if kind == "photo":
            return [{**base, **extra}]
        if kind in {"document", "audio", "video", "animation"} and stored.filename:
            base["file_name"] = stored.filename
        if kind in {"document", "audio", "video", "animation", "voice"} and stored.mime_type:
            base["mime_type"] = stored.mime_type
        return {**base, **extra}

    def _api_send_media(self, method: str, values: dict[str, Any]) -> dict[str, Any]:
        kind, _ = MEDIA_METHODS[method]
        self.resolve_chat(values["chat_id"], write=True)
        stored = self.store_input_file(values[kind], kind)
        content: dict[str, Any] = {kind: self._media_object(stored, kind, values)}
        source = None
        if kind not in _NO_CAPTION and values.get("caption"):
            _, caption_content = self._text_content(
                values, "caption", "caption_entities", caption=True
            )
            content.update(caption_content)
            source = values["caption"]
        message = self._send(
            method,
            values,
            content,
            files=(stored if kind == "document" else None, stored if kind == "photo" else None),
            source=source,
            parse_mode=values.get("parse_mode"),
        )
        return message.raw

    def _api_sendDocument(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendDocument", values)

    def _api_sendPhoto(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendPhoto", values)

    def _api_sendAudio(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendAudio", values)

    def _api_sendVideo(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendVideo", values)

    def _api_sendAnimation(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendAnimation", values)

    def _api_sendVoice(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendVoice", values)

    def _api_sendVideoNote(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendVideoNote", values)

    def _api_sendSticker(self, values: dict[str, Any]) -> dict[str, Any]:
        return self._api_send_media("sendSticker", values)

    def _api_sendMediaGroup(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        items = values["media"]
        if not 2 <= len(items) <= 10:
            raise invalid("media group must include 2-10 items")
        self.resolve_chat(values["chat_id"], write=True)
        group_id = f"{self.bot_id}{next(self._callback_counter):010d}"
        results: list[dict[str, Any]] = []
        for item in items:
            kind = item["type"]
            if kind not in MEDIA_EXTRAS:
                raise bad_request(f"media type {kind!r} is not emulated in albums")
            stored = self.store_input_file(item["media"], kind)
            content: dict[str, Any] = {
                kind: self._media_object(stored, kind, item),
                "media_group_id": group_id,
            }
            if item.get("caption"):
                _, caption_content = self._text_content(
                    item, "caption", "caption_entities", caption=True
                )
                content.update(caption_content)
            message = self._send(
                "sendMediaGroup",
                values,
                content,
                files=(stored if kind == "document" else None, stored if kind == "photo" else None),
                source=item.get("caption"),
                parse_mode=item.get("parse_mode"),
            )
            results.append(message.raw)
        return results

    def _api_sendLocation(self, values: dict[str, Any]) -> dict[str, Any]:
        if not -90 <= values["latitude"] <= 90 or not -180 <= values["longitude"] <= 180:
            raise invalid("wrong latitude or longitude")
        location = {"latitude": values["latitude"], "longitude": values["longitude"]}
        return self._send("sendLocation", values, {"location": location}).raw

    def _api_sendContact(self, values: dict[str, Any]) -> dict[str, Any]:
        contact = {"phone_number": values["phone_number"], "first_name": values["first_name"]}
        for key in ("last_name", "vcard"):
            if values.get(key):
                contact[key] = values[key]
        return self._send("sendContact", values, {"contact": contact}).raw

    def _api_sendChatAction(self, values: dict[str, Any]) -> bool:
        _, chat = self.resolve_chat(values["chat_id"], write=True)
        if values["action"] not in CHAT_ACTIONS:
            raise invalid("wrong parameter action in request")
        chat.chat_actions.append(values["action"])
        self._log(chat, "action", None, True)
        return True

    def _copy_source(self, values: Mapping[str, Any], verb: str) -> ChatMessage:
        _, source_chat = self.resolve_chat(values["from_chat_id"], write=False)
        source = source_chat.messages.get(values["message_id"])
        if source is None or source.deleted:
            raise bad_request(f"message to {verb} not found")
        return source

    _COPY_SKIP = frozenset(
        {
            "message_id",
            "date",
            "chat",
            "from",
            "reply_markup",
            "edit_date",
            "reply_to_message",
            "forward_origin",
        }
    )

    def _api_copyMessage(self, values: dict[str, Any]) -> dict[str, Any]:
        source = self._copy_source(values, "copy")
        content = {k: v for k, v in source.raw.items() if k not in self._COPY_SKIP}
        src = source.source
        if "caption" in values:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            if values["caption"]:
                _, caption_content = self._text_content(
                    values, "caption", "caption_entities", caption=True
                )
                content.update(caption_content)
            src = values["caption"]
        message = self._send(
            "copyMessage",
            values,
            content,
            files=(source.document, source.photo),
            source=src,
            parse_mode=values.get("parse_mode", source.parse_mode),
        )
        return {"message_id": message.message_id}

    def _api_forwardMessage(self, values: dict[str, Any]) -> dict[str, Any]:
        source = self._copy_source(values, "forward")
        content = {k: v for k, v in source.raw.items() if k not in self._COPY_SKIP}
        content["forward_origin"] = {
            "type": "user",
            "date": source.date,
            "sender_user": source.raw["from"],
        }
        message = self._send(
            "forwardMessage",
            values,
            content,
            files=(source.document, source.photo),
            source=source.source,
            parse_mode=source.parse_mode,
        )
        return message.raw

    def _api_generic(self, method: str, values: dict[str, Any]) -> Any:
        """Any other spec-valid method: messages get a bare Message, the rest ``True``."""
        spec = self.spec.methods[method]
        if spec.returns == ("Message",) and "chat_id" in values:
            return self._send(method, values, {}).raw
        return True

    # ================================================================= edits / deletes
    def _message_to_edit(self, values: Mapping[str, Any]) -> tuple[ChatState, ChatMessage]:
        if values.get("inline_message_id") is not None:
            raise invalid("MESSAGE_ID_INVALID (inline messages are not emulated)")
        if values.get("chat_id") is None:
            raise invalid("chat_id is empty")
        if values.get("message_id") is None:
            raise invalid("message identifier is not specified")
        _, chat = self.resolve_chat(values["chat_id"], write=True)
        message = chat.messages.get(values["message_id"])
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    @staticmethod
    def _inline_markup(message: ChatMessage) -> dict[str, Any] | None:
        markup = message.reply_markup
        return markup if markup is not None and "inline_keyboard" in markup else None

    def _apply_edit(
        self,
        chat: ChatState,
        message: ChatMessage,
        content: dict[str, Any],
        drop: tuple[str, ...],
        markup: dict[str, Any] | None,
    ) -> dict[str, Any]:
        raw = {k: v for k, v in message.raw.items() if k not in drop and k != "reply_markup"}
        raw.update(content)
        if markup is not None:
            raw["reply_markup"] = markup
        raw["edit_date"] = int(time.time())
        message.raw = raw
        if markup is not None or self._inline_markup(message) is not None:
            message.reply_markup = markup
        message.edited = True
        message.edit_count += 1
        self._sync_fields(message)
        self._log(chat, "edited", message.message_id, True)
        return raw

    def _api_editMessageText(self, values: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._message_to_edit(values)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        parsed, content = self._text_content(values, "text", "entities", caption=False)
        markup = values.get("reply_markup")
        if (
            parsed.text == message.text
            and parsed.entities == message.entities
            and markup == self._inline_markup(message)
        ):
            raise bad_request(NOT_MODIFIED)
        raw = self._apply_edit(chat, message, content, ("text", "entities"), markup)
        message.source = values["text"]
        message.parse_mode = values.get("parse_mode") if "entities" not in values else None
        return raw

    def _api_editMessageCaption(self, values: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._message_to_edit(values)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        values = {**values, "caption": values.get("caption", "")}
        parsed, content = self._text_content(values, "caption", "caption_entities", caption=True)
        markup = values.get("reply_markup")
        if (
            parsed.text == (message.caption or "")
            and parsed.entities == message.entities
            and markup == self._inline_markup(message)
        ):
            raise bad_request(NOT_MODIFIED)
        raw = self._apply_edit(chat, message, content, ("caption", "caption_entities"), markup)
        message.source = values["caption"] or None
        message.parse_mode = values.get("parse_mode")
        return raw

    def _api_editMessageReplyMarkup(self, values: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._message_to_edit(values)
        markup = values.get("reply_markup")
        if markup == self._inline_markup(message):
            raise bad_request(NOT_MODIFIED)
        return self._apply_edit(chat, message, {}, (), markup)

    def _api_deleteMessage(self, values: dict[str, Any]) -> bool:
        _, chat = self.resolve_chat(values["chat_id"], write=False)
        message = chat.messages.get(values["message_id"])
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        message.deleted = True
        self._log(chat, "deleted", message.message_id, message.from_bot)
        return True

    def _api_deleteMessages(self, values: dict[str, Any]) -> bool:
        _, chat = self.resolve_chat(values["chat_id"], write=False)
        ids = values["message_ids"]
        if not 1 <= len(ids) <= 100:
            raise invalid("message_ids must contain 1-100 identifiers")
        for message_id in ids:
            message = chat.messages.get(message_id)
            if message is not None and not message.deleted:
                message.deleted = True
                self._log(chat, "deleted", message_id, message.from_bot)
        return True

    # ================================================================= callbacks
    def new_callback_query(
        self, user: UserRecord, message: ChatMessage, data: str
    ) -> dict[str, Any]:
        """Create a pending callback query; return the ``callback_query`` update payload."""
        query_id = f"{self.bot_id}{next(self._callback_counter):08d}"
        self.callbacks[query_id] = CallbackRecord(
            id=query_id,
            user_id=user.id,
            chat_id=message.chat_id,
            message_id=message.message_id,
            data=data,
            created=self.clock(),
        )
        return {
            "id": query_id,
            "from": user.to_user(),
            "message": message.raw,
            "chat_instance": str(abs(hash((self.bot_id, message.chat_id))) % 10**18),
            "data": data,
        }

    def _api_answerCallbackQuery(self, values: dict[str, Any]) -> bool:
        text = values.get("text")
        if text is not None and len(text) > 200:
            raise invalid("MESSAGE_TOO_LONG: callback answer text must be 0-200 characters")
        record = self.callbacks.get(values["callback_query_id"])
        if record is None or record.answered or self.clock() - record.created > self.callback_ttl:
            raise bad_request(QUERY_TOO_OLD)
        record.answer = CallbackAnswer(text, bool(values.get("show_alert")), values.get("url"))
        return True

    def unanswered_callbacks(self) -> list[CallbackRecord]:
        """Callback queries the bot never answered (the user saw an endless spinner)."""
        return [record for record in self.callbacks.values() if not record.answered]

    # ================================================================= files
    def register_file(
        self,
        data: bytes | None,
        *,
        kind: str,
        filename: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
    ) -> StoredFile:
        """Store a file so getFile/download and re-sending by file_id work."""
        number = next(self._file_counter)
        suffix = PurePosixPath(filename).suffix if filename else ""
        if not suffix and mime_type:
            suffix = mimetypes.guess_extension(mime_type) or ""
        stored = StoredFile(
            file_id=f"BQ{kind[:3].upper()}{self.bot_id}x{number:06d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{kind}s/file_{number}{suffix}",
            filename=filename,
            mime_type=mime_type,
            data=data,
            url=url,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def store_input_file(self, value: UploadedFile | str, kind: str) -> StoredFile:
        """Turn an InputFile value (upload, file_id or URL) into a stored file."""
        if isinstance(value, UploadedFile):
            if not value.data:
                raise invalid("file must be non-empty")
            mime = value.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(value.filename)[0] or mime
            return self.register_file(
                value.data, kind=kind, filename=value.filename, mime_type=mime or None
            )
        if value in self.files:
            return self.files[value]
        if re.match(r"^https?://", value, re.IGNORECASE):
            name = PurePosixPath(value.split("?", 1)[0]).name or None
            return self.register_file(
                None,
                kind=kind,
                filename=name,
                mime_type=mimetypes.guess_type(name or "")[0],
                url=value,
            )
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _api_getFile(self, values: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(values["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        result: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_path": stored.file_path,
        }
        if stored.size:
            result["file_size"] = stored.size
        return result

    # ================================================================= bot settings
    def _api_getMe(self, values: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_logOut(self, values: dict[str, Any]) -> bool:
        return True

    def _api_close(self, values: dict[str, Any]) -> bool:
        return True

    @staticmethod
    def scope_key(scope: Mapping[str, Any] | None) -> str:
        """Canonical key of a BotCommandScope (default scope when omitted)."""
        return json.dumps(dict(scope or {"type": "default"}), sort_keys=True)

    @staticmethod
    def _language(values: Mapping[str, Any]) -> str:
        language = values.get("language_code", "") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise invalid("invalid language code specified")
        return language

    def _api_setMyCommands(self, values: dict[str, Any]) -> bool:
        commands = values["commands"]
        if len(commands) > 100:
            raise invalid("BOT_COMMANDS_TOO_MUCH")
        key = (self.scope_key(values.get("scope")), self._language(values))
        if commands:
            self.commands[key] = [dict(c) for c in commands]
        else:
            self.commands.pop(key, None)
        return True

    def _api_getMyCommands(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        key = (self.scope_key(values.get("scope")), self._language(values))
        return [dict(c) for c in self.commands.get(key, [])]

    def _api_deleteMyCommands(self, values: dict[str, Any]) -> bool:
        self.commands.pop((self.scope_key(values.get("scope")), self._language(values)), None)
        return True

    def _api_setChatMenuButton(self, values: dict[str, Any]) -> bool:
        button = values.get("menu_button") or {"type": "default"}
        if values.get("chat_id") is None:
            self.default_menu_button = button
        else:
            _, chat = self.resolve_chat(values["chat_id"], write=False)
            chat.menu_button = button
        return True

    def _api_getChatMenuButton(self, values: dict[str, Any]) -> dict[str, Any]:
        if values.get("chat_id") is None:
            return dict(self.default_menu_button)
        _, chat = self.resolve_chat(values["chat_id"], write=False)
        return dict(chat.menu_button or self.default_menu_button)

    def _set_text(self, kind: str, values: Mapping[str, Any], limit: int) -> bool:
        text = values.get(kind, "") or ""
        if len(text) > limit:
            raise invalid(f"{kind} is too long (max {limit} characters)")
        key = (kind, self._language(values))
        if text:
            self.bot_texts[key] = text
        else:
            self.bot_texts.pop(key, None)
        return True

    def _get_text(self, kind: str, values: Mapping[str, Any]) -> dict[str, str]:
        language = self._language(values)
        text = self.bot_texts.get((kind, language)) or self.bot_texts.get((kind, ""), "")
        if kind == "name" and not text:
            text = self.bot_name
        return {kind: text}

    def _api_setMyDescription(self, values: dict[str, Any]) -> bool:
        return self._set_text("description", values, 512)

    def _api_getMyDescription(self, values: dict[str, Any]) -> dict[str, str]:
        return self._get_text("description", values)

    def _api_setMyShortDescription(self, values: dict[str, Any]) -> bool:
        return self._set_text("short_description", values, 120)

    def _api_getMyShortDescription(self, values: dict[str, Any]) -> dict[str, str]:
        return self._get_text("short_description", values)

    def _api_setMyName(self, values: dict[str, Any]) -> bool:
        return self._set_text("name", values, 64)

    def _api_getMyName(self, values: dict[str, Any]) -> dict[str, str]:
        return self._get_text("name", values)
