"""Checkpoints as data: a run's state as JSON plus numpy arrays in one ``.npz`` file, no pickle.

:func:`save` walks the state: ``None``, booleans, integers, strings and finite floats are JSON;
lists are JSON arrays; tuples, sets, deques, ``OrderedDict``, dicts with other than plain string
keys, complex numbers, slices, non-finite floats and numpy scalars are tagged JSON objects; numpy
arrays (numbers only) are members of the ``.npz``; an instance of one of the engine's state
classes is the index of its layout (class name and attribute names, ``__dict__`` and
``__slots__``, listed once) and its attribute values. A list of frozen, slotted records of
one class (a worker's history) is a range of rows of that class's table, whose columns of
numbers are numpy members: a history of thousands of steps is written as arrays, not as JSON.
Anything else is refused when the checkpoint is written, so a state that cannot be read back is
never saved.
Mutable objects and arrays met twice are written once and referenced, so aliasing survives a
resume (frozen records need no reference: nothing changes them).

:func:`load` reads the file with ``numpy.load(allow_pickle=False)`` and builds only classes of
the list it is given (``Simulation.CHECKPOINT_CLASSES``): every class name is checked before
anything is built, a name outside the list is refused, and nothing in the file is executed.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import io
import json
import math
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

#: The ``.npz`` member holding the state's JSON (arrays are ``a0``, ``a1``, …).
STATE_MEMBER = "__state__"


class CodecError(ValueError):
    """A state that cannot be written as data, or a file that is not such a checkpoint."""


def _name(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


@functools.cache
def _slots(cls: type) -> tuple[str, ...]:
    return tuple(slot for c in cls.__mro__ for slot in getattr(c, "__slots__", ())
                 if slot not in ("__dict__", "__weakref__"))


@functools.cache
def _immutable(cls: type) -> bool:
    """A frozen dataclass: sharing one between places needs no reference (nothing changes it)."""
    params = getattr(cls, "__dataclass_params__", None)
    return bool(params is not None and params.frozen)


def _attributes(obj: Any) -> dict[str, Any]:
    """An instance's attributes: its ``__dict__`` and every ``__slots__`` entry that is set."""
    out = dict(getattr(obj, "__dict__", {}))
    for slot in _slots(type(obj)):
        if hasattr(obj, slot):
            out[slot] = getattr(obj, slot)
    return out


