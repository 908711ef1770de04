"""Every ``@records.record`` class behaves as its ``@dataclass(frozen=True, slots=True)`` twin does.

:mod:`confcheck.records` writes its own ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__`` and
pickling instead of letting ``dataclasses`` compile them; these tests hold every record class of the
product to the stdlib's behaviour, class by class, and keep the start-up gain from regressing.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import KW_ONLY, FrozenInstanceError, InitVar, dataclass, field, fields, replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from confcheck import records

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("confcheck", "rules", "reports", "plugins")
MADE_BY_RECORDS = {"__init__", "__setattr__", "__delattr__", "__getstate__", "__setstate__"}
MADE_BY_DATACLASS = {"__dataclass_fields__", "__dataclass_params__", "__match_args__", "__replace__"}
SLOTTED = {"__slots__", "__dict__", "__weakref__"}


def _product_classes() -> list[type]:
    """Every class defined at module level anywhere in the product."""
    found: dict[type, None] = {}
    for package in ("confcheck", *(f"confcheck.{name}" for name in PRODUCT[1:])):  # mapped packages
        for module in pkgutil.walk_packages(importlib.import_module(package).__path__, f"{package}."):
            if module.name.endswith("__main__"):
                continue
            for value in vars(importlib.import_module(module.name)).values():
                if isinstance(value, type) and value.__module__.startswith("confcheck."):
                    found[value] = None
    return list(found)


CLASSES = _product_classes()
RECORDS = [c for c in CLASSES if records.is_record(c)]


def _twin(cls: type) -> Any:
    """The stdlib's frozen slotted dataclass made from the same fields and class body as ``cls``."""
    params: Any = cls.__dataclass_params__  # type: ignore[attr-defined]
    body: dict[str, Any] = {
        name: value
        for name, value in cls.__dict__.items()
        if name not in MADE_BY_RECORDS | MADE_BY_DATACLASS | SLOTTED
        and name not in cls.__dataclass_fields__  # type: ignore[attr-defined]
        and getattr(value, "__module__", None) != records.__name__  # records' __repr__, __eq__, __hash__
    }
    body["__annotations__"] = {f.name: f.type for f in fields(cls)}
    for f in fields(cls):
        body[f.name] = field(
            default=f.default,
            default_factory=f.default_factory,
            init=f.init,
            repr=f.repr,
            hash=f.hash,
            compare=f.compare,
            metadata=f.metadata,
        )
    return dataclass(frozen=True, slots=True, eq=params.eq)(type(cls.__name__, (), body))


def _sample(cls: type, f: dataclasses.Field[Any], variant: int) -> Any:
    """A value for field ``f``: a string naming it; a default, where the class checks its values."""
    if hasattr(cls, "__post_init__"):  # TlsPolicy, AxlSettings: keep their values valid
        if f.default is not dataclasses.MISSING:
            return f.default
        if f.default_factory is not dataclasses.MISSING:
            return f.default_factory()
        if f.name == "url":
            return f"https://cucm{variant}.example.com:8443/axl/"
    return f"{cls.__name__}.{f.name}.{variant}"


def _arguments(cls: type, variant: int, every: bool) -> dict[str, Any]:
    """Keyword arguments for ``cls``: the fields without a default, or ``every`` field __init__ takes."""
    return {
        f.name: _sample(cls, f, variant)
        for f in fields(cls)
        if f.init
        and (every or (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING))
    }


def _outcome(make: Callable[[], Any]) -> tuple[str, str]:
    """What calling ``make`` gives, as text (the clock a ``default_factory`` reads left out)."""
    try:
        return "made", re.sub(r"datetime\.datetime\([^)]*\)", "now", repr(make()))
    except Exception as error:  # the same refusal from both classes is the same behaviour
        return type(error).__name__, str(error)


def _assign(value: object, name: str) -> None:
    setattr(value, name, "new")


def _facts(f: dataclasses.Field[Any]) -> tuple[Any, ...]:
    return (f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.hash, f.compare, f.kw_only)


