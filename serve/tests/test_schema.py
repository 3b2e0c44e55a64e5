"""serve/config.schema.json and the parser agree: same verdict on every case, same bounds and defaults."""

import unittest

from ray_gitops_serve import config as cfg
from ray_gitops_serve.errors import InvalidServeConfig

from . import jsonschema_lite
from .support import DELETE, SERVE_DIR, load_json, set_path, valid_args, valid_args_names

SCHEMA_PATH = SERVE_DIR / "config.schema.json"
LLM = "llm_configs.0"

# (name, path, value): one change to the minimal valid args that both the schema and the parser refuse
REJECTED_BY_BOTH = [
    ("not an object", None, []),
    ("no llm_configs", "llm_configs", DELETE),
    ("two models", "llm_configs", "twice"),
    ("no models", "llm_configs", []),
    ("unknown top-level field", "serve_config", {}),
    ("null generate", "generate", None),
    ("unknown llm config field", f"{LLM}.lora_config", {}),
    ("no accelerator", f"{LLM}.accelerator_type", DELETE),
    ("unknown accelerator", f"{LLM}.accelerator_type", "A100-80GB"),
    ("model id with a space", f"{LLM}.model_loading_config.model_id", "my model"),
    ("model id too long", f"{LLM}.model_loading_config.model_id", "m" * 129),
    ("empty model id", f"{LLM}.model_loading_config.model_id", ""),
    ("hf repo as source", f"{LLM}.model_loading_config.model_source", "Qwen/Qwen2.5-7B-Instruct"),
    ("uppercase bucket", f"{LLM}.model_loading_config.model_source", "s3://Models/x"),
    ("short bucket", f"{LLM}.model_loading_config.model_source", "s3://ab/x"),
    ("newline in s3 key", f"{LLM}.model_loading_config.model_source", "s3://models/x\n"),
    ("dot-dot path", f"{LLM}.model_loading_config.model_source", "/mnt/models/../../etc"),
    ("trailing dot-dot", f"{LLM}.model_loading_config.model_source", "/mnt/.."),
    ("control char in path", f"{LLM}.model_loading_config.model_source", "/mnt/a\tb"),
    ("bucket_uri object source", f"{LLM}.model_loading_config.model_source", {"bucket_uri": "s3://models/x"}),
    ("extra loading field", f"{LLM}.model_loading_config.tokenizer_source", "x"),
    ("s3 without load_format", f"{LLM}.engine_kwargs.load_format", DELETE),
    ("s3 with safetensors", f"{LLM}.engine_kwargs.load_format", "safetensors"),
    ("max_model_len as string", f"{LLM}.engine_kwargs.max_model_len", "4096"),
    ("max_model_len too small", f"{LLM}.engine_kwargs.max_model_len", 128),
    ("max_model_len fraction", f"{LLM}.engine_kwargs.max_model_len", 4096.5),
    ("no max_model_len", f"{LLM}.engine_kwargs.max_model_len", DELETE),
    ("tp 3", f"{LLM}.engine_kwargs.tensor_parallel_size", 3),
    ("tp true", f"{LLM}.engine_kwargs.tensor_parallel_size", True),
    ("kebab-case kwarg", f"{LLM}.engine_kwargs.enable-prefix-caching", True),
    ("model kwarg", f"{LLM}.engine_kwargs.model", "/x"),
    ("served_model_name kwarg", f"{LLM}.engine_kwargs.served_model_name", "x"),
    ("gpu util 0", f"{LLM}.engine_kwargs.gpu_memory_utilization", 0),
    ("gpu util 1.5", f"{LLM}.engine_kwargs.gpu_memory_utilization", 1.5),
    ("prefix caching as string", f"{LLM}.engine_kwargs.enable_prefix_caching", "true"),
    ("empty dtype", f"{LLM}.engine_kwargs.dtype", ""),
    ("engine kwargs list", f"{LLM}.engine_kwargs", []),
    ("no autoscaling", f"{LLM}.deployment_config.autoscaling_config", DELETE),
    ("num_replicas", f"{LLM}.deployment_config.num_replicas", 2),
    ("max_concurrent_queries", f"{LLM}.deployment_config.max_concurrent_queries", 100),
    ("no min_replicas", f"{LLM}.deployment_config.autoscaling_config.min_replicas", DELETE),
    ("negative min", f"{LLM}.deployment_config.autoscaling_config.min_replicas", -1),
    ("max 0", f"{LLM}.deployment_config.autoscaling_config.max_replicas", 0),
    ("max 65", f"{LLM}.deployment_config.autoscaling_config.max_replicas", 65),
    ("target 0", f"{LLM}.deployment_config.autoscaling_config.target_ongoing_requests", 0),
    ("old target name", f"{LLM}.deployment_config.autoscaling_config.target_num_ongoing_requests_per_replica", 5),
    ("max_ongoing 0", f"{LLM}.deployment_config.max_ongoing_requests", 0),
    ("runtime pip", f"{LLM}.runtime_env", {"pip": ["vllm"]}),
    ("runtime working_dir", f"{LLM}.runtime_env", {"working_dir": "https://x/y.zip"}),
    ("secret env", f"{LLM}.runtime_env", {"env_vars": {"AWS_SECRET_ACCESS_KEY": "x"}}),
    ("hf token env", f"{LLM}.runtime_env", {"env_vars": {"HF_TOKEN": "x"}}),
    ("numeric env value", f"{LLM}.runtime_env", {"env_vars": {"X": 1}}),
    ("bad env name", f"{LLM}.runtime_env", {"env_vars": {"1X": "a"}}),
    ("metrics as string", f"{LLM}.log_engine_metrics", "yes"),
    ("ingress num_replicas", "ingress_deployment_config", {"num_replicas": 2}),
    ("ingress max_ongoing 0", "ingress_deployment_config", {"max_ongoing_requests": 0}),
    ("generate unknown", "generate", {"routes": "/x"}),
    ("generate route v1", "generate", {"route": "/v1/generate"}),
    ("generate route v1 exact", "generate", {"route": "/v1"}),
    ("generate route serve", "generate", {"route": "/-/healthz"}),
    ("generate route relative", "generate", {"route": "generate"}),
    ("generate route upper", "generate", {"route": "/Generate"}),
    ("generate route root", "generate", {"route": "/"}),
    ("generate enabled string", "generate", {"enabled": "false"}),
    ("temperature 3", "generate", {"default_temperature": 3}),
    ("top_p 0", "generate", {"default_top_p": 0}),
    ("max_stop 17", "generate", {"max_stop_sequences": 17}),
    ("max_body tiny", "generate", {"max_body_bytes": 10}),
    ("max_prompt 0", "generate", {"max_prompt_chars": 0}),
]

