"""``POST /generate`` request bodies: read with a size limit, parse strictly, validate, fill defaults.

The contract (the seed's, extended):

    {"prompt": "...",            required, a non-blank string of at most max_prompt_chars characters
     "max_tokens": 256,          optional, integer 1..max_tokens_limit      (default: default_max_tokens)
     "temperature": 0.7,         optional, number 0..2                      (default: default_temperature)
     "top_p": 0.9,               optional, number in (0, 1]                 (default: default_top_p)
     "stop": ["\\n\\n"],           optional, a string or a list of at most max_stop_sequences strings
     "stream": false,            optional, true streams NDJSON lines
     "model": "name"}            optional, must equal the served model name when given

``null`` counts as "not given". Other fields are ignored (the seed's clients send a few) and listed
for the log. Every problem is a ``RequestRejected`` with the HTTP status and a stable ``code``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, AsyncIterable, Dict, List, Mapping, Optional, Tuple

from .config import GenerateSettings
from .errors import RequestRejected

KNOWN_FIELDS = ("prompt", "max_tokens", "temperature", "top_p", "stop", "stream", "model")
MAX_STOP_CHARS = 256
TEMPERATURE_RANGE = (0.0, 2.0)


@dataclass(frozen=True)
class GenerateParams:
    """A validated /generate request with every default filled in."""

    prompt: str
    max_tokens: int
    temperature: float
    top_p: float
    stop: Tuple[str, ...]
    stream: bool
    ignored_fields: Tuple[str, ...] = ()


def check_content_length(header_value: Optional[str], limit: int) -> None:
    """Refuse early (413) when the declared body size is over ``limit``; a bad header is a 400."""
    if header_value is None:
        return
    try:
        declared = int(header_value.strip())
    except ValueError:
        raise RequestRejected(400, "invalid_content_length", "the Content-Length header is not a number") from None
    if declared > limit:
        raise RequestRejected(
            413,
            "body_too_large",
            f"the request body is {declared} bytes; this endpoint accepts at most {limit}. Shorten the prompt.",
        )


async def read_body(chunks: AsyncIterable[bytes], limit: int) -> bytes:
    """The whole body, or a 413 as soon as more than ``limit`` bytes arrived (the rest is never read)."""
    received: List[bytes] = []
    size = 0
    async for chunk in chunks:
        if not chunk:
            continue
        size += len(chunk)
        if size > limit:
            raise RequestRejected(
                413,
                "body_too_large",
                f"the request body is over {limit} bytes, the most this endpoint accepts. Shorten the prompt.",
            )
        received.append(bytes(chunk))
    return b"".join(received)


def parse_generate_body(raw: bytes, settings: GenerateSettings, served_model: str) -> GenerateParams:
    """Validate one request body against ``settings``; raise ``RequestRejected`` on the first problem."""
    body = _decode_json_object(raw)

    model = _optional(body, "model")
    if model is not None and model != served_model:
        if not isinstance(model, str):
            raise _invalid_type("model", "a string", model)
        raise RequestRejected(
            404,
            "model_not_found",
            f"this endpoint serves the model {served_model!r}, not {model!r}; leave model out or send {served_model!r}",
            param="model",
        )

    if "prompt" not in body or body["prompt"] is None:
        raise RequestRejected(400, "missing_field", "the body needs a prompt: a non-empty string", param="prompt")
    prompt = body["prompt"]
    if not isinstance(prompt, str):
        raise _invalid_type("prompt", "a string", prompt)
    if not prompt.strip():
        raise RequestRejected(400, "empty_prompt", "prompt must contain text, not only whitespace", param="prompt")
    if len(prompt) > settings.max_prompt_chars:
        raise RequestRejected(
            400,
            "prompt_too_long",
            f"prompt is {len(prompt)} characters; this model accepts at most {settings.max_prompt_chars}. "
            "Shorten the prompt.",
            param="prompt",
        )

    max_tokens = _integer_field(body, "max_tokens", 1, settings.max_tokens_limit, settings.default_max_tokens)
    temperature = _number_field(
        body, "temperature", TEMPERATURE_RANGE[0], TEMPERATURE_RANGE[1], settings.default_temperature, low_open=False
    )
    top_p = _number_field(body, "top_p", 0.0, 1.0, settings.default_top_p, low_open=True)
    stop = _stop_field(body, settings.max_stop_sequences)

    stream = _optional(body, "stream")
    if stream is None:
        stream = False
    elif not isinstance(stream, bool):
        raise _invalid_type("stream", "true or false", stream)

    ignored = tuple(sorted(name for name in body if name not in KNOWN_FIELDS))
    return GenerateParams(
        prompt=prompt,
        max_tokens=max_tokens,
        temperature=temperature,
        top_p=top_p,
        stop=stop,
        stream=stream,
        ignored_fields=ignored,
    )


def _decode_json_object(raw: bytes) -> Dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRejected(400, "invalid_json", "the request body is not UTF-8 text; send JSON encoded as UTF-8") from None
    if not text.strip():
        raise RequestRejected(400, "invalid_json", 'the request body is empty; send a JSON object such as {"prompt": "Hello"}')
    try:
        body = json.loads(text, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant)
    except _DuplicateKey as dup:
        raise RequestRejected(400, "duplicate_field", f"the field {dup.name!r} appears more than once in the body", param=dup.name) from None
    except _NonFiniteNumber as bad:
        raise RequestRejected(400, "invalid_json", f"{bad.token} is not a JSON number; send finite numbers only") from None
    except json.JSONDecodeError as err:
        raise RequestRejected(
            400, "invalid_json", f"the request body is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
        ) from None
    if not isinstance(body, dict):
        raise RequestRejected(400, "invalid_body", 'the request body must be a JSON object such as {"prompt": "Hello"}')
    return body


class _DuplicateKey(ValueError):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class _NonFiniteNumber(ValueError):
    def __init__(self, token: str):
        super().__init__(token)
        self.token = token


def _reject_duplicate_keys(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    result: Dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _reject_constant(token: str) -> Any:
    raise _NonFiniteNumber(token)


def _optional(body: Mapping[str, Any], name: str) -> Any:
    return body.get(name)


def _integer_field(body: Mapping[str, Any], name: str, low: int, high: int, default: int) -> int:
    value = _optional(body, name)
    if value is None:
        return default
    number: Optional[int] = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    if number is None:
        raise _invalid_type(name, "an integer", value)
    if not low <= number <= high:
        raise RequestRejected(
            400, "out_of_range", f"{name} must be from {low} to {high}; got {number}", param=name
        )
    return number


def _number_field(
    body: Mapping[str, Any], name: str, low: float, high: float, default: float, *, low_open: bool
) -> float:
    value = _optional(body, name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _invalid_type(name, "a number", value)
    number = float(value)
    in_range = (low < number if low_open else low <= number) and number <= high
    if not in_range:
        bounds = f"greater than {low:g} and at most {high:g}" if low_open else f"from {low:g} to {high:g}"
        raise RequestRejected(400, "out_of_range", f"{name} must be {bounds}; got {value!r}", param=name)
    return number


def _stop_field(body: Mapping[str, Any], max_sequences: int) -> Tuple[str, ...]:
    value = _optional(body, "stop")
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise _invalid_type("stop", "a string or a list of strings", value)
    if len(items) > max_sequences:
        raise RequestRejected(
            400,
            "too_many_stop_sequences",
            f"stop holds {len(items)} sequences; this endpoint accepts at most {max_sequences}",
            param="stop",
        )
    for item in items:
        if not isinstance(item, str):
            raise _invalid_type("stop", "a string or a list of strings", value)
        if not item or len(item) > MAX_STOP_CHARS:
            raise RequestRejected(
                400,
                "out_of_range",
                f"each stop sequence must be 1 to {MAX_STOP_CHARS} characters; got one of {len(item)}",
                param="stop",
            )
    return tuple(items)


def _invalid_type(name: str, expected: str, value: Any) -> RequestRejected:
    return RequestRejected(400, "invalid_type", f"{name} must be {expected}; got {_json_type(value)}", param=name)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"
