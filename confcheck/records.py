"""``@record``: the project's immutable value class, ``@dataclass(frozen=True, slots=True)`` made cheaper to define.

``dataclasses`` writes and compiles the source of six methods for each frozen class when it is defined.
On the demo snapshot, ``confcheck lint`` spent 164 of its 666 million instructions (callgrind) defining its
43 frozen classes: ``__init__`` 52 M, ``__setattr__`` and ``__delattr__`` 53 M, ``__repr__`` 22 M,
``__eq__`` 25 M, ``__hash__`` 14 M. Only ``__init__`` is hot (a large lint makes hundreds of thousands of
instances), so a record compiles ``__init__`` alone, which sets each field through its slot descriptor (about
twice as fast as the stdlib's ``object.__setattr__``); its other methods are closures over
``operator.attrgetter``, made without compiling anything; ``__init__`` itself is compiled once for every
record of one shape. A record reads its fields as the stdlib does, into ``dataclasses.Field`` objects
(``dataclass(init=False, repr=False, eq=False, slots=True)`` reads them for any unusual class), so
``dataclasses.fields``, ``replace`` and ``asdict`` work as before. That lint now runs 330 million
instructions. tests/test_records.py holds every record to the behaviour of its stdlib twin.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
from _thread import get_ident
from collections.abc import Callable
from dataclasses import _FIELD, _FIELD_INITVAR, MISSING, FrozenInstanceError, fields  # type: ignore[attr-defined]
from operator import attrgetter
from types import CodeType, FunctionType
from typing import TYPE_CHECKING, Any, TypeVar, overload

_T = TypeVar("_T")

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # typing has it from 3.11 only; at run time it only marks the function

    def dataclass_transform(**_: object) -> Callable[[_T], _T]:
        return lambda decorated: decorated


@overload
def record(cls: type[_T], /) -> type[_T]: ...
@overload
def record(*, eq: bool = True) -> Callable[[type[_T]], type[_T]]: ...
@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def record(cls: type[_T] | None = None, /, *, eq: bool = True) -> Any:
    """The class as ``@dataclass(frozen=True, slots=True, eq=eq)`` makes it; ``eq=False``: compared by identity."""
    if cls is None:
        return lambda cls: _record(cls, eq)
    return _record(cls, eq)


def made_from(cls: type) -> tuple[str, ...]:
    """The fields a record of ``cls`` is made from, in the order ``__init__`` takes them."""
    names: tuple[str, ...] = cls.__match_args__  # type: ignore[attr-defined]
    return names


def values(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """What a record of ``cls`` (of two fields or more) is made from, in order, so that
    ``cls(*values(cls)(record)) == record``: how records cross to and from a forked process as plain
    values (:mod:`marshal`), and how the reports lay them out."""
    names = made_from(cls)
    return attrgetter(names[0], *names[1:])


def replace(record: _T, /, **changes: Any) -> _T:
    """``dataclasses.replace(record, **changes)``, for a record made directly: the stdlib's copy reads every
    field's definition on each call, some 2 µs a fix, and a report's plan copies thousands of fixes and
    steps. Anything the direct copy does not cover (a field that is no parameter of ``__init__``, a name
    that is no field) is left to the stdlib, which raises what it raises."""
    cls: Any = type(record)
    how = _replacing(cls)
    if how is None:  # not a record: the stdlib's copy
        return dataclasses.replace(record, **changes)  # type: ignore[type-var]
    read, position = how
    made = list(read(record))
    try:
        for name, value in changes.items():
            made[position[name]] = value
    except KeyError:
        return dataclasses.replace(record, **changes)  # type: ignore[type-var]
    copied: _T = cls(*made)
    return copied


@functools.cache
def _replacing(cls: type) -> tuple[Callable[[Any], tuple[Any, ...]], dict[str, int]] | None:
    """What :func:`replace` reads of a record of ``cls``: every parameter of ``__init__``, in order, and
    each one's position; None for a class that is no record."""
    if not is_record(cls):
        return None
    names = made_from(cls)
    return _reader(names), {name: index for index, name in enumerate(names)}