# Rules only the parser can check (relations between fields); the schema accepts these.
REJECTED_BY_PARSER_ONLY = [
    ("min above max", f"{LLM}.deployment_config.autoscaling_config.min_replicas", 2),
    ("initial above max", f"{LLM}.deployment_config.autoscaling_config.initial_replicas", 3),
    ("max_tokens_limit above max_model_len", "generate", {"max_tokens_limit": 5000}),
    ("default above limit", "generate", {"max_tokens_limit": 10, "default_max_tokens": 11}),
    ("target above max_ongoing", f"{LLM}.deployment_config", {"autoscaling_config": {"min_replicas": 1, "max_replicas": 1, "target_ongoing_requests": 9}, "max_ongoing_requests": 8}),
]

ACCEPTED_VARIANTS = [
    ("mount path with runai", f"{LLM}.model_loading_config.model_source", "/mnt/models/a..b/weights"),
    ("s3 without trailing slash", f"{LLM}.model_loading_config.model_source", "s3://models/org/name"),
    ("bucket only", f"{LLM}.model_loading_config.model_source", "s3://models"),
    ("model id with slash", f"{LLM}.model_loading_config.model_id", "Qwen/Qwen2.5-7B-Instruct"),
    ("integral float", f"{LLM}.engine_kwargs.max_model_len", 4096.0),
    ("scale to zero", f"{LLM}.deployment_config.autoscaling_config.min_replicas", 0),
    ("sharded streamer", f"{LLM}.engine_kwargs.load_format", "runai_streamer_sharded"),
    ("passthrough kwarg", f"{LLM}.engine_kwargs.speculative_config", {"method": "ngram", "num_speculative_tokens": 4}),
    ("empty env value", f"{LLM}.runtime_env", {"env_vars": {"X": ""}}),
    ("no env vars", f"{LLM}.runtime_env", {}),
    ("generate disabled", "generate", {"enabled": False}),
    ("route v10", "generate", {"route": "/v10"}),
    ("nested route", "generate", {"route": "/api/generate"}),
    ("temperature 0", "generate", {"default_temperature": 0}),
    ("no stop sequences", "generate", {"max_stop_sequences": 0}),
    ("empty ingress config", "ingress_deployment_config", {}),
]


def _variant(path, value):
    base = valid_args("minimal")
    if path is None:
        return value
    if value == "twice":
        base["llm_configs"].append(base["llm_configs"][0])
        return base
    return set_path(base, path, value)


def _parser_accepts(args):
    try:
        cfg.parse_args(args, {})
    except InvalidServeConfig:
        return False
    return True


