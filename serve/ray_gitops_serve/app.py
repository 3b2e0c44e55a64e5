"""Ray Serve glue: the RayService's ``import_path`` is ``ray_gitops_serve.app:build_app``.

Everything that imports Ray, FastAPI or Starlette does so inside a function, so this module imports on a
machine without them. The logic lives in the plain modules; this file only wires it to Ray Serve LLM:

- one ``LLMServer`` deployment for the model (``ray.serve.llm.build_llm_deployment``), and
- one ingress deployment: Ray Serve LLM's ``OpenAiIngress`` (``/v1/...``) extended with ``POST /generate``,
  which calls the same ``LLMServer`` through its deployment handle.

With ``generate.enabled: false`` the application is exactly ``ray.serve.llm.build_openai_app``'s.
The names imported here are checked against ``serve/api_surface.json`` for the pinned Ray version.
"""

import logging
import os
from typing import Any, AsyncIterator, Dict, Mapping, Optional

from .config import GenerateSettings, ServeConfig, parse_args
from .engine import EngineEvent, GenerationRequest, completion_request_kwargs, normalize_completion_chunk
from .errors import ClientDisconnected, EngineError, EngineOverloaded
from .ingress import LOGGER_NAME, GenerateHandler
from .responses import Reply
from .routes import GENERATE_METHOD, ingress_routes

# the LLMServer method /generate calls (an OpenAI completion, streamed)
LLM_SERVER_METHOD = "completions"


def build_app(args: Dict[str, Any]):
    """Ray Serve application builder: parse ``args`` (serve/config.schema.json) and build the app."""
    config = parse_args(args, os.environ)
    return build_application(config)


def build_application(config: ServeConfig):
    if not config.generate.enabled:
        from ray.serve.llm import build_openai_app

        return build_openai_app(config.openai_serving_args())

    from ray import serve
    from ray.serve.llm import LLMConfig, build_llm_deployment
    from ray.serve.llm.ingress import OpenAiIngress

    llm_config = LLMConfig(**config.llm_config)
    llm_deployment = build_llm_deployment(llm_config)
    options = merge_options(OpenAiIngress.get_deployment_options([llm_config]), config.ingress_deployment_config)
    ingress = generate_ingress_class(config.generate.route)
    return serve.deployment(ingress, **options).bind(
        llm_deployments=[llm_deployment],
        served_model=config.model_id,
        generate_settings=config.generate.to_dict(),
    )


def merge_options(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> Dict[str, Any]:
    """Ray Serve deployment options: ``overrides`` merged into ``defaults``, nested dicts key by key."""
    merged: Dict[str, Any] = {key: value for key, value in defaults.items()}
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_options(merged[key], value)
        else:
            merged[key] = value
    return merged


def generate_ingress_class(route: str):
    """``OpenAiIngress`` plus a ``generate`` method, routed by Ray Serve LLM's ``make_fastapi_ingress``."""
    from ray.serve.llm.ingress import OpenAiIngress, make_fastapi_ingress
    from starlette.requests import Request

    class GenerateIngress(OpenAiIngress):
        def __init__(
            self,
            llm_deployments,
            *,
            served_model: str,
            generate_settings: Dict[str, Any],
            **kwargs: Any,
        ):
            super().__init__(llm_deployments, **kwargs)
            engine = RayServeEngine(llm_deployments[0])
            self._generate_handler = GenerateHandler(
                engine, GenerateSettings.from_dict(generate_settings), served_model
            )

        async def generate(self, request: Request):
            return to_starlette(await self._generate_handler.handle(StarletteRequest(request)))

    GenerateIngress.__qualname__ = GenerateIngress.__name__
    endpoint_map = {route_.method_name: _route_decorator(route_.http_method, route_.path) for route_ in ingress_routes(route)}
    assert GENERATE_METHOD in endpoint_map
    return make_fastapi_ingress(GenerateIngress, endpoint_map=endpoint_map)


def _route_decorator(http_method: str, path: str):
    """``lambda app: app.get(path)`` / ``app.post(path)``: the form ``make_fastapi_ingress`` expects."""
    attribute = http_method.lower()
    return lambda fastapi_app: getattr(fastapi_app, attribute)(path)


class StarletteRequest:
    """A Starlette request as ``ingress.RequestLike``: its body-read disconnect becomes ``ClientDisconnected``."""

    def __init__(self, request: Any):
        self._request = request
        self.headers = request.headers

    async def stream(self) -> AsyncIterator[bytes]:
        from starlette.requests import ClientDisconnect

        try:
            async for chunk in self._request.stream():
                yield chunk
        except ClientDisconnect:
            raise ClientDisconnected() from None

    async def is_disconnected(self) -> bool:
        return await self._request.is_disconnected()


def to_starlette(reply: Reply):
    from starlette.responses import Response, StreamingResponse

    headers = dict(reply.headers)
    if reply.stream is not None:
        return StreamingResponse(reply.stream, status_code=reply.status, headers=headers, media_type=reply.media_type)
    return Response(content=reply.body or b"", status_code=reply.status, headers=headers, media_type=reply.media_type)


class RayServeEngine:
    """A ``TextEngine`` over an ``LLMServer`` deployment handle: streamed OpenAI completions."""

    def __init__(self, handle: Any, logger: Optional[logging.Logger] = None):
        self._handle = handle.options(stream=True)
        self._log = logger or logging.getLogger(LOGGER_NAME)
        self._request_fields: Optional[frozenset] = None

    def _completion_request(self, request: GenerationRequest):
        from ray.serve.llm.openai_api_models import CompletionRequest

        if self._request_fields is None:
            fields = getattr(CompletionRequest, "model_fields", None)
            self._request_fields = frozenset(fields) if fields else frozenset()
        return CompletionRequest(**completion_request_kwargs(request, self._request_fields or None))

    async def generate(self, request: GenerationRequest) -> AsyncIterator[EngineEvent]:
        from ray.serve.exceptions import BackPressureError, RequestCancelledError

        body = self._completion_request(request)
        responses = getattr(self._handle, LLM_SERVER_METHOD).remote(body)
        finished = False
        try:
            async for chunk in responses:
                for event in normalize_completion_chunk(chunk):
                    yield event
            finished = True
        except BackPressureError:
            finished = True
            raise EngineOverloaded() from None
        except RequestCancelledError:
            finished = True
            raise ClientDisconnected() from None
        except EngineError:
            raise
        except Exception as failure:  # Ray wraps replica failures in its own exception types
            finished = True
            self._log.exception("generate engine call failed request_id=%s", request.request_id)
            raise EngineError(500, f"the model server failed ({type(failure).__name__}); retry, or report the request id") from None
        finally:
            if not finished:
                # closed early: client gone, handler cancelled, or an error item; free the engine slot
                responses.cancel()
