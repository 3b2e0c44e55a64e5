"""POST /generate end to end through GenerateHandler, with an asyncio fake engine and fake request."""

import asyncio
import json
import logging
import unittest

from ray_gitops_serve.config import GenerateSettings
from ray_gitops_serve.engine import EngineEvent
from ray_gitops_serve.errors import ClientDisconnected, EngineError, EngineOverloaded
from ray_gitops_serve.ingress import GenerateHandler, race_disconnect

from .support import FakeEngine, FakeRequest, collect, run, text_events

MODEL = "qwen2-5-7b-instruct"
SETTINGS = GenerateSettings(max_tokens_limit=4096, max_prompt_chars=1000, max_body_bytes=5000)
POLL = 0.005
QUIET = logging.getLogger("tests.quiet")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False


def handler(engine, **kwargs):
    kwargs.setdefault("logger", QUIET)
    return GenerateHandler(engine, SETTINGS, MODEL, disconnect_poll_seconds=POLL, **kwargs)


def body_of(reply):
    return json.loads(reply.body)


class NonStreaming(unittest.TestCase):
    def test_answers_with_the_seed_contract(self):
        usage = {"prompt_tokens": 4, "completion_tokens": 3, "total_tokens": 7}
        engine = FakeEngine(text_events("Ray ", "is ", "great.", usage=usage))
        reply = run(handler(engine).handle(FakeRequest({"prompt": "What is Ray?", "max_tokens": 50})))
        self.assertEqual(reply.status, 200)
        self.assertEqual(reply.media_type, "application/json")
        body = body_of(reply)
        self.assertEqual(
            {k: body[k] for k in ("model", "prompt", "response")},
            {"model": MODEL, "prompt": "What is Ray?", "response": "Ray is great."},
        )
        self.assertEqual(body["finish_reason"], "stop")
        self.assertEqual(body["usage"], usage)
        self.assertEqual(body["request_id"], reply.header("X-Request-Id"))
        self.assertEqual(list(body)[:3], ["model", "prompt", "response"])

    def test_the_engine_gets_validated_parameters_and_defaults(self):
        engine = FakeEngine(text_events("ok"))
        run(handler(engine).handle(FakeRequest({"prompt": "hi", "top_p": 0.5, "stop": "END"})))
        (request,) = engine.requests
        self.assertEqual(request.model, MODEL)
        self.assertEqual(request.prompt, "hi")
        self.assertEqual((request.max_tokens, request.temperature, request.top_p, request.stop), (256, 0.7, 0.5, ("END",)))

    def test_each_request_gets_its_own_random_id(self):
        engine = FakeEngine(text_events("ok"))
        generate = handler(engine)
        ids = [run(generate.handle(FakeRequest({"prompt": "hi"}))).header("X-Request-Id") for _ in range(20)]
        self.assertEqual(len(set(ids)), 20)
        self.assertEqual([r.request_id for r in engine.requests], ids)
        for request_id in ids:
            self.assertRegex(request_id, r"^gen-[0-9a-f]{32}$")

    def test_usage_is_left_out_when_the_engine_does_not_report_it(self):
        reply = run(handler(FakeEngine(text_events("ok"))).handle(FakeRequest({"prompt": "hi"})))
        self.assertNotIn("usage", body_of(reply))


class BadRequests(unittest.TestCase):
    def assertError(self, reply, status, code, param=None):
        self.assertEqual(reply.status, status)
        body = body_of(reply)
        self.assertEqual(body["error"]["code"], code)
        self.assertEqual(body["error"]["param"], param)
        self.assertEqual(body["error"]["type"], "invalid_request_error")
        self.assertTrue(body["error"]["message"])
        self.assertEqual(body["request_id"], reply.header("X-Request-Id"))
        return body

    def test_400s_carry_a_clear_json_error_and_never_reach_the_engine(self):
        cases = [
            ({"max_tokens": 5}, "missing_field", "prompt"),
            ({"prompt": 5}, "invalid_type", "prompt"),
            ({"prompt": "x" * 1001}, "prompt_too_long", "prompt"),
            ({"prompt": "hi", "max_tokens": 0}, "out_of_range", "max_tokens"),
            ({"prompt": "hi", "temperature": 9}, "out_of_range", "temperature"),
            ("{not json", "invalid_json", None),
        ]
        engine = FakeEngine(text_events("never"))
        for body, code, param in cases:
            with self.subTest(code=code):
                self.assertError(run(handler(engine).handle(FakeRequest(body))), 400, code, param)
        self.assertEqual(engine.requests, [])

    def test_413_for_a_body_over_the_limit_by_header_or_by_size(self):
        engine = FakeEngine(text_events("never"))
        big = {"prompt": "x" * 6000}
        declared = FakeRequest(big, headers={"Content-Length": "6020"})
        reply = run(handler(engine).handle(declared))
        self.assertError(reply, 413, "body_too_large")
        self.assertEqual(declared.bytes_read, 0, "refused before reading")
        undeclared = FakeRequest(big, chunk_size=1000)
        self.assertError(run(handler(engine).handle(undeclared)), 413, "body_too_large")
        self.assertLessEqual(undeclared.bytes_read, 6000)

    def test_another_model_is_a_404(self):
        reply = run(handler(FakeEngine()).handle(FakeRequest({"prompt": "hi", "model": "other"})))
        self.assertError(reply, 404, "model_not_found", "model")


