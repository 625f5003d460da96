"""Analysis that notebooks 04 and 10 once did in hand loops over seeds, checked on hand-made
tables (hand-computed utility changes; welfare of known rates)."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from econsim import analysis
from econsim.economy.outcomes import rational_step
from econsim.economy.tax import TAX_PRESETS, THREE, TaxSchedule
from econsim.economy.utility import PAPER_UTILITY


def _runs():
    """Two seeds x {planner-led, elections}; 2 workers, K = 1, two steps. In every elections run
    worker 0 votes for the leader (worker 0) and worker 1 for itself."""
    agents, elections, skills, arms, configs = [], [], {}, {}, {}
    for s in (1, 2):
        for arm, utils in (("led", (6.0, 6.0)), ("dem", (10.0 + s, 4.0))):
            label = f"{arm} · seed {s}"
            arms[label], configs[label] = arm, SimpleNamespace(seed=s)
            skills[label] = np.array([1.0, 2.0])
            for step in (0, 1):
                agents += [{"variant": label, "seed": s, "agent": a, "step": step,
                            "utility": utils[a]} for a in (0, 1)]
            if arm == "dem":
                elections += [{"variant": label, "step": 0, "agent": a, "vote": a, "leader": 0}
                              for a in (0, 1)]
    return SimpleNamespace(agents=pd.DataFrame(agents), steps=pd.DataFrame(),
                           elections=pd.DataFrame(elections), skills=skills, arms=arms,
                           configs=configs)


def test_group_utility_by_seed_hand_computed():
    table = analysis.group_utility_by_seed(_runs(), "led", [1, 2], K=1)
    assert list(table.columns[:3]) == ["variant", "arm", "seed"]
    assert set(table.arm) == {"dem"} and list(table.seed.unique()) == [1, 2]
    got = table.set_index(["seed", "grouping", "group"]).change
    for s in (1, 2):  # worker 0 gains 10 + s - 6, worker 1 loses 2 (each is half the workers)
        assert got[(s, "leader's voters vs everyone else", "leader's voters")] == 4 + s
        assert got[(s, "leader's voters vs everyone else", "everyone else")] == -2
        assert got[(s, "by skill: lower vs upper half", "lower-skill half")] == 4 + s
        assert got[(s, "by skill: lower vs upper half", "upper-skill half")] == -2
    voters = table[table.group == "leader's voters"]
    assert (voters.share_of_workers == 0.5).all()
    with pytest.raises(ValueError, match="seed 3"):
        analysis.group_utility_by_seed(_runs(), "led", [3], K=1)


def _welfare(skill, rates, metric):
    cut = TAX_PRESETS.get("three").cutoffs
    out = rational_step(np.asarray(skill), TaxSchedule(cut, np.asarray(rates)),
                        PAPER_UTILITY)
    return out.welfare()[metric]


def test_learned_vs_exact_scores_each_planners_rates_on_its_seed():
    rng = np.random.default_rng(0)
    skills = {7: rng.uniform(5, 80, 6), 8: rng.uniform(5, 80, 6)}
    learned = {7: [0.1, 0.2, 0.3], 8: [0.3, 0.2, 0.1]}
    final = pd.DataFrame(
        [{"model": "m", "seed": s, "bracket": b, "rate": learned[s][b]}
         for s in skills for b in (2, 0, 1)]  # out of bracket order on purpose
        + [{"model": "keep", "seed": s, "bracket": b, "rate": 0.5} for s in skills for b in range(3)])
    exact = pd.DataFrame([{"seed": s, "schedule": sched, "metric": m, "value": v + s}
                          for s in skills
                          for sched, base in (("Saez (e = 0.4)", 10.0), ("Stackelberg optimum", 20.0))
                          for m, v in (("paper_swf", base), ("utilitarian", base + 1))])
    c2 = analysis.learned_vs_exact(final, exact, skills, model="m", nulls=["keep"],
                                   brackets=THREE, utility=PAPER_UTILITY, objective="paper_swf",
                                   second_metric="utilitarian")
    assert list(c2.columns) == ["llm", "saez", "keep", "stackelberg", "llm_second",
                                "saez_second"]
    assert list(c2.index) == [7, 8] and c2.index.name == "seed"
    for s in skills:
        assert c2.loc[s, "llm"] == pytest.approx(_welfare(skills[s], learned[s], "paper_swf"))
        assert c2.loc[s, "llm_second"] == pytest.approx(
            _welfare(skills[s], learned[s], "utilitarian"))
        assert c2.loc[s, "keep"] == pytest.approx(_welfare(skills[s], [0.5] * 3, "paper_swf"))
        assert (c2.loc[s, "saez"], c2.loc[s, "stackelberg"], c2.loc[s, "saez_second"]) == (
            10 + s, 20 + s, 11 + s)
    with pytest.raises(ValueError, match="no Saez"):
        analysis.learned_vs_exact(final, exact[~exact.schedule.str.startswith("Saez")], skills,
                                  model="m", nulls=[], brackets=THREE, utility=PAPER_UTILITY,
                                  objective="paper_swf", second_metric="utilitarian")
