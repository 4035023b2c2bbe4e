"""Plain data records of the fake's state (no behaviour, no I/O).

Kept apart from the core so the HTTP layer, the test helpers and a future web chat page can
all read the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from devkit.fakeapi.formatting import to_html


@dataclass(slots=True)
class UploadedFile:
    """A file part of a multipart request (or bytes a simulated user sends)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class StoredFile:
    """A file known to the fake: downloadable through getFile + the ``/file`` route."""

    file_id: str
    file_unique_id: str
    file_path: str
    filename: str | None
    mime_type: str | None
    data: bytes | None
    url: str | None = None

    @property
    def size(self) -> int:
        """Byte size (0 when only a URL is known)."""
        return len(self.data) if self.data is not None else 0


@dataclass(slots=True)
class UserRecord:
    """A Telegram user the tests created; ``started`` = has ever written to the bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone: str | None = None
    started: bool = False
    blocked: bool = False

    def to_user(self) -> dict[str, Any]:
        """Telegram ``User`` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def to_chat(self) -> dict[str, Any]:
        """Telegram ``Chat`` object of the private chat with this user."""
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass(eq=False, slots=True)
class ChatMessage:
    """One message in a chat, in its current state (edits applied, deletion flagged).

    ``raw`` is the Telegram ``Message`` object as the bot last saw it; the other attributes
    are conveniences for assertions.
    """

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    raw: dict[str, Any]
    method: str = ""
    text: str | None = None
    source: str | None = None  # text/caption exactly as sent (HTML when parse_mode=HTML)
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    media: dict[str, Any] | None = None  # other media objects as returned (voice, video...)
    location: dict[str, Any] | None = None
    contact: dict[str, Any] | None = None
    edited: bool = False
    edit_count: int = 0
    deleted: bool = False

    @property
    def html(self) -> str | None:
        """Text/caption as HTML: the raw source when sent with parse_mode=HTML, else escaped."""
        body = self.text if self.text is not None else self.caption
        if body is None:
            return None
        return to_html(body, self.parse_mode, self.source or body)

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """Raw inline keyboard rows (empty when the message has none)."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            rows: list[list[dict[str, Any]]] = self.reply_markup["inline_keyboard"]
            return rows
        return []

    @property
    def reply_keyboard(self) -> dict[str, Any] | None:
        """The ReplyKeyboardMarkup this message set, if any."""
        if self.reply_markup and "keyboard" in self.reply_markup:
            return self.reply_markup
        return None

    @property
    def buttons(self) -> list[list[str]]:
        """Visible texts of the inline keyboard, row by row."""
        return [[button["text"] for button in row] for row in self.inline_keyboard]

    @property
    def reply_buttons(self) -> list[list[str]]:
        """Visible texts of the reply keyboard this message set, row by row."""
        keyboard = self.reply_keyboard
        if keyboard is None:
            return []
        return [[button["text"] for button in row] for row in keyboard["keyboard"]]

    @property
    def body(self) -> str:
        """Text or caption, '' when neither: handy for ``in`` assertions."""
        return self.text if self.text is not None else (self.caption or "")


@dataclass(slots=True)
class ApiCall:
    """One request the bot made: what, with which parameters, and how it ended."""

    method: str
    params: dict[str, Any]
    ok: bool
    error_code: int | None
    time: float
    description: str | None = None
    result: Any = None
    source: str = "http"
    #: Refused because the request breaks the Bot API spec (a bot bug, see SpecViolation).
    violation: bool = False


@dataclass(slots=True)
class CallbackAnswer:
    """What the bot answered to a callback query (the toast / alert the user sees)."""

    text: str | None
    show_alert: bool
    url: str | None


@dataclass(slots=True)
class CallbackRecord:
    """A callback query sent to the bot, and whether/how it was answered."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answer: CallbackAnswer | None = None

    @property
    def answered(self) -> bool:
        """True once answerCallbackQuery succeeded for this query."""
        return self.answer is not None


@dataclass(slots=True)
class ChatEvent:
    """An entry of a chat's change log, used to collect a bot's replies to one update."""

    seq: int
    kind: str  # "sent" | "edited" | "deleted" | "action"
    message_id: int | None
    from_bot: bool


@dataclass(slots=True)
class ChatState:
    """Everything the fake remembers about one private chat."""

    chat_id: int
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    events: list[ChatEvent] = field(default_factory=list)
    reply_keyboard: dict[str, Any] | None = None
    reply_keyboard_message_id: int | None = None
    chat_actions: list[str] = field(default_factory=list)
    menu_button: dict[str, Any] | None = None
    next_message_id: int = 1


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
