"""Input checks that raise ``ValueError`` naming the parameter and the allowed range."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def as_float_array(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """Convert to a float64 array, rejecting non-numeric input with a named error."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric; got {values!r}") from None
    return arr


def check_nonnegative(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``values`` as floats; raise if any is negative, NaN or infinite."""
    arr = as_float_array(values, name)
    if arr.size and not (np.isfinite(arr).all() and (arr >= 0).all()):
        bad = arr[~(np.isfinite(arr) & (arr >= 0))].ravel()[0]
        raise ValueError(f"{name} must be finite and >= 0 (allowed range [0, inf)); got {bad!r}")
    return arr


def check_fractions(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``values`` as floats; raise unless every entry is in [0, 1] (rates are fractions)."""
    arr = as_float_array(values, name)
    if arr.size and not (np.isfinite(arr).all() and (arr >= 0).all() and (arr <= 1).all()):
        bad = arr[~(np.isfinite(arr) & (arr >= 0) & (arr <= 1))].ravel()[0]
        raise ValueError(
            f"{name} must be fractions in [0, 1] (rates are fractions, not percent); got {bad!r}"
        )
    return arr


def check_range(value: float, name: str, low: float, high: float, *, low_open: bool = False,
                high_open: bool = False) -> float:
    """Check one scalar lies in the interval; the error names the interval."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number; got {value!r}") from None
    lo_ok = v > low if low_open else v >= low
    hi_ok = v < high if high_open else v <= high
    if not (np.isfinite(v) or np.isinf(high)) or not (lo_ok and hi_ok) or np.isnan(v):
        lb = "(" if low_open else "["
        rb = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {lb}{low}, {high}{rb}; got {value!r}")
    return v


def check_positive_int(value: int, name: str, minimum: int = 1) -> int:
    """Check an integer count is at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def check_finite(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``values`` as floats; raise if any entry is NaN or infinite."""
    arr = as_float_array(values, name)
    if arr.size and not np.isfinite(arr).all():
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise ValueError(f"{name} must be finite numbers (no NaN or inf); got {float(bad)!r}")
    return arr


def check_same_shape(**arrays: NDArray[np.float64]) -> None:
    """Raise unless every named array has the same shape (one entry per person, no broadcasting)."""
    shapes = {name: np.shape(a) for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{n} {s}" for n, s in shapes.items())
        raise ValueError(f"{', '.join(shapes)} must have the same shape (one entry per person); "
                         f"got {listed}")


def check_resolved(value: object, cls: type, name: str, how: str) -> None:
    """Raise ``TypeError`` unless ``value`` is a ``cls``: presets are resolved once, at the top.

    Functions below the configuration take objects, not preset names (docs/architecture.md,
    "Presets"); ``how`` shows the one resolution, e.g. ``UTILITY_PRESETS.get('paper')``.
    """
    if isinstance(value, cls):
        return
    if isinstance(value, str):
        raise TypeError(f"{name} must be a {cls.__name__}, not the preset name {value!r}: "
                        f"resolve a preset name once at the top, e.g. {how}")
    raise TypeError(f"{name} must be a {cls.__name__} (e.g. {how}); got {type(value).__name__}")
