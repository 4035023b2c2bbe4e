"""Simulated Telegram users for conversation tests.

A :class:`SimUser` writes to the bot the way the Telegram app would (text with command
entities, contacts, media, button presses) and each action returns only after the bot
finished processing that update, with the bot messages it sent or edited meanwhile.
"""

from __future__ import annotations

import asyncio
import enum
import mimetypes
import time
from typing import TYPE_CHECKING, Any

from devkit.fakeapi.core import BotApiCore
from devkit.fakeapi.formatting import command_entities
from devkit.fakeapi.models import CallbackAnswer, ChatMessage, ChatState, UserRecord

if TYPE_CHECKING:
    from collections.abc import Callable


class Own(enum.Enum):
    """Sentinel: ``send_contact(user_id=OWN)`` shares the user's own contact."""

    OWN = "own"


OWN = Own.OWN
DEFAULT_LOCATION = (41.311081, 69.240562)  # Tashkent


def _summary(payload: dict[str, Any]) -> str:
    """Short description of an update for timeout messages."""
    kind, body = next(iter(payload.items()))
    if kind == "message":
        for key in ("text", "contact", "location", "document", "photo", "sticker", "voice"):
            if key in body:
                value = body[key]
                return f"message {key}={value!r}"[:120]
        return "message"
    if kind == "callback_query":
        return f"callback_query data={body.get('data')!r}"
    return kind


