"""The Ray names the glue uses exist, as public API, in the Ray version docker/versions.json pins.

The glue's imports are read with ast from ray_gitops_serve/app.py (never listed by hand here) and
compared with serve/api_surface.json, which records the public names of each surveyed version.
"""

import unittest
from pathlib import Path

from ray_gitops_serve import app as glue
from ray_gitops_serve.routes import OPENAI_ROUTES

from . import surface as s
from .support import SERVE_DIR

PACKAGE_DIR = SERVE_DIR / "ray_gitops_serve"
RUNTIME_ONLY = ("ray", "vllm", "fastapi", "starlette")


def _pinned_entries():
    pinned = s.pinned_versions() or {}
    entries = {}
    for package in s.CHECKED_ROOTS:
        _, entry = s.surface_for(package, pinned.get(package))
        entries[package] = entry
    return entries


class GlueImportsArePublicAPI(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.names, cls.plain = s.glue_imports()
        cls.entries = _pinned_entries()

    def test_the_check_sees_the_lazy_imports_inside_functions(self):
        ray_names = {(i.module, i.name) for i in self.names if i.module.startswith("ray")}
        for expected in [
            ("ray.serve.llm", "LLMConfig"),
            ("ray.serve.llm", "build_llm_deployment"),
            ("ray.serve.llm", "build_openai_app"),
            ("ray.serve.llm.ingress", "OpenAiIngress"),
            ("ray.serve.llm.ingress", "make_fastapi_ingress"),
        ]:
            self.assertIn(expected, ray_names)

    def test_ray_and_vllm_are_imported_by_name_only(self):
        offending = [f"line {i.line}: import {i.module}" for i in self.plain if i.module.split(".")[0] in s.CHECKED_ROOTS]
        self.assertEqual(offending, [], "use `from MODULE import NAME` so every name can be checked")

    def test_every_imported_name_is_in_the_surveyed_api_of_the_pinned_version(self):
        self.assertIsNotNone(self.entries["ray"], "serve/api_surface.json has no entry for the pinned Ray version")
        self.assertEqual(s.undocumented(self.names, self.entries), [])

    def test_class_and_module_attributes_used_are_documented(self):
        self.assertEqual(s.undocumented_members(self.names, s.attribute_uses(), self.entries["ray"]), [])

    def test_no_private_modules_or_names(self):
        private = [
            f"line {i.line}: from {i.module} import {i.name}"
            for i in self.names
            if i.module.split(".")[0] in s.CHECKED_ROOTS
            and (any(part.startswith("_") for part in i.module.split(".")) or i.name.startswith("_"))
        ]
        self.assertEqual(private, [])

    def test_routed_ingress_methods_and_the_llm_server_method_are_documented(self):
        members = self.entries["ray"]["members"]
        for route in OPENAI_ROUTES:
            self.assertIn(route.method_name, members["ray.serve.llm.ingress.OpenAiIngress"])
        self.assertIn(glue.LLM_SERVER_METHOD, members["ray.serve.llm.deployment.LLMServer"])


class PinnedVersions(unittest.TestCase):
    def test_docker_versions_pin_a_surveyed_ray_and_vllm(self):
        pinned = s.pinned_versions()
        if pinned is None:
            self.skipTest(f"{s.VERSIONS_PATH} does not exist yet; checked against the only surveyed version instead")
        self.assertIn("ray", pinned, "docker/versions.json must pin ray")
        version, entry = s.surface_for("ray", pinned["ray"])
        self.assertIsNotNone(
            entry,
            f"docker/versions.json pins ray {version}, but serve/api_surface.json surveys only "
            f"{sorted(s.surface()['ray'])}: add the public names of Ray {version} from its documentation",
        )
        names, _ = s.glue_imports()
        if any(i.module.split(".")[0] == "vllm" for i in names):
            self.assertIn("vllm", pinned)
            _, vllm_entry = s.surface_for("vllm", pinned["vllm"])
            self.assertIsNotNone(vllm_entry, f"no surveyed vLLM {pinned['vllm']} API in serve/api_surface.json")


class TheCheckerCatchesMistakes(unittest.TestCase):
    """The checks above would pass vacuously if the extraction were broken; prove they can fail."""

    def test_flags_an_undocumented_import_and_member(self):
        source = (
            "def f():\n"
            "    from ray.serve.llm import LLMConfig, LLMRouter\n"
            "    from ray.llm._internal.serve.core.ingress.ingress import DEFAULT_ENDPOINTS\n"
            "    from ray.serve.llm.ingress import OpenAiIngress\n"
            "    from ray import serve\n"
            "    OpenAiIngress.get_deployment_options([])\n"
            "    OpenAiIngress._get_response\n"
            "    serve.deployment\n"
            "    serve.not_a_function\n"
        )
        path = Path(self._tmp()) / "glue.py"
        path.write_text(source, encoding="utf-8")
        names, _ = s.glue_imports(path)
        _, entry = s.surface_for("ray", "2.52.0")
        problems = s.undocumented(names, {"ray": entry, "vllm": None})
        self.assertEqual(len(problems), 2)
        self.assertIn("LLMRouter", problems[0])
        self.assertIn("DEFAULT_ENDPOINTS", problems[1])
        member_problems = s.undocumented_members(names, s.attribute_uses(path), entry)
        self.assertEqual(len(member_problems), 2)
        self.assertIn("_get_response", member_problems[0])
        self.assertIn("not_a_function", member_problems[1])

    def test_a_vllm_import_needs_a_surveyed_vllm_version(self):
        path = Path(self._tmp()) / "glue.py"
        path.write_text("def f():\n    from vllm import SamplingParams\n", encoding="utf-8")
        names, _ = s.glue_imports(path)
        self.assertEqual(len(s.undocumented(names, {"ray": None, "vllm": None})), 1)

    def _tmp(self):
        import tempfile

        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        return directory.name


class SurfaceFile(unittest.TestCase):
    def test_entries_are_sorted_unique_and_cite_sources(self):
        for package in s.CHECKED_ROOTS:
            for version, entry in s.surface()[package].items():
                with self.subTest(package=package, version=version):
                    self.assertTrue(entry["sources"])
                    for table in ("modules", "members"):
                        for key, names in entry.get(table, {}).items():
                            self.assertEqual(names, sorted(set(names)), f"{table}[{key}]")


class OnlyTheGlueTouchesRay(unittest.TestCase):
    def test_plain_modules_never_import_ray_vllm_fastapi_or_starlette(self):
        for path in sorted(PACKAGE_DIR.glob("*.py")):
            names, plain = s.glue_imports(path)
            modules = [i.module for i in names] + [p.module for p in plain]
            runtime = [m for m in modules if m.split(".")[0] in RUNTIME_ONLY]
            with self.subTest(module=path.name):
                if path.name == "app.py":
                    top = [m for m in s.top_level_imports(path) if m.split(".")[0] in RUNTIME_ONLY]
                    self.assertEqual(top, [], "app.py imports Ray and friends inside functions only")
                else:
                    self.assertEqual(runtime, [])


if __name__ == "__main__":
    unittest.main()
