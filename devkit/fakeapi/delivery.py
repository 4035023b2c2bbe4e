"""How updates leave the queue: long polling (getUpdates) and the webhook methods.

Telegram's conflicts are emulated: a second poller or polling with a webhook set is a 409.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

from devkit.fakeapi.errors import ApiError, invalid
from devkit.fakeapi.models import WebhookConfig
from devkit.fakeapi.updates import UpdateQueueMixin


class DeliveryMixin(UpdateQueueMixin):
    """getUpdates, setWebhook, deleteWebhook, getWebhookInfo."""

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
