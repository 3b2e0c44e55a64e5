"""Stand-in ``ray`` (and ``starlette``) modules for exercising ``ray_gitops_serve.app`` without Ray.

Each fake module exposes exactly the names ``serve/api_surface.json`` lists for the pinned Ray version,
so the glue importing anything outside that surface fails here with ImportError, as it would fail on a
cluster. The fakes behave like the documented API as far as the glue relies on it; how the real
classes behave is only verified on a GPU cluster (see serve/README.md).
"""

from __future__ import annotations

import contextlib
import sys
import types
from typing import Any, Dict, Iterator, List, Mapping, Optional


class Recorder:
    def __init__(self) -> None:
        self.calls: List[tuple] = []


RECORD = Recorder()


class FakeApplication:
    def __init__(self, kind: str, target: Any, args: tuple = (), kwargs: Optional[Mapping[str, Any]] = None):
        self.kind = kind
        self.target = target
        self.args = args
        self.kwargs = dict(kwargs or {})


class FakeDeployment:
    def __init__(self, cls: Any, options: Mapping[str, Any]):
        self.cls = cls
        self.options_ = dict(options)

    def options(self, **options: Any) -> "FakeDeployment":
        return FakeDeployment(self.cls, {**self.options_, **options})

    def bind(self, *args: Any, **kwargs: Any) -> FakeApplication:
        return FakeApplication("deployment", self, args, kwargs)


def deployment(cls: Any = None, **options: Any) -> Any:
    if cls is None:
        return lambda target: FakeDeployment(target, options)
    return FakeDeployment(cls, options)


class LLMConfig:
    def __init__(self, **kwargs: Any):
        self.kwargs = kwargs


def build_llm_deployment(llm_config: LLMConfig, **kwargs: Any) -> FakeApplication:
    RECORD.calls.append(("build_llm_deployment", llm_config, kwargs))
    return FakeApplication("LLMServer", llm_config, (), kwargs)


def build_openai_app(llm_serving_args: Dict[str, Any]) -> FakeApplication:
    RECORD.calls.append(("build_openai_app", llm_serving_args))
    return FakeApplication("openai_app", llm_serving_args)


INGRESS_DEFAULT_OPTIONS = {"max_ongoing_requests": 1000, "autoscaling_config": {"target_ongoing_requests": 500}}


class OpenAiIngress:
    def __init__(self, llm_deployments: List[Any], *, _get_lora_model_metadata_func: Any = None):
        if not isinstance(llm_deployments, list):
            raise TypeError("Ray 2.52's OpenAiIngress takes a list of LLMServer handles")
        self.llm_deployments = llm_deployments

    @classmethod
    def get_deployment_options(cls, llm_configs: Optional[List[LLMConfig]] = None) -> Dict[str, Any]:
        return {key: (dict(value) if isinstance(value, dict) else value) for key, value in INGRESS_DEFAULT_OPTIONS.items()}

    async def models(self) -> Any: ...

    async def model_data(self, model: str) -> Any: ...

    async def completions(self, body: Any) -> Any: ...

    async def chat(self, body: Any) -> Any: ...

    async def embeddings(self, body: Any) -> Any: ...


class FakeFastAPI:
    def __init__(self) -> None:
        self.routes: List[tuple] = []

    def _route(self, method: str, path: str):
        def decorate(function: Any) -> Any:
            self.routes.append((method, path, function.__name__))
            return function

        return decorate

    def get(self, path: str, **_: Any):
        return self._route("GET", path)

    def post(self, path: str, **_: Any):
        return self._route("POST", path)


def make_fastapi_ingress(cls: Any, *, endpoint_map: Optional[Mapping[str, Any]] = None, app: Any = None) -> Any:
    """Like Ray's: decorate each mapped method with its route, in a subclass, and record the app."""
    app = app or FakeFastAPI()
    if endpoint_map is None:
        raise AssertionError("the glue passes its own endpoint map")
    class_dict = {}
    for method_name, route_factory in endpoint_map.items():
        class_dict[method_name] = route_factory(app)(getattr(cls, method_name))
    new_cls = type(cls.__name__, (cls,), class_dict)
    new_cls.__qualname__ = cls.__qualname__
    new_cls.fastapi_app = app
    return new_cls


class CompletionRequest:
    """pydantic-like: declared fields only."""

    model_fields = {name: None for name in ("model", "prompt", "max_tokens", "temperature", "top_p", "stop", "stream", "stream_options", "request_id")}

    def __init__(self, **kwargs: Any):
        unknown = set(kwargs) - set(self.model_fields)
        if unknown:
            raise TypeError(f"unexpected fields {sorted(unknown)}")
        self.__dict__.update(kwargs)


class BackPressureError(Exception):
    pass


class RequestCancelledError(Exception):
    pass


class RayServeException(Exception):
    pass


