"""What the fake remembers, and the chat primitives every method family builds on.

:class:`CoreState` holds the bot's identity, users, private chats, files, calls and the
update queue's bookkeeping; it finds chats (with Telegram's 403 rules) and logs their changes.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from typing import Any

from devkit.fakeapi.errors import bad_request, forbidden
from devkit.fakeapi.limits import FloodLimiter
from devkit.fakeapi.models import (
    ApiCall,
    CallbackRecord,
    ChatEvent,
    ChatMessage,
    ChatState,
    InjectedFailure,
    StoredFile,
    UserRecord,
    WebhookConfig,
)
from devkit.fakeapi.spec import ApiSpec, load_spec
from devkit.fakeapi.validation import Validator

log = logging.getLogger("devkit.fakeapi.core")  # its name before the split


class CoreState:
    """State shared by every part of :class:`~devkit.fakeapi.core.BotApiCore`."""

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
