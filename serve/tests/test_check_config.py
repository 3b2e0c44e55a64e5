"""python3 -m ray_gitops_serve.check_config: what the renderer's contract test runs on render-rgd output."""

import io
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from ray_gitops_serve.check_config import main

from .support import SERVE_DIR, VALID_ARGS_DIR, set_path, valid_args


def call(argv, stdin_text=""):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin_text), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


class CheckConfigCommand(unittest.TestCase):
    def test_valid_args_print_the_parsed_config_and_exit_0(self):
        code, out, err = call([str(VALID_ARGS_DIR / "s3-streamer.json")])
        self.assertEqual((code, err), (0, ""))
        parsed = json.loads(out)
        self.assertEqual(parsed["model_id"], "qwen2-5-7b-instruct")
        self.assertEqual(parsed["source_kind"], "s3")
        self.assertEqual(parsed["generate"]["max_tokens_limit"], 8192)
        self.assertNotIn("AWS_ENDPOINT_URL", parsed["llm_config"]["runtime_env"]["env_vars"], "no process environment")

    def test_output_is_deterministic(self):
        first = call([str(VALID_ARGS_DIR / "mounted-path.json")])[1]
        self.assertEqual(first, call([str(VALID_ARGS_DIR / "mounted-path.json")])[1])
        self.assertEqual(first, json.dumps(json.loads(first), indent=2, sort_keys=True) + "\n")

    def test_problems_go_to_stderr_one_per_line_and_exit_1(self):
        args = set_path(valid_args("minimal"), "llm_configs.0.accelerator_type", "A100-80GB")
        args = set_path(args, "generate", {"route": "/v1/x"})
        code, out, err = call(["-"], json.dumps(args))
        self.assertEqual((code, out), (1, ""))
        lines = err.strip().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith("<stdin>: args.llm_configs[0].accelerator_type: must be one of"))
        self.assertTrue(lines[1].startswith("<stdin>: args.generate.route: "))

    def test_unreadable_input_exits_2(self):
        with tempfile.TemporaryDirectory() as directory:
            missing = str(Path(directory) / "missing.json")
            self.assertEqual(call([missing])[0], 2)
        code, _, err = call(["-"], "{oops")
        self.assertEqual(code, 2)
        self.assertIn("<stdin>:1:2: not JSON", err)

    def test_runs_as_a_module_from_the_serve_directory(self):
        result = subprocess.run(
            [sys.executable, "-m", "ray_gitops_serve.check_config", str(VALID_ARGS_DIR / "minimal.json")],
            cwd=SERVE_DIR,
            capture_output=True,
            text=True,
            timeout=30,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["model_id"], "llama-3-2-1b-instruct")


if __name__ == "__main__":
    unittest.main()