class SchemaAndParserAgree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = load_json(SCHEMA_PATH)
        cls.validator = jsonschema_lite.Validator(cls.schema)

    def test_is_a_draft_2020_12_schema_using_only_checked_keywords(self):
        self.assertEqual(self.schema["$schema"], "https://json-schema.org/draft/2020-12/schema")
        unsupported = set(jsonschema_lite.keywords_used(self.schema)) - jsonschema_lite.SUPPORTED
        self.assertEqual(unsupported, set(), "the test validator would ignore these keywords")

    def test_every_valid_fixture_and_the_schema_examples_pass_both(self):
        documents = [(name, valid_args(name)) for name in valid_args_names()]
        documents += [(f"schema example {i}", ex) for i, ex in enumerate(self.schema["examples"])]
        self.assertGreaterEqual(len(documents), 5)
        for name, args in documents:
            with self.subTest(name=name):
                self.assertEqual(self.validator.errors(args), [])
                self.assertTrue(_parser_accepts(args))

    def test_accepted_variants_pass_both(self):
        for name, path, value in ACCEPTED_VARIANTS:
            with self.subTest(name=name):
                args = _variant(path, value)
                self.assertEqual(self.validator.errors(args), [])
                self.assertTrue(_parser_accepts(args))

    def test_rejected_cases_fail_both(self):
        for name, path, value in REJECTED_BY_BOTH:
            with self.subTest(name=name):
                args = _variant(path, value)
                self.assertNotEqual(self.validator.errors(args), [], "schema accepted it")
                self.assertFalse(_parser_accepts(args), "parser accepted it")

    def test_cross_field_rules_are_the_parsers_alone(self):
        for name, path, value in REJECTED_BY_PARSER_ONLY:
            with self.subTest(name=name):
                args = _variant(path, value)
                self.assertEqual(self.validator.errors(args), [])
                self.assertFalse(_parser_accepts(args))

    def test_enums_bounds_and_patterns_are_the_parsers_constants(self):
        defs = self.schema["$defs"]
        self.assertEqual(defs["llm_config"]["properties"]["accelerator_type"]["enum"], list(cfg.ACCELERATOR_TYPES))
        engine = defs["engine_kwargs"]["properties"]
        self.assertEqual(engine["tensor_parallel_size"]["enum"], list(cfg.TENSOR_PARALLEL_SIZES))
        self.assertEqual((engine["max_model_len"]["minimum"], engine["max_model_len"]["maximum"]), (cfg.MAX_MODEL_LEN_MIN, cfg.MAX_MODEL_LEN_MAX))
        self.assertEqual(defs["engine_kwargs"]["propertyNames"]["pattern"], cfg.ENGINE_KWARG_NAME_PATTERN)
        self.assertEqual(sorted(defs["engine_kwargs"]["propertyNames"]["not"]["enum"]), sorted(cfg.ENGINE_KWARGS_FROM_MODEL_LOADING))
        source = defs["model_loading_config"]["properties"]["model_source"]["anyOf"]
        self.assertEqual([s["pattern"] for s in source], [cfg.S3_URI_PATTERN, cfg.MOUNT_PATH_PATTERN])
        self.assertEqual(defs["model_loading_config"]["properties"]["model_id"]["pattern"], cfg.MODEL_ID_PATTERN)
        self.assertEqual(defs["llm_config"]["then"]["properties"]["engine_kwargs"]["properties"]["load_format"]["enum"], list(cfg.S3_LOAD_FORMATS))
        env_names = defs["llm_config"]["properties"]["runtime_env"]["properties"]["env_vars"]["propertyNames"]
        self.assertEqual(env_names["pattern"], cfg.ENV_NAME_PATTERN)
        self.assertEqual(env_names["not"]["enum"], list(cfg.SECRET_ENV_NAMES))
        self.assertEqual(defs["generate"]["properties"]["route"]["pattern"], cfg.ROUTE_PATTERN)

    def test_documented_defaults_are_the_parsers(self):
        generate = self.schema["$defs"]["generate"]["properties"]
        documented = {name: spec["default"] for name, spec in generate.items() if "default" in spec}
        settings = cfg.parse_args(valid_args("s3-streamer"), {}).generate.to_dict()
        self.assertEqual(
            set(documented), {"enabled", "route", "default_max_tokens", "default_temperature", "default_top_p", "max_stop_sequences"}
        )
        for name, value in documented.items():
            with self.subTest(field=name):
                self.assertEqual(settings[name], value)
        self.assertEqual(set(generate), set(settings), "every GenerateSettings field is in the schema")


class CrossCheckWithJsonschemaPackage(unittest.TestCase):
    """Runs where the jsonschema package is installed (it is not in CI): the lite validator agrees with it."""

    def test_lite_validator_agrees_with_jsonschema(self):
        try:
            import jsonschema
        except ImportError:
            self.skipTest("the jsonschema package is not installed")
        schema = load_json(SCHEMA_PATH)
        jsonschema.Draft202012Validator.check_schema(schema)
        reference = jsonschema.Draft202012Validator(schema)
        lite = jsonschema_lite.Validator(schema)
        cases = [valid_args(n) for n in valid_args_names()]
        # jsonschema evaluates "pattern" with Python's re, whose $ also matches before a final newline;
        # JSON Schema (ECMA-262, as ajv) does not, so cases with such a string are left out here.
        cases += [
            _variant(p, v)
            for _, p, v in REJECTED_BY_BOTH + REJECTED_BY_PARSER_ONLY + ACCEPTED_VARIANTS
            if not (isinstance(v, str) and v.endswith("\n"))
        ]
        for index, args in enumerate(cases):
            with self.subTest(case=index):
                self.assertEqual(reference.is_valid(args), lite.is_valid(args))


if __name__ == "__main__":
    unittest.main()
