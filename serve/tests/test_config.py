import unittest

from ray_gitops_serve.config import FORWARDED_ENV, GenerateSettings, derive_env_vars, parse_args
from ray_gitops_serve.errors import InvalidServeConfig

from .support import DELETE, set_path, valid_args

LLM = "llm_configs.0"


def issue_paths(args, environ=None):
    try:
        parse_args(args, environ or {})
    except InvalidServeConfig as invalid:
        return [issue.path for issue in invalid.issues]
    raise AssertionError("expected InvalidServeConfig")


def issue_text(args):
    try:
        parse_args(args, {})
    except InvalidServeConfig as invalid:
        return str(invalid)
    raise AssertionError("expected InvalidServeConfig")


class BuildsTheLLMConfig(unittest.TestCase):
    def test_s3_source_becomes_llmconfig_kwargs_for_the_runai_streamer(self):
        config = parse_args(valid_args("s3-streamer"), {})
        self.assertEqual(config.source_kind, "s3")
        self.assertEqual(config.model_id, "qwen2-5-7b-instruct")
        self.assertEqual(config.max_model_len, 8192)
        self.assertEqual(config.tensor_parallel_size, 1)
        self.assertEqual(
            config.llm_config,
            {
                "model_loading_config": {
                    "model_id": "qwen2-5-7b-instruct",
                    "model_source": "s3://ray-gitops-models/models/Qwen/Qwen2.5-7B-Instruct/"
                    "a09a35458c702241f2e5b41f8c8f1b6a2d8d5f1e/",
                },
                "engine_kwargs": {
                    "max_model_len": 8192,
                    "tensor_parallel_size": 1,
                    "load_format": "runai_streamer",
                    "gpu_memory_utilization": 0.9,
                    "enable_prefix_caching": True,
                },
                "deployment_config": {
                    "autoscaling_config": {"min_replicas": 1, "max_replicas": 2, "target_ongoing_requests": 16},
                    "max_ongoing_requests": 64,
                },
                "accelerator_type": "L4",
                "runtime_env": {
                    "env_vars": {
                        "AWS_DEFAULT_REGION": "us-west-2",
                        "AWS_REGION": "us-west-2",
                        "HF_HUB_OFFLINE": "1",
                        "RUNAI_STREAMER_CONCURRENCY": "16",
                    }
                },
            },
        )

    def test_mounted_path_needs_no_load_format(self):
        config = parse_args(valid_args("mounted-path"), {})
        self.assertEqual(config.source_kind, "path")
        self.assertNotIn("load_format", config.llm_config["engine_kwargs"])
        self.assertEqual(config.llm_config["log_engine_metrics"], True)
        self.assertEqual(
            config.ingress_deployment_config,
            {"autoscaling_config": {"min_replicas": 1, "max_replicas": 3}, "max_ongoing_requests": 1000},
        )

    def test_openai_serving_args_are_build_openai_app_args(self):
        config = parse_args(valid_args("mounted-path"), {})
        serving = config.openai_serving_args()
        self.assertEqual(serving["llm_configs"], [config.llm_config])
        self.assertEqual(serving["ingress_deployment_config"], config.ingress_deployment_config)
        self.assertNotIn("generate", serving)
        serving["llm_configs"][0]["engine_kwargs"]["max_model_len"] = 1
        self.assertEqual(config.llm_config["engine_kwargs"]["max_model_len"], 32768, "a copy, not the config itself")

    def test_numbers_without_a_fraction_count_as_integers_as_in_json_schema(self):
        args = set_path(valid_args("minimal"), f"{LLM}.engine_kwargs.max_model_len", 4096.0)
        args = set_path(args, f"{LLM}.engine_kwargs.tensor_parallel_size", 2.0)
        config = parse_args(args, {})
        self.assertEqual(config.max_model_len, 4096)
        self.assertIsInstance(config.max_model_len, int)
        self.assertEqual(config.tensor_parallel_size, 2)

    def test_unknown_vllm_engine_arguments_pass_through(self):
        args = set_path(valid_args("minimal"), f"{LLM}.engine_kwargs.speculative_config", {"method": "ngram"})
        config = parse_args(args, {})
        self.assertEqual(config.llm_config["engine_kwargs"]["speculative_config"], {"method": "ngram"})


