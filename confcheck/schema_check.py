"""Checks decoded JSON against one of confcheck's shipped JSON Schemas, naming the bad element.

confcheck reads back what it wrote (``confcheck report REPORT.json``), and such a file may have been
edited, truncated or written by a later release. The shipped schema is the contract, so the reader
checks the document against that very file, not against a second description that could drift.
This is not a general JSON Schema validator: it implements the keywords confcheck's schemas use
(``type``, ``const``, ``enum``, ``required``, ``properties``, ``additionalProperties``,
``unevaluatedProperties``, ``items``, ``$ref`` to ``#/$defs/...``, ``allOf``, ``oneOf``,
``pattern``, ``minLength``, ``minimum``, ``maximum``) with the Draft 2020-12 meaning, and refuses a
schema that uses any other (tests compare its verdicts with the ``jsonschema`` package's on many
mutated documents). One addition: a string must be valid Unicode (no lone surrogate), because
every report format writes UTF-8.

Errors are paths in the snapshot reader's style: ``findings[3].fix.phase: expected an integer from
0 to 5``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

KEYWORDS = frozenset(
    {
        "$schema",
        "$id",
        "$defs",
        "title",
        "description",
        "type",
        "const",
        "enum",
        "required",
        "properties",
        "additionalProperties",
        "unevaluatedProperties",
        "items",
        "$ref",
        "allOf",
        "oneOf",
        "pattern",
        "minLength",
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
    }
)

_TYPE_NAMES = {
    "object": "an object",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


class SchemaViolation(Exception):
    """A document that does not follow the schema; ``str()`` is ``path: what is wrong``."""


def check_schema(schema: Mapping[str, Any], where: str = "#") -> None:
    """Raise ValueError when ``schema`` uses a keyword this module does not implement."""
    for key, value in schema.items():
        if key not in KEYWORDS:
            raise ValueError(f"{where}: keyword {key!r} is not supported")
        if key in ("properties", "$defs"):
            for name, sub in value.items():
                check_schema(sub, f"{where}/{key}/{name}")
        elif key in ("items", "additionalProperties", "unevaluatedProperties") and isinstance(value, dict):
            check_schema(value, f"{where}/{key}")
        elif key in ("allOf", "oneOf"):
            for index, sub in enumerate(value):
                check_schema(sub, f"{where}/{key}/{index}")


def validate(document: Any, schema: Mapping[str, Any]) -> None:
    """Raise :class:`SchemaViolation` naming the first element of ``document`` that breaks ``schema``."""
    _Checker(schema).check(document, schema, "")


def kind(value: Any) -> str:
    """How a message names a JSON value's type."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    names = {dict: "an object", list: "a list", str: "a string", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _is(value: Any, name: str) -> bool:
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    types: dict[str, type | tuple[type, ...]] = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "null": type(None),
    }
    return isinstance(value, types[name])


def same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, and 1.0 is 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) in (int, float) and type(b) in (int, float):
        return bool(a == b)
    return type(a) is type(b) and bool(a == b)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Checker:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def resolve(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"$ref {ref!r} is not supported")
        result: Mapping[str, Any] = self.root["$defs"][ref.removeprefix("#/$defs/")]
        return result

    def fail(self, path: str, message: str) -> SchemaViolation:
        return SchemaViolation(f"{path or 'the document'}: {message}")

    def check(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        if "$ref" in schema:
            self.check(value, self.resolve(schema["$ref"]), path)
        for sub in schema.get("allOf", ()):
            self.check(value, sub, path)
        if "oneOf" in schema:
            self.one_of(value, schema["oneOf"], path)
        self.scalar(value, schema, path)
        if isinstance(value, dict):
            self.object(value, schema, path)
        elif isinstance(value, list):
            low, high = schema.get("minItems", 0), schema.get("maxItems")
            if len(value) < low or (high is not None and len(value) > high):
                count = (
                    f"{low}" if high == low else f"{low} to {high}" if high is not None else f"at least {low}"
                )
                raise self.fail(path, f"expected {count} items, found {len(value)}")
            for index, item in enumerate(value if "items" in schema else ()):
                self.check(item, schema["items"], _join(path, index))

    def scalar(self, value: Any, schema: Mapping[str, Any], path: str) -> None:
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_is(value, n) for n in names):
                wanted = " or ".join(_TYPE_NAMES[n] for n in names)
                raise self.fail(path, f"expected {wanted}, found {kind(value)}")
        if "const" in schema and not same(value, schema["const"]):
            raise self.fail(path, f"expected {schema['const']!r}, found {_show(value)}")
        if "enum" in schema and not any(same(value, option) for option in schema["enum"]):
            options = ", ".join(str(o) for o in schema["enum"])
            raise self.fail(path, f"expected one of {options}, found {_show(value)}")
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise self.fail(path, "not valid Unicode text (a lone surrogate escape)") from None
            if len(value) < schema.get("minLength", 0):
                raise self.fail(path, "expected a non-empty string")
            if "pattern" in schema and not re.search(schema["pattern"], value):
                raise self.fail(path, f"{_show(value)} does not have the expected form")
        if _is(value, "number"):
            low, high = schema.get("minimum"), schema.get("maximum")
            if (low is not None and value < low) or (high is not None and value > high):
                bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
                raise self.fail(path, f"expected a number {bounds}, found {_show(value)}")

    def object(self, value: dict[str, Any], schema: Mapping[str, Any], path: str) -> None:
        for key in schema.get("required", ()):
            if key not in value:
                raise self.fail(_join(path, key), "required")
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                self.check(item, properties[key], _join(path, key))
        extra = schema.get("additionalProperties", True)
        unevaluated = schema.get("unevaluatedProperties", True)
        if extra is True and unevaluated is True:
            return
        known = set(properties) if extra is not True else self.evaluated(schema)
        for key in sorted(set(value) - known):
            if extra is False or (extra is True and unevaluated is False):
                raise self.fail(_join(path, key), "unknown key")
            self.check(value[key], extra, _join(path, key))

    def evaluated(self, schema: Mapping[str, Any]) -> set[str]:
        """The keys ``properties`` cover here and in the subschemas ``$ref`` and ``allOf`` bring in."""
        keys = set(schema.get("properties", {}))
        if "$ref" in schema:
            keys |= self.evaluated(self.resolve(schema["$ref"]))
        for sub in schema.get("allOf", ()):
            keys |= self.evaluated(sub)
        return keys

    def one_of(self, value: Any, options: list[Mapping[str, Any]], path: str) -> None:
        errors: list[SchemaViolation] = []
        for option in options:
            try:
                self.check(value, option, path)
            except SchemaViolation as exc:
                errors.append(exc)
        passed = len(options) - len(errors)
        if passed == 1:
            return
        if passed > 1:
            raise self.fail(path, "matches more than one of the allowed shapes")
        fitting = [e for o, e in zip(options, errors, strict=True) if self.admits_type(value, o)]
        raise fitting[0] if len(fitting) == 1 else self.fail(path, f"unexpected {kind(value)}")

    def admits_type(self, value: Any, schema: Mapping[str, Any]) -> bool:
        """Whether ``schema`` (following one ``$ref``) allows the JSON type of ``value``."""
        if "$ref" in schema and "type" not in schema:
            schema = self.resolve(schema["$ref"])
        names = schema.get("type")
        if names is None:
            return True
        return any(_is(value, n) for n in (names if isinstance(names, list) else [names]))


def _show(value: Any) -> str:
    """A short, one-line rendering of a value for a message."""
    if isinstance(value, dict | list):
        return kind(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
