"""What /generate answers, independent of the web framework.

Non-streaming (``application/json``)::

    {"model": "...", "prompt": "...", "response": "...",          # the seed's contract
     "request_id": "gen-…", "finish_reason": "stop", "usage": {...}}   # additions (usage when known)

Streaming (``"stream": true``) is NDJSON (``application/x-ndjson``), one JSON object per line::

    {"request_id": "gen-…", "model": "...", "delta": "Hel"}
    {"request_id": "gen-…", "model": "...", "delta": "lo"}
    {"request_id": "gen-…", "model": "...", "prompt": "...", "response": "Hello", "finish_reason": "stop", "done": true}

The last line is the non-streaming body plus ``"done": true``; a failure after the first line ends the
stream with ``{"request_id", "model", "error": {...}, "done": true}``.

Errors (any status) use the OpenAI error shape the /v1 routes of the same app use, plus the request id::

    {"error": {"message": "...", "type": "invalid_request_error", "param": "max_tokens", "code": "out_of_range"},
     "request_id": "gen-…"}

Every reply carries ``X-Request-Id``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, AsyncIterator, Dict, Mapping, Optional, Tuple

JSON_MEDIA_TYPE = "application/json"
NDJSON_MEDIA_TYPE = "application/x-ndjson"
REQUEST_ID_HEADER = "X-Request-Id"
# nginx and similar (499 "client closed request"): logged when the client went away; nobody receives it
CLIENT_CLOSED_STATUS = 499


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: either a complete ``body`` or a ``stream`` of byte chunks."""

    status: int
    media_type: str
    headers: Tuple[Tuple[str, str], ...] = ()
    body: Optional[bytes] = None
    stream: Optional[AsyncIterator[bytes]] = None

    def header(self, name: str) -> Optional[str]:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def encode_json(payload: Any) -> bytes:
    """Compact UTF-8 JSON, keys in insertion order (the documented order above)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def ndjson_line(payload: Any) -> bytes:
    return encode_json(payload) + b"\n"


def error_type_for(status: int) -> str:
    if status == 503:
        return "overloaded_error"
    return "invalid_request_error" if status < 500 else "server_error"


def error_payload(
    request_id: str,
    message: str,
    *,
    code: str,
    error_type: str,
    param: Optional[str] = None,
) -> Dict[str, Any]:
    return {
        "error": {"message": message, "type": error_type, "param": param, "code": code},
        "request_id": request_id,
    }


def completion_payload(
    *,
    model: str,
    prompt: str,
    response: str,
    request_id: str,
    finish_reason: Optional[str],
    usage: Optional[Mapping[str, Any]],
) -> Dict[str, Any]:
    payload: Dict[str, Any] = {
        "model": model,
        "prompt": prompt,
        "response": response,
        "request_id": request_id,
        "finish_reason": finish_reason,
    }
    if usage:
        payload["usage"] = dict(usage)
    return payload


def delta_payload(*, request_id: str, model: str, delta: str) -> Dict[str, Any]:
    return {"request_id": request_id, "model": model, "delta": delta}


def stream_error_payload(*, request_id: str, model: str, error: Mapping[str, Any]) -> Dict[str, Any]:
    return {"request_id": request_id, "model": model, "error": dict(error), "done": True}


def json_reply(status: int, payload: Any, request_id: str, extra_headers: Tuple[Tuple[str, str], ...] = ()) -> Reply:
    return Reply(
        status=status,
        media_type=JSON_MEDIA_TYPE,
        headers=((REQUEST_ID_HEADER, request_id),) + tuple(extra_headers),
        body=encode_json(payload),
    )


def error_reply(
    status: int,
    request_id: str,
    message: str,
    *,
    code: str,
    error_type: Optional[str] = None,
    param: Optional[str] = None,
) -> Reply:
    extra: Tuple[Tuple[str, str], ...] = (("Retry-After", "1"),) if status == 503 else ()
    payload = error_payload(request_id, message, code=code, error_type=error_type or error_type_for(status), param=param)
    return json_reply(status, payload, request_id, extra)


def stream_reply(chunks: AsyncIterator[bytes], request_id: str) -> Reply:
    return Reply(
        status=200,
        media_type=NDJSON_MEDIA_TYPE,
        headers=(
            (REQUEST_ID_HEADER, request_id),
            ("Cache-Control", "no-cache"),
            ("X-Accel-Buffering", "no"),  # proxies (nginx, ALB ingress controllers) must not buffer the stream
        ),
        stream=chunks,
    )


def client_closed_reply(request_id: str) -> Reply:
    return Reply(status=CLIENT_CLOSED_STATUS, media_type=JSON_MEDIA_TYPE, headers=((REQUEST_ID_HEADER, request_id),), body=b"")
