"""The labour response lag as the share of a best response's move still to close, against a
hand-computed case (econsim.analysis.readaptation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from econsim.analysis import readaptation_curve, readaptation_lag


def _tables():
    # K = 3, two workers, three tax years; rates change at steps 3 and 6 (then 6 is unchanged
    # for worker 1's best response). Worker 0: best response 40 -> 60 -> 60; worker 1: 20 -> 20
    # -> 30.
    K, steps = 3, np.arange(9)
    rate = np.r_[[0.5] * 3, [0.3] * 3, [0.2] * 3]
    st = pd.DataFrame({"variant": "v", "step": steps, "rate_0": rate, "seed": 1})
    br = {0: np.r_[[40] * 3, [60] * 3, [60] * 3], 1: np.r_[[20] * 3, [20] * 3, [30] * 3]}
    lab = {0: [40, 40, 40, 40, 50, 60, 60, 60, 60], 1: [20, 20, 20, 20, 20, 20, 20, 30, 30]}
    rows = [{"variant": "v", "step": int(t), "agent": a, "labour": float(lab[a][t]),
             "best_response": float(br[a][t])} for a in (0, 1) for t in steps]
    return pd.DataFrame(rows), st, {"v": K}


def test_remaining_displacement_by_hand():
    agents, steps, k_of = _tables()
    curve = readaptation_curve(agents, steps, k_of)
    # moved: (year 1, worker 0: 40 -> 60) and (year 2, worker 1: 20 -> 30)
    # offset 0: |40-60|/20 = 1 and |20-30|/10 = 1; offset 1: 10/20 = .5 and 0; offset 2: 0, 0
    assert curve.remaining.tolist() == pytest.approx([1.0, 0.25, 0.0])
    assert curve.n_moved.tolist() == [2, 2, 2] and (curve.K == 3).all()
    lag = readaptation_lag(curve, 0.5)
    assert lag.lag_steps.iloc[0] == 1.0 and lag.final_remaining.iloc[0] == 0.0
    assert np.isnan(readaptation_lag(curve.assign(remaining=1.0), 0.5).lag_steps.iloc[0])
    with pytest.raises(ValueError, match="level must lie in"):
        readaptation_lag(curve, 1.0)


def test_no_moved_best_response_gives_no_rows():
    agents, steps, k_of = _tables()
    flat = agents.assign(best_response=40.0)
    assert readaptation_curve(flat, steps, k_of).empty
