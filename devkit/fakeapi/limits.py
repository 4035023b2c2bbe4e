"""Token buckets emulating Telegram's flood limits (30 msg/s overall, ~1 msg/s per chat).

Off by default; tests of broadcast/outbox code turn it on to prove the sender honours
``retry_after`` instead of hammering the API.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class TokenBucket:
    """Classic token bucket: ``capacity`` burst, refilled at ``rate`` tokens per second."""

    capacity: float
    rate: float
    tokens: float = -1.0
    updated: float = 0.0

    def take(self, now: float) -> float:
        """Consume one token; return 0 on success or the seconds until one is available."""
        if self.tokens < 0:
            self.tokens, self.updated = self.capacity, now
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass(slots=True)
class FloodLimiter:
    """Global + per-chat buckets; :meth:`check` returns ``retry_after`` seconds or 0."""

    clock: Callable[[], float]
    global_rate: float = 30.0
    global_burst: float = 30.0
    chat_rate: float = 1.0
    chat_burst: float = 3.0
    hits: int = 0
    _global: TokenBucket | None = None
    _chats: dict[int | str, TokenBucket] = field(default_factory=dict)

    def check(self, chat_id: int | str | None) -> int:
        """Account one send; a positive result means "answer 429 with this retry_after"."""
        now = self.clock()
        if self._global is None:
            self._global = TokenBucket(self.global_burst, self.global_rate)
        if chat_id is not None:
            bucket = self._chats.setdefault(chat_id, TokenBucket(self.chat_burst, self.chat_rate))
            wait = bucket.take(now)
            if wait > 0:
                self.hits += 1
                return max(1, math.ceil(wait))
        wait = self._global.take(now)
        if wait > 0:
            self.hits += 1
            return max(1, math.ceil(wait))
        return 0


def is_send_method(method: str) -> bool:
    """Methods that count against flood limits (message-creating ones)."""
    lowered = method.lower()
    if lowered == "sendchataction":
        return False
    return lowered.startswith(("send", "copymessage", "forwardmessage"))