def test_every_frozen_value_class_of_the_product_is_a_record() -> None:
    frozen = [c for c in CLASSES if getattr(getattr(c, "__dataclass_params__", None), "frozen", False)]
    assert [c.__qualname__ for c in frozen if not records.is_record(c)] == []
    assert all(dataclasses.is_dataclass(c) for c in RECORDS)
    written = sum(
        len(re.findall(r"^@records\.record\b", path.read_text(), re.MULTILINE))
        for package in PRODUCT
        for path in (ROOT / package).rglob("*.py")
    )
    assert len(RECORDS) == written > 90  # every decorated class is found, so every one is tested below


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_record_behaves_as_its_stdlib_twin(cls: Any) -> None:
    twin = _twin(cls)
    assert str(inspect.signature(cls)) == str(inspect.signature(twin))
    assert str(inspect.signature(cls.__init__)) == str(inspect.signature(twin.__init__))
    assert cls.__match_args__ == twin.__match_args__
    assert cls.__slots__ == twin.__slots__
    assert [_facts(f) for f in fields(cls)] == [_facts(f) for f in fields(twin)]
    assert repr(cls.__dataclass_params__) == repr(twin.__dataclass_params__)

    required = _arguments(cls, 1, every=False)
    every = _arguments(cls, 2, every=True)
    for arguments in (required, every):
        assert _outcome(partial(cls, *arguments.values())) == _outcome(partial(twin, *arguments.values()))
        assert _outcome(partial(cls, **arguments)) == _outcome(partial(twin, **arguments))
    assert _outcome(partial(cls, *every.values(), "extra")) == _outcome(
        partial(twin, *every.values(), "extra")
    )

    one, mine = cls(**every), twin(**every)
    assert repr(one) == repr(mine)
    assert one.__getstate__() == mine.__getstate__()
    assert not hasattr(one, "__dict__")
    assert dataclasses.asdict(one) == dataclasses.asdict(mine)
    assert (one == mine, one != mine) == (False, True)  # another class with equal fields: never equal
    same, other = cls(**every), cls(**required)
    if twin.__dataclass_params__.eq:
        assert (one == same, one != same) == (mine == twin(**every), mine != twin(**every)) == (True, False)
        assert (one == other) == (mine == twin(**required))
        assert hash(one) == hash(mine) == hash(same)
    else:  # compared and hashed by identity
        assert (one == same, one == copy.copy(one), hash(one)) == (False, False, object.__hash__(one))

    for f in fields(cls):
        for change in (_assign, delattr):
            with pytest.raises(FrozenInstanceError) as raised:
                change(one, f.name)
            with pytest.raises(FrozenInstanceError) as expected:
                change(mine, f.name)
            assert str(raised.value) == str(expected.value)

    settled = records.settle(records.placeholder(cls), one)
    assert type(settled) is cls
    assert settled.__getstate__() == one.__getstate__()
    assert repr(settled) == repr(one)

    for clone in (pickle.loads(pickle.dumps(one)), copy.copy(one), copy.deepcopy(one)):
        assert type(clone) is cls
        assert clone.__getstate__() == one.__getstate__()
        assert repr(clone) == repr(one)
    name = next((f.name for f in fields(cls) if f.init), None)
    if name is not None:
        value = every[name] if hasattr(cls, "__post_init__") else "replaced"
        assert repr(dataclasses.replace(one, **{name: value})) == repr(
            dataclasses.replace(mine, **{name: value})
        )
        # the project's own copy gives what the stdlib's gives, refusals included
        for changes in (
            {name: value},
            {},
            {"no_such_field": 1},
            {f.name: 1 for f in fields(cls) if not f.init},
        ):
            assert _outcome(partial(records.replace, one, **changes)) == _outcome(
                partial(dataclasses.replace, one, **changes)
            )


def test_a_placeholder_is_held_before_its_values_are_known_and_settled_once() -> None:
    made, _ = _both({"__annotations__": {"a": "int", "b": "tuple[int, ...]"}, "b": ()})
    placeholder = records.placeholder(made)
    holder = (placeholder,)  # held by another value before it is settled, as an endpoint's chain is
    with pytest.raises(AttributeError):
        placeholder.a  # noqa: B018
    with pytest.raises(AttributeError):
        hash(placeholder)
    assert records.settle(placeholder, made(1, (2,))) is placeholder
    assert holder[0] == made(1, (2,))
    assert hash(holder[0]) == hash(made(1, (2,)))
    with pytest.raises(FrozenInstanceError):
        placeholder.a = 3


