"""The one exception type the fake's core raises: an error response Telegram would send."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error (``ok: false``); the HTTP layer turns it into the JSON body."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(f"{error_code}: {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        """Body exactly as Telegram shapes it (``parameters`` only when there is one)."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class SpecViolation(ApiError):
    """A 400 for a request the Bot API spec forbids (a bot bug, never a race or user action).

    Telegram answers these like any other Bad Request; the fake marks them so a test harness
    can fail on any such call however the bot handled the error.
    """


def invalid(message: str) -> SpecViolation:
    """400 ``Bad Request:`` for a request that breaks the spec (types, limits, formatting)."""
    return SpecViolation(400, f"Bad Request: {message}")


def bad_request(message: str) -> ApiError:
    """400 with Telegram's ``Bad Request:`` prefix."""
    return ApiError(400, f"Bad Request: {message}")


def forbidden(message: str) -> ApiError:
    """403 with Telegram's ``Forbidden:`` prefix."""
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    """429 flood error carrying ``retry_after`` like Telegram does."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


METHOD_NOT_FOUND = ApiError(404, "Not Found: method not found")
