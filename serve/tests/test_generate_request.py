import json
import unittest

from ray_gitops_serve.config import GenerateSettings
from ray_gitops_serve.errors import RequestRejected
from ray_gitops_serve.generate_request import check_content_length, parse_generate_body, read_body

from .support import run

SETTINGS = GenerateSettings(
    default_max_tokens=256,
    max_tokens_limit=4096,
    default_temperature=0.7,
    default_top_p=0.9,
    max_prompt_chars=1000,
    max_stop_sequences=4,
    max_body_bytes=10_000,
)
MODEL = "qwen2-5-7b-instruct"


def parse(body):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return parse_generate_body(raw, SETTINGS, MODEL)


class Rejection(unittest.TestCase):
    def assertRejected(self, body, status, code, param=None, fragment=None):
        with self.assertRaises(RequestRejected) as caught:
            parse(body)
        self.assertEqual((caught.exception.status, caught.exception.code), (status, code))
        if param is not None:
            self.assertEqual(caught.exception.param, param)
        if fragment is not None:
            self.assertIn(fragment, caught.exception.message)
        return caught.exception


class AcceptsTheSeedContract(unittest.TestCase):
    def test_prompt_and_max_tokens_as_the_workshop_clients_send(self):
        params = parse({"prompt": "What is Ray?", "max_tokens": 100})
        self.assertEqual(params.prompt, "What is Ray?")
        self.assertEqual(params.max_tokens, 100)
        self.assertEqual((params.temperature, params.top_p, params.stop, params.stream), (0.7, 0.9, (), False))

    def test_defaults_fill_what_the_request_leaves_out_or_sets_to_null(self):
        for body in ({"prompt": "hi"}, {"prompt": "hi", "max_tokens": None, "temperature": None, "top_p": None, "stop": None, "stream": None}):
            with self.subTest(body=body):
                params = parse(body)
                self.assertEqual((params.max_tokens, params.temperature, params.top_p, params.stop, params.stream), (256, 0.7, 0.9, (), False))

    def test_sampling_parameters_within_bounds(self):
        params = parse({"prompt": "hi", "max_tokens": 4096, "temperature": 0, "top_p": 1, "stop": ["\n\n", "###"], "stream": True})
        self.assertEqual((params.max_tokens, params.temperature, params.top_p, params.stop, params.stream), (4096, 0.0, 1.0, ("\n\n", "###"), True))
        self.assertEqual(parse({"prompt": "hi", "temperature": 2.0}).temperature, 2.0)

    def test_a_single_stop_string(self):
        self.assertEqual(parse({"prompt": "hi", "stop": "END"}).stop, ("END",))

    def test_unknown_fields_are_ignored_and_listed(self):
        params = parse({"prompt": "hi", "context_length": 8192, "top_k": 50})
        self.assertEqual(params.ignored_fields, ("context_length", "top_k"))

    def test_model_may_name_the_served_model(self):
        self.assertEqual(parse({"prompt": "hi", "model": MODEL}).prompt, "hi")

    def test_integral_floats_are_integers(self):
        self.assertEqual(parse({"prompt": "hi", "max_tokens": 64.0}).max_tokens, 64)

    def test_prompt_at_the_limit(self):
        self.assertEqual(len(parse({"prompt": "x" * 1000}).prompt), 1000)

    def test_unicode_prompt(self):
        self.assertEqual(parse({"prompt": "こんにちは 👋"}).prompt, "こんにちは 👋")