def _both(body: dict[str, Any], eq: bool = True) -> tuple[Any, Any]:
    """A record and its stdlib twin made from the same class body."""
    namespace = {"__module__": __name__, "__qualname__": "Value", **body}
    made: Any = records.record(eq=eq)(type("Value", (), dict(namespace)))
    return made, dataclass(frozen=True, slots=True, eq=eq)(type("Value", (), dict(namespace)))


def test_features_product_records_do_not_use_yet_behave_as_the_stdlib() -> None:
    mine, twin = _both(
        {
            "__annotations__": {"self": "int", "items": "list[Any]", "secret": "str", "count": "int"},
            "items": field(default_factory=list),
            "secret": field(default="s", repr=False, compare=False),
            "count": field(default=7, init=False, hash=False),
        }
    )  # no docstring: the stdlib writes one from the signature
    assert (
        mine.__doc__
        == twin.__doc__
        == "Value(self: 'int', items: 'list[Any]' = <factory>, secret: 'str' = 's')"
    )
    one, other = mine(1), twin(1)
    one.items.append(one)  # a record that holds itself
    other.items.append(other)
    assert repr(one) == repr(other) == "Value(self=1, items=[...], count=7)"
    assert mine(1, [], "a") == mine(1, [], "b")  # secret is not compared
    assert hash(mine(1, (3,), "a")) == hash(twin(1, (3,), "a"))  # count is compared but not hashed
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'other'"):
        one.other = 1  # no field of that name: frozen too (the stdlib's slotted class raises TypeError)
    empty, stdlib = _both({"__doc__": "Nothing.", "__annotations__": {}})
    assert (repr(empty()), empty() == empty(), hash(empty())) == (repr(stdlib()), True, hash(stdlib()))


def test_class_variables_mutable_defaults_and_evaluated_annotations_as_the_stdlib() -> None:
    """A record reads its fields itself for the usual class (string annotations); a ClassVar, or an
    annotation that is not a string, leaves the reading to the stdlib: either way, the stdlib's result."""
    for body in (
        {"__annotations__": {"a": "int", "limit": "ClassVar[int]"}, "limit": 5},
        {"__annotations__": {"a": int, "b": str}, "b": "x"},
    ):
        mine, twin = _both(body)
        assert [f.name for f in fields(mine)] == [f.name for f in fields(twin)]
        assert [(f.type, f.default) for f in fields(mine)] == [(f.type, f.default) for f in fields(twin)]
        assert inspect.signature(mine) == inspect.signature(twin)
        assert mine.__match_args__ == twin.__match_args__
    assert mine(1) == mine(1, "x")
    assert replace(mine(1), b="y") == mine(1, "y")
    with pytest.raises(ValueError, match="mutable default <class 'list'> for field a is not allowed"):
        _both({"__annotations__": {"a": "list[int]"}, "a": []})
    with pytest.raises(ValueError, match="mutable default <class 'list'> for field a is not allowed"):
        dataclass(frozen=True, slots=True)(
            type("Value", (), {"__annotations__": {"a": "list[int]"}, "a": []})
        )


def test_a_hash_written_in_the_class_wins() -> None:
    mine, twin = _both({"__annotations__": {"a": "int"}, "__hash__": lambda self: 42})
    assert hash(mine(1)) == hash(twin(1)) == 42


def test_records_compared_by_identity_keep_objects_hash() -> None:
    mine, twin = _both({"__annotations__": {"a": "int"}}, eq=False)
    assert mine.__eq__ is twin.__eq__ is object.__eq__
    assert mine.__hash__ is twin.__hash__ is object.__hash__
    assert mine(1) != mine(1)