def _reader(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A function reading the attributes ``names`` of an object, as a tuple, in one C call."""
    every = attrgetter(*names) if names else (lambda _: ())
    return every if len(names) != 1 else (lambda record: (every(record),))


def placeholder(cls: type[_T]) -> _T:
    """A record of ``cls`` whose fields are not set yet, which other records may already hold, given its
    values once by :func:`settle`; reading, comparing or hashing it before then raises AttributeError.

    What a large snapshot's loader puts in each endpoint's chain while its certificates are still being
    read: the endpoints are made once, with their certificates in place, rather than made again (or
    changed one by one) when the certificates are ready."""
    made: _T = cls.__new__(cls)
    return made


def settle(placeholder: _T, source: _T) -> _T:
    """Give ``placeholder`` (of :func:`placeholder`) every field's value of ``source``, a record of its
    class, and return it: done once, before anything reads it."""
    cls: Any = type(placeholder)
    made_from, slots = _settling(cls)
    if slots is None:  # every field is a parameter of __init__, which sets them all in one call
        cls.__init__(placeholder, *made_from(source))
    else:
        for slot, value in zip(slots, made_from(source), strict=True):
            slot(placeholder, value)
    return placeholder


@functools.cache
def _settling(
    cls: type,
) -> tuple[Callable[[Any], tuple[Any, ...]], tuple[Callable[[Any, Any], None], ...] | None]:
    """How :func:`settle` copies a record of ``cls``: its ``__init__`` given :func:`values` when that sets
    every field and does nothing else (no ``__post_init__``, every field a parameter), else each slot's
    ``__set__`` given every field's value."""
    names: tuple[str, ...] = cls.__slots__  # type: ignore[attr-defined]
    if made_from(cls) == names and len(names) > 1 and not hasattr(cls, "__post_init__"):
        return values(cls), None
    return _reader(names), tuple(cls.__dict__[name].__set__ for name in names)


def is_record(cls: type) -> bool:
    """Whether ``cls`` was made by :func:`record` (tests find every record class with it)."""
    return cls.__dict__.get("__setattr__") is _setattr


def _record(cls: type[_T], eq: bool) -> type[_T]:
    body = dict(cls.__dict__)
    refused = [name for name in ("__setattr__", "__delattr__", "__slots__") if name in body]
    if refused or cls.__bases__ != (object,):
        raise TypeError(f"@record {cls.__qualname__}: a record has no base class, __slots__ or __setattr__")
    made: Any = _slotted(cls, dict(body))
    every = made.__dataclass_fields__.values()
    if any(f._field_type is _FIELD_INITVAR or f.kw_only is True for f in every):
        raise TypeError(f"@record {cls.__qualname__}: InitVar and keyword-only fields are not supported")
    mine = fields(made)
    made.__init__ = _init(made, mine)
    made.__setattr__, made.__delattr__ = _setattr, _delattr
    # pickle and copy, as for frozen slotted dataclasses
    made.__getstate__ = body.get("__getstate__", _getstate)
    made.__setstate__ = body.get("__setstate__", _setstate)
    made.__repr__ = body.get("__repr__") or _repr([f.name for f in mine if f.repr])
    if eq:
        compared = _values([f.name for f in mine if f.compare])
        made.__eq__ = body.get("__eq__") or _eq(compared)
        explicit = "__hash__" in body and not (body["__hash__"] is None and "__eq__" in body)
        if not explicit:  # the stdlib's rule: a __hash__ written in the class wins
            made.__hash__ = _hash(
                _values([f.name for f in mine if (f.compare if f.hash is None else f.hash)])
            )
    made.__dataclass_params__ = _params(eq)
    if not body.get("__doc__"):
        made.__doc__ = made.__name__ + str(inspect.signature(made)).replace(" -> None", "")
    return made  # type: ignore[no-any-return]


def _slotted(cls: type[_T], body: dict[str, Any]) -> Any:
    """``cls`` with slots and its fields, as ``dataclass(cls, init=False, repr=False, eq=False, slots=True)``
    makes it, for the usual record: annotations all strings (``from __future__ import annotations``)
    naming no ClassVar, InitVar or KW_ONLY. The stdlib checks each string annotation against ClassVar and
    InitVar with regular expressions, some 200 µs a class, most of what defining a record still cost;
    any other class is left to it."""
    annotations = body.get("__annotations__", {})
    unusual = any(
        not isinstance(kind, str) or "ClassVar" in kind or "InitVar" in kind or "KW_ONLY" in kind
        for kind in annotations.values()
    ) or any(isinstance(value, dataclasses.Field) and name not in annotations for name, value in body.items())
    if unusual:
        return dataclasses.dataclass(cls, init=False, repr=False, eq=False, slots=True)
    own: dict[str, dataclasses.Field[Any]] = {}
    for name, kind in annotations.items():
        default = body.pop(name, MISSING)
        made: Any = default if isinstance(default, dataclasses.Field) else dataclasses.field(default=default)
        if made.default is not MISSING and made.default.__class__.__hash__ is None:
            raise ValueError(
                f"mutable default {type(made.default)} for field {name} is not allowed: use default_factory"
            )
        if made.kw_only is MISSING:
            made.kw_only = False
        made.name, made.type, made._field_type = name, kind, _FIELD
        own[name] = made
    body.pop("__dict__", None)
    body.pop("__weakref__", None)
    body["__slots__"] = tuple(own)
    body["__dataclass_fields__"] = own
    body["__match_args__"] = tuple(name for name, f in own.items() if f.init)
    metaclass: Any = type(cls)
    slotted = metaclass(cls.__name__, cls.__bases__, body)
    slotted.__qualname__ = cls.__qualname__
    return slotted


@functools.cache
def _params(eq: bool) -> Any:
    """The ``__dataclass_params__`` of a record: what ``@dataclass(frozen=True, slots=True, eq=eq)`` sets."""
    empty: Any = type("Params", (), {"__doc__": "Made only for its __dataclass_params__."})
    params = dataclasses.dataclass(empty, init=False, repr=False, eq=False, slots=True).__dataclass_params__
    params.init = params.repr = params.frozen = True
    params.eq = eq
    return params


def _init(cls: Any, mine: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """The one compiled method: ``__init__`` with the stdlib's signature, setting each slot directly.

    Its code depends only on the class's shape (which fields are parameters, which take a factory or
    are not parameters at all), so it is compiled once per shape and given each class's parameter names
    (``CodeType.replace``), defaults and slots: 43 records on lint's path have 16 shapes."""
    shape: list[str] = []
    bound: dict[str, Any] = {"_factory": _FACTORY}
    defaults: list[Any] = []
    defaulted = False
    for number, f in enumerate(mine):
        bound[f"_set{number}"] = cls.__dict__[f.name].__set__
        factory = f.default_factory is not MISSING
        bound[f"_default{number}"] = f.default_factory if factory else f.default
        if f.init and f.default is MISSING and not factory:
            if defaulted:
                raise TypeError(
                    f"@record {cls.__qualname__}: non-default argument {f.name!r} follows default argument"
                )
            shape.append("parameter")
        elif f.init:
            defaulted = True
            defaults.append(_FACTORY if factory else f.default)
            shape.append("factory parameter" if factory else "parameter")
        elif factory or f.default is not MISSING:
            shape.append("factory" if factory else "default")
        else:
            shape.append("unset")
    template = _template((*shape, hasattr(cls, "__post_init__")))
    me = "__record_self" if "self" in cls.__dataclass_fields__ else "self"
    names = (me, *(f.name for f in mine if f.init))
    qualname = f"{cls.__qualname__}.__init__"
    code = template.replace(co_varnames=names + template.co_varnames[len(names) :])
    if sys.version_info >= (3, 11):  # what error messages name ("Endpoint.__init__() missing ...")
        code = code.replace(co_qualname=qualname)
    init: Callable[..., None] = FunctionType(code, bound, "__init__", tuple(defaults) or None)
    init.__qualname__ = qualname
    init.__annotations__ = {f.name: f.type for f in mine if f.init} | {"return": None}
    return init


@functools.cache
def _template(shape: tuple[str | bool, ...]) -> CodeType:
    """The code of ``__init__`` for records of one shape (fields' kinds, then whether ``__post_init__``
    is called): parameters ``p0, p1, ...`` renamed by :func:`_init`; ``_setN``, ``_defaultN`` and
    ``_factory`` are names of the globals each class's function is given."""
    *kinds, post_init = shape
    params, lines = ["self"], []
    for number, kind in enumerate(kinds):
        value = {
            "parameter": f"p{number}",
            "factory parameter": f"_default{number}() if p{number} is _factory else p{number}",
            "factory": f"_default{number}()",
            "default": f"_default{number}",
        }.get(str(kind))
        if kind in ("parameter", "factory parameter"):
            params.append(f"p{number}")
        if value is not None:
            lines.append(f"    _set{number}(self, {value})")
    if post_init:
        lines.append("    self.__post_init__()")
    source = f"def __init__({', '.join(params)}):\n" + ("\n".join(lines) or "    pass") + "\n"
    made: dict[str, Any] = {}
    exec(compile(source, "<record>", "exec"), made)
    code: CodeType = made["__init__"].__code__
    return code


class _Factory:
    def __repr__(self) -> str:
        return "<factory>"  # what inspect.signature shows for a default_factory, as the stdlib's


_FACTORY = _Factory()


def _values(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving the tuple of these attributes' values (``attrgetter`` alone unpacks one name)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    return lambda self: ()


def _setattr(self: object, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")  # any name: a record has only its fields


def _delattr(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(fields(self), state, strict=False):  # as lenient as the stdlib
        object.__setattr__(self, f.name, value)


def _repr(names: list[str]) -> Callable[[object], str]:
    values = _values(names)
    running: set[tuple[int, int]] = set()

    def __repr__(self: object) -> str:
        key = id(self), get_ident()
        if key in running:  # a record that holds itself, as the stdlib's reprlib guard shows it
            return "..."
        running.add(key)
        try:
            shown = ", ".join([f"{name}={value!r}" for name, value in zip(names, values(self), strict=True)])
            return f"{self.__class__.__qualname__}({shown})"
        finally:
            running.discard(key)

    return __repr__


def _eq(values: Callable[[Any], tuple[Any, ...]]) -> Callable[[object, object], Any]:
    def __eq__(self: object, other: object) -> Any:
        if other.__class__ is self.__class__:
            return values(self) == values(other)
        return NotImplemented

    return __eq__


def _hash(values: Callable[[Any], tuple[Any, ...]]) -> Callable[[object], int]:
    def __hash__(self: object) -> int:
        return hash(values(self))

    return __hash__
