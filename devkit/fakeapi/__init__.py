"""Fake Telegram Bot API server for conversation tests (and, later, a local sandbox).

``FakeBotAPI`` runs an aiohttp server speaking the Bot API (validated against the
official spec), and ``SimUser`` objects play Telegram users talking to the bot.
"""

from devkit.fakeapi.core import BotApiCore
from devkit.fakeapi.errors import ApiError
from devkit.fakeapi.fake import FakeBotAPI
from devkit.fakeapi.models import (
    ApiCall,
    CallbackAnswer,
    CallbackRecord,
    ChatMessage,
    StoredFile,
    UploadedFile,
    UserRecord,
)
from devkit.fakeapi.updates import UpdateDeliveryError
from devkit.fakeapi.users import OWN, SimUser

__all__ = [
    "OWN",
    "ApiCall",
    "ApiError",
    "BotApiCore",
    "CallbackAnswer",
    "CallbackRecord",
    "ChatMessage",
    "FakeBotAPI",
    "SimUser",
    "StoredFile",
    "UpdateDeliveryError",
    "UploadedFile",
    "UserRecord",
]
