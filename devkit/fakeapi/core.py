"""The fake Bot API's entry point, free of HTTP.

:class:`BotApiCore` answers ``call(method, params, files)`` exactly as Telegram would
(results or :class:`ApiError`), records every call and injects failures for tests. The
method families live in mixins: :mod:`~devkit.fakeapi.state` (chats), ``updates`` and
``delivery`` (update queue, polling, webhooks), ``messages``/``sending``/``editing``,
``callbacks``, ``files`` and ``settings``. The aiohttp layer (:mod:`devkit.fakeapi.server`)
and the simulated users (:mod:`devkit.fakeapi.users`) both sit on top of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from devkit.fakeapi.callbacks import QUERY_TOO_OLD, CallbacksMixin
from devkit.fakeapi.delivery import DeliveryMixin
from devkit.fakeapi.editing import NOT_MODIFIED, EditingMixin
from devkit.fakeapi.errors import METHOD_NOT_FOUND, ApiError, SpecViolation
from devkit.fakeapi.files import FilesMixin
from devkit.fakeapi.limits import is_send_method
from devkit.fakeapi.messages import MEDIA_EXTRAS, MEDIA_METHODS, MessagesMixin
from devkit.fakeapi.models import ApiCall, InjectedFailure, UploadedFile, WebhookConfig
from devkit.fakeapi.sending import CHAT_ACTIONS, SendingMixin
from devkit.fakeapi.settings import BotSettingsMixin
from devkit.fakeapi.updates import UpdateDeliveryError, UpdateQueueMixin

# Names importable from here before the split (tests and other branches import them).
__all__ = [
    "CHAT_ACTIONS",
    "MEDIA_EXTRAS",
    "MEDIA_METHODS",
    "NOT_MODIFIED",
    "QUERY_TOO_OLD",
    "BotApiCore",
    "InjectedFailure",
    "UpdateDeliveryError",
    "WebhookConfig",
]


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


class BotApiCore(
    DeliveryMixin,
    UpdateQueueMixin,
    SendingMixin,
    EditingMixin,
    MessagesMixin,
    FilesMixin,
    CallbacksMixin,
    BotSettingsMixin,
):
    """The fake Telegram server's brain: one bot, its private chats, its update queue."""

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
