"""The application args the RayService passes, parsed into a ``ServeConfig``.

``parse_args`` is the one reader of the ``args`` object under ``serveConfigV2.applications[].args``
(shape: ``serve/config.schema.json``). It checks everything the schema checks, plus the rules a schema
cannot say (``min_replicas <= max_replicas`` and the like), and reports every problem at once with its
JSON path. It also derives a few environment variables for the model server from the environment the
builder runs in (see ``FORWARDED_ENV``). No Ray import: ``ray_gitops_serve.app`` turns the result into
``ray.serve.llm`` objects.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .errors import ConfigIssue, InvalidServeConfig
from .routes import route_conflict

# --- bounds shared with config.schema.json (tests/test_schema.py keeps the two in step) ---------------

MAX_MODEL_LEN_MIN = 256
MAX_MODEL_LEN_MAX = 1_048_576
TENSOR_PARALLEL_SIZES = (1, 2, 4, 8)
PIPELINE_PARALLEL_MAX = 8
REPLICAS_MAX = 64
# Ray's accelerator type names (ray.util.accelerators); Ray labels GPU nodes with these automatically,
# except the A100-40G / A100-80G variants, which a node only has if someone adds them.
ACCELERATOR_TYPES = ("T4", "A10G", "L4", "L40S", "A100", "A100-40G", "A100-80G", "H100", "H200", "B200")
# load formats that read s3:// directly (vLLM's Run:ai model streamer)
S3_LOAD_FORMATS = ("runai_streamer", "runai_streamer_sharded")

MODEL_ID_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$"
S3_URI_PATTERN = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](?:/[^\x00-\x20\x7f]*)?$"
# an absolute path with no '..' segment and no control characters
MOUNT_PATH_PATTERN = r"^/(?!(?:.*/)?\.\.(?:/|$))[^\x00-\x1f\x7f]*$"
ENGINE_KWARG_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
ROUTE_PATTERN = r"^/[a-z0-9][a-z0-9_/-]{0,62}$"

# engine_kwargs that Ray Serve LLM derives from model_loading_config; setting them too is a conflict
ENGINE_KWARGS_FROM_MODEL_LOADING = {
    "model": "model_loading_config.model_source",
    "served_model_name": "model_loading_config.model_id",
}
# serveConfigV2 is committed to git: secrets never belong in it
SECRET_ENV_NAMES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
)
# fields Ray Serve renamed or removed, and what replaced them (the seed's configs still carry them)
RENAMED_FIELDS = {
    "max_concurrent_queries": "max_ongoing_requests",
    "target_num_ongoing_requests_per_replica": "target_ongoing_requests",
}

# Environment variables of the builder's process (the Ray head) copied into the model server's
# runtime_env when the args do not set them: region and S3 endpoint for the Run:ai streamer.
FORWARDED_ENV = (
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "RUNAI_STREAMER_CONCURRENCY",
    "RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING",
)

# --- /generate defaults --------------------------------------------------------------------------------

DEFAULT_ROUTE = "/generate"
DEFAULT_MAX_TOKENS = 256
DEFAULT_TEMPERATURE = 0.7
DEFAULT_TOP_P = 0.9
DEFAULT_MAX_STOP_SEQUENCES = 4
MAX_STOP_SEQUENCES_LIMIT = 16
PROMPT_CHARS_PER_TOKEN = 8  # default max_prompt_chars = 8 x max_model_len: a cheap pre-filter, never tighter than the engine
MAX_PROMPT_CHARS_LIMIT = 64 * 1024 * 1024
BODY_BYTES_PER_PROMPT_CHAR = 6  # JSON may escape one character as \uXXXX
BODY_BYTES_OVERHEAD = 64 * 1024
MIN_BODY_BYTES = 1024
MAX_BODY_BYTES_LIMIT = 512 * 1024 * 1024


@dataclass(frozen=True)
class GenerateSettings:
    """How the ``POST /generate`` route validates requests; every field resolved (no None)."""

    enabled: bool = True
    route: str = DEFAULT_ROUTE
    default_max_tokens: int = DEFAULT_MAX_TOKENS
    max_tokens_limit: int = 8192
    default_temperature: float = DEFAULT_TEMPERATURE
    default_top_p: float = DEFAULT_TOP_P
    max_prompt_chars: int = 8192 * PROMPT_CHARS_PER_TOKEN
    max_stop_sequences: int = DEFAULT_MAX_STOP_SEQUENCES
    max_body_bytes: int = 8192 * PROMPT_CHARS_PER_TOKEN * BODY_BYTES_PER_PROMPT_CHAR + BODY_BYTES_OVERHEAD

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "GenerateSettings":
        return cls(**dict(data))


@dataclass(frozen=True)
class ServeConfig:
    """The parsed args: what ``app.build_app`` needs to build the Serve application."""

    model_id: str
    model_source: str
    source_kind: str  # "s3" (Run:ai streamer reads S3) or "path" (a mounted volume)
    max_model_len: int
    tensor_parallel_size: int
    accelerator_type: str
    llm_config: Dict[str, Any]  # keyword arguments of ray.serve.llm.LLMConfig, runtime_env included
    ingress_deployment_config: Dict[str, Any] = field(default_factory=dict)
    generate: GenerateSettings = field(default_factory=GenerateSettings)

    def openai_serving_args(self) -> Dict[str, Any]:
        """The same model as ``ray.serve.llm.build_openai_app`` args (LLMServingArgs), without /generate."""
        serving_args: Dict[str, Any] = {"llm_configs": [copy.deepcopy(self.llm_config)]}
        if self.ingress_deployment_config:
            serving_args["ingress_deployment_config"] = copy.deepcopy(self.ingress_deployment_config)
        return serving_args

    def to_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data["generate"] = self.generate.to_dict()
        return data


# --- the parser ----------------------------------------------------------------------------------------

_ABSENT = object()  # a field left out, as opposed to one set to null


def parse_args(args: Any, environ: Optional[Mapping[str, str]] = None) -> ServeConfig:
    """Parse the RayService ``args`` object; raise ``InvalidServeConfig`` listing every problem.

    ``environ`` is the builder's environment (``os.environ`` in production; ``{}`` gives a result that
    depends on the args alone).
    """
    issues = _Issues()
    top = issues.object(
        args,
        "args",
        required=("llm_configs",),
        optional=("ingress_deployment_config", "generate"),
    )
    if top is None:
        raise InvalidServeConfig(issues.items)

    llm = _parse_llm_configs(top["llm_configs"], "args.llm_configs", issues) if "llm_configs" in top else None
    ingress_options = _parse_ingress_deployment_config(
        top.get("ingress_deployment_config", _ABSENT), "args.ingress_deployment_config", issues
    )
    max_model_len = llm.get("max_model_len") if llm else None
    generate = _parse_generate(top.get("generate", _ABSENT), "args.generate", max_model_len, issues)

    if issues.items or llm is None or generate is None:
        raise InvalidServeConfig(issues.items)

    llm_config = llm["llm_config"]
    env_vars = derive_env_vars(
        llm_config.get("runtime_env", {}).get("env_vars", {}), environ or {}, llm["source_kind"]
    )
    if env_vars:
        llm_config["runtime_env"] = {"env_vars": env_vars}
    else:
        llm_config.pop("runtime_env", None)

    return ServeConfig(
        model_id=llm["model_id"],
        model_source=llm["model_source"],
        source_kind=llm["source_kind"],
        max_model_len=llm["max_model_len"],
        tensor_parallel_size=llm["tensor_parallel_size"],
        accelerator_type=llm["accelerator_type"],
        llm_config=llm_config,
        ingress_deployment_config=ingress_options or {},
        generate=generate,
    )


def derive_env_vars(from_args: Mapping[str, str], environ: Mapping[str, str], source_kind: str) -> Dict[str, str]:
    """The model server's env_vars: forwarded builder environment, overlaid by the args, then derived values.

    - ``FORWARDED_ENV`` names set (non-empty) in ``environ`` are copied; the args win over them.
    - For an S3 source: the Run:ai streamer reads ``AWS_ENDPOINT_URL``, so ``AWS_ENDPOINT_URL_S3`` is
      copied to it when only the S3-specific one is set, and a custom endpoint gets path-style
      addressing (``RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING=0``) unless set.
    - ``AWS_DEFAULT_REGION`` follows ``AWS_REGION`` when unset.
    - ``HF_HUB_OFFLINE=1`` unless set: weights and tokenizer come from S3 or the mount, never the Hub.
    """
    env: Dict[str, str] = {name: environ[name] for name in FORWARDED_ENV if environ.get(name)}
    env.update(from_args)
    if source_kind == "s3":
        if "AWS_ENDPOINT_URL" not in env and env.get("AWS_ENDPOINT_URL_S3"):
            env["AWS_ENDPOINT_URL"] = env["AWS_ENDPOINT_URL_S3"]
        if env.get("AWS_ENDPOINT_URL") and "RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING" not in env:
            env["RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING"] = "0"
    if env.get("AWS_REGION") and "AWS_DEFAULT_REGION" not in env:
        env["AWS_DEFAULT_REGION"] = env["AWS_REGION"]
    env.setdefault("HF_HUB_OFFLINE", "1")
    return dict(sorted(env.items()))


def _parse_llm_configs(value: Any, path: str, issues: "_Issues") -> Optional[Dict[str, Any]]:
    if not isinstance(value, list):
        issues.add(path, f"must be a list holding exactly one LLM config; got {_describe(value)}")
        return None
    if len(value) != 1:
        issues.add(
            path,
            f"must hold exactly one LLM config (one model per RayService); got {len(value)}",
        )
        return None
    return _parse_llm_config(value[0], f"{path}[0]", issues)


def _parse_llm_config(value: Any, path: str, issues: "_Issues") -> Optional[Dict[str, Any]]:
    before = len(issues.items)
    obj = issues.object(
        value,
        path,
        required=("model_loading_config", "engine_kwargs", "deployment_config", "accelerator_type"),
        optional=("runtime_env", "log_engine_metrics"),
    )
    if obj is None:
        return None

    model_id = model_source = source_kind = None
    if "model_loading_config" in obj:
        loading = issues.object(
            obj["model_loading_config"],
            f"{path}.model_loading_config",
            required=("model_id", "model_source"),
            optional=(),
        )
        if loading is not None and "model_id" in loading:
            model_id = issues.string(
                loading["model_id"],
                f"{path}.model_loading_config.model_id",
                pattern=MODEL_ID_PATTERN,
                max_length=128,
                hint="1 to 128 letters, digits, '.', '_', '/' or '-', starting and ending with a letter or digit",
            )
        if loading is not None and "model_source" in loading:
            model_source, source_kind = _parse_model_source(
                loading["model_source"], f"{path}.model_loading_config.model_source", issues
            )

    engine = deployment = accelerator = None
    if "engine_kwargs" in obj:
        engine = _parse_engine_kwargs(obj["engine_kwargs"], f"{path}.engine_kwargs", source_kind, issues)
    if "deployment_config" in obj:
        deployment = _parse_deployment_config(obj["deployment_config"], f"{path}.deployment_config", issues)
    if "accelerator_type" in obj:
        accelerator = issues.enum(obj["accelerator_type"], f"{path}.accelerator_type", ACCELERATOR_TYPES)

    runtime_env: Dict[str, Any] = {}
    if "runtime_env" in obj:
        runtime_env = _parse_runtime_env(obj["runtime_env"], f"{path}.runtime_env", issues) or {}
    log_metrics = None
    if "log_engine_metrics" in obj:
        log_metrics = issues.boolean(obj["log_engine_metrics"], f"{path}.log_engine_metrics")

    if len(issues.items) != before or engine is None or deployment is None:
        return None

    llm_config: Dict[str, Any] = {
        "model_loading_config": {"model_id": model_id, "model_source": model_source},
        "engine_kwargs": engine,
        "deployment_config": deployment,
        "accelerator_type": accelerator,
    }
    if runtime_env:
        llm_config["runtime_env"] = runtime_env
    if log_metrics is not None:
        llm_config["log_engine_metrics"] = log_metrics
    return {
        "llm_config": llm_config,
        "model_id": model_id,
        "model_source": model_source,
        "source_kind": source_kind,
        "max_model_len": engine["max_model_len"],
        "tensor_parallel_size": engine["tensor_parallel_size"],
        "accelerator_type": accelerator,
    }


def _parse_model_source(value: Any, path: str, issues: "_Issues") -> Tuple[Optional[str], Optional[str]]:
    if not isinstance(value, str):
        issues.add(
            path,
            f"must be an s3://bucket/prefix URI or an absolute path of a mounted volume; got {_describe(value)}",
        )
        return None, None
    if value.startswith("s3://"):
        if len(value) > 1100 or not re.fullmatch(S3_URI_PATTERN, value):
            issues.add(
                path,
                f"must be s3://bucket/prefix with a lowercase bucket name (3 to 63 of a-z, 0-9, '.', '-'); got {value!r}",
            )
            return None, None
        return value, "s3"
    if value.startswith("/"):
        if len(value) > 4096 or not re.fullmatch(MOUNT_PATH_PATTERN, value):
            issues.add(path, f"must be an absolute path without '..' segments or control characters; got {value!r}")
            return None, None
        return value, "path"
    issues.add(
        path,
        "must be an s3://bucket/prefix URI (streamed by the Run:ai streamer) or an absolute path of a "
        f"mounted volume; got {value!r}. Hugging Face repo ids are staged into S3 first (ray-gitops prestage)",
    )
    return None, None


def _parse_engine_kwargs(
    value: Any, path: str, source_kind: Optional[str], issues: "_Issues"
) -> Optional[Dict[str, Any]]:
    before = len(issues.items)
    if not isinstance(value, dict):
        issues.add(path, f"must be an object of vLLM engine arguments; got {_describe(value)}")
        return None
    for name in sorted(value):
        if name in ENGINE_KWARGS_FROM_MODEL_LOADING:
            issues.add(
                f"{path}.{name}",
                f"is set by Ray Serve LLM from {ENGINE_KWARGS_FROM_MODEL_LOADING[name]}; remove it here",
            )
        elif not re.fullmatch(ENGINE_KWARG_NAME_PATTERN, name):
            issues.add(
                f"{path}.{_key(name)}",
                "is not a vLLM engine argument name: use snake_case (enable_prefix_caching, not enable-prefix-caching)",
            )
    for name in ("max_model_len", "tensor_parallel_size"):
        if name not in value:
            issues.add(f"{path}.{name}", "is required")
    result = copy.deepcopy(value)
    if "max_model_len" in value:
        result["max_model_len"] = issues.integer(
            value["max_model_len"], f"{path}.max_model_len", MAX_MODEL_LEN_MIN, MAX_MODEL_LEN_MAX
        )
    if "tensor_parallel_size" in value:
        result["tensor_parallel_size"] = issues.enum(
            value["tensor_parallel_size"], f"{path}.tensor_parallel_size", TENSOR_PARALLEL_SIZES
        )
    if "pipeline_parallel_size" in value:
        result["pipeline_parallel_size"] = issues.integer(
            value["pipeline_parallel_size"], f"{path}.pipeline_parallel_size", 1, PIPELINE_PARALLEL_MAX
        )
    if "gpu_memory_utilization" in value:
        result["gpu_memory_utilization"] = issues.number(
            value["gpu_memory_utilization"], f"{path}.gpu_memory_utilization", 0, 1, low_exclusive=True
        )
    for name in ("max_num_seqs", "max_num_batched_tokens"):
        if name in value:
            result[name] = issues.integer(value[name], f"{path}.{name}", 1, None)
    for name in ("enable_prefix_caching", "enable_chunked_prefill", "trust_remote_code", "enforce_eager"):
        if name in value:
            result[name] = issues.boolean(value[name], f"{path}.{name}")
    for name in ("dtype", "load_format", "quantization", "kv_cache_dtype"):
        if name in value:
            result[name] = issues.string(value[name], f"{path}.{name}", max_length=64)
    if source_kind == "s3":
        load_format = value.get("load_format")
        if load_format not in S3_LOAD_FORMATS:
            issues.add(
                f"{path}.load_format",
                f"must be one of {', '.join(S3_LOAD_FORMATS)} when model_source is an s3:// URI "
                f"(vLLM's Run:ai streamer reads S3 directly); got {_describe(load_format) if 'load_format' in value else 'nothing'}",
            )
    if len(issues.items) != before:
        return None
    return result


def _parse_deployment_config(value: Any, path: str, issues: "_Issues") -> Optional[Dict[str, Any]]:
    before = len(issues.items)
    obj = issues.object(
        value,
        path,
        required=("autoscaling_config",),
        optional=("max_ongoing_requests", "graceful_shutdown_timeout_s"),
    )
    if obj is None:
        return None
    result: Dict[str, Any] = {}
    if "autoscaling_config" in obj:
        autoscaling = _parse_autoscaling(
            obj["autoscaling_config"], f"{path}.autoscaling_config", issues, replicas_required=True
        )
        if autoscaling is not None:
            result["autoscaling_config"] = autoscaling
    if "max_ongoing_requests" in obj:
        result["max_ongoing_requests"] = issues.integer(obj["max_ongoing_requests"], f"{path}.max_ongoing_requests", 1, None)
    if "graceful_shutdown_timeout_s" in obj:
        result["graceful_shutdown_timeout_s"] = issues.number(
            obj["graceful_shutdown_timeout_s"], f"{path}.graceful_shutdown_timeout_s", 0, None
        )
    _check_target_vs_max_ongoing(result, path, issues)
    if len(issues.items) != before:
        return None
    return result


def _parse_ingress_deployment_config(value: Any, path: str, issues: "_Issues") -> Optional[Dict[str, Any]]:
    if value is _ABSENT:
        return {}
    before = len(issues.items)
    obj = issues.object(value, path, required=(), optional=("autoscaling_config", "max_ongoing_requests"))
    if obj is None:
        return None
    result: Dict[str, Any] = {}
    if "autoscaling_config" in obj:
        autoscaling = _parse_autoscaling(
            obj["autoscaling_config"], f"{path}.autoscaling_config", issues, replicas_required=False
        )
        if autoscaling is not None:
            result["autoscaling_config"] = autoscaling
    if "max_ongoing_requests" in obj:
        result["max_ongoing_requests"] = issues.integer(obj["max_ongoing_requests"], f"{path}.max_ongoing_requests", 1, None)
    _check_target_vs_max_ongoing(result, path, issues)
    if len(issues.items) != before:
        return None
    return result


def _parse_autoscaling(value: Any, path: str, issues: "_Issues", *, replicas_required: bool) -> Optional[Dict[str, Any]]:
    replica_fields = ("min_replicas", "max_replicas")
    before = len(issues.items)
    obj = issues.object(
        value,
        path,
        required=replica_fields if replicas_required else (),
        optional=(() if replicas_required else replica_fields)
        + ("target_ongoing_requests", "initial_replicas", "upscale_delay_s", "downscale_delay_s"),
    )
    if obj is None:
        return None
    result: Dict[str, Any] = {}
    if "min_replicas" in obj:
        result["min_replicas"] = issues.integer(obj["min_replicas"], f"{path}.min_replicas", 0, REPLICAS_MAX)
    if "max_replicas" in obj:
        result["max_replicas"] = issues.integer(obj["max_replicas"], f"{path}.max_replicas", 1, REPLICAS_MAX)
    if "initial_replicas" in obj:
        result["initial_replicas"] = issues.integer(obj["initial_replicas"], f"{path}.initial_replicas", 0, REPLICAS_MAX)
    if "target_ongoing_requests" in obj:
        result["target_ongoing_requests"] = issues.number(
            obj["target_ongoing_requests"], f"{path}.target_ongoing_requests", 0, None, low_exclusive=True
        )
    for name in ("upscale_delay_s", "downscale_delay_s"):
        if name in obj:
            result[name] = issues.number(obj[name], f"{path}.{name}", 0, None)
    if len(issues.items) != before:
        return None
    low, high = result.get("min_replicas"), result.get("max_replicas")
    if low is not None and high is not None and low > high:
        issues.add(f"{path}.min_replicas", f"must not exceed max_replicas ({high}); got {low}")
        return None
    initial = result.get("initial_replicas")
    if initial is not None:
        if low is not None and initial < low or high is not None and initial > high:
            issues.add(f"{path}.initial_replicas", f"must lie between min_replicas and max_replicas; got {initial}")
            return None
    return result


def _check_target_vs_max_ongoing(result: Mapping[str, Any], path: str, issues: "_Issues") -> None:
    target = result.get("autoscaling_config", {}).get("target_ongoing_requests")
    ceiling = result.get("max_ongoing_requests")
    if isinstance(target, (int, float)) and isinstance(ceiling, int) and target > ceiling:
        issues.add(
            f"{path}.autoscaling_config.target_ongoing_requests",
            f"must not exceed max_ongoing_requests ({ceiling}), or replicas could never reach the target; got {target}",
        )


def _parse_runtime_env(value: Any, path: str, issues: "_Issues") -> Optional[Dict[str, Any]]:
    before = len(issues.items)
    obj = issues.object(
        value,
        path,
        required=(),
        optional=("env_vars",),
        extra_hint="only env_vars is allowed: the image carries every package (no runtime pip, conda or working_dir)",
    )
    if obj is None or len(issues.items) != before:
        return None
    if "env_vars" not in obj:
        return {}
    env = obj["env_vars"]
    if not isinstance(env, dict):
        issues.add(f"{path}.env_vars", f"must be an object of NAME: value strings; got {_describe(env)}")
        return None
    for name in sorted(env):
        where = f"{path}.env_vars.{_key(name)}"
        if not re.fullmatch(ENV_NAME_PATTERN, name):
            issues.add(where, "is not an environment variable name (letters, digits and '_', not starting with a digit)")
        elif name in SECRET_ENV_NAMES:
            issues.add(
                where,
                "is a secret and serveConfigV2 is committed to git: give the pods IAM access (IRSA or Pod "
                "Identity) or a Secret-backed env var instead",
            )
        elif not isinstance(env[name], str):
            issues.add(where, f"must be a string (quote numbers and booleans); got {_describe(env[name])}")
    if len(issues.items) != before:
        return None
    return {"env_vars": dict(sorted(env.items()))}


def _parse_generate(
    value: Any, path: str, max_model_len: Optional[int], issues: "_Issues"
) -> Optional[GenerateSettings]:
    fields = (
        "enabled",
        "route",
        "default_max_tokens",
        "max_tokens_limit",
        "default_temperature",
        "default_top_p",
        "max_prompt_chars",
        "max_stop_sequences",
        "max_body_bytes",
    )
    before = len(issues.items)
    if value is _ABSENT:
        obj: Dict[str, Any] = {}
    else:
        parsed = issues.object(value, path, required=(), optional=fields)
        if parsed is None:
            return None
        obj = parsed
    out: Dict[str, Any] = {}
    if "enabled" in obj:
        out["enabled"] = issues.boolean(obj["enabled"], f"{path}.enabled")
    if "route" in obj:
        route = issues.string(
            obj["route"],
            f"{path}.route",
            pattern=ROUTE_PATTERN,
            hint="'/' then 1 to 63 of a-z, 0-9, '_', '/' or '-', starting with a letter or digit",
        )
        if route is not None:
            conflict = route_conflict(route)
            if conflict:
                issues.add(f"{path}.route", conflict)
            else:
                out["route"] = route
    if "default_max_tokens" in obj:
        out["default_max_tokens"] = issues.integer(obj["default_max_tokens"], f"{path}.default_max_tokens", 1, MAX_MODEL_LEN_MAX)
    if "max_tokens_limit" in obj:
        out["max_tokens_limit"] = issues.integer(obj["max_tokens_limit"], f"{path}.max_tokens_limit", 1, MAX_MODEL_LEN_MAX)
    if "default_temperature" in obj:
        out["default_temperature"] = issues.number(obj["default_temperature"], f"{path}.default_temperature", 0, 2)
    if "default_top_p" in obj:
        out["default_top_p"] = issues.number(obj["default_top_p"], f"{path}.default_top_p", 0, 1, low_exclusive=True)
    if "max_prompt_chars" in obj:
        out["max_prompt_chars"] = issues.integer(obj["max_prompt_chars"], f"{path}.max_prompt_chars", 1, MAX_PROMPT_CHARS_LIMIT)
    if "max_stop_sequences" in obj:
        out["max_stop_sequences"] = issues.integer(
            obj["max_stop_sequences"], f"{path}.max_stop_sequences", 0, MAX_STOP_SEQUENCES_LIMIT
        )
    if "max_body_bytes" in obj:
        out["max_body_bytes"] = issues.integer(obj["max_body_bytes"], f"{path}.max_body_bytes", MIN_BODY_BYTES, MAX_BODY_BYTES_LIMIT)
    if len(issues.items) != before or max_model_len is None:
        return None

    limit = out.get("max_tokens_limit", max_model_len)
    if limit > max_model_len:
        issues.add(
            f"{path}.max_tokens_limit",
            f"must not exceed engine_kwargs.max_model_len ({max_model_len}); got {limit}",
        )
        return None
    default_max = out.get("default_max_tokens", min(DEFAULT_MAX_TOKENS, limit))
    if default_max > limit:
        issues.add(f"{path}.default_max_tokens", f"must not exceed max_tokens_limit ({limit}); got {default_max}")
        return None
    prompt_chars = out.get("max_prompt_chars", min(max_model_len * PROMPT_CHARS_PER_TOKEN, MAX_PROMPT_CHARS_LIMIT))
    body_bytes = out.get(
        "max_body_bytes",
        min(max(prompt_chars * BODY_BYTES_PER_PROMPT_CHAR + BODY_BYTES_OVERHEAD, MIN_BODY_BYTES), MAX_BODY_BYTES_LIMIT),
    )
    return GenerateSettings(
        enabled=out.get("enabled", True),
        route=out.get("route", DEFAULT_ROUTE),
        default_max_tokens=default_max,
        max_tokens_limit=limit,
        default_temperature=float(out.get("default_temperature", DEFAULT_TEMPERATURE)),
        default_top_p=float(out.get("default_top_p", DEFAULT_TOP_P)),
        max_prompt_chars=prompt_chars,
        max_stop_sequences=out.get("max_stop_sequences", DEFAULT_MAX_STOP_SEQUENCES),
        max_body_bytes=body_bytes,
    )


# --- small checking toolkit ----------------------------------------------------------------------------


class _Issues:
    """Collects ``ConfigIssue``s; each check returns the cleaned value, or None after recording a problem."""

    def __init__(self) -> None:
        self.items: List[ConfigIssue] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(ConfigIssue(path, message))

    def object(
        self,
        value: Any,
        path: str,
        *,
        required: Sequence[str],
        optional: Sequence[str],
        extra_hint: str = "",
    ) -> Optional[Dict[str, Any]]:
        """The object (None if it is not one), after recording missing required and unknown fields."""
        if not isinstance(value, dict):
            self.add(path, f"must be an object; got {_describe(value)}")
            return None
        allowed = tuple(required) + tuple(optional)
        for name in required:
            if name not in value:
                self.add(f"{path}.{name}", "is required")
        for name in sorted(value, key=str):
            if name in allowed:
                continue
            if name in RENAMED_FIELDS and RENAMED_FIELDS[name] in allowed:
                self.add(
                    f"{path}.{_key(name)}",
                    f"was removed from Ray Serve; use {RENAMED_FIELDS[name]}",
                )
            else:
                hint = extra_hint or f"allowed: {', '.join(allowed)}"
                self.add(f"{path}.{_key(name)}", f"is not a known field ({hint})")
        return value

    def integer(self, value: Any, path: str, low: Optional[int], high: Optional[int]) -> Optional[int]:
        number = _as_integer(value)
        if number is None or (low is not None and number < low) or (high is not None and number > high):
            self.add(path, f"must be {_range_words('an integer', low, high)}; got {_describe(value)}")
            return None
        return number

    def number(
        self, value: Any, path: str, low: Optional[float], high: Optional[float], *, low_exclusive: bool = False
    ) -> Optional[float]:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if ok and low is not None:
            ok = value > low if low_exclusive else value >= low
        if ok and high is not None:
            ok = value <= high
        if not ok:
            words = _range_words("a number", low, high, low_exclusive=low_exclusive)
            self.add(path, f"must be {words}; got {_describe(value)}")
            return None
        return value

    def boolean(self, value: Any, path: str) -> Optional[bool]:
        if not isinstance(value, bool):
            self.add(path, f"must be true or false; got {_describe(value)}")
            return None
        return value

    def string(
        self,
        value: Any,
        path: str,
        *,
        pattern: Optional[str] = None,
        max_length: Optional[int] = None,
        hint: str = "",
    ) -> Optional[str]:
        if not isinstance(value, str) or not value:
            self.add(path, f"must be a non-empty string; got {_describe(value)}")
            return None
        if max_length is not None and len(value) > max_length:
            self.add(path, f"must be at most {max_length} characters; got {len(value)}")
            return None
        if pattern is not None and not re.fullmatch(pattern, value):
            self.add(path, f"must be {hint or 'of the form ' + pattern}; got {value!r}")
            return None
        return value

    def enum(self, value: Any, path: str, choices: Sequence[Any]) -> Any:
        candidate = _as_integer(value) if all(isinstance(c, int) for c in choices) else value
        if isinstance(value, bool) or candidate not in choices:
            listing = ", ".join(str(c) for c in choices)
            self.add(path, f"must be one of {listing}; got {_describe(value)}")
            return None
        return candidate


def _as_integer(value: Any) -> Optional[int]:
    """An int from a JSON number with no fraction (JSON Schema's "integer"); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _range_words(noun: str, low: Any, high: Any, *, low_exclusive: bool = False) -> str:
    if low is not None and high is not None:
        if low_exclusive:
            return f"{noun} greater than {low} and at most {high}"
        return f"{noun} from {low} to {high}"
    if low is not None:
        return f"{noun} greater than {low}" if low_exclusive else f"{noun} of at least {low}"
    if high is not None:
        return f"{noun} of at most {high}"
    return noun


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"{shown!r} (a string)"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _key(name: Any) -> str:
    """A key as it appears in a path: plain when it is an identifier, quoted otherwise."""
    text = str(name)
    return text if re.fullmatch(r"^[A-Za-z_][A-Za-z0-9_]*$", text) else repr(text)


__all__ = [
    "ACCELERATOR_TYPES",
    "FORWARDED_ENV",
    "GenerateSettings",
    "ServeConfig",
    "derive_env_vars",
    "parse_args",
]
