"""The surrogate's counter-based draws: one call at a time and a phase at once agree bit for bit,
and the stream is uniform enough for a stand-in."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from econsim.llm.surrogate import Surrogate
from econsim.llm.surrogate.draws import Draws, call_key, call_keys, uniforms


def test_bulk_draws_equal_one_by_one() -> None:
    keys = [call_key(7, f"seed7/t{t:06d}/labour/{i}") for t in range(30) for i in range(40)]
    keys += [0, 1, 2**64 - 1, 2**63]
    bulk = uniforms(keys, 4)
    ids = [f"seed7/t{t:06d}/labour/{i}" for t in range(30) for i in range(40)]
    assert call_keys(7, ids).tolist() == keys[:len(ids)]
    for key, row in zip(keys, bulk.tolist(), strict=True):
        d = Draws(key)
        assert [d.random() for _ in range(4)] == row


def test_surrogate_uses_the_call_key() -> None:
    sur = Surrogate(11)
    assert sur.seed_of("a/b") == call_key(11, "a/b")
    assert sur.rng("a/b").random() == uniforms([call_key(11, "a/b")], 1)[0, 0]
    assert sur.rng("a/b").random() != sur.rng("a/c").random()


def test_choice_and_gauss() -> None:
    d = Draws(123)
    u = uniforms([123], 3)[0]
    assert d.choice((10, 20, 30)) == (10, 20, 30)[int(u[0] * 3)]
    g = Draws(5).gauss(1.0, 2.0)
    u1, u2 = uniforms([5], 2)[0]
    assert g == 1.0 + 2.0 * math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
    with pytest.raises(IndexError):
        Draws(1).choice(())


def test_draws_are_uniform_and_independent_across_calls_and_positions() -> None:
    keys = [call_key(3, f"call/{i}") for i in range(20_000)]
    u = uniforms(keys, 3)
    for k in range(3):  # each position uniform (Kolmogorov-Smirnov)
        assert stats.kstest(u[:, k], "uniform").pvalue > 1e-3
    # consecutive draws of a call are uncorrelated, and so are neighbouring calls
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.03
    assert abs(np.corrcoef(u[:-1, 0], u[1:, 0])[0, 1]) < 0.03
    # a biased stream would fail: the same check on u**2 is far from uniform
    assert stats.kstest(u[:, 0] ** 2, "uniform").pvalue < 1e-6