class _Encoder:
    def __init__(self, classes: Iterable[type] | None) -> None:
        # writing: any econsim class unless a list is given (reading always takes a list)
        self.allowed = None if classes is None else {_name(c) for c in classes}
        self.arrays: dict[str, np.ndarray] = {}
        self.seen: dict[int, Any] = {}  # id -> the reference written for it
        self._alive: list[Any] = []  # keeps ids unique while encoding
        # (class name, attribute names) -> index: each layout is written once, in "layouts"
        self.layouts: dict[tuple[str, tuple[str, ...]], int] = {}
        # layout -> one list per attribute: the rows of lists of frozen records (histories)
        self.tables: dict[int, list[list[Any]]] = {}

    def encode(self, x: Any) -> Any:  # noqa: C901, PLR0911, PLR0912 - one case per kind
        if x is None or isinstance(x, (bool, str)):
            return x
        if isinstance(x, np.generic):  # before float: numpy's float64 is a float too
            return {"__np__": x.dtype.str, "v": self.encode(x.item())}
        if isinstance(x, int):
            return int(x)
        if isinstance(x, float):
            return x if math.isfinite(x) else {"__float__": repr(x)}
        if id(x) in self.seen:
            return self.seen[id(x)]
        if isinstance(x, np.ndarray):
            if x.dtype.hasobject:
                return {"__objarray__": [self.encode(v) for v in x.ravel().tolist()],
                        "shape": list(x.shape)}
            key = f"a{len(self.arrays)}"
            self.arrays[key] = x
            return self._remember(x, {"__nd__": key})
        if isinstance(x, complex):
            return {"__complex__": [self.encode(x.real), self.encode(x.imag)]}
        kind = type(x)
        if kind is list:
            return self._rows(x) or self.items(x)
        if kind is tuple:
            return {"__tuple__": self._rows(x) or self.items(x)}
        if kind is dict and all(isinstance(k, str) and not k.startswith("__") for k in x):
            return {k: self.encode(v) for k, v in x.items()}
        if kind in (dict, collections.OrderedDict):
            return {"__dict__": [[self.encode(k), self.encode(v)] for k, v in x.items()],
                    "ordered": kind is collections.OrderedDict}
        if kind in (set, frozenset):
            return {"__set__": [self.encode(v) for v in x], "frozen": kind is frozenset}
        if kind is collections.deque:
            return {"__deque__": [self.encode(v) for v in x], "maxlen": x.maxlen}
        if kind is slice:
            return {"__slice__": [self.encode(x.start), self.encode(x.stop),
                                  self.encode(x.step)]}
        name = self._class_name(kind)
        out: dict[str, Any] = {}
        if not _immutable(kind):
            out["id"] = self._remember(x, {"__ref__": len(self.seen)})["__ref__"]
        if isinstance(x, tuple):  # a named tuple
            out.update(__obj__=self._layout(name, ()), items=[self.encode(v) for v in x])
            return out
        attrs = _attributes(x)
        out.update(__obj__=self._layout(name, tuple(attrs)), values=self.items(attrs.values()))
        return out

    def items(self, values: Iterable[Any]) -> list[Any]:
        """``values`` encoded; plain ones as they are (no call per number: histories hold
        many)."""
        out = []
        for v in values:
            kind = type(v)
            if kind is int or kind is str or kind is bool or v is None or (
                    kind is float and math.isfinite(v)):
                out.append(v)
            else:
                out.append(self.encode(v))
        return out

    def _class_name(self, kind: type) -> str:
        name = _name(kind)
        if (name not in self.allowed) if self.allowed is not None \
                else not kind.__module__.startswith("econsim."):
            raise CodecError(f"a checkpoint cannot hold a {name} (not one of the engine's state "
                             "classes)")
        return name

    def _layout(self, name: str, attrs: tuple[str, ...]) -> int:
        return self.layouts.setdefault((name, attrs), len(self.layouts))

    def _rows(self, x: list[Any] | tuple[Any, ...]) -> dict[str, int] | None:
        """A list of two or more frozen dataclass records of one class (a worker's history)
        as a range of rows of that class's table, or None."""
        if len(x) < 2:
            return None
        kind = type(x[0])
        # frozen and slotted: its dataclass fields are all it holds
        if not _immutable(kind) or hasattr(x[0], "__dict__") or isinstance(x[0], tuple) \
                or any(type(v) is not kind for v in x):
            return None
        attrs = tuple(f.name for f in dataclasses.fields(kind))
        layout = self._layout(self._class_name(kind), attrs)
        columns = self.tables.setdefault(layout, [[] for _ in attrs])
        start = len(columns[0]) if columns else 0
        for column, attr in zip(columns, attrs, strict=True):
            column.extend([getattr(v, attr) for v in x])
        return {"__rows__": layout, "start": start, "n": len(x)}

    def _column(self, values: list[Any], key: str) -> dict[str, Any]:
        """One attribute of a table: a numpy member when every value is a float, an int or a
        tuple of floats of one length (exact both ways), else JSON."""
        kinds = {type(v) for v in values}
        try:
            if kinds == {float}:
                self.arrays[key] = np.array(values, dtype=np.float64)
                return {"float": key}
            if kinds == {int}:
                self.arrays[key] = np.array(values, dtype=np.int64)
                return {"int": key}
            if kinds == {tuple} and len({len(v) for v in values}) == 1 and values[0] \
                    and all(type(e) is float for v in values for e in v):
                self.arrays[key] = np.array(values, dtype=np.float64)
                return {"tuples": key}
        except OverflowError:  # an integer beyond int64: JSON keeps it exact
            pass
        return {"json": self.items(values)}

    def document(self, state: Any) -> dict[str, Any]:
        """The JSON document of ``state``: the class layouts it uses, the tables of records and
        its tree."""
        tree = self.encode(state)
        tables: dict[str, list[dict[str, Any]]] = {}
        while len(tables) < len(self.tables):  # a column may hold records of another table
            layout = next(k for k in self.tables if str(k) not in tables)
            tables[str(layout)] = [self._column(col, f"t{layout}_{j}")
                                   for j, col in enumerate(self.tables[layout])]
        return {"layouts": [[name, list(attrs)] for (name, attrs) in self.layouts],
                "tables": tables, "state": tree}

    def _remember(self, x: Any, ref: dict[str, Any]) -> dict[str, Any]:
        self.seen[id(x)] = ref
        self._alive.append(x)
        return ref


#: Classes moved or renamed since a checkpoint may have been written (old name → current name):
#: a run interrupted before the move still resumes. Each row needs the same attributes.
FORMER_NAMES: dict[str, str] = {
    "econsim.simulation.archetype_workers:ArchetypeWorkers":
        "econsim.simulation.cluster_workers:ClusterWorkers",
    "econsim.simulation.vectorized:_ExactWorkers": "econsim.simulation.array_workers:ExactWorkers",
    "econsim.simulation.vectorized:_SurrogateVec":
        "econsim.simulation.array_workers:SurrogateVecWorkers",
}


