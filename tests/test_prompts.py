"""Prompt builders: both styles, bounded size, content per MODEL.md §6."""

import numpy as np
import pytest

from econsim.prompts import (
    CALL_KINDS,
    PROMPT_STYLES,
    PlannerView,
    PolicyRecord,
    StepRecord,
    WorkerView,
    build,
)


def view(n_hist, step=None, persona=None, utility_type="egotistical"):
    hist = [StepRecord(t, (0.5, 0.3), 30 + 10 * (t % 4), 3e4, 1e4, 8e3, 2.8e4, 2.7e4 + t,
                       1.0 if persona else None, 2.7e4 + t if persona else None, 1.5)
            for t in range(n_hist)]
    return WorkerView("worker_1", 950.0, n_hist if step is None else step, 1000,
                      (0.0, 90_000.0), (0.5, 0.3), hist, persona, utility_type, K=25, H=50)


@pytest.mark.parametrize("style", PROMPT_STYLES.names())
def test_worker_prompt_size_is_bounded(style):
    small = sum(len(m["content"]) for m in build(style, "worker", view(60)))
    big = sum(len(m["content"]) for m in build(style, "worker", view(900)))
    assert big <= small * 1.05


@pytest.mark.parametrize("style", PROMPT_STYLES.names())
def test_worker_prompt_content(style):
    text = "\n".join(m["content"] for m in build(style, "worker", view(30, persona="You are X.")))
    assert "950" in text and "LABOR" in text and "You are X." in text
    assert "best 5" in text.lower() or "BEST5" in text
    assert "explore" in text.lower()
    exploit = "\n".join(m["content"] for m in build(style, "worker", view(30, step=24)))
    assert "choose the best" in exploit.lower()


def test_cue_rule():
    assert view(0, step=24).exploit and view(0, step=900).exploit and not view(0, step=25).exploit


def test_bad_inputs_name_the_problem():
    with pytest.raises(ValueError, match="egotistical, altruistic, adversarial"):
        view(0, utility_type="greedy")
    with pytest.raises(ValueError, match="prompt style"):
        build("fancy", "worker", view(0))
    with pytest.raises(ValueError, match="worker, satisfaction"):
        build("paper", "workers", view(0))
    assert set(CALL_KINDS) == {"worker", "satisfaction", "planner", "leader", "vote", "run",
                               "persona"}


@pytest.mark.parametrize("style", PROMPT_STYLES.names())
def test_planner_prompt(style):
    hist = [PolicyRecord(25 * k, (0.5, 0.4 + 0.01 * k), float(k)) for k in range(80)]
    pv = PlannerView(2000, 2500, 25, (0.0, 90_000.0), (0.5, 0.5), np.linspace(1e4, 2e5, 50),
                     np.linspace(1, 2, 50), 1.2345, hist, H=20)
    text = build(style, "planner", pv)[1]["content"]
    assert '"DELTA": [d1, d2]' in text and "1.2345" in text
    assert text.count("->") <= 20 + 1


def test_utility_histogram_of_nearly_equal_utilities():
    """Utilities equal but for the last bits made numpy refuse the bins (a 07 run failed)."""
    from econsim.prompts.common import utility_histogram

    u = np.array([52_345.678, 52_345.678 + 1e-11, 52_345.678])
    edges, counts = utility_histogram(u)
    assert sum(counts) == 3 and edges[0] == u.min() and edges[-1] == u.min() + 1.0
    edges, counts = utility_histogram(np.full(4, 7.0))  # all equal: as before, one unit
    assert edges[-1] == 8.0 and counts[0] == 4
    edges, counts = utility_histogram(np.array([0.0, 5.0, 10.0]))  # ordinary: unchanged
    assert edges == [float(x) for x in np.linspace(0, 10, 11)] and counts == [1, 0, 0, 0, 0, 1,
                                                                             0, 0, 0, 1]
