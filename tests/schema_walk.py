"""The schema checker as it was before it was compiled (confcheck/schema_check.py): it walks the
schema's keywords at every value. Kept as the reference the compiled checker is held to, verdict for
verdict and message for message (tests/test_report_read.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from confcheck.schema_check import _TYPE_NAMES, SchemaViolation, _join, _show, kind, same


def validate(document: Any, schema: Mapping[str, Any]) -> None:
    """Raise :class:`SchemaViolation` naming the first element of ``document`` that breaks ``schema``."""
    Walker(schema).check(document, schema, "")


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


class Walker:
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
        raise (
            fitting[0]
            if len(fitting) == 1
            else self.fail(path, f"{kind(value)} fits none of the allowed shapes")
        )

    def admits_type(self, value: Any, schema: Mapping[str, Any]) -> bool:
        """Whether ``schema`` (following one ``$ref``) allows the JSON type of ``value``."""
        if "$ref" in schema and "type" not in schema:
            schema = self.resolve(schema["$ref"])
        names = schema.get("type")
        if names is None:
            return True
        return any(_is(value, n) for n in (names if isinstance(names, list) else [names]))
