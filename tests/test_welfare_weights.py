"""Social marginal welfare weights: each rule against finite differences of its welfare
function (a dollar to person i raises u_i and z_tilde_i by one)."""

import numpy as np
import pytest

from econsim.baselines.welfare_weights import WEIGHT_RULES, social_weights
from econsim.economy.utility import CALIBRATED_UTILITY
from econsim.economy.welfare import get_objective

RNG = np.random.default_rng(7)
Z = np.array([0.0, 12_000.0, 30_000.0, 55_000.0, 90_000.0, 240_000.0])
ZT = np.array([9_000.0, 19_000.0, 33_000.0, 50_000.0, 75_000.0, 180_000.0])
U = ZT - np.array([0.0, 800.0, 2_000.0, 3_500.0, 5_000.0, 9_000.0])


def _finite_difference(name, h=1e-3):
    f = get_objective(name)
    base = f(U, Z, ZT)
    d = np.empty(Z.size)
    for i in range(Z.size):
        bump = np.eye(Z.size)[i] * h
        d[i] = (f(U + bump, Z, ZT + bump) - base) / h
    return d * (d.size / d.sum())


@pytest.mark.parametrize("name", sorted(WEIGHT_RULES))
def test_weights_are_the_gradient_of_the_welfare_function(name):
    np.testing.assert_allclose(social_weights(name, U, Z, ZT), _finite_difference(name),
                               rtol=1e-4, atol=1e-6)


def test_weights_have_mean_one_and_reject_metrics():
    for name in WEIGHT_RULES:
        assert social_weights(name, U, Z, ZT).mean() == pytest.approx(1.0)
    assert (social_weights("utilitarian", U, Z, ZT) == 1).all()
    with pytest.raises(ValueError, match="metric, not an objective"):
        social_weights("gini", U, Z, ZT)
    with pytest.raises(ValueError, match="same people"):
        social_weights("atkinson", U, Z[:3], ZT)


def test_every_objective_has_a_rule():
    from econsim.economy.welfare import OBJECTIVES

    assert set(WEIGHT_RULES) == set(OBJECTIVES)


def test_a_damped_saez_fixed_point_settles_where_the_plain_one_cycles():
    import warnings

    from econsim.baselines.landscape import SaezConvergenceWarning, saez_fixed_point
    from econsim.classroom.game import Game, GameSetup

    game = Game(GameSetup(brackets=7))
    kw = dict(objective="atkinson", mode="local", tol=2e-3, max_iter=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SaezConvergenceWarning)
        plain = saez_fixed_point(game.skill, game.cutoffs, CALIBRATED_UTILITY, 0.4, **kw)
    damped = saez_fixed_point(game.skill, game.cutoffs, CALIBRATED_UTILITY, 0.4, damping=0.5, **kw)
    assert not plain.converged and damped.converged
    with pytest.raises(ValueError, match="damping"):
        saez_fixed_point(game.skill, game.cutoffs, CALIBRATED_UTILITY, 0.4, damping=0.0)
