"""ray_gitops_serve.app wired to fake Ray modules that expose exactly the surveyed public API."""

import asyncio
import json
import logging
import subprocess
import sys
import unittest
from unittest import mock

from ray_gitops_serve import app as glue
from ray_gitops_serve.config import parse_args
from ray_gitops_serve.engine import GenerationRequest
from ray_gitops_serve.errors import ClientDisconnected, EngineError, EngineOverloaded

from . import fake_ray
from . import surface as s
from .support import SERVE_DIR, FakeRequest, collect, run, sse, valid_args


def _surface_modules():
    pinned = s.pinned_versions() or {}
    _, entry = s.surface_for("ray", pinned.get("ray"))
    return entry["modules"]


def chunk(text, finish_reason=None):
    return {"choices": [{"index": 0, "text": text, "finish_reason": finish_reason}]}


QUIET = logging.getLogger("tests.glue.quiet")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


class BuildsTheApplication(unittest.TestCase):
    def test_build_app_is_what_ray_serve_accepts_as_an_application_builder(self):
        # Ray Serve calls import_path's function with the args dict: a plain function of one parameter
        import inspect
        import types

        self.assertIsInstance(glue.build_app, types.FunctionType)
        self.assertEqual(len(inspect.signature(glue.build_app).parameters), 1)

    def test_llm_server_plus_openai_ingress_with_generate(self):
        with fake_ray.installed(_surface_modules()):
            app = glue.build_application(parse_args(valid_args("s3-streamer"), {}))
            (call,) = [c for c in fake_ray.RECORD.calls if c[0] == "build_llm_deployment"]
        llm_config = call[1]
        self.assertIsInstance(llm_config, fake_ray.LLMConfig)
        self.assertEqual(llm_config.kwargs["model_loading_config"]["model_id"], "qwen2-5-7b-instruct")
        self.assertEqual(llm_config.kwargs["engine_kwargs"]["load_format"], "runai_streamer")

        self.assertEqual(app.kind, "deployment")
        self.assertEqual([a.kind for a in app.kwargs["llm_deployments"]], ["LLMServer"])
        self.assertEqual(app.kwargs["served_model"], "qwen2-5-7b-instruct")
        self.assertEqual(app.kwargs["generate_settings"]["route"], "/generate")
        json.dumps(app.kwargs["generate_settings"])  # bind arguments travel through Ray: plain data

        ingress = app.target.cls
        self.assertTrue(issubclass(ingress, fake_ray.OpenAiIngress))
        self.assertEqual(ingress.__name__, "GenerateIngress")
        self.assertEqual(
            sorted(ingress.fastapi_app.routes),
            sorted(
                [
                    ("GET", "/v1/models", "models"),
                    ("GET", "/v1/models/{model:path}", "model_data"),
                    ("POST", "/v1/completions", "completions"),
                    ("POST", "/v1/chat/completions", "chat"),
                    ("POST", "/v1/embeddings", "embeddings"),
                    ("POST", "/generate", "generate"),
                ]
            ),
        )

    def test_ingress_options_merge_over_ray_serve_llm_defaults(self):
        with fake_ray.installed(_surface_modules()):
            app = glue.build_application(parse_args(valid_args("mounted-path"), {}))
        self.assertEqual(
            app.target.options_,
            {"max_ongoing_requests": 1000, "autoscaling_config": {"target_ongoing_requests": 500, "min_replicas": 1, "max_replicas": 3}},
        )

    def test_a_custom_route(self):
        args = valid_args("minimal")
        args["generate"] = {"route": "/api/generate"}
        with fake_ray.installed(_surface_modules()):
            app = glue.build_application(parse_args(args, {}))
        self.assertIn(("POST", "/api/generate", "generate"), app.target.cls.fastapi_app.routes)

    def test_generate_disabled_is_exactly_build_openai_app(self):
        config = parse_args(valid_args("openai-only"), {})
        with fake_ray.installed(_surface_modules()):
            app = glue.build_application(config)
            calls = list(fake_ray.RECORD.calls)
        self.assertEqual(app.kind, "openai_app")
        self.assertEqual(calls, [("build_openai_app", config.openai_serving_args())])

    def test_build_app_reads_args_and_the_process_environment(self):
        with mock.patch.dict("os.environ", {"AWS_ENDPOINT_URL_S3": "http://rgw:7480"}, clear=False):
            with fake_ray.installed(_surface_modules()):
                glue.build_app(valid_args("minimal"))
                (call,) = [c for c in fake_ray.RECORD.calls if c[0] == "build_llm_deployment"]
        self.assertEqual(call[1].kwargs["runtime_env"]["env_vars"]["AWS_ENDPOINT_URL"], "http://rgw:7480")