class GenerateDefaults(unittest.TestCase):
    def test_defaults_follow_the_context_length(self):
        settings = parse_args(valid_args("minimal"), {}).generate
        self.assertEqual(
            settings,
            GenerateSettings(
                enabled=True,
                route="/generate",
                default_max_tokens=256,
                max_tokens_limit=4096,
                default_temperature=0.7,
                default_top_p=0.9,
                max_prompt_chars=4096 * 8,
                max_stop_sequences=4,
                max_body_bytes=4096 * 8 * 6 + 64 * 1024,
            ),
        )

    def test_explicit_settings_are_kept(self):
        settings = parse_args(valid_args("mounted-path"), {}).generate
        self.assertEqual(settings.default_max_tokens, 512)
        self.assertEqual(settings.max_tokens_limit, 4096)
        self.assertEqual(settings.default_temperature, 0.2)
        self.assertEqual(settings.default_top_p, 1.0)
        self.assertEqual(settings.max_prompt_chars, 100000)
        self.assertEqual(settings.max_stop_sequences, 8)
        self.assertEqual(settings.max_body_bytes, 1048576)

    def test_default_max_tokens_shrinks_to_a_small_limit(self):
        args = set_path(valid_args("minimal"), "generate", {"max_tokens_limit": 100})
        self.assertEqual(parse_args(args, {}).generate.default_max_tokens, 100)

    def test_settings_survive_the_trip_through_ray_bind_arguments(self):
        settings = parse_args(valid_args("mounted-path"), {}).generate
        self.assertEqual(GenerateSettings.from_dict(settings.to_dict()), settings)

    def test_disabled_generate_is_reported(self):
        self.assertFalse(parse_args(valid_args("openai-only"), {}).generate.enabled)


