"""Numbers as prompts show them, for arrays (econsim.prompts.numbers) against Python's format."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from econsim.prompts.numbers import shown, shown_len


def _adversarial(rng: np.random.Generator) -> np.ndarray:
    """Random magnitudes, exact halves, values a hair around rounding and digit boundaries,
    negative zeros, tiny negatives, integers."""
    base = np.concatenate([
        rng.normal(0, 1, 500), rng.normal(0, 1e3, 500), rng.lognormal(8, 3, 500),
        np.arange(-2000, 2000) / 8.0,  # exact binary halves and quarters
        np.array([0.0, -0.0, -0.001, -0.004999, -0.005, 0.005, 0.015, 0.025, 0.125, 2.675,
                  9.995, 99.995, 999.995, 999_999.995, 1e15, -1e15, 123456789.125]),
    ])
    nudged = np.concatenate([np.nextafter(base, np.inf), np.nextafter(base, -np.inf)])
    return np.concatenate([base, nudged, -base])


@pytest.mark.parametrize("d", [0, 1, 2, 4])
@pytest.mark.parametrize("commas", [True, False])
def test_shown_and_lengths_equal_format(d: int, commas: bool) -> None:
    x = _adversarial(np.random.default_rng(d))
    spec = f"{',' if commas else ''}.{d}f"
    want_len = [len(format(v, spec)) for v in x.tolist()]
    want_val = [float(format(v, f".{d}f")) for v in x.tolist()]
    assert shown_len(x, d, commas).tolist() == want_len
    got = shown(x, d)
    assert got.tolist() == want_val
    assert np.signbit(got).tolist() == np.signbit(want_val).tolist()  # "-0.00" reads as -0.0


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1,
                max_size=20), st.sampled_from([0, 1, 2, 4]))
def test_any_floats(values: list[float], d: int) -> None:
    x = np.array(values)
    assert shown_len(x, d).tolist() == [len(format(v, f",.{d}f")) for v in values]
    assert shown(x, d).tolist() == [float(format(v, f".{d}f")) for v in values]


def test_a_wrong_rounding_would_be_seen() -> None:
    """The adversarial set holds values where float rounding of x·100 and Python's decimal
    rounding disagree: a naive np.round would fail the test above."""
    x = _adversarial(np.random.default_rng(2))
    naive = np.round(x, 2)
    assert naive.tolist() != [float(format(v, ".2f")) for v in x.tolist()]


def test_best_entry_labour_is_formatted_as_in_the_step_line() -> None:
    """The array stand-in reuses the step line's labour lengths for the best-steps entries."""
    from econsim.prompts import paper

    formats = {f: (d, commas) for f, d, commas in paper.STEP_LINE_FIELDS}
    assert formats["labour"] == paper.BEST_ENTRY_NUMBERS[0]
