"""The ``POST /generate`` handler, free of Ray and of any web framework.

``GenerateHandler.handle(request)`` takes anything shaped like a Starlette ``Request`` (``headers``,
``stream()``, ``is_disconnected()``) and returns a ``responses.Reply``; ``app.py`` converts that into a
Starlette response. The engine is a ``TextEngine``. Tests drive both with asyncio fakes.

Client disconnects: the engine stream is raced against ``is_disconnected()`` (polled), so a client
that goes away cancels the generation even where Ray Serve's own cancellation does not reach (it
cancels the handler task on disconnect; both paths close the engine stream, which cancels the request
on the model server).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any, AsyncIterator, Awaitable, Callable, List, Mapping, Optional, Protocol, TypeVar

from .config import GenerateSettings
from .engine import EngineEvent, GenerationRequest, TextEngine, new_request_id
from .errors import ClientDisconnected, EngineError, RequestRejected
from .generate_request import GenerateParams, check_content_length, parse_generate_body, read_body
from .responses import (
    Reply,
    client_closed_reply,
    completion_payload,
    delta_payload,
    error_payload,
    error_reply,
    error_type_for,
    json_reply,
    ndjson_line,
    stream_error_payload,
    stream_reply,
)

LOGGER_NAME = "ray.serve.ray_gitops.generate"
DISCONNECT_POLL_SECONDS = 0.25

T = TypeVar("T")


class RequestLike(Protocol):
    """The part of ``starlette.requests.Request`` the handler uses."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    def stream(self) -> AsyncIterator[bytes]: ...

    async def is_disconnected(self) -> bool: ...


async def _until_disconnected(is_disconnected: Callable[[], Awaitable[bool]], interval: float) -> None:
    while not await is_disconnected():
        await asyncio.sleep(interval)


async def race_disconnect(
    source: AsyncIterator[T],
    is_disconnected: Callable[[], Awaitable[bool]],
    interval: float = DISCONNECT_POLL_SECONDS,
) -> AsyncIterator[T]:
    """Yield from ``source`` until it ends or the client disconnects (then raise ``ClientDisconnected``).

    Whatever way this generator ends (exhausted, disconnect, error, closed or cancelled by its consumer),
    ``source`` is closed, so the engine request behind it is cancelled.
    """
    iterator = source.__aiter__()
    watcher: Optional[asyncio.Future] = asyncio.ensure_future(_until_disconnected(is_disconnected, interval))
    pending: Optional[asyncio.Future] = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(iterator.__anext__())
            waiting = {pending} if watcher is None else {pending, watcher}
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if pending in done:
                item_future, pending = pending, None
                try:
                    item = item_future.result()
                except StopAsyncIteration:
                    return
                yield item
                continue
            assert watcher is not None and watcher.done()
            if watcher.exception() is not None:
                # cannot tell whether the client is there: stop watching, keep generating (the item
                # already asked for stays pending and is awaited on the next turn)
                logging.getLogger(LOGGER_NAME).warning("disconnect check failed: %r", watcher.exception())
                watcher = None
                continue
            raise ClientDisconnected()
    finally:
        if watcher is not None and not watcher.done():
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration, Exception):
                await pending
        closer = getattr(iterator, "aclose", None)
        if closer is not None:
            with contextlib.suppress(Exception):
                await closer()