def test_post_init_runs_after_the_fields_are_set() -> None:
    def check(self: Any) -> None:
        if self.a < 0:
            raise ValueError(f"negative: {self.a}")

    mine, _ = _both({"__annotations__": {"a": "int"}, "__post_init__": check})
    assert mine(1).a == 1
    with pytest.raises(ValueError, match="negative: -1"):
        mine(-1)


@pytest.mark.parametrize(
    ("body", "refusal"),
    [
        ({"__annotations__": {"a": InitVar[int]}}, "InitVar and keyword-only"),
        ({"__annotations__": {"a": "int"}, "a": field(kw_only=True)}, "InitVar and keyword-only"),
        ({"__annotations__": {"_": KW_ONLY, "a": int}}, "InitVar and keyword-only"),
        ({"__annotations__": {"a": "int"}, "__setattr__": object.__setattr__}, "no base class, __slots__"),
        ({"__annotations__": {"a": "int"}, "__slots__": ("a",)}, "no base class, __slots__"),
        ({"__annotations__": {"a": "int", "b": "int"}, "a": 0}, "non-default argument 'b' follows default"),
    ],
    ids=["InitVar", "kw_only", "KW_ONLY", "__setattr__", "__slots__", "default-order"],
)
def test_what_records_do_not_support_is_refused_when_the_class_is_made(
    body: dict[str, Any], refusal: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(refusal)):
        records.record(type("Value", (), {"__module__": __name__, **body}))


def test_a_record_derives_from_object_only() -> None:
    with pytest.raises(TypeError, match="a record has no base class"):
        records.record(type("Value", (ValueError,), {"__annotations__": {"a": "int"}}))


COUNT_COMPILED = """
import re, sys

compiled = {"records": 0, "dataclasses": 0}

def under_record():
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "_record" and frame.f_code.co_filename.endswith("records.py"):
            return True
        frame = frame.f_back
    return False

def audit(event, args):
    if event == "compile" and isinstance(args[0], (str, bytes)) and under_record():
        source = args[0] if isinstance(args[0], str) else args[0].decode()
        methods = len(re.findall(r"^\\s*def (?!__create_fn__)", source, re.MULTILINE))
        compiled["records" if str(args[1]) == "<record>" else "dataclasses"] += methods

sys.addaudithook(audit)
import contextlib, io
from confcheck import cli, records
with contextlib.redirect_stdout(io.StringIO()):
    cli.main(["lint", sys.argv[1], "--format", "json"])
made = {v for m in list(sys.modules.values()) for v in vars(m).values()
        if isinstance(v, type) and records.is_record(v)}
shapes = records._template.cache_info().currsize
print(len(made), shapes, compiled["records"], compiled["dataclasses"])
"""


def test_lint_compiles_one_init_per_record_shape() -> None:
    """dataclasses compiled six methods per frozen class, 164 of lint's 666 million instructions; records
    compile ``__init__`` alone, once for every class of the same shape."""
    demo = ROOT / "examples" / "demo-snapshot.json"
    run = subprocess.run(
        [sys.executable, "-c", COUNT_COMPILED, str(demo)], capture_output=True, text=True, check=True
    )
    classes, shapes, by_records, by_dataclasses = map(int, run.stdout.split())
    assert classes > 30  # the lint path defines its value classes as records
    assert shapes < classes / 2
    assert (by_records, by_dataclasses) == (shapes, 0)  # __init__ only, once per shape


def test_replace_copies_a_record_with_changed_fields_and_leaves_other_classes_to_the_stdlib() -> None:
    @records.record
    class Point:
        x: int
        y: int = 0
        label: str = field(default="", compare=False)

    point = Point(1, 2, "a")
    moved = records.replace(point, y=5)
    assert (moved, moved.label, point.y) == (Point(1, 5), "a", 2)  # a new record; the old one unchanged
    assert records.replace(point) == point

    @dataclass(frozen=True)
    class Plain:
        x: int
        y: int = field(default=0, init=False)

    assert records.replace(Plain(1), x=3) == Plain(3)
    refused = _outcome(partial(records.replace, Plain(1), y=3))  # ValueError, TypeError from Python 3.13
    assert "init=False" in refused[1]
    assert refused == _outcome(partial(dataclasses.replace, Plain(1), y=3))
