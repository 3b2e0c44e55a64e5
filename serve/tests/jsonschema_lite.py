"""A small JSON Schema (draft 2020-12) validator for the keywords serve/config.schema.json uses.

The standard library has no JSON Schema validator, and CI has nothing else. ``SUPPORTED`` lists the
keywords implemented here; tests/test_schema.py fails if the schema uses any other, so nothing is
silently ignored. Where the ``jsonschema`` package happens to be installed, the tests cross-check.
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, Iterator, List, Mapping

ASSERTIONS = {
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "items",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "$ref",
    "anyOf",
    "oneOf",
    "allOf",
    "not",
    "if",
    "then",
    "else",
}
ANNOTATIONS = {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples"}
SUPPORTED = ASSERTIONS | ANNOTATIONS


def keywords_used(schema: Any) -> Iterator[str]:
    """Every keyword in a schema, walking subschemas (not the names under properties or $defs)."""
    if not isinstance(schema, Mapping):
        return
    for key, value in schema.items():
        yield key
        if key in ("properties", "$defs"):
            for sub in value.values():
                yield from keywords_used(sub)
        elif key in ("anyOf", "oneOf", "allOf"):
            for sub in value:
                yield from keywords_used(sub)
        elif key in ("items", "not", "if", "then", "else", "propertyNames", "additionalProperties"):
            yield from keywords_used(value)


class Validator:
    def __init__(self, root: Mapping[str, Any]):
        self.root = root

    def errors(self, instance: Any) -> List[str]:
        return list(self._errors(self.root, instance, "$"))

    def is_valid(self, instance: Any) -> bool:
        return not self.errors(instance)

    def _resolve(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $ref is supported: {ref}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def _errors(self, schema: Any, value: Any, path: str) -> Iterator[str]:
        if schema is True:
            return
        if schema is False:
            yield f"{path}: no value is allowed here"
            return
        unknown = set(schema) - SUPPORTED
        if unknown:
            raise ValueError(f"unsupported keywords {sorted(unknown)} at {path}")
        if "$ref" in schema:
            yield from self._errors(self._resolve(schema["$ref"]), value, path)
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_is_type(value, t) for t in types):
                yield f"{path}: not of type {types}"
                return
        if "enum" in schema and not any(_equal(value, choice) for choice in schema["enum"]):
            yield f"{path}: not one of {schema['enum']}"
        if "const" in schema and not _equal(value, schema["const"]):
            yield f"{path}: not {schema['const']!r}"
        if _is_type(value, "number"):
            if "minimum" in schema and value < schema["minimum"]:
                yield f"{path}: below minimum"
            if "maximum" in schema and value > schema["maximum"]:
                yield f"{path}: above maximum"
            if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
                yield f"{path}: not above exclusiveMinimum"
            if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
                yield f"{path}: not below exclusiveMaximum"
        if isinstance(value, str):
            if "minLength" in schema and len(value) < schema["minLength"]:
                yield f"{path}: shorter than minLength"
            if "maxLength" in schema and len(value) > schema["maxLength"]:
                yield f"{path}: longer than maxLength"
            if "pattern" in schema and not _search(schema["pattern"], value):
                yield f"{path}: does not match {schema['pattern']}"
        if isinstance(value, list):
            if "minItems" in schema and len(value) < schema["minItems"]:
                yield f"{path}: fewer than minItems"
            if "maxItems" in schema and len(value) > schema["maxItems"]:
                yield f"{path}: more than maxItems"
            if "items" in schema:
                for index, item in enumerate(value):
                    yield from self._errors(schema["items"], item, f"{path}[{index}]")
        if isinstance(value, dict):
            for name in schema.get("required", []):
                if name not in value:
                    yield f"{path}.{name}: required"
            properties = schema.get("properties", {})
            for name, item in value.items():
                if name in properties:
                    yield from self._errors(properties[name], item, f"{path}.{name}")
                elif "additionalProperties" in schema:
                    yield from self._errors(schema["additionalProperties"], item, f"{path}.{name}")
                if "propertyNames" in schema:
                    yield from self._errors(schema["propertyNames"], name, f"{path}.{name} (name)")
        for key in ("allOf",):
            for sub in schema.get(key, []):
                yield from self._errors(sub, value, path)
        if "anyOf" in schema and not any(self._ok(sub, value, path) for sub in schema["anyOf"]):
            yield f"{path}: matches none of anyOf"
        if "oneOf" in schema and sum(1 for sub in schema["oneOf"] if self._ok(sub, value, path)) != 1:
            yield f"{path}: does not match exactly one of oneOf"
        if "not" in schema and self._ok(schema["not"], value, path):
            yield f"{path}: matches a schema it must not"
        if "if" in schema:
            branch = "then" if self._ok(schema["if"], value, path) else "else"
            if branch in schema:
                yield from self._errors(schema[branch], value, path)

    def _ok(self, schema: Any, value: Any, path: str) -> bool:
        return not any(True for _ in self._errors(schema, value, path))


def _is_type(value: Any, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "integer":
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value) and value.is_integer())
    raise ValueError(f"unknown type {name}")


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if type(left) is not type(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(_equal(a, b) for a, b in zip(left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_equal(left[k], right[k]) for k in left)
    return left == right


_COMPILED: Dict[str, "re.Pattern[str]"] = {}


def _search(pattern: str, value: str) -> bool:
    """ECMA-262 regex search; for the patterns used here Python's syntax agrees, except that ECMA's $
    only matches at the very end (Python's also before a final newline), hence the translation."""
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        compiled = re.compile(re.sub(r"(?<!\\)\$(?=\)|$|\|)", r"\\Z", pattern))
        _COMPILED[pattern] = compiled
    return compiled.search(value) is not None