class FakeResponseGenerator:
    """Like DeploymentResponseGenerator: async-iterable over the replica's chunks, with cancel()."""

    def __init__(self, chunks: List[Any], error: Optional[BaseException] = None, hang: bool = False):
        self._chunks = list(chunks)
        self._error = error
        self._hang = hang
        self.cancelled = False

    def __aiter__(self) -> "FakeResponseGenerator":
        return self

    async def __anext__(self) -> Any:
        import asyncio

        if self._chunks:
            return self._chunks.pop(0)
        if self._error is not None:
            raise self._error
        if self._hang:
            await asyncio.Event().wait()
        raise StopAsyncIteration

    def cancel(self) -> None:
        self.cancelled = True


class FakeMethod:
    def __init__(self, handle: "FakeHandle", name: str):
        self.handle = handle
        self.name = name

    def remote(self, *args: Any) -> FakeResponseGenerator:
        self.handle.calls.append((self.name, args))
        self.handle.last = self.handle.script()
        return self.handle.last


class FakeHandle:
    """Like an LLMServer DeploymentHandle: options(stream=True) then <method>.remote(...)."""

    def __init__(self, script: Any):
        self.script = script
        self.calls: List[tuple] = []
        self.options_: Dict[str, Any] = {}
        self.last: Optional[FakeResponseGenerator] = None

    def options(self, **options: Any) -> "FakeHandle":
        self.options_.update(options)
        return self

    def __getattr__(self, name: str) -> FakeMethod:
        if name.startswith("_"):
            raise AttributeError(name)
        return FakeMethod(self, name)


class Request:  # starlette.requests.Request stand-in (only its name is used by the glue)
    pass


class ClientDisconnect(Exception):
    pass


class Response:
    def __init__(self, content: Any = None, status_code: int = 200, headers: Optional[Mapping[str, str]] = None, media_type: Optional[str] = None):
        self.body = content
        self.status_code = status_code
        self.headers = dict(headers or {})
        self.media_type = media_type


class StreamingResponse(Response):
    def __init__(self, content: Any, status_code: int = 200, headers: Optional[Mapping[str, str]] = None, media_type: Optional[str] = None):
        super().__init__(None, status_code, headers, media_type)
        self.body_iterator = content


IMPLEMENTATIONS: Dict[str, Dict[str, Any]] = {
    "ray.serve": {"deployment": deployment},
    "ray.serve.llm": {"LLMConfig": LLMConfig, "build_llm_deployment": build_llm_deployment, "build_openai_app": build_openai_app},
    "ray.serve.llm.ingress": {"OpenAiIngress": OpenAiIngress, "make_fastapi_ingress": make_fastapi_ingress},
    "ray.serve.llm.openai_api_models": {"CompletionRequest": CompletionRequest},
    "ray.serve.exceptions": {
        "BackPressureError": BackPressureError,
        "RequestCancelledError": RequestCancelledError,
        "RayServeException": RayServeException,
    },
}
STARLETTE = {
    "starlette": {},
    "starlette.requests": {"Request": Request, "ClientDisconnect": ClientDisconnect},
    "starlette.responses": {"Response": Response, "StreamingResponse": StreamingResponse},
}


def _module(name: str, names: Mapping[str, Any]) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__path__ = []  # a package, so submodules resolve
    for attribute, value in names.items():
        setattr(module, attribute, value)
    return module


@contextlib.contextmanager
def installed(surface_modules: Mapping[str, List[str]]) -> Iterator[Dict[str, types.ModuleType]]:
    """Put fake modules holding exactly the surface's names into sys.modules; restore afterwards."""
    modules: Dict[str, types.ModuleType] = {}
    for name, names in surface_modules.items():
        implemented = IMPLEMENTATIONS.get(name, {})
        modules[name] = _module(
            name,
            {n: implemented.get(n, _Placeholder(f"{name}.{n}")) for n in names if f"{name}.{n}" not in surface_modules},
        )
    for name, names in STARLETTE.items():
        modules[name] = _module(name, names)
    for name in list(modules):  # parents expose their submodules as attributes
        parent, _, child = name.rpartition(".")
        if parent in modules and child not in vars(modules[parent]):
            setattr(modules[parent], child, modules[name])
    roots = {name.split(".")[0] for name in modules}
    saved = {name: mod for name, mod in sys.modules.items() if name.split(".")[0] in roots}
    for name in saved:
        del sys.modules[name]
    sys.modules.update(modules)
    RECORD.calls.clear()
    try:
        yield modules
    finally:
        for name in [n for n in sys.modules if n.split(".")[0] in roots]:
            del sys.modules[name]
        sys.modules.update(saved)


class _Placeholder:
    def __init__(self, qualified: str):
        self.qualified = qualified

    def __repr__(self) -> str:
        return f"<fake {self.qualified}>"