class _Decoder:
    def __init__(self, classes: Iterable[type], arrays: Any, path: Path,
                 layouts: list[Any]) -> None:
        allowed = {_name(c): c for c in classes}
        self.arrays = arrays
        self.path = path
        self.loaded: dict[str, np.ndarray] = {}
        self.objects: dict[int, Any] = {}
        self.tables: dict[str, Any] = {}
        self.rows: dict[int, list[Any]] = {}
        self.layouts: list[tuple[type, list[str]]] = []
        for name, attrs in layouts:  # every class is checked before anything is built
            cls = allowed.get(FORMER_NAMES.get(str(name), str(name)))
            if cls is None:
                raise CodecError(f"{path} is not a checkpoint of this version: it names "
                                 f"{name}, which a checkpoint may not contain; nothing in it "
                                 "was run")
            self.layouts.append((cls, [str(a) for a in attrs]))

    def decode(self, x: Any) -> Any:  # noqa: C901, PLR0911, PLR0912 - one case per tag
        if isinstance(x, list):
            return [self.decode(v) for v in x]
        if not isinstance(x, dict):
            return x
        if "__nd__" in x:
            key = str(x["__nd__"])
            if key not in self.loaded:
                self.loaded[key] = np.asarray(self.arrays[key])
            return self.loaded[key]
        if "__ref__" in x:
            return self.objects[int(x["__ref__"])]
        if "__rows__" in x:
            rows = self._table(int(x["__rows__"]))
            start, n = int(x["start"]), int(x["n"])
            return rows[start:start + n]
        if "__obj__" in x:
            return self._object(x)
        if "__float__" in x:
            return float(x["__float__"])
        if "__np__" in x:
            return np.dtype(str(x["__np__"])).type(self.decode(x["v"]))
        if "__complex__" in x:
            re, im = (self.decode(v) for v in x["__complex__"])
            return complex(re, im)
        if "__tuple__" in x:
            return tuple(self.decode(x["__tuple__"]))
        if "__dict__" in x:
            pairs = [(self._key(k), self.decode(v)) for k, v in x["__dict__"]]
            return collections.OrderedDict(pairs) if x.get("ordered") else dict(pairs)
        if "__set__" in x:
            items = (self._key(v) for v in x["__set__"])
            return frozenset(items) if x.get("frozen") else set(items)
        if "__deque__" in x:
            return collections.deque((self.decode(v) for v in x["__deque__"]),
                                     maxlen=x.get("maxlen"))
        if "__slice__" in x:
            return slice(*(self.decode(v) for v in x["__slice__"]))
        if "__objarray__" in x:
            flat = np.empty(len(x["__objarray__"]), dtype=object)
            flat[:] = [self.decode(v) for v in x["__objarray__"]]
            return flat.reshape(tuple(x["shape"]))
        return {k: self.decode(v) for k, v in x.items()}

    def _table(self, layout: int) -> list[Any]:
        """Every record of one table, built once."""
        if layout not in self.rows:
            cls, attrs = self.layouts[layout]
            columns = [self._column(c) for c in self.tables[str(layout)]]
            records = []
            for values in zip(*columns, strict=True):
                obj = cls.__new__(cls)
                for attr, value in zip(attrs, values, strict=True):
                    object.__setattr__(obj, attr, value)
                records.append(obj)
            self.rows[layout] = records
        return self.rows[layout]

    def _column(self, column: dict[str, Any]) -> list[Any]:
        if "json" in column:
            return [self.decode(v) for v in column["json"]]
        values = np.asarray(self.arrays[str(column.get("float") or column.get("int")
                                            or column["tuples"])]).tolist()
        return [tuple(v) for v in values] if "tuples" in column else values

    def _key(self, k: Any) -> Any:
        value = self.decode(k)
        return tuple(value) if isinstance(value, list) else value

    def _object(self, x: dict[str, Any]) -> Any:
        cls, attrs = self.layouts[int(x["__obj__"])]
        if "items" in x:  # a named tuple: its items are plain data
            obj = cls(*(self.decode(v) for v in x["items"]))
            if "id" in x:
                self.objects[int(x["id"])] = obj
            return obj
        obj = cls.__new__(cls)
        if "id" in x:  # before its attributes: they may refer back to it
            self.objects[int(x["id"])] = obj
        for attr, value in zip(attrs, x["values"], strict=True):
            object.__setattr__(obj, attr, self.decode(value))  # frozen and slotted classes too
        return obj


def save(path: Path, state: Any, classes: Iterable[type] | None = None) -> None:
    """Write ``state`` to ``path`` as a data-only ``.npz`` (see the module's docstring); with
    ``classes`` only instances of those, else of any econsim class."""
    enc = _Encoder(classes)
    text = json.dumps(enc.document(state), separators=(",", ":"), allow_nan=False)
    with path.open("wb") as fh:
        np.savez(fh, **{STATE_MEMBER: np.frombuffer(text.encode(), dtype=np.uint8)},
                 **enc.arrays)


def load(path: Path, classes: Iterable[type], data: bytes | None = None) -> Any:
    """Read a checkpoint written by :func:`save` (from ``data`` if given, else ``path``),
    building no class but ``classes``, numpy arrays and plain containers."""
    source = io.BytesIO(data) if data is not None else path
    try:
        with np.load(source, allow_pickle=False) as npz:
            if STATE_MEMBER not in npz.files:
                raise CodecError(f"{path} has no {STATE_MEMBER} member: not a checkpoint")
            doc = json.loads(npz[STATE_MEMBER].tobytes().decode())
            decoder = _Decoder(classes, npz, path, doc["layouts"])
            decoder.tables = doc.get("tables", {})
            return decoder.decode(doc["state"])
    except CodecError:
        raise
    except (ValueError, KeyError, TypeError, OSError, zipfile.BadZipFile,
            UnicodeDecodeError) as err:
        raise CodecError(f"{path} cannot be read as a checkpoint ({type(err).__name__}: "
                         f"{err}); nothing in it was run") from None
