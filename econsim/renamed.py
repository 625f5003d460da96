"""Names renamed so that each concept has one name; the old names work for one more release.

Every alias is one row of :data:`RENAMED`, and every place that reads a user's names — config
files, ``SimConfig(...)``/``from_dict``, the flags of ``econsim run``/``sweep``/``classroom``,
the classroom's ``GameSetup`` (also as JSON on the class board) and ``Population.sample`` — passes
them through :func:`renamed_keys` or :func:`renamed_value`, which warn through
:func:`deprecated` with a :class:`RenamedWarning` (a ``DeprecationWarning``) naming the new name.
Removing the aliases in the next release is deleting the rows.

>>> renamed_keys("SimConfig", {"n_agents": 10})  # new names pass unchanged, silently
{'n_agents': 10}
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: The package's folder: warnings point at the first caller outside it (the user's line).
_PACKAGE = str(Path(__file__).resolve().parent) + os.sep


@dataclass(frozen=True)
class Rename:
    """One renamed name: a key (``key`` is ``None``) or a value of the key ``key``."""

    where: str  # what reads the name: SimConfig, GameSetup, Population
    old: str
    new: str
    key: str | None = None


#: Every alias of the release (docs/simulation.md "Renamed names" lists them for users).
RENAMED: tuple[Rename, ...] = (
    # the K groups that batch LLM calls are clusters; "archetypes" are the paper's 13 personas
    Rename("SimConfig", "n_archetypes", "n_clusters"),
    Rename("SimConfig", "archetypes", "clusters", key="batching"),
    # skills modes: the config's words
    Rename("Population", "independent", "gb2", key="skills"),
    # the classroom says what the rest of the package says
    Rename("GameSetup", "n_workers", "n_agents"),
    Rename("GameSetup", "welfare", "objective"),
    Rename("GameSetup", "workers", "worker"),
    Rename("GameSetup", "learners", "surrogate_vec", key="worker"),
)


class RenamedWarning(DeprecationWarning):
    """An old name was used; the message names the new one."""


class GivenTwice(ValueError):
    """A key given under its new and its old name; ``key`` is the new name."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def _caller_level() -> int:
    """``stacklevel`` of the first frame outside the package, so the warning points at the
    user's line (and Python shows it by default in notebooks and scripts)."""
    frame, level = sys._getframe(1), 1  # CPython's frames; level 1 is deprecated() itself
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def deprecated(where: str, old: str, new: str) -> None:
    """Warn that ``old`` (a key, or ``key 'value'``) is now ``new``: the one function every
    alias goes through."""
    warnings.warn(f"{where}: {old} is renamed {new}; the old name is accepted until the next "
                  f"release", RenamedWarning, stacklevel=_caller_level())


def renames(where: str, *, keys: bool = True) -> dict[str, str]:
    """Old key → new key of ``where`` (``keys=False``: old value → new value, of every key)."""
    return {r.old: r.new for r in RENAMED if r.where == where and (r.key is None) == keys}


def renamed_value(where: str, key: str, value: T) -> T | str:
    """``value`` of ``key``, or its new name if it is an old one (with a warning)."""
    for r in RENAMED:
        if r.where == where and r.key == key and isinstance(value, str) and value == r.old:
            deprecated(where, f"{key} {r.old!r}", f"{r.new!r}")
            return r.new
    return value


def renamed_keys(where: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``values`` with old keys and old values replaced by their new names (each
    warns). A key given under both names raises :class:`GivenTwice` (a ``ValueError``): which
    one was meant is unknown."""
    out = dict(values)
    for old, new in renames(where).items():
        if old in out:
            if new in out:
                raise GivenTwice(f"{new} is given twice, also as its old name {old}: give "
                                 f"{new} only", new)
            deprecated(where, old, new)
            out[new] = out.pop(old)
    return {key: renamed_value(where, key, value) for key, value in out.items()}


def renamed_attribute(where: str, owner: object, name: str) -> Any:
    """For ``__getattr__``: the value of an attribute read by its old name (with a warning)."""
    new = renames(where).get(name)
    if new is None:
        raise AttributeError(f"{type(owner).__name__!r} object has no attribute {name!r}")
    deprecated(where, name, new)
    return getattr(owner, new)


def accepts_renamed(where: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: the constructor also takes the old keywords and old values of
    ``where``, and an attribute read by its old name gives the new one's value; both warn."""

    def decorate(cls: type[T]) -> type[T]:
        init = cls.__init__

        @functools.wraps(init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            init(self, *args, **renamed_keys(where, kwargs))

        def __getattr__(self: Any, name: str) -> Any:
            return renamed_attribute(where, self, name)

        cls.__init__ = __init__  # type: ignore[misc]
        cls.__getattr__ = __getattr__  # type: ignore[attr-defined]
        return cls

    return decorate


__all__ = ["RENAMED", "GivenTwice", "Rename", "RenamedWarning", "accepts_renamed", "deprecated",
           "renamed_attribute", "renamed_keys", "renamed_value", "renames"]
