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
from collections.abc import Callable, Mapping
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
    made = _COMPILED.get(id(schema))
    if made is None or made[0] is not schema:
        made = _COMPILED[id(schema)] = (schema, _Compiler(schema).of(schema))
    made[1](document, "")


Check = Callable[[Any, str], None]
"""A schema (or one node of it) made a function: ``check(value, path)`` raises :class:`SchemaViolation`."""

_COMPILED: dict[int, tuple[Mapping[str, Any], Check]] = {}
"""Each schema validated against, made into its functions once (the schema is kept, so its id is its):
a schema is a constant, never changed once a document was checked against it (the shipped one is read
once per process)."""


def kind(value: Any) -> str:
    """How a message names a JSON value's type."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    names = {dict: "an object", list: "a list", str: "a string", type(None): "null"}
    return names.get(type(value), type(value).__name__)


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


def _fail(path: str, message: str) -> SchemaViolation:
    return SchemaViolation(f"{path or 'the document'}: {message}")


def _type_test(names: list[str]) -> Callable[[Any], bool]:
    """Whether a value is of one of the JSON types ``names`` (an integer may be written 1.0), the test
    made once: one ``isinstance`` for objects, lists, strings, booleans and null."""
    kinds: dict[str, type] = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "null": type(None),
    }
    simple = tuple(kinds[n] for n in names if n in kinds)
    integer, number = "integer" in names, "number" in names
    if not (integer or number):
        return lambda value: isinstance(value, simple)

    def test(value: Any) -> bool:
        if isinstance(value, simple):
            return True
        if isinstance(value, bool):
            return False
        return (
            isinstance(value, int | float)
            if number
            else (isinstance(value, int) or (isinstance(value, float) and value.is_integer()))
        )

    return test


class _Compiler:
    """A schema made into one function per node, each node's keywords read once: checking a document
    then costs a few calls per value, not a walk of the schema's keywords at every value (a report of
    7,000 findings, half a million values: 2.3 s checked by walking the schema).

    Each function checks as the keywords' Draft 2020-12 meaning says, in a fixed order that decides which
    error a document wrong in several places gets: ``$ref``, ``allOf``, ``oneOf``, then the value's own
    keywords (type, const, enum; a string's form; a number's bounds), then an object's required keys,
    its properties in the document's order and its unknown keys in sorted order, or a list's length and
    items."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self._made: dict[int, Check] = {}

    def resolve(self, ref: str) -> Mapping[str, Any]:
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"$ref {ref!r} is not supported")
        result: Mapping[str, Any] = self.root["$defs"][ref.removeprefix("#/$defs/")]
        return result

    def of(self, schema: Mapping[str, Any]) -> Check:
        """The function of ``schema``, made once; a schema that refers to itself (through ``$ref``) calls
        its own function through a cell filled once it is made."""
        made = self._made.get(id(schema))
        if made is None:
            cell: list[Check] = []
            self._made[id(schema)] = lambda value, path: cell[0](value, path)  # noqa: PLW0108 (filled below)
            made = self._build(schema)
            cell.append(made)
            self._made[id(schema)] = made
        return made

    def _build(self, schema: Mapping[str, Any]) -> Check:
        steps: list[Check] = []
        if "$ref" in schema:
            steps.append(self.of(self.resolve(schema["$ref"])))
        steps += [self.of(sub) for sub in schema.get("allOf", ())]
        if "oneOf" in schema:
            steps.append(self._one_of(schema["oneOf"]))
        steps += self._scalar(schema)
        on_object = self._object(schema)
        on_list = self._list(schema)
        if on_object is None and on_list is None:  # a value's own keywords (most of a schema's nodes)
            if len(steps) == 1:
                return steps[0]

            def own(value: Any, path: str) -> None:
                for step in steps:
                    step(value, path)

            return own
        on_object = on_object or _nothing
        on_list = on_list or _nothing

        def check(value: Any, path: str) -> None:
            for step in steps:
                step(value, path)
            if isinstance(value, dict):
                on_object(value, path)
            elif isinstance(value, list):
                on_list(value, path)

        return check

    def _scalar(self, schema: Mapping[str, Any]) -> list[Check]:
        steps: list[Check] = []
        names = list(_TYPE_NAMES)
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            test = _type_test(names)
            wanted = " or ".join(_TYPE_NAMES[n] for n in names)

            def typed(value: Any, path: str) -> None:
                if not test(value):
                    raise _fail(path, f"expected {wanted}, found {kind(value)}")

            steps.append(typed)
        if "const" in schema:
            constant = schema["const"]

            def const(value: Any, path: str) -> None:
                if not same(value, constant):
                    raise _fail(path, f"expected {constant!r}, found {_show(value)}")

            steps.append(const)
        if "enum" in schema:
            options = schema["enum"]
            listed = ", ".join(str(o) for o in options)
            strings = frozenset(options) if all(type(o) is str for o in options) else None

            def enum(value: Any, path: str) -> None:
                if strings is not None:  # same() of strings: the same type and text
                    if type(value) is str and value in strings:
                        return
                elif any(same(value, option) for option in options):
                    return
                raise _fail(path, f"expected one of {listed}, found {_show(value)}")

            steps.append(enum)
        least = schema.get("minLength", 0)
        form = re.compile(schema["pattern"]).search if "pattern" in schema else None

        def text(value: Any, path: str) -> None:
            if not isinstance(value, str):
                return
            if not value.isascii():  # ASCII holds no lone surrogate
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise _fail(path, "not valid Unicode text (a lone surrogate escape)") from None
            if len(value) < least:
                raise _fail(path, "expected a non-empty string")
            if form is not None and not form(value):
                raise _fail(path, f"{_show(value)} does not have the expected form")

        if "string" in names:  # (a value of another type has failed its type check already)
            steps.append(text)
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None or high is not None) and {"integer", "number"} & set(names):
            bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"

            def bounded(value: Any, path: str) -> None:
                number = isinstance(value, int | float) and not isinstance(value, bool)
                if number and ((low is not None and value < low) or (high is not None and value > high)):
                    raise _fail(path, f"expected a number {bounds}, found {_show(value)}")

            steps.append(bounded)
        return steps

    def _object(self, schema: Mapping[str, Any]) -> Callable[[Any, str], None] | None:
        """An object's checks; None when the schema has none."""
        required = tuple(schema.get("required", ()))
        properties = {key: self.of(sub) for key, sub in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        unevaluated = schema.get("unevaluatedProperties", True)
        closed = not (extra is True and unevaluated is True)
        known = frozenset(properties) if extra is not True else frozenset(self._evaluated(schema))
        refused = extra is False or (extra is True and unevaluated is False)
        other = None  # unknown keys refused, else checked against what the schema says of them
        if closed and not refused:
            other = self.of(extra if isinstance(extra, Mapping) else unevaluated)

        if not (required or properties or closed):
            return None
        prefix = "{}.{}".format

        def on_object(value: dict[str, Any], path: str) -> None:
            for key in required:
                if key not in value:
                    raise _fail(_join(path, key), "required")
            for key, item in value.items():
                check = properties.get(key)
                if check is not None:
                    check(item, prefix(path, key) if path else key)
            if not closed or value.keys() <= known:
                return
            for key in sorted(set(value) - known):
                if other is None:
                    raise _fail(_join(path, key), "unknown key")
                other(value[key], _join(path, key))

        return on_object

    def _evaluated(self, schema: Mapping[str, Any]) -> set[str]:
        """The keys ``properties`` cover here and in the subschemas ``$ref`` and ``allOf`` bring in."""
        keys = set(schema.get("properties", {}))
        if "$ref" in schema:
            keys |= self._evaluated(self.resolve(schema["$ref"]))
        for sub in schema.get("allOf", ()):
            keys |= self._evaluated(sub)
        return keys

    def _list(self, schema: Mapping[str, Any]) -> Callable[[Any, str], None] | None:
        """A list's checks; None when the schema has none."""
        if not {"minItems", "maxItems", "items"} & schema.keys():
            return None
        low, high = schema.get("minItems", 0), schema.get("maxItems")
        count = f"{low}" if high == low else f"{low} to {high}" if high is not None else f"at least {low}"
        item = self.of(schema["items"]) if "items" in schema else None

        def on_list(value: list[Any], path: str) -> None:
            if len(value) < low or (high is not None and len(value) > high):
                raise _fail(path, f"expected {count} items, found {len(value)}")
            if item is not None:
                for index, entry in enumerate(value):
                    item(entry, f"{path}[{index}]")

        return on_list

    def _one_of(self, options: list[Mapping[str, Any]]) -> Check:
        checks = [self.of(option) for option in options]
        admits = [self._admits(option) for option in options]

        def one_of(value: Any, path: str) -> None:
            errors: list[SchemaViolation | None] = []
            for check in checks:
                try:
                    check(value, path)
                except SchemaViolation as exc:
                    errors.append(exc)
                else:
                    errors.append(None)
            passed = errors.count(None)
            if passed == 1:
                return
            if passed > 1:
                raise _fail(path, "matches more than one of the allowed shapes")
            fitting = [e for e, admit in zip(errors, admits, strict=True) if admit(value)]
            raise (
                fitting[0]
                if len(fitting) == 1 and fitting[0]
                else _fail(path, f"{kind(value)} fits none of the allowed shapes")
            )

        return one_of

    def _admits(self, schema: Mapping[str, Any]) -> Callable[[Any], bool]:
        """Whether ``schema`` (following one ``$ref``) allows the JSON type of a value."""
        if "$ref" in schema and "type" not in schema:
            schema = self.resolve(schema["$ref"])
        names = schema.get("type")
        if names is None:
            return lambda value: True
        return _type_test(names if isinstance(names, list) else [names])


def _nothing(value: Any, path: str) -> None:
    """What a schema with no keyword for a value's kind (an object's, a list's) checks of it."""


def _show(value: Any) -> str:
    """A short, one-line rendering of a value for a message."""
    if isinstance(value, dict | list):
        return kind(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
