"""The engine seen from /generate: a stream of text events, and how Ray Serve LLM output becomes one.

``TextEngine`` is what the /generate handler needs: ``generate(request)`` returns an async iterator of
``EngineEvent`` and raises ``EngineError`` when the model server refuses or fails. In production it is
``app.RayServeEngine`` (an ``LLMServer`` deployment handle); in tests, any async generator.

``normalize_completion_chunk`` turns whatever ``LLMServer.completions`` yields into events. Across Ray
versions that has been: OpenAI SSE text (``"data: {...}\\n\\n"``, several per string, ``[DONE]``), lists of
those (stream batching), pydantic models (``CompletionStreamResponse``, ``CompletionResponse``,
``ErrorResponse``) and plain dicts. All of them are read here, without importing Ray or vLLM.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, AsyncIterator, Collection, Dict, List, Mapping, Optional, Protocol, Tuple

from .errors import EngineError

REQUEST_ID_PREFIX = "gen-"


def new_request_id() -> str:
    """A fresh request id: a random UUID4 (never derived from object identity, so never reused)."""
    return REQUEST_ID_PREFIX + uuid.uuid4().hex


@dataclass(frozen=True)
class GenerationRequest:
    """One generation, as the engine adapter receives it."""

    request_id: str
    model: str
    prompt: str
    max_tokens: int
    temperature: float
    top_p: float
    stop: Tuple[str, ...] = ()


@dataclass(frozen=True)
class EngineEvent:
    """A piece of the answer: new text, and on the last event the finish reason and token usage."""

    text: str = ""
    finish_reason: Optional[str] = None
    usage: Optional[Mapping[str, Any]] = None


class TextEngine(Protocol):
    def generate(self, request: GenerationRequest) -> AsyncIterator[EngineEvent]:
        """Stream the answer; closing the iterator early must cancel the generation."""
        ...


def completion_request_kwargs(
    request: GenerationRequest, supported_fields: Optional[Collection[str]] = None
) -> Dict[str, Any]:
    """Keyword arguments of an OpenAI ``CompletionRequest`` (Ray Serve LLM's, which is vLLM's) for ``request``.

    Always streamed, so a disconnect can cancel mid-way. ``supported_fields`` (the model's field names,
    when known) drops the optional extras an older request model lacks: ``request_id`` (so the engine
    logs our id) and ``stream_options`` (so the last chunk carries token usage).
    """
    kwargs: Dict[str, Any] = {
        "model": request.model,
        "prompt": request.prompt,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "stream": True,
        "stream_options": {"include_usage": True},
        "request_id": request.request_id,
    }
    if request.stop:
        kwargs["stop"] = list(request.stop)
    if supported_fields is not None:
        for optional in ("stream_options", "request_id"):
            if optional not in supported_fields:
                kwargs.pop(optional)
    return kwargs


def normalize_completion_chunk(chunk: Any) -> List[EngineEvent]:
    """The events in one item an ``LLMServer.completions`` stream yielded; ``EngineError`` for an error item."""
    if isinstance(chunk, (list, tuple)):
        events: List[EngineEvent] = []
        for item in chunk:
            events.extend(normalize_completion_chunk(item))
        return events
    if isinstance(chunk, (bytes, bytearray)):
        chunk = bytes(chunk).decode("utf-8", errors="replace")
    if isinstance(chunk, str):
        return _from_text(chunk)
    if isinstance(chunk, Mapping):
        return _from_payload(chunk)
    dump = getattr(chunk, "model_dump", None)
    if callable(dump):
        return _from_payload(dump())
    raise EngineError(502, f"the model server sent output of an unexpected type ({type(chunk).__name__})")


def _from_text(text: str) -> List[EngineEvent]:
    stripped = text.strip()
    if not stripped:
        return []
    if not any(line.startswith("data:") for line in stripped.splitlines()):
        return _from_payload(_load_json(stripped))
    events: List[EngineEvent] = []
    for line in stripped.splitlines():
        if not line.startswith("data:"):
            continue  # blank separators, SSE comments (":") and other fields carry no text
        data = line[len("data:"):].strip()
        if not data or data == "[DONE]":
            continue
        events.extend(_from_payload(_load_json(data)))
    return events


def _load_json(text: str) -> Mapping[str, Any]:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError:
        raise EngineError(502, "the model server sent output that is not JSON") from None
    if not isinstance(payload, Mapping):
        raise EngineError(502, "the model server sent a JSON value that is not an object")
    return payload


def _from_payload(payload: Mapping[str, Any]) -> List[EngineEvent]:
    _raise_if_error(payload)
    usage = payload.get("usage") if isinstance(payload.get("usage"), Mapping) else None
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices:
        return [EngineEvent(usage=usage)] if usage else []
    events = []
    for choice in choices:
        if not isinstance(choice, Mapping) or choice.get("index", 0) != 0:
            continue  # /generate asks for one completion (n=1)
        events.append(
            EngineEvent(text=_choice_text(choice), finish_reason=choice.get("finish_reason") or None, usage=usage)
        )
        usage = None  # count usage once
    if usage:
        events.append(EngineEvent(usage=usage))
    return events


def _choice_text(choice: Mapping[str, Any]) -> str:
    text = choice.get("text")
    if isinstance(text, str):
        return text
    for key in ("delta", "message"):  # chat-shaped chunks, should an engine send them
        part = choice.get(key)
        if isinstance(part, Mapping) and isinstance(part.get("content"), str):
            return part["content"]
    return ""


def _raise_if_error(payload: Mapping[str, Any]) -> None:
    # vLLM >= 0.10: {"error": {"message", "type", "code"}}; earlier: {"object": "error", "message", "type", "code"}
    error = payload.get("error")
    if isinstance(error, Mapping):
        details: Mapping[str, Any] = error
    elif payload.get("object") == "error":
        details = payload
    else:
        return
    message = str(details.get("message") or "the model server failed the request")
    code = details.get("code")
    status = code if isinstance(code, int) and not isinstance(code, bool) and 400 <= code <= 599 else 500
    error_type = str(details.get("type") or ("invalid_request_error" if status < 500 else "server_error"))
    raise EngineError(status, message, error_type=error_type, code="engine_rejected" if status < 500 else "engine_error")