class GenerateThroughTheIngress(unittest.TestCase):
    def _ingress(self, handle, args_name="minimal"):
        app = glue.build_application(parse_args(valid_args(args_name), {}))
        return app.target.cls(
            [handle], served_model=app.kwargs["served_model"], generate_settings=app.kwargs["generate_settings"]
        )

    def test_a_request_reaches_the_llm_server_as_a_streamed_completion(self):
        handle = fake_ray.FakeHandle(lambda: fake_ray.FakeResponseGenerator([sse(chunk("Hello")), [sse(chunk(" world", "stop"))], "data: [DONE]\n\n"]))
        with fake_ray.installed(_surface_modules()):
            ingress = self._ingress(handle)
            response = run(ingress.generate(FakeRequest({"prompt": "Say hi", "max_tokens": 5})))
        self.assertEqual(handle.options_, {"stream": True})
        ((method, (body,)),) = handle.calls
        self.assertEqual(method, glue.LLM_SERVER_METHOD)
        self.assertIsInstance(body, fake_ray.CompletionRequest)
        self.assertEqual((body.model, body.prompt, body.max_tokens, body.stream), ("llama-3-2-1b-instruct", "Say hi", 5, True))
        self.assertRegex(body.request_id, r"^gen-[0-9a-f]{32}$")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["X-Request-Id"], body.request_id)
        payload = json.loads(response.body)
        self.assertEqual((payload["model"], payload["prompt"], payload["response"]), ("llama-3-2-1b-instruct", "Say hi", "Hello world"))
        self.assertFalse(handle.last.cancelled)

    def test_streaming_gives_a_starlette_streaming_response(self):
        handle = fake_ray.FakeHandle(lambda: fake_ray.FakeResponseGenerator([sse(chunk("a")), sse(chunk("b", "stop"))]))

        async def scenario():
            ingress = self._ingress(handle)
            response = await ingress.generate(FakeRequest({"prompt": "x", "stream": True}))
            return response, await collect(response.body_iterator)

        with fake_ray.installed(_surface_modules()):
            response, lines = run(scenario())
        self.assertIsInstance(response, fake_ray.StreamingResponse)
        self.assertEqual(response.media_type, "application/x-ndjson")
        self.assertEqual([line.get("delta") for line in lines], ["a", "b", None])
        self.assertEqual(lines[-1]["response"], "ab")

    def test_bad_input_never_calls_the_model_server(self):
        handle = fake_ray.FakeHandle(lambda: fake_ray.FakeResponseGenerator([]))
        with fake_ray.installed(_surface_modules()):
            response = run(self._ingress(handle).generate(FakeRequest({"max_tokens": 5})))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(json.loads(response.body)["error"]["code"], "missing_field")
        self.assertEqual(handle.calls, [])

    def test_a_client_gone_while_the_body_is_read_is_a_499_without_a_model_call(self):
        class GoneWhileSending(FakeRequest):
            async def stream(self):
                yield b'{"prompt": '
                raise fake_ray.ClientDisconnect()

        handle = fake_ray.FakeHandle(lambda: fake_ray.FakeResponseGenerator([]))
        with fake_ray.installed(_surface_modules()):
            response = run(self._ingress(handle).generate(GoneWhileSending(b"")))
        self.assertEqual(response.status_code, 499)
        self.assertEqual(handle.calls, [])

    def test_a_client_disconnect_cancels_the_llm_server_request(self):
        handle = fake_ray.FakeHandle(lambda: fake_ray.FakeResponseGenerator([sse(chunk("a"))], hang=True))
        request = FakeRequest({"prompt": "x"})

        async def scenario():
            ingress = self._ingress(handle)
            task = asyncio.ensure_future(ingress.generate(request))
            while handle.last is None:
                await asyncio.sleep(0.01)
            request.disconnected.set()
            return await asyncio.wait_for(task, 2.0)

        with fake_ray.installed(_surface_modules()):
            response = run(scenario())
        self.assertEqual(response.status_code, 499)
        self.assertTrue(handle.last.cancelled, "DeploymentResponseGenerator.cancel() was called")