class EngineFailures(unittest.TestCase):
    def test_the_engine_refusing_keeps_its_status(self):
        engine = FakeEngine(error=EngineError(400, "This model's maximum context length is 4096 tokens", "BadRequestError", "engine_rejected"))
        reply = run(handler(engine).handle(FakeRequest({"prompt": "hi"})))
        self.assertEqual(reply.status, 400)
        self.assertIn("maximum context length", body_of(reply)["error"]["message"])

    def test_overload_is_a_503_with_retry_after(self):
        reply = run(handler(FakeEngine(error=EngineOverloaded())).handle(FakeRequest({"prompt": "hi"})))
        self.assertEqual(reply.status, 503)
        self.assertEqual(reply.header("Retry-After"), "1")
        self.assertEqual(body_of(reply)["error"]["type"], "overloaded_error")

    def test_an_unexpected_failure_is_a_json_500_and_logged(self):
        engine = FakeEngine(text_events("a"), error=RuntimeError("boom"), error_after=1)
        with self.assertLogs("tests.generate", level="ERROR") as logs:
            reply = run(handler(engine, logger=logging.getLogger("tests.generate")).handle(FakeRequest({"prompt": "hi"})))
        self.assertEqual(reply.status, 500)
        self.assertEqual(body_of(reply)["error"]["code"], "internal_error")
        self.assertNotIn("boom", reply.body.decode(), "internals stay in the log")
        self.assertIn("boom", "\n".join(logs.output))


class Streaming(unittest.TestCase):
    def test_ndjson_deltas_then_a_final_line_with_the_seed_contract(self):
        engine = FakeEngine(text_events("Ray ", "", "is ", "fast."))

        async def scenario():
            reply = await handler(engine).handle(FakeRequest({"prompt": "Tell me", "stream": True}))
            return reply, await collect(reply.stream)

        reply, lines = run(scenario())
        self.assertEqual(reply.status, 200)
        self.assertEqual(reply.media_type, "application/x-ndjson")
        self.assertEqual(reply.header("X-Accel-Buffering"), "no")
        request_id = reply.header("X-Request-Id")
        self.assertEqual([line.get("delta") for line in lines[:-1]], ["Ray ", "is ", "fast."])
        for line in lines[:-1]:
            self.assertEqual((line["request_id"], line["model"]), (request_id, MODEL))
        self.assertEqual(
            lines[-1],
            {
                "model": MODEL,
                "prompt": "Tell me",
                "response": "Ray is fast.",
                "request_id": request_id,
                "finish_reason": "stop",
                "done": True,
            },
        )
        self.assertTrue(engine.closed)
        self.assertFalse(engine.cancelled)

    def test_a_refusal_before_the_first_token_gets_its_status_not_a_200(self):
        engine = FakeEngine(error=EngineError(400, "too long", "BadRequestError", "engine_rejected"))
        reply = run(handler(engine).handle(FakeRequest({"prompt": "hi", "stream": True})))
        self.assertEqual(reply.status, 400)
        self.assertIsNone(reply.stream)

    def test_a_failure_mid_stream_ends_with_an_error_line(self):
        engine = FakeEngine(text_events("part"), error=EngineError(500, "engine died"), error_after=1)

        async def scenario():
            reply = await handler(engine).handle(FakeRequest({"prompt": "hi", "stream": True}))
            return await collect(reply.stream)

        lines = run(scenario())
        self.assertEqual(lines[0]["delta"], "part")
        self.assertEqual(lines[-1]["done"], True)
        self.assertEqual(lines[-1]["error"]["message"], "engine died")
        self.assertEqual(lines[-1]["error"]["type"], "server_error")

    def test_an_empty_answer_still_ends_with_the_final_line(self):
        async def scenario():
            reply = await handler(FakeEngine()).handle(FakeRequest({"prompt": "hi", "stream": True}))
            return await collect(reply.stream)

        self.assertEqual(run(scenario())[-1]["response"], "")


