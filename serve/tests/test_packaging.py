"""serve/pyproject.toml: PEP 621 metadata, and no second copy of the Ray or vLLM pins."""

import re
import unittest

from .support import SERVE_DIR

PYPROJECT = SERVE_DIR / "pyproject.toml"


class Pyproject(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        try:
            import tomllib  # Python 3.11+
        except ImportError:  # pragma: no cover - the image and CI run 3.11
            raise unittest.SkipTest("tomllib needs Python 3.11")
        with open(PYPROJECT, "rb") as handle:
            cls.data = tomllib.load(handle)

    def test_pep_621_metadata(self):
        project = self.data["project"]
        for field in ("name", "version", "description", "requires-python", "readme", "license"):
            self.assertIn(field, project)
        self.assertEqual(project["readme"], "README.md")
        self.assertTrue((SERVE_DIR / project["readme"]).is_file())
        self.assertEqual(self.data["build-system"]["build-backend"], "setuptools.build_meta")

    def test_ray_and_vllm_versions_live_only_in_docker_versions_json(self):
        requirements = list(self.data["project"].get("dependencies", []))
        for extra in self.data["project"].get("optional-dependencies", {}).values():
            requirements.extend(extra)
        pinned = [r for r in requirements if re.match(r"^\s*(ray|vllm)\b", r, re.IGNORECASE)]
        self.assertEqual(pinned, [], "pin Ray and vLLM in docker/versions.json, not here")

    def test_the_package_and_its_version_agree(self):
        import ray_gitops_serve

        self.assertEqual(self.data["tool"]["setuptools"]["packages"], ["ray_gitops_serve"])
        self.assertEqual(self.data["project"]["version"], ray_gitops_serve.__version__)

    def test_the_console_script_exists(self):
        target = self.data["project"]["scripts"]["ray-gitops-serve-check-config"]
        module, _, function = target.partition(":")
        imported = __import__(module, fromlist=[function])
        self.assertTrue(callable(getattr(imported, function)))


if __name__ == "__main__":
    unittest.main()