class EnvironmentForTheModelServer(unittest.TestCase):
    def test_custom_s3_endpoint_reaches_the_runai_streamer(self):
        env = derive_env_vars({}, {"AWS_ENDPOINT_URL_S3": "http://rgw.local:7480", "AWS_REGION": "us-east-1"}, "s3")
        self.assertEqual(env["AWS_ENDPOINT_URL"], "http://rgw.local:7480")
        self.assertEqual(env["AWS_ENDPOINT_URL_S3"], "http://rgw.local:7480")
        self.assertEqual(env["RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING"], "0")
        self.assertEqual(env["AWS_DEFAULT_REGION"], "us-east-1")
        self.assertEqual(env["HF_HUB_OFFLINE"], "1")

    def test_args_win_over_the_builder_environment(self):
        env = derive_env_vars(
            {"AWS_REGION": "eu-west-1", "HF_HUB_OFFLINE": "0", "RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING": "1"},
            {"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://minio:9000"},
            "s3",
        )
        self.assertEqual(env["AWS_REGION"], "eu-west-1")
        self.assertEqual(env["AWS_DEFAULT_REGION"], "eu-west-1")
        self.assertEqual(env["HF_HUB_OFFLINE"], "0")
        self.assertEqual(env["RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING"], "1")

    def test_only_the_listed_variables_are_forwarded_and_never_credentials(self):
        environ = {name: "x" for name in FORWARDED_ENV}
        environ.update({"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "secret", "HF_TOKEN": "hf_x", "PATH": "/bin"})
        env = derive_env_vars({}, environ, "path")
        self.assertNotIn("AWS_ACCESS_KEY_ID", env)
        self.assertNotIn("AWS_SECRET_ACCESS_KEY", env)
        self.assertNotIn("HF_TOKEN", env)
        self.assertNotIn("PATH", env)
        for name in FORWARDED_ENV:
            self.assertIn(name, env)

    def test_a_mounted_path_gets_no_streamer_endpoint(self):
        env = derive_env_vars({}, {"AWS_ENDPOINT_URL_S3": "http://rgw.local:7480"}, "path")
        self.assertNotIn("AWS_ENDPOINT_URL", env)
        self.assertNotIn("RUNAI_STREAMER_S3_USE_VIRTUAL_ADDRESSING", env)

    def test_parse_args_applies_the_builder_environment(self):
        config = parse_args(valid_args("minimal"), {"AWS_ENDPOINT_URL_S3": "http://rgw.local:7480"})
        self.assertEqual(config.llm_config["runtime_env"]["env_vars"]["AWS_ENDPOINT_URL"], "http://rgw.local:7480")

    def test_env_vars_are_sorted_for_deterministic_output(self):
        env = derive_env_vars({"ZED": "1", "ALPHA": "2"}, {}, "path")
        self.assertEqual(list(env), sorted(env))


class RejectsBadArgs(unittest.TestCase):
    def test_reports_every_problem_at_once_with_json_paths(self):
        args = set_path(valid_args("minimal"), f"{LLM}.engine_kwargs.max_model_len", "4096")
        args = set_path(args, f"{LLM}.accelerator_type", "A100-80GB")
        args = set_path(args, "generate", {"route": "/v1/generate"})
        self.assertEqual(
            issue_paths(args),
            [
                f"args.llm_configs[0].engine_kwargs.max_model_len",
                "args.llm_configs[0].accelerator_type",
                "args.generate.route",
            ],
        )

    def test_the_message_says_where_and_what_to_do(self):
        text = issue_text(set_path(valid_args("minimal"), f"{LLM}.engine_kwargs.max_model_len", "4096"))
        self.assertIn("args.llm_configs[0].engine_kwargs.max_model_len: must be an integer from 256 to 1048576", text)
        self.assertIn("'4096' (a string)", text)
        self.assertIn("serve/config.schema.json", text)

    def test_a_hugging_face_repo_id_is_not_a_model_source(self):
        args = set_path(valid_args("minimal"), f"{LLM}.model_loading_config.model_source", "Qwen/Qwen2.5-7B-Instruct")
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].model_loading_config.model_source"])
        self.assertIn("prestage", issue_text(args))

    def test_an_s3_source_needs_the_runai_streamer(self):
        args = set_path(valid_args("minimal"), f"{LLM}.engine_kwargs.load_format", DELETE)
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].engine_kwargs.load_format"])
        args = set_path(valid_args("minimal"), f"{LLM}.engine_kwargs.load_format", "safetensors")
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].engine_kwargs.load_format"])

    def test_bad_s3_uris_and_paths(self):
        for source in ("s3://Bad_Bucket/x", "s3://b/x", "s3://bucket/a\nb", "/mnt/../etc/passwd", "/mnt/x/..", "relative/path", ""):
            with self.subTest(source=source):
                args = set_path(valid_args("minimal"), f"{LLM}.model_loading_config.model_source", source)
                self.assertEqual(issue_paths(args), ["args.llm_configs[0].model_loading_config.model_source"])

    def test_kebab_case_engine_arguments_are_caught(self):
        args = set_path(valid_args("minimal"), f"{LLM}.engine_kwargs.enable-prefix-caching", True)
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].engine_kwargs.'enable-prefix-caching'"])
        self.assertIn("snake_case", issue_text(args))

    def test_model_and_served_model_name_come_from_model_loading_config(self):
        args = set_path(valid_args("minimal"), f"{LLM}.engine_kwargs.model", "/x")
        args = set_path(args, f"{LLM}.engine_kwargs.served_model_name", "y")
        self.assertEqual(
            issue_paths(args),
            ["args.llm_configs[0].engine_kwargs.model", "args.llm_configs[0].engine_kwargs.served_model_name"],
        )

    def test_required_engine_arguments(self):
        args = set_path(valid_args("minimal"), f"{LLM}.engine_kwargs.tensor_parallel_size", DELETE)
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].engine_kwargs.tensor_parallel_size"])
        args = set_path(valid_args("minimal"), f"{LLM}.engine_kwargs.tensor_parallel_size", 3)
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].engine_kwargs.tensor_parallel_size"])

    def test_removed_ray_serve_fields_get_their_replacement_named(self):
        args = set_path(valid_args("minimal"), f"{LLM}.deployment_config.max_concurrent_queries", 100)
        args = set_path(args, f"{LLM}.deployment_config.autoscaling_config.target_num_ongoing_requests_per_replica", 20)
        text = issue_text(args)
        self.assertIn("max_concurrent_queries: was removed from Ray Serve; use max_ongoing_requests", text)
        self.assertIn("target_num_ongoing_requests_per_replica: was removed from Ray Serve; use target_ongoing_requests", text)

    def test_replica_bounds(self):
        autoscaling = f"{LLM}.deployment_config.autoscaling_config"
        args = set_path(valid_args("minimal"), f"{autoscaling}.min_replicas", 3)
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].deployment_config.autoscaling_config.min_replicas"])
        args = set_path(valid_args("minimal"), f"{autoscaling}.max_replicas", 0)
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].deployment_config.autoscaling_config.max_replicas"])
        args = set_path(valid_args("minimal"), f"{autoscaling}.initial_replicas", 5)
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].deployment_config.autoscaling_config.initial_replicas"])
        args = set_path(valid_args("minimal"), f"{autoscaling}.min_replicas", DELETE)
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].deployment_config.autoscaling_config.min_replicas"])

    def test_target_above_max_ongoing_requests_could_never_be_reached(self):
        args = set_path(valid_args("s3-streamer"), f"{LLM}.deployment_config.autoscaling_config.target_ongoing_requests", 100)
        self.assertEqual(
            issue_paths(args), ["args.llm_configs[0].deployment_config.autoscaling_config.target_ongoing_requests"]
        )

    def test_secrets_never_go_into_committed_args(self):
        args = set_path(valid_args("minimal"), f"{LLM}.runtime_env", {"env_vars": {"AWS_SECRET_ACCESS_KEY": "x", "HF_TOKEN": "y"}})
        self.assertEqual(
            issue_paths(args),
            ["args.llm_configs[0].runtime_env.env_vars.AWS_SECRET_ACCESS_KEY", "args.llm_configs[0].runtime_env.env_vars.HF_TOKEN"],
        )

    def test_no_runtime_installs(self):
        args = set_path(valid_args("minimal"), f"{LLM}.runtime_env", {"pip": ["vllm==0.6.1"]})
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].runtime_env.pip"])
        self.assertIn("no runtime pip", issue_text(args))

    def test_env_values_are_strings(self):
        args = set_path(valid_args("minimal"), f"{LLM}.runtime_env", {"env_vars": {"RUNAI_STREAMER_CONCURRENCY": 16}})
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].runtime_env.env_vars.RUNAI_STREAMER_CONCURRENCY"])

    def test_exactly_one_model(self):
        args = valid_args("minimal")
        args["llm_configs"].append(args["llm_configs"][0])
        self.assertEqual(issue_paths(args), ["args.llm_configs"])
        self.assertEqual(issue_paths(set_path(args, "llm_configs", [])), ["args.llm_configs"])

    def test_top_level_shape(self):
        self.assertEqual(issue_paths([]), ["args"])
        self.assertEqual(issue_paths({}), ["args.llm_configs"])
        self.assertEqual(issue_paths(set_path(valid_args("minimal"), "extra", 1)), ["args.extra"])
        self.assertEqual(issue_paths(set_path(valid_args("minimal"), "generate", None)), ["args.generate"])
        self.assertEqual(
            issue_paths(set_path(valid_args("minimal"), "ingress_deployment_config", None)), ["args.ingress_deployment_config"]
        )

    def test_booleans_are_not_numbers(self):
        args = set_path(valid_args("minimal"), f"{LLM}.deployment_config.autoscaling_config.max_replicas", True)
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].deployment_config.autoscaling_config.max_replicas"])

    def test_generate_limits_cannot_exceed_the_context_length(self):
        args = set_path(valid_args("minimal"), "generate", {"max_tokens_limit": 8192})
        self.assertEqual(issue_paths(args), ["args.generate.max_tokens_limit"])
        args = set_path(valid_args("minimal"), "generate", {"max_tokens_limit": 100, "default_max_tokens": 200})
        self.assertEqual(issue_paths(args), ["args.generate.default_max_tokens"])

    def test_generate_route_stays_clear_of_the_openai_api_and_serve(self):
        for route in ("/v1", "/v1/generate", "/-/healthz", "generate", "/Generate", "/"):
            with self.subTest(route=route):
                args = set_path(valid_args("minimal"), "generate", {"route": route})
                self.assertEqual(issue_paths(args), ["args.generate.route"])

    def test_unknown_accelerator(self):
        args = set_path(valid_args("minimal"), f"{LLM}.accelerator_type", "nvidia-l4")
        self.assertEqual(issue_paths(args), ["args.llm_configs[0].accelerator_type"])


if __name__ == "__main__":
    unittest.main()
