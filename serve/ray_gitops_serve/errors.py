"""Typed errors: callers branch on the class, never on the message text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence


class ServeError(Exception):
    """Base of every error this package raises on purpose."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in the args the RayService passes, at a JSON path such as ``args.generate.route``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class InvalidServeConfig(ServeError):
    """The application args do not describe a servable model; ``issues`` lists every problem found."""

    def __init__(self, issues: Sequence[ConfigIssue]):
        self.issues = tuple(issues)
        count = len(self.issues)
        listing = "; ".join(str(issue) for issue in self.issues)
        super().__init__(
            f"the serve application args have {count} problem{'s' if count != 1 else ''}: {listing}. "
            "Fix the RayService serveConfigV2 args (see serve/config.schema.json)."
        )


class RequestRejected(ServeError):
    """A /generate request the client must fix: the HTTP status (4xx) and a machine-readable code."""

    def __init__(self, status: int, code: str, message: str, param: Optional[str] = None):
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        super().__init__(message)


class EngineError(ServeError):
    """The model server refused or failed a generation; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, error_type: str = "server_error", code: str = "engine_error"):
        self.status = status
        self.message = message
        self.error_type = error_type
        self.code = code
        super().__init__(message)


class EngineOverloaded(EngineError):
    """The model server is at capacity (Ray Serve back-pressure): the client should retry later."""

    def __init__(self, message: str = "the model server is at capacity; retry shortly"):
        super().__init__(503, message, error_type="overloaded_error", code="overloaded")


class ClientDisconnected(ServeError):
    """The HTTP client went away before the answer was complete; the generation was cancelled."""