class RayServeEngineAdapter(unittest.TestCase):
    REQUEST = GenerationRequest("gen-1", "m", "p", 5, 0.5, 0.9)

    def _events(self, generator, **kwargs):
        handle = fake_ray.FakeHandle(lambda: generator)
        engine = glue.RayServeEngine(handle, logger=QUIET)

        async def scenario():
            return [event async for event in engine.generate(self.REQUEST)]

        return run(scenario())

    def test_back_pressure_is_an_overload(self):
        with fake_ray.installed(_surface_modules()):
            with self.assertRaises(EngineOverloaded):
                self._events(fake_ray.FakeResponseGenerator([], error=fake_ray.BackPressureError()))

    def test_a_cancelled_request_is_a_disconnect(self):
        with fake_ray.installed(_surface_modules()):
            with self.assertRaises(ClientDisconnected):
                self._events(fake_ray.FakeResponseGenerator([], error=fake_ray.RequestCancelledError()))

    def test_other_ray_failures_are_a_500_without_internals(self):
        generator = fake_ray.FakeResponseGenerator([], error=RuntimeError("RayActorError: replica died at 0xdead"))
        with fake_ray.installed(_surface_modules()):
            with self.assertRaises(EngineError) as caught:
                self._events(generator)
        self.assertEqual(caught.exception.status, 500)
        self.assertNotIn("0xdead", caught.exception.message)

    def test_an_error_item_from_the_engine_keeps_its_status_and_frees_the_slot(self):
        error = {"error": {"message": "context too long", "type": "BadRequestError", "code": 400}}
        generator = fake_ray.FakeResponseGenerator([error], hang=True)
        with fake_ray.installed(_surface_modules()):
            with self.assertRaises(EngineError) as caught:
                self._events(generator)
        self.assertEqual(caught.exception.status, 400)
        self.assertTrue(generator.cancelled)

    def test_closing_early_cancels_and_finishing_does_not(self):
        with fake_ray.installed(_surface_modules()):
            done = fake_ray.FakeResponseGenerator([sse(chunk("a", "stop"))])
            self.assertEqual([e.text for e in self._events(done)], ["a"])
            self.assertFalse(done.cancelled)

            hanging = fake_ray.FakeResponseGenerator([sse(chunk("a"))], hang=True)
            engine = glue.RayServeEngine(fake_ray.FakeHandle(lambda: hanging), logger=QUIET)

            async def scenario():
                stream = engine.generate(self.REQUEST)
                await stream.__anext__()
                await stream.aclose()

            run(scenario())
            self.assertTrue(hanging.cancelled)

    def test_request_fields_the_model_lacks_are_not_sent(self):
        class OldCompletionRequest(fake_ray.CompletionRequest):
            model_fields = {n: None for n in ("model", "prompt", "max_tokens", "temperature", "top_p", "stop", "stream")}

        with fake_ray.installed(_surface_modules()) as modules:
            modules["ray.serve.llm.openai_api_models"].CompletionRequest = OldCompletionRequest
            handle = fake_ray.FakeHandle(lambda: fake_ray.FakeResponseGenerator([sse(chunk("a"))]))
            engine = glue.RayServeEngine(handle, logger=QUIET)

            async def scenario():
                return [e async for e in engine.generate(self.REQUEST)]

            run(scenario())
        ((_, (body,)),) = handle.calls
        self.assertFalse(hasattr(body, "request_id"))


class ImportsWithoutRay(unittest.TestCase):
    def test_the_package_and_the_glue_import_on_a_machine_without_ray(self):
        code = (
            "import sys\n"
            "import ray_gitops_serve, ray_gitops_serve.app, ray_gitops_serve.check_config\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('ray', 'vllm', 'fastapi', 'starlette'))\n"
            "assert not loaded, loaded\n"
            "assert callable(ray_gitops_serve.app.build_app)\n"
        )
        result = subprocess.run([sys.executable, "-c", code], cwd=SERVE_DIR, capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main()
