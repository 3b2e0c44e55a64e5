"""Reading serve/api_surface.json and docker/versions.json, and the glue's imports (by ast)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from .support import REPO_ROOT, SERVE_DIR, load_json

API_SURFACE_PATH = SERVE_DIR / "api_surface.json"
VERSIONS_PATH = REPO_ROOT / "docker" / "versions.json"
GLUE_PATH = SERVE_DIR / "ray_gitops_serve" / "app.py"
CHECKED_ROOTS = ("ray", "vllm")


def pinned_versions() -> Optional[Dict[str, str]]:
    """{"ray": "2.52.0", "vllm": "..."} from docker/versions.json, or None while that file does not exist.

    A key's value may be the version string or an object with a "version" field.
    """
    if not VERSIONS_PATH.exists():
        return None
    data = load_json(VERSIONS_PATH)
    versions: Dict[str, str] = {}
    for key in CHECKED_ROOTS:
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("version")
        if isinstance(value, str):
            versions[key] = value
    return versions


def surface() -> Dict[str, Any]:
    return load_json(API_SURFACE_PATH)


def surface_for(package: str, version: Optional[str]) -> Tuple[Optional[str], Optional[Dict[str, Any]]]:
    """The surface entry for ``version``; with no version pinned, the only surveyed one (if exactly one)."""
    entries = surface().get(package, {})
    if version is None:
        if len(entries) == 1:
            (only,) = entries
            return only, entries[only]
        return None, None
    return version, entries.get(version)


@dataclass(frozen=True)
class ImportedName:
    module: str
    name: str
    line: int
    local: str


@dataclass(frozen=True)
class PlainImport:
    module: str
    line: int


def glue_imports(path: Path = GLUE_PATH) -> Tuple[List[ImportedName], List[PlainImport]]:
    """Every ``from X import Y`` and ``import X`` in the module, at any depth (the glue imports lazily)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: List[ImportedName] = []
    plain: List[PlainImport] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: this package
                continue
            for alias in node.names:
                names.append(ImportedName(node.module or "", alias.name, node.lineno, alias.asname or alias.name))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                plain.append(PlainImport(alias.name, node.lineno))
    return names, plain


def attribute_uses(path: Path = GLUE_PATH) -> List[Tuple[str, str, int]]:
    """(local name, attribute, line) for every ``Name.attr`` in the module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            uses.append((node.value.id, node.attr, node.lineno))
    return uses


def top_level_imports(path: Path) -> List[str]:
    """Modules imported at module level (not inside functions or classes)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and not node.level:
            found.append(node.module or "")
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def undocumented(names: List[ImportedName], entries: Dict[str, Optional[Dict[str, Any]]]) -> List[str]:
    """Imports of ray/vllm names that the surface entry for their package does not list."""
    problems = []
    for item in names:
        root = item.module.split(".")[0]
        if root not in CHECKED_ROOTS:
            continue
        entry = entries.get(root)
        if entry is None:
            problems.append(f"line {item.line}: from {item.module} import {item.name}: no surveyed {root} version")
            continue
        if item.name not in entry.get("modules", {}).get(item.module, []):
            problems.append(f"line {item.line}: from {item.module} import {item.name}: not a public name in the surveyed {root} API")
    return problems


def undocumented_members(
    names: List[ImportedName], uses: List[Tuple[str, str, int]], entry: Dict[str, Any]
) -> List[str]:
    """``Name.attr`` uses, on a name imported from ray, that the surface does not list."""
    modules = entry.get("modules", {})
    members = entry.get("members", {})
    imported = {item.local: f"{item.module}.{item.name}" for item in names if item.module.split(".")[0] == "ray"}
    problems = []
    for local, attribute, line in uses:
        qualified = imported.get(local)
        if qualified is None:
            continue
        if qualified in modules:  # a module, such as `from ray import serve`
            if attribute not in modules[qualified]:
                problems.append(f"line {line}: {qualified}.{attribute} is not a public name")
        elif attribute not in members.get(qualified, []):
            problems.append(f"line {line}: {qualified}.{attribute} is not a documented member")
    return problems