class ClientDisconnects(unittest.TestCase):
    def test_disconnect_while_waiting_cancels_the_generation(self):
        engine = FakeEngine([EngineEvent(text="thinking")], hang=True)
        request = FakeRequest({"prompt": "hi"})

        async def scenario():
            task = asyncio.ensure_future(handler(engine).handle(request))
            await engine.started.wait()
            await asyncio.sleep(0.02)
            request.disconnected.set()
            return await asyncio.wait_for(task, 1.0)

        reply = run(scenario())
        self.assertEqual(reply.status, 499)
        self.assertTrue(engine.cancelled, "the engine stream was closed early")
        self.assertTrue(engine.closed)

    def test_disconnect_during_a_stream_cancels_the_generation(self):
        engine = FakeEngine([EngineEvent(text="a"), EngineEvent(text="b")], hang=True)
        request = FakeRequest({"prompt": "hi", "stream": True})

        async def scenario():
            reply = await handler(engine).handle(request)
            received = []
            async for chunk in reply.stream:
                received.append(json.loads(chunk))
                if len(received) == 2:
                    request.disconnected.set()
            return received

        received = run(scenario())
        self.assertEqual([line["delta"] for line in received], ["a", "b"])
        self.assertTrue(engine.cancelled)

    def test_the_server_cancelling_the_stream_cancels_the_generation(self):
        # what Starlette / Ray Serve do on disconnect: cancel the task iterating the response
        engine = FakeEngine([EngineEvent(text="a")], hang=True)

        async def scenario():
            reply = await handler(engine).handle(FakeRequest({"prompt": "hi", "stream": True}))

            async def consume():
                async for _ in reply.stream:
                    pass

            task = asyncio.ensure_future(consume())
            await asyncio.sleep(0.05)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task

        run(scenario())
        self.assertTrue(engine.cancelled)

    def test_the_server_cancelling_the_handler_cancels_the_generation(self):
        engine = FakeEngine(hang=True)

        async def scenario():
            task = asyncio.ensure_future(handler(engine).handle(FakeRequest({"prompt": "hi"})))
            await engine.started.wait()
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task

        run(scenario())
        self.assertTrue(engine.cancelled)

    def test_closing_a_stream_early_closes_the_engine(self):
        engine = FakeEngine([EngineEvent(text="a"), EngineEvent(text="b")], hang=True)

        async def scenario():
            reply = await handler(engine).handle(FakeRequest({"prompt": "hi", "stream": True}))
            await reply.stream.__anext__()
            await reply.stream.aclose()

        run(scenario())
        self.assertTrue(engine.cancelled)


class Logging(unittest.TestCase):
    def test_one_line_at_start_and_end_without_the_prompt_and_with_client_text_escaped(self):
        logger = logging.getLogger("tests.generate.log")
        request = FakeRequest(
            {"prompt": "my secret prompt", "evil\nkey": 1}, headers={"x-request-id": "abc\ninjected"}
        )
        with self.assertLogs(logger, level="INFO") as logs:
            reply = run(handler(FakeEngine(text_events("secret answer")), logger=logger).handle(request))
        self.assertEqual(len(logs.records), 2)
        start, done = (record.getMessage() for record in logs.records)
        request_id = reply.header("X-Request-Id")
        self.assertTrue(start.startswith(f"generate start request_id={request_id} "))
        self.assertTrue(done.startswith(f"generate done request_id={request_id} outcome=ok "))
        for line in (start, done):
            self.assertNotIn("\n", line)
            self.assertNotIn("secret", line)
        self.assertIn('ignored_fields=["evil\\nkey"]', start)


class RaceDisconnect(unittest.TestCase):
    def test_passes_items_through_and_closes_the_source(self):
        engine = FakeEngine(text_events("a", "b"))

        async def scenario():
            never = asyncio.Event()

            async def connected():
                return never.is_set()

            return [e.text async for e in race_disconnect(engine.generate(None), connected, POLL)]

        self.assertEqual(run(scenario()), ["a", "b", ""])
        self.assertTrue(engine.closed)
        self.assertFalse(engine.cancelled)

    def test_raises_client_disconnected(self):
        engine = FakeEngine(hang=True)

        async def scenario():
            async def gone():
                return True

            async for _ in race_disconnect(engine.generate(None), gone, POLL):
                pass

        with self.assertRaises(ClientDisconnected):
            run(scenario())
        self.assertTrue(engine.cancelled)

    def test_a_failing_disconnect_check_does_not_stop_the_generation(self):
        engine = FakeEngine(text_events("a", "b"), step_delay=0.01)

        async def scenario():
            async def broken():
                raise RuntimeError("receive channel closed")

            return [e.text async for e in race_disconnect(engine.generate(None), broken, POLL)]

        with self.assertLogs("ray.serve.ray_gitops.generate", level="WARNING"):
            self.assertEqual(run(scenario()), ["a", "b", ""])


if __name__ == "__main__":
    unittest.main()
