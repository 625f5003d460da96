"""Numbers as prompts show them, for whole arrays: the value read back and the text's length.

A prompt shows ``x`` as ``format(x, ",.{d}f")``; a reader gets back ``float`` of that text without
its commas. For arrays, :func:`shown` gives those values and :func:`shown_len` the lengths of the
texts, equal to Python's formatting element by element, without formatting:

* ``k = rint(|x|·10^d)`` is the decimal rounding Python performs unless ``|x|·10^d`` lies within a
  few ulps of a half (there Python's exact, round-half-even decimal rounding may differ from the
  float product's): those elements, and non-finite or huge ones, are formatted one by one;
* the value shown is ``copysign(k / 10^d, x)`` (both sides correctly rounded from the same decimal,
  so the same double; ``-0.00`` keeps its sign, as Python's ``format`` does);
* the length is ``[x < 0 or x is −0.0] + digits(⌊k / 10^d⌋) + commas + (d + 1 if d else 0)``.

Checked against ``format`` on random and adversarial values (halves, boundaries such as 999.995,
negative zeros) by ``tests/test_prompt_numbers.py``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

_POW10 = 10 ** np.arange(19, dtype=np.int64)
_LIMIT = 2.0 ** 50  # above it a float's ulp is no longer small beside the rounding unit


def _rounded(x: NDArray[np.float64], d: int) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """``rint(|x|·10^d)`` and where it equals Python's decimal rounding (``safe``)."""
    a = np.abs(x)
    small = a < _LIMIT  # False for inf and nan too
    if not small.all():
        a = np.where(small, a, 0.0)
    y = a * 10.0 ** d
    frac = y - np.floor(y)
    safe = small & (y < _LIMIT) & (np.abs(frac - 0.5) > 4.0 * np.spacing(y))
    k = np.rint(np.where(safe, y, 0.0)).astype(np.int64)
    return k, safe


def shown(x: ArrayLike, d: int) -> NDArray[np.float64]:
    """``float(format(x, f".{d}f"))`` for every element of ``x``."""
    return shown_and_len(x, d)[0]


def shown_len(x: ArrayLike, d: int, commas: bool = True) -> NDArray[np.int64]:
    """``len(format(x, f",.{d}f"))`` (or without the thousands separator) for every element."""
    return shown_and_len(x, d, commas)[1]


def shown_and_len(x: ArrayLike, d: int, commas: bool = True
                  ) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """:func:`shown` and :func:`shown_len` of ``x`` (any shape), from one rounding."""
    x = np.asarray(x, dtype=np.float64)
    k, safe = _rounded(x, d)
    value = np.copysign(k / 10.0 ** d, x)
    whole = k // _POW10[d]
    digits = np.maximum(np.searchsorted(_POW10, whole, side="right"), 1)
    length = np.signbit(x).astype(np.int64) + digits + (d + 1 if d else 0)
    if commas:
        length += (digits - 1) // 3
    if not safe.all():
        spec = f"{',' if commas else ''}.{d}f"
        for i in np.flatnonzero(~safe):
            v = float(x.flat[i])
            value.flat[i] = float(format(v, f".{d}f"))
            length.flat[i] = len(format(v, spec))
    return value, length


__all__ = ["shown", "shown_and_len", "shown_len"]