class SimUser:
    """One user in a private chat with the bot (created by :meth:`FakeBotAPI.user`)."""

    def __init__(
        self,
        core: BotApiCore,
        record: UserRecord,
        timeout_getter: Callable[[], float],
        mode_getter: Callable[[], str],
    ) -> None:
        self.core = core
        self.record = record
        self._timeout = timeout_getter
        self._mode = mode_getter
        #: Answer to the last callback query this user sent (None if unanswered).
        self.last_answer: CallbackAnswer | None = None
        #: Id of the last update this user sent (for ``FakeBotAPI.redeliver``).
        self.last_update_id: int | None = None

    # ----------------------------------------------------------------- identity
    @property
    def id(self) -> int:
        """Telegram user id (= private chat id)."""
        return self.record.id

    @property
    def chat(self) -> ChatState:
        """The core's :class:`~devkit.fakeapi.models.ChatState` of this chat."""
        return self.core.chat(self.id)

    # ----------------------------------------------------------------- reading
    @property
    def messages(self) -> list[ChatMessage]:
        """All bot messages in this chat, oldest first, in their current state."""
        return [m for m in self.chat.messages.values() if m.from_bot]

    @property
    def all_messages(self) -> list[ChatMessage]:
        """Both sides of the conversation, oldest first."""
        return list(self.chat.messages.values())

    @property
    def last(self) -> ChatMessage | None:
        """The newest bot message that was not deleted."""
        visible = [m for m in self.messages if not m.deleted]
        return visible[-1] if visible else None

    def texts(self, *, include_deleted: bool = False) -> list[str]:
        """Text/caption of each bot message (deleted ones skipped unless asked)."""
        return [m.body for m in self.messages if include_deleted or not m.deleted]

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """Visible texts of the reply keyboard currently shown to the user."""
        keyboard = self.chat.reply_keyboard
        if keyboard is None:
            return []
        return [[button["text"] for button in row] for row in keyboard["keyboard"]]

    @property
    def chat_actions(self) -> list[str]:
        """sendChatAction actions the bot sent here, in order."""
        return list(self.chat.chat_actions)

    # ----------------------------------------------------------------- delivery
    async def deliver(self, payload: dict[str, Any]) -> list[ChatMessage]:
        """Inject one update and wait until the bot finished it; return its replies here."""
        marker = self.core.event_seq
        update_id, done = self.core.inject_update(payload)
        self.last_update_id = update_id
        timeout = self._timeout()
        try:
            await asyncio.wait_for(asyncio.shield(done), timeout)
        except TimeoutError:
            raise AssertionError(
                f"bot did not finish update {update_id} ({_summary(payload)}) from user "
                f"{self.id} within {timeout}s (mode: {self._mode()}); is the bot polling "
                "with handle_as_tasks=False / is the webhook app running, or is a handler stuck?"
            ) from None
        return self.core.changes_since(self.id, marker)

    async def send_message(self, **content: Any) -> list[ChatMessage]:
        """Send a message with arbitrary Telegram ``Message`` fields (text, photo, ...)."""
        message = self.core.add_user_message(self.record, content)
        return await self.deliver({"message": message.raw})

    async def send(
        self, text: str, *, entities: list[dict[str, Any]] | None = None
    ) -> list[ChatMessage]:
        """Send a text message; ``/commands`` get bot_command entities like in Telegram."""
        content: dict[str, Any] = {"text": text}
        found = entities if entities is not None else command_entities(text)
        if found:
            content["entities"] = found
        return await self.send_message(**content)

    async def send_contact(
        self,
        phone: str | None = None,
        *,
        user_id: int | Own | None = OWN,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> list[ChatMessage]:
        """Share a contact: own by default (``contact.user_id`` = this user), else anyone's.

        Pass ``user_id=None`` for a phone-book contact that has no Telegram account.
        """
        own = user_id is OWN
        contact: dict[str, Any] = {
            "phone_number": phone or self.record.phone or f"+99890{self.id % 10**7:07d}",
            "first_name": first_name or (self.record.first_name if own else "Contact"),
        }
        surname = last_name if last_name is not None else (self.record.last_name if own else None)
        if surname:
            contact["last_name"] = surname
        if own:
            contact["user_id"] = self.id
        elif user_id is not None:
            contact["user_id"] = user_id
        return await self.send_message(contact=contact)

    async def send_location(
        self, latitude: float = DEFAULT_LOCATION[0], longitude: float = DEFAULT_LOCATION[1]
    ) -> list[ChatMessage]:
        """Share a location (defaults to central Tashkent)."""
        return await self.send_message(location={"latitude": latitude, "longitude": longitude})

    def _file(self, data: bytes, kind: str, filename: str | None, mime: str | None) -> Any:
        return self.core.register_file(data, kind=kind, filename=filename, mime_type=mime)

    async def send_document(
        self,
        data: bytes,
        filename: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> list[ChatMessage]:
        """Upload a document; the bot can download it via getFile + the file route."""
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self._file(data, "document", filename, mime)
        content: dict[str, Any] = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": filename,
                "mime_type": mime,
                "file_size": len(data),
            }
        }
        if caption:
            content["caption"] = caption
        message = self.core.add_user_message(self.record, content, document=stored)
        return await self.deliver({"message": message.raw})

    async def send_photo(
        self, data: bytes = b"\xff\xd8\xff\xe0fake-jpeg", *, caption: str | None = None
    ) -> list[ChatMessage]:
        """Send a photo (Telegram delivers several sizes; two are enough here)."""
        stored = self._file(data, "photo", None, "image/jpeg")
        sizes = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": width,
                "height": height,
                "file_size": len(data),
            }
            for width, height in ((90, 67), (1280, 960))
        ]
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        message = self.core.add_user_message(self.record, content, photo=stored)
        return await self.deliver({"message": message.raw})

    async def send_voice(
        self,
        data: bytes = b"OggS-fake-voice",
        *,
        duration: int = 3,
        mime_type: str = "audio/ogg",
    ) -> list[ChatMessage]:
        """Send a voice note (Telegram's are OGG/Opus; the sandbox plays a WAV sample)."""
        stored = self._file(data, "voice", None, mime_type)
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return await self.send_message(voice=voice)

    async def send_video_note(
        self, data: bytes = b"fake-mp4-round", *, duration: int = 5
    ) -> list[ChatMessage]:
        """Send a round video message."""
        stored = self._file(data, "video_note", None, "video/mp4")
        note = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "length": 240,
            "duration": duration,
            "file_size": len(data),
        }
        return await self.send_message(video_note=note)

    async def send_sticker(self, emoji: str = "👍") -> list[ChatMessage]:
        """Send a regular static sticker."""
        stored = self._file(b"RIFF-fake-webp", "sticker", None, "image/webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self.send_message(sticker=sticker)

    # ----------------------------------------------------------------- buttons
    def _find_message(self, message: ChatMessage | int) -> ChatMessage:
        message_id = message if isinstance(message, int) else message.message_id
        found = self.chat.messages.get(message_id)
        if found is None or not found.from_bot:
            raise AssertionError(f"no bot message {message_id} in chat {self.id}")
        if found.deleted:
            raise AssertionError(f"message {message_id} was deleted; its buttons are gone")
        return found

    def _visible_buttons(self) -> str:
        lines: list[str] = []
        for message in reversed(self.messages):
            if message.deleted or not message.inline_keyboard:
                continue
            lines.append(f"  inline on message {message.message_id}: {message.buttons}")
        lines.append(f"  reply keyboard: {self.reply_keyboard or 'none'}")
        return "\n".join(lines)

    async def press(
        self, text: str, *, message: ChatMessage | int | None = None
    ) -> list[ChatMessage]:
        """Press the button labelled ``text``, like a user tapping it.

        Looks at the newest bot message whose inline keyboard has it, and at the current reply
        keyboard; if both have it, the more recently sent keyboard wins. ``message=`` presses
        on that (possibly old) message's inline keyboard only.
        """
        if message is not None:
            target = self._find_message(message)
            button = self._inline_button(target, text)
            if button is None:
                raise AssertionError(
                    f"message {target.message_id} has no inline button {text!r}; "
                    f"buttons: {target.buttons}"
                )
            return await self._press_inline(target, button)
        inline_target: ChatMessage | None = None
        inline_button: dict[str, Any] | None = None
        for candidate in reversed(self.messages):
            if candidate.deleted:
                continue
            inline_button = self._inline_button(candidate, text)
            if inline_button is not None:
                inline_target = candidate
                break
        reply_button = self._reply_button(text)
        reply_source = self.chat.reply_keyboard_message_id or 0
        if reply_button is not None and (
            inline_target is None or reply_source > inline_target.message_id
        ):
            return await self._press_reply(reply_button)
        if inline_target is not None and inline_button is not None:
            return await self._press_inline(inline_target, inline_button)
        raise AssertionError(
            f"no button {text!r} visible to user {self.id}; visible:\n" + (self._visible_buttons())
        )

    @staticmethod
    def _inline_button(message: ChatMessage, text: str) -> dict[str, Any] | None:
        for row in message.inline_keyboard:
            for button in row:
                if button.get("text") == text:
                    return button
        return None

    def _reply_button(self, text: str) -> dict[str, Any] | None:
        keyboard = self.chat.reply_keyboard
        if keyboard is None:
            return None
        rows: list[list[dict[str, Any]]] = keyboard["keyboard"]
        for row in rows:
            for button in row:
                if button.get("text") == text:
                    return button
        return None

    async def _press_inline(
        self, message: ChatMessage, button: dict[str, Any]
    ) -> list[ChatMessage]:
        if "callback_data" not in button:
            kinds = sorted(set(button) - {"text", "style", "icon_custom_emoji_id"})
            raise AssertionError(
                f"inline button {button['text']!r} is a {', '.join(kinds)} button; only "
                "callback_data buttons send anything to the bot"
            )
        if not self.core.tap_twice:
            return await self.press_data(message, button["callback_data"])
        # The second tap is taken from the same screen as the first, before the bot answers.
        payload = self.core.new_callback_query(self.record, message, button["callback_data"])
        first = asyncio.ensure_future(self.press_data(message, button["callback_data"]))
        await asyncio.sleep(0)  # the first tap is queued first
        _update_id, twin = self.core.inject_update({"callback_query": payload})
        try:
            return await first
        finally:
            await asyncio.wait_for(asyncio.shield(twin), self._timeout())

    async def _press_reply(self, button: dict[str, Any]) -> list[ChatMessage]:
        keyboard = self.chat.reply_keyboard
        if keyboard is not None and keyboard.get("one_time_keyboard"):
            self.chat.reply_keyboard = None
            self.chat.reply_keyboard_message_id = None
        if button.get("request_contact"):
            return await self.send_contact()
        if button.get("request_location"):
            return await self.send_location()
        special = sorted(set(button) - {"text", "style", "icon_custom_emoji_id"})
        special = [name for name in special if button[name] is not False]
        if special:
            raise AssertionError(
                f"reply button {button['text']!r} ({', '.join(special)}) is not emulated"
            )
        return await self.send(button["text"])

    async def press_data(self, message: ChatMessage | int, data: str) -> list[ChatMessage]:
        """Send a callback query with arbitrary ``data`` for a bot message (forged clients)."""
        target = self._find_message(message)
        payload = self.core.new_callback_query(self.record, target, data)
        self.last_answer = None
        query_id = payload["id"]
        try:
            return await self.deliver({"callback_query": payload})
        finally:
            self.last_answer = self.core.callbacks[query_id].answer

    # ----------------------------------------------------------------- membership
    async def block_bot(self) -> list[ChatMessage]:
        """Block the bot in the app: later sends get 403, the bot gets my_chat_member."""
        self.record.blocked = True
        return await self.deliver({"my_chat_member": self._member_update("member", "kicked")})

    async def unblock_bot(self) -> list[ChatMessage]:
        """Unblock (Telegram then sends my_chat_member; the app also sends /start)."""
        self.record.blocked = False
        return await self.deliver({"my_chat_member": self._member_update("kicked", "member")})

    def _member_update(self, old: str, new: str) -> dict[str, Any]:
        bot = self.core.bot_user()
        return {
            "chat": self.record.to_chat(),
            "from": self.record.to_user(),
            "date": int(time.time()),
            "old_chat_member": {
                "status": old,
                "user": bot,
                **({"until_date": 0} if old == "kicked" else {}),
            },
            "new_chat_member": {
                "status": new,
                "user": bot,
                **({"until_date": 0} if new == "kicked" else {}),
            },
        }

    # ----------------------------------------------------------------- waiting
    async def next_message(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - test API
        *,
        after: int | None = None,
    ) -> ChatMessage:
        """Wait (event-driven) for a bot message sent here by background code.

        ``after``: count of bot messages already seen (default: the count right now).
        """
        seen = len(self.messages) if after is None else after
        deadline = time.monotonic() + timeout
        while len(self.messages) <= seen:
            # Woken only by calls about this chat: many people waiting at once stay cheap.
            arrived = asyncio.get_running_loop().create_future()
            _chat_waiters(self.core).setdefault(self.id, []).append(arrived)
            try:
                await asyncio.wait_for(arrived, max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                recent = ", ".join(
                    f"{c.method}{'' if c.ok else f'!{c.error_code}'}" for c in self.core.calls[-10:]
                )
                raise AssertionError(
                    f"no matching API call within {timeout}s; last calls: {recent or 'none'}"
                ) from None
        return self.messages[seen]

        def arrived(call: Any) -> bool:
            # Cheap test first: a call for another chat cannot add a message here (a hundred
            # people waiting at once would otherwise each re-count their chat on every call).
            if self.core.call_chat_id(call) not in (self.id, None):
                return False
            return len(self.messages) > seen

        await self.core.wait_for_call(arrived, timeout, since=None)
        return self.messages[seen]


def _chat_waiters(core: BotApiCore) -> dict[int, list[asyncio.Future[None]]]:
    """Futures of people waiting for a message, by chat; woken after each call about the chat."""
    waiters: dict[int, list[asyncio.Future[None]]] | None = getattr(core, "_chat_waiters", None)
    if waiters is None:
        waiters = {}

        def wake(chat_id: int | None) -> None:
            for future in waiters.pop(chat_id, ()) if chat_id is not None else ():
                if not future.done():
                    future.set_result(None)

        core._chat_waiters = waiters  # type: ignore[attr-defined]
        core.change_listeners.append(wake)
    return waiters