class GenerateHandler:
    """Serves /generate for one model over one ``TextEngine``."""

    def __init__(
        self,
        engine: TextEngine,
        settings: GenerateSettings,
        served_model: str,
        *,
        request_ids: Callable[[], str] = new_request_id,
        disconnect_poll_seconds: float = DISCONNECT_POLL_SECONDS,
        logger: Optional[logging.Logger] = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._engine = engine
        self._settings = settings
        self._model = served_model
        self._request_ids = request_ids
        self._poll = disconnect_poll_seconds
        self._log = logger or logging.getLogger(LOGGER_NAME)
        self._clock = clock

    async def handle(self, request: RequestLike) -> Reply:
        request_id = self._request_ids()
        started = self._clock()
        try:
            return await self._handle(request, request_id, started)
        except RequestRejected as rejected:
            self._log.info(
                "generate rejected request_id=%s status=%d code=%s", request_id, rejected.status, rejected.code
            )
            return error_reply(rejected.status, request_id, rejected.message, code=rejected.code, param=rejected.param)
        except ClientDisconnected:
            self._done(request_id, started, "client_closed")
            return client_closed_reply(request_id)
        except EngineError as failed:
            self._done(request_id, started, f"engine_error status={failed.status}")
            return error_reply(failed.status, request_id, failed.message, code=failed.code, error_type=failed.error_type)
        except asyncio.CancelledError:
            self._done(request_id, started, "cancelled")
            raise
        except Exception:  # noqa: BLE001 - the client gets a JSON 500, the log gets the traceback
            self._log.exception("generate failed request_id=%s", request_id)
            return error_reply(500, request_id, "the server failed while generating; retry, or report the request id", code="internal_error")

    async def _handle(self, request: RequestLike, request_id: str, started: float) -> Reply:
        check_content_length(request.headers.get("content-length"), self._settings.max_body_bytes)
        raw = await read_body(request.stream(), self._settings.max_body_bytes)
        params = parse_generate_body(raw, self._settings, self._model)
        self._log.info(
            "generate start request_id=%s serve_request_id=%s prompt_chars=%d max_tokens=%d stream=%s%s",
            request_id,
            json.dumps(request.headers.get("x-request-id", "-"))[:80],  # client-supplied: escaped, bounded
            len(params.prompt),
            params.max_tokens,
            str(params.stream).lower(),
            f" ignored_fields={json.dumps(list(params.ignored_fields[:10]))[:200]}" if params.ignored_fields else "",
        )
        generation = GenerationRequest(
            request_id=request_id,
            model=self._model,
            prompt=params.prompt,
            max_tokens=params.max_tokens,
            temperature=params.temperature,
            top_p=params.top_p,
            stop=params.stop,
        )
        events = race_disconnect(self._engine.generate(generation), request.is_disconnected, self._poll)
        if params.stream:
            return await self._stream(events, params, request_id, started)
        return await self._complete(events, params, request_id, started)

    async def _complete(
        self, events: AsyncIterator[EngineEvent], params: GenerateParams, request_id: str, started: float
    ) -> Reply:
        parts: List[str] = []
        finish_reason: Optional[str] = None
        usage: Optional[Mapping[str, Any]] = None
        async for event in events:
            parts.append(event.text)
            finish_reason = event.finish_reason or finish_reason
            usage = event.usage or usage
        text = "".join(parts)
        self._done(request_id, started, "ok", finish_reason=finish_reason, chars=len(text))
        payload = completion_payload(
            model=self._model,
            prompt=params.prompt,
            response=text,
            request_id=request_id,
            finish_reason=finish_reason,
            usage=usage,
        )
        return json_reply(200, payload, request_id)

    async def _stream(
        self, events: AsyncIterator[EngineEvent], params: GenerateParams, request_id: str, started: float
    ) -> Reply:
        # Wait for the first event before answering 200, so that a refusal (bad request, overload) still
        # gets its own status code instead of an error line inside a 200 stream.
        try:
            first: Optional[EngineEvent] = await events.__anext__()
        except StopAsyncIteration:
            first = None
        except BaseException:
            await events.aclose()
            raise
        return stream_reply(self._ndjson(first, events, params, request_id, started), request_id)

    async def _ndjson(
        self,
        first: Optional[EngineEvent],
        events: AsyncIterator[EngineEvent],
        params: GenerateParams,
        request_id: str,
        started: float,
    ) -> AsyncIterator[bytes]:
        parts: List[str] = []
        finish_reason: Optional[str] = None
        usage: Optional[Mapping[str, Any]] = None
        outcome = "client_closed"
        try:
            pending = [first] if first is not None else []
            while True:
                if pending:
                    event = pending.pop()
                else:
                    try:
                        event = await events.__anext__()
                    except StopAsyncIteration:
                        break
                finish_reason = event.finish_reason or finish_reason
                usage = event.usage or usage
                if event.text:
                    parts.append(event.text)
                    yield ndjson_line(delta_payload(request_id=request_id, model=self._model, delta=event.text))
            text = "".join(parts)
            outcome = "ok"
            yield ndjson_line(
                {
                    **completion_payload(
                        model=self._model,
                        prompt=params.prompt,
                        response=text,
                        request_id=request_id,
                        finish_reason=finish_reason,
                        usage=usage,
                    ),
                    "done": True,
                }
            )
        except ClientDisconnected:
            return
        except EngineError as failed:
            outcome = f"engine_error status={failed.status}"
            error = error_payload(
                request_id,
                failed.message,
                code=failed.code,
                error_type=failed.error_type or error_type_for(failed.status),
            )["error"]
            yield ndjson_line(stream_error_payload(request_id=request_id, model=self._model, error=error))
        finally:
            await events.aclose()
            self._done(request_id, started, outcome, finish_reason=finish_reason, chars=sum(len(p) for p in parts), stream=True)

    def _done(
        self,
        request_id: str,
        started: float,
        outcome: str,
        *,
        finish_reason: Optional[str] = None,
        chars: Optional[int] = None,
        stream: bool = False,
    ) -> None:
        elapsed_ms = int((self._clock() - started) * 1000)
        details = ""
        if finish_reason:
            details += f" finish_reason={finish_reason}"
        if chars is not None:
            details += f" response_chars={chars}"
        if stream:
            details += " stream=true"
        self._log.info("generate done request_id=%s outcome=%s duration_ms=%d%s", request_id, outcome, elapsed_ms, details)