class RejectsBadBodies(Rejection):
    def test_missing_prompt(self):
        self.assertRejected({"max_tokens": 10}, 400, "missing_field", "prompt")
        self.assertRejected({"prompt": None}, 400, "missing_field", "prompt")

    def test_wrong_types(self):
        self.assertRejected({"prompt": 42}, 400, "invalid_type", "prompt", "prompt must be a string; got a number")
        self.assertRejected({"prompt": ["a"]}, 400, "invalid_type", "prompt")
        self.assertRejected({"prompt": "hi", "max_tokens": "100"}, 400, "invalid_type", "max_tokens")
        self.assertRejected({"prompt": "hi", "max_tokens": True}, 400, "invalid_type", "max_tokens", "got a boolean")
        self.assertRejected({"prompt": "hi", "max_tokens": 10.5}, 400, "invalid_type", "max_tokens")
        self.assertRejected({"prompt": "hi", "temperature": "hot"}, 400, "invalid_type", "temperature")
        self.assertRejected({"prompt": "hi", "top_p": False}, 400, "invalid_type", "top_p")
        self.assertRejected({"prompt": "hi", "stop": 5}, 400, "invalid_type", "stop")
        self.assertRejected({"prompt": "hi", "stop": ["a", 5]}, 400, "invalid_type", "stop")
        self.assertRejected({"prompt": "hi", "stream": "yes"}, 400, "invalid_type", "stream")
        self.assertRejected({"prompt": "hi", "model": 7}, 400, "invalid_type", "model")

    def test_out_of_range(self):
        self.assertRejected({"prompt": "hi", "max_tokens": 0}, 400, "out_of_range", "max_tokens", "from 1 to 4096")
        self.assertRejected({"prompt": "hi", "max_tokens": 4097}, 400, "out_of_range", "max_tokens")
        self.assertRejected({"prompt": "hi", "temperature": -0.1}, 400, "out_of_range", "temperature", "from 0 to 2")
        self.assertRejected({"prompt": "hi", "temperature": 2.01}, 400, "out_of_range", "temperature")
        self.assertRejected({"prompt": "hi", "top_p": 0}, 400, "out_of_range", "top_p", "greater than 0 and at most 1")
        self.assertRejected({"prompt": "hi", "top_p": 1.5}, 400, "out_of_range", "top_p")
        self.assertRejected({"prompt": "hi", "stop": [""]}, 400, "out_of_range", "stop")
        self.assertRejected({"prompt": "hi", "stop": ["x" * 257]}, 400, "out_of_range", "stop")

    def test_too_many_stop_sequences(self):
        self.assertRejected({"prompt": "hi", "stop": list("abcde")}, 400, "too_many_stop_sequences", "stop", "at most 4")

    def test_empty_or_blank_prompt(self):
        self.assertRejected({"prompt": ""}, 400, "empty_prompt", "prompt")
        self.assertRejected({"prompt": " \n\t"}, 400, "empty_prompt", "prompt")

    def test_oversize_prompt(self):
        error = self.assertRejected({"prompt": "x" * 1001}, 400, "prompt_too_long", "prompt")
        self.assertIn("1001 characters", error.message)
        self.assertIn("at most 1000", error.message)

    def test_another_model(self):
        self.assertRejected({"prompt": "hi", "model": "gpt-4"}, 404, "model_not_found", "model", MODEL)

    def test_not_json(self):
        self.assertRejected(b"prompt=hi", 400, "invalid_json", fragment="line 1, column 1")
        self.assertRejected(b"", 400, "invalid_json", fragment="empty")
        self.assertRejected(b"\xff\xfe{}", 400, "invalid_json", fragment="UTF-8")
        self.assertRejected(b'{"prompt": "hi",}', 400, "invalid_json")

    def test_not_an_object(self):
        self.assertRejected(b'["hi"]', 400, "invalid_body")
        self.assertRejected(b'"hi"', 400, "invalid_body")
        self.assertRejected(b"null", 400, "invalid_body")

    def test_non_finite_numbers(self):
        self.assertRejected(b'{"prompt": "hi", "temperature": NaN}', 400, "invalid_json", fragment="NaN")
        self.assertRejected(b'{"prompt": "hi", "temperature": Infinity}', 400, "invalid_json")

    def test_duplicate_fields_are_ambiguous(self):
        self.assertRejected(b'{"prompt": "hi", "prompt": "bye"}', 400, "duplicate_field", "prompt")


class BodySizeLimit(unittest.TestCase):
    def test_declared_length_over_the_limit_is_refused_before_reading(self):
        with self.assertRaises(RequestRejected) as caught:
            check_content_length("10001", 10_000)
        self.assertEqual((caught.exception.status, caught.exception.code), (413, "body_too_large"))
        check_content_length("10000", 10_000)
        check_content_length(None, 10_000)

    def test_a_malformed_content_length_is_a_bad_request(self):
        with self.assertRaises(RequestRejected) as caught:
            check_content_length("lots", 10)
        self.assertEqual(caught.exception.status, 400)

    def test_reading_stops_once_the_limit_is_passed(self):
        consumed = []

        async def chunks():
            for _ in range(100):
                consumed.append(1)
                yield b"x" * 1000

        with self.assertRaises(RequestRejected) as caught:
            run(read_body(chunks(), 2500))
        self.assertEqual(caught.exception.status, 413)
        self.assertEqual(len(consumed), 3)

    def test_reads_a_body_in_pieces(self):
        async def chunks():
            yield b'{"prompt":'
            yield b""
            yield b' "hi"}'

        self.assertEqual(run(read_body(chunks(), 100)), b'{"prompt": "hi"}')


if __name__ == "__main__":
    unittest.main()
