import unittest

from ray_gitops_serve.engine import (
    EngineEvent,
    GenerationRequest,
    completion_request_kwargs,
    new_request_id,
    normalize_completion_chunk,
)
from ray_gitops_serve.errors import EngineError

from .support import sse


def stream_chunk(text, finish_reason=None, usage=None, index=0):
    payload = {
        "id": "cmpl-1",
        "object": "text_completion",
        "model": "m",
        "choices": [{"index": index, "text": text, "finish_reason": finish_reason, "logprobs": None}],
    }
    if usage is not None:
        payload["usage"] = usage
    return payload


class PydanticLike:
    """Stands in for a pydantic response model: only model_dump() is used."""

    def __init__(self, data):
        self._data = data

    def model_dump(self):
        return self._data


REQUEST = GenerationRequest(
    request_id="gen-abc", model="m", prompt="Hello", max_tokens=10, temperature=0.5, top_p=0.8, stop=("\n",)
)


class ReadsEveryShapeRayServeLLMYields(unittest.TestCase):
    def test_one_sse_event(self):
        self.assertEqual(normalize_completion_chunk(sse(stream_chunk("Hel"))), [EngineEvent(text="Hel")])

    def test_several_sse_events_in_one_string_and_done(self):
        text = sse(stream_chunk("Hel"), stream_chunk("lo", "stop"), done=True)
        self.assertEqual(
            normalize_completion_chunk(text),
            [EngineEvent(text="Hel"), EngineEvent(text="lo", finish_reason="stop")],
        )

    def test_batched_lists_of_sse_strings(self):
        chunk = [sse(stream_chunk("a")), sse(stream_chunk("b")), "data: [DONE]\n\n"]
        self.assertEqual([e.text for e in normalize_completion_chunk(chunk)], ["a", "b"])

    def test_bytes(self):
        self.assertEqual(normalize_completion_chunk(sse(stream_chunk("x")).encode()), [EngineEvent(text="x")])

    def test_pydantic_stream_and_full_responses(self):
        self.assertEqual(normalize_completion_chunk(PydanticLike(stream_chunk("x"))), [EngineEvent(text="x")])
        usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
        full = stream_chunk("whole answer", "length", usage)
        self.assertEqual(
            normalize_completion_chunk(PydanticLike(full)),
            [EngineEvent(text="whole answer", finish_reason="length", usage=usage)],
        )

    def test_plain_dict_and_bare_json_text(self):
        self.assertEqual(normalize_completion_chunk(stream_chunk("d")), [EngineEvent(text="d")])
        self.assertEqual(normalize_completion_chunk('{"choices": [{"index": 0, "text": "j"}]}'), [EngineEvent(text="j")])

    def test_usage_only_chunk_at_the_end_of_a_stream(self):
        usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
        chunk = sse({"id": "c", "object": "text_completion", "choices": [], "usage": usage})
        self.assertEqual(normalize_completion_chunk(chunk), [EngineEvent(usage=usage)])

    def test_other_choices_are_ignored(self):
        self.assertEqual(normalize_completion_chunk(sse(stream_chunk("no", index=1))), [])

    def test_chat_shaped_chunks(self):
        chunk = {"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}]}
        self.assertEqual(normalize_completion_chunk(chunk), [EngineEvent(text="hi")])

    def test_blank_and_comment_lines(self):
        self.assertEqual(normalize_completion_chunk("\n\n"), [])
        self.assertEqual(normalize_completion_chunk(": keep-alive\n\n" + sse(stream_chunk("k"))), [EngineEvent(text="k")])


class EngineErrorsBecomeTypedErrors(unittest.TestCase):
    def test_error_response_keeps_the_engines_status(self):
        error = {"error": {"message": "This model's maximum context length is 4096 tokens", "type": "BadRequestError", "code": 400}}
        for chunk in (error, PydanticLike(error), sse(error)):
            with self.subTest(chunk=type(chunk).__name__):
                with self.assertRaises(EngineError) as caught:
                    normalize_completion_chunk(chunk)
                self.assertEqual(caught.exception.status, 400)
                self.assertEqual(caught.exception.code, "engine_rejected")
                self.assertIn("maximum context length", caught.exception.message)

    def test_older_flat_error_response(self):
        with self.assertRaises(EngineError) as caught:
            normalize_completion_chunk({"object": "error", "message": "boom", "type": "InternalServerError", "code": 500})
        self.assertEqual((caught.exception.status, caught.exception.code), (500, "engine_error"))

    def test_error_without_a_usable_code_is_a_500(self):
        with self.assertRaises(EngineError) as caught:
            normalize_completion_chunk({"error": {"message": "x", "code": "weird"}})
        self.assertEqual(caught.exception.status, 500)

    def test_unreadable_output(self):
        for chunk in ("data: {not json\n\n", "data: [1, 2]\n\n", object()):
            with self.subTest(chunk=repr(chunk)):
                with self.assertRaises(EngineError) as caught:
                    normalize_completion_chunk(chunk)
                self.assertEqual(caught.exception.status, 502)


class CompletionRequestArguments(unittest.TestCase):
    def test_streamed_openai_completion_with_our_request_id(self):
        self.assertEqual(
            completion_request_kwargs(REQUEST),
            {
                "model": "m",
                "prompt": "Hello",
                "max_tokens": 10,
                "temperature": 0.5,
                "top_p": 0.8,
                "stream": True,
                "stream_options": {"include_usage": True},
                "request_id": "gen-abc",
                "stop": ["\n"],
            },
        )

    def test_extras_the_request_model_lacks_are_dropped(self):
        fields = {"model", "prompt", "max_tokens", "temperature", "top_p", "stream", "stop"}
        kwargs = completion_request_kwargs(REQUEST, fields)
        self.assertNotIn("request_id", kwargs)
        self.assertNotIn("stream_options", kwargs)
        self.assertTrue(kwargs["stream"])

    def test_no_stop_sequences_means_no_stop_field(self):
        request = GenerationRequest("gen-1", "m", "p", 1, 0.0, 1.0)
        self.assertNotIn("stop", completion_request_kwargs(request))


class RequestIds(unittest.TestCase):
    def test_unique_random_uuid4_ids(self):
        ids = {new_request_id() for _ in range(10_000)}
        self.assertEqual(len(ids), 10_000)
        for request_id in list(ids)[:50]:
            self.assertRegex(request_id, r"^gen-[0-9a-f]{32}$")
            self.assertEqual(request_id[4 + 12], "4", "UUID version 4")
            self.assertIn(request_id[4 + 16], "89ab", "RFC 4122 variant")


if __name__ == "__main__":
    unittest.main()
