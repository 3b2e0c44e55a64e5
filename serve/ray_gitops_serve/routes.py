"""The HTTP routes of the ingress: Ray Serve LLM's OpenAI endpoints plus ``POST /generate``.

Each route names the ``OpenAiIngress`` method that serves it; ``serve/api_surface.json`` lists those
methods for the pinned Ray version and ``tests/test_api_surface.py`` checks the two agree.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Tuple


class Route(NamedTuple):
    method_name: str  # the ingress class method FastAPI calls
    http_method: str  # GET or POST
    path: str


# The OpenAI-compatible endpoints OpenAiIngress serves for a text model (Ray Serve LLM's documented set).
OPENAI_ROUTES: Tuple[Route, ...] = (
    Route("models", "GET", "/v1/models"),
    Route("model_data", "GET", "/v1/models/{model:path}"),
    Route("completions", "POST", "/v1/completions"),
    Route("chat", "POST", "/v1/chat/completions"),
    Route("embeddings", "POST", "/v1/embeddings"),
)

GENERATE_METHOD = "generate"

# Paths /generate must stay clear of: the OpenAI API, and Ray Serve's own /-/ endpoints.
RESERVED_ROUTE_PREFIXES: Tuple[str, ...] = ("/v1", "/-")


def route_conflict(path: str) -> Optional[str]:
    """Why ``path`` cannot be the /generate route, or None when it can."""
    for prefix in RESERVED_ROUTE_PREFIXES:
        if path == prefix or path.startswith(prefix + "/"):
            return f"must not be under {prefix}/, which the OpenAI API or Ray Serve uses; got {path!r}"
    return None


def ingress_routes(generate_path: Optional[str]) -> Tuple[Route, ...]:
    """Every route of the ingress; ``generate_path`` None leaves /generate out."""
    if generate_path is None:
        return OPENAI_ROUTES
    conflict = route_conflict(generate_path)
    if conflict:
        raise ValueError(f"generate route {conflict}")
    return OPENAI_ROUTES + (Route(GENERATE_METHOD, "POST", generate_path),)
