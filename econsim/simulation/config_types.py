"""How configuration values are checked: one error type naming the key, and one table of types.

Every key of :class:`~econsim.simulation.config.SimConfig` is checked against its annotation in
its section (:mod:`econsim.simulation.config_sections`; ``float | None`` accepts a finite number
or null), so a key added later is checked too.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: The longest configuration error message (values echoed in it are cut).
MAX_MESSAGE = 800


class ConfigError(ValueError):
    """A bad configuration value; ``key`` names the config key (``None`` if several are)."""

    def __init__(self, message: str, key: str | None = None) -> None:
        # an echoed value can be huge (a YAML alias bomb expands to megabytes): keep one line
        # (the longest message of our own, the list of every config key, fits)
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE - 60] + f" … [{len(message):,} characters in all]"
        super().__init__(message)
        self.key = key


@contextmanager
def about(key: str) -> Iterator[None]:
    """Tag a ``ValueError`` raised inside (e.g. by a registry lookup) with the config key."""
    try:
        yield
    except ConfigError:
        raise
    except ValueError as err:
        raise ConfigError(str(err), key) from None


def check_choice(value: str, name: str, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ConfigError(f"unknown {name} {value!r}; valid: {', '.join(valid)}", name)


# -- types: one table, read from the field annotations, so every key (new ones too) is checked --
def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


#: Annotation base type → (test, what the error says is allowed).
_TYPE_RULES: dict[str, tuple[Any, str]] = {
    "None": (lambda v: v is None, "null"),
    "bool": (lambda v: isinstance(v, bool), "true or false (a YAML boolean, not a string)"),
    "int": (lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool), "an integer"),
    "float": (_is_number, "a finite number"),
    "str": (lambda v: isinstance(v, str), "text"),
    "dict": (lambda v: isinstance(v, dict) and all(isinstance(k, str) and _is_number(x)
                                                  for k, x in v.items()),
             "a mapping of names to numbers"),
    "tuple": (lambda v: isinstance(v, list | tuple) and all(_is_number(x) for x in v),
              "a list of numbers"),
}


def check_value_type(key: str, kinds: tuple[str, ...], value: Any, example: Any = None) -> None:
    """Raise :class:`ConfigError` naming ``key`` unless ``value`` is one of the base types
    ``kinds`` (``('float', 'None')``); ``example`` (a default) is quoted in the message."""
    if isinstance(value, tuple) and "tuple" in kinds:
        value = list(value)
    if any(_TYPE_RULES[k][0](value) for k in kinds):
        return
    allowed = " or ".join(_TYPE_RULES[k][1] for k in kinds)
    shown = f" (e.g. {example!r})" if example is not None else ""
    raise ConfigError(f"{key} must be {allowed}{shown}; got {value!r}", key)
