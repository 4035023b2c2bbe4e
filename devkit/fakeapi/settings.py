"""The bot's own settings: getMe, commands, menu button, name and descriptions.

Commands and texts are kept per scope and language as Telegram does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from devkit.fakeapi.errors import invalid
from devkit.fakeapi.state import CoreState


class BotSettingsMixin(CoreState):
    """getMe, logOut/close, set/get/deleteMyCommands, menu button, name, descriptions."""

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
