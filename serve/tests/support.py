"""Shared test helpers: paths, fixtures, and asyncio fakes for the request and the engine."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from ray_gitops_serve.engine import EngineEvent, GenerationRequest

SERVE_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = SERVE_DIR.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VALID_ARGS_DIR = FIXTURES / "args" / "valid"


def load_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def valid_args(name: str) -> Dict[str, Any]:
    return copy.deepcopy(load_json(VALID_ARGS_DIR / f"{name}.json"))


def valid_args_names() -> List[str]:
    return sorted(path.stem for path in VALID_ARGS_DIR.glob("*.json"))


def run(coro: Any, timeout: float = 5.0) -> Any:
    """Run a coroutine on a fresh event loop, failing the test instead of hanging."""

    async def bounded() -> Any:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


def set_path(document: Any, path: str, value: Any) -> Any:
    """Set ``a.b.0.c`` in a JSON document (a copy); the value ``DELETE`` removes the key."""
    result = copy.deepcopy(document)
    parts = path.split(".")
    node = result
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if value is DELETE:
        del node[int(last) if isinstance(node, list) else last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return result


DELETE = object()


class FakeRequest:
    """Shaped like starlette.requests.Request: headers, stream(), is_disconnected()."""

    def __init__(
        self,
        body: Union[bytes, str, Mapping[str, Any]],
        *,
        headers: Optional[Mapping[str, str]] = None,
        chunk_size: int = 64 * 1024,
        disconnected: Optional[asyncio.Event] = None,
    ):
        if isinstance(body, Mapping):
            body = json.dumps(body)
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.headers = {key.lower(): value for key, value in (headers or {}).items()}
        self.chunk_size = chunk_size
        self.disconnected = disconnected or asyncio.Event()
        self.bytes_read = 0

    async def stream(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), self.chunk_size):
            chunk = self.body[start : start + self.chunk_size]
            self.bytes_read += len(chunk)
            yield chunk
        yield b""

    async def is_disconnected(self) -> bool:
        return self.disconnected.is_set()


class FakeEngine:
    """A TextEngine over scripted events; records requests and whether the stream was closed early."""

    def __init__(
        self,
        events: Sequence[EngineEvent] = (),
        *,
        error: Optional[BaseException] = None,
        error_after: int = 0,
        hang: bool = False,
        step_delay: float = 0.0,
    ):
        self.events = list(events)
        self.error = error
        self.error_after = error_after
        self.hang = hang
        self.step_delay = step_delay
        self.requests: List[GenerationRequest] = []
        self.cancelled = False
        self.closed = False
        self.yielded = 0
        self.started = asyncio.Event()

    async def generate(self, request: GenerationRequest) -> AsyncIterator[EngineEvent]:
        self.requests.append(request)
        self.started.set()
        try:
            for index, event in enumerate(self.events):
                if self.error is not None and index == self.error_after:
                    raise self.error
                if self.step_delay:
                    await asyncio.sleep(self.step_delay)
                self.yielded += 1
                yield event
            if self.error is not None and self.error_after >= len(self.events):
                raise self.error
            if self.hang:
                await asyncio.Event().wait()
        except (GeneratorExit, asyncio.CancelledError):
            self.cancelled = True
            raise
        finally:
            self.closed = True


def text_events(*pieces: str, finish_reason: str = "stop", usage: Optional[Mapping[str, Any]] = None) -> List[EngineEvent]:
    events = [EngineEvent(text=piece) for piece in pieces]
    events.append(EngineEvent(text="", finish_reason=finish_reason, usage=usage))
    return events


async def collect(stream: AsyncIterator[bytes]) -> List[Dict[str, Any]]:
    lines: List[Dict[str, Any]] = []
    buffer = b""
    async for chunk in stream:
        buffer += chunk
    for line in buffer.split(b"\n"):
        if line:
            lines.append(json.loads(line))
    return lines


def sse(*payloads: Any, done: bool = False) -> str:
    text = "".join(f"data: {json.dumps(p)}\n\n" for p in payloads)
    return text + ("data: [DONE]\n\n" if done else "")


def iter_paths(issues: Iterable[Any]) -> List[str]:
    return [issue.path for issue in issues]
