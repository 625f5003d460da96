"""The offline surrogate: deterministic, reads both prompt styles, learns the best response."""


import numpy as np
import pytest

from econsim.economy.best_response import best_response_menu
from econsim.economy.tax import TAX_PRESETS, TaxSchedule
from econsim.economy.utility import CALIBRATED_UTILITY, utility
from econsim.llm.schemas import delta_schema, parse_reply, run_schema, vote_schema
from econsim.llm.surrogate import Surrogate, infer_kind
from econsim.prompts import (
    Candidate,
    PersonaRequest,
    PlannerView,
    PolicyRecord,
    RunView,
    SatisfactionView,
    StepRecord,
    VoteView,
    WorkerView,
    build,
)

STYLES = ("paper", "compact")


def simulate_workers(style, skills, schedule, params, n_steps, seed=0):
    """Workers driven only through prompts; outcomes computed by econsim.economy.tax/utility."""
    sur = Surrogate(seed)
    hists = [[] for _ in skills]
    labs = []
    cut, rates = tuple(schedule.cutoffs), tuple(schedule.rates)
    for t in range(n_steps):
        ls = np.array([
            sur.decide(build(style, "worker", WorkerView(f"worker_{i}", float(s), t, n_steps,
                                                         cut, rates, hists[i])),
                       f"t{t}/w{i}", "labor")["LABOR"] for i, s in enumerate(skills)], float)
        z = skills * ls
        tax = schedule.tax(z)
        reb = float(tax.mean())
        post = z - tax + reb
        u = utility(post, ls, params)
        for i in range(len(skills)):
            hists[i].append(StepRecord(t, rates, ls[i], z[i], tax[i], reb, post[i], u[i]))
        labs.append(ls)
    return np.array(labs)


@pytest.mark.parametrize("style", STYLES)
def test_workers_approach_best_response(style):
    """Tolerance: in the last 25 % of a 200-step episode at least 85 % of each worker's choices,
    and every "choose the best" step (last 10 %), equal the exact menu best response."""
    params = CALIBRATED_UTILITY
    schedule = TaxSchedule.preset(TAX_PRESETS.get("three"), [0.2, 0.3, 0.45])
    skills = np.array([400.0, 950.0, 2000.0, 4000.0, 7000.0])
    target = best_response_menu(skills, schedule, params)
    assert len(set(target)) >= 3  # a non-trivial target
    labs = simulate_workers(style, skills, schedule, params, 200)
    assert ((labs[150:] == target).mean(axis=0) >= 0.85).all()
    assert (labs[180:] == target).all()
    # and it really explored: early choices are spread out
    assert len(np.unique(labs[:40])) >= 4


def test_surrogate_is_deterministic_given_seed_and_call_id():
    params = CALIBRATED_UTILITY
    sch = TaxSchedule.flat(0.3)
    skills = np.array([500.0, 1500.0, 3000.0])
    a = simulate_workers("compact", skills, sch, params, 40, seed=7)
    b = simulate_workers("compact", skills, sch, params, 40, seed=7)
    c = simulate_workers("compact", skills, sch, params, 40, seed=8)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def _planner_view(history, step=50, rates=(0.5, 0.5, 0.5)):
    return PlannerView(step, 100, 25, (0.0, 90_000.0, 159_100.0), rates,
                       np.array([2e4, 1e5, 3e5]), np.array([1.0, 2.0, 3.0]), 3.0, history)


@pytest.mark.parametrize("style", STYLES)
def test_planner_follows_welfare_signal(style):
    sur = Surrogate(0)
    d3 = delta_schema(3)
    # raising bracket 1 raised SWF, lowering bracket 3 lowered it: continue / reverse
    hist = [PolicyRecord(0, (0.4, 0.5, 0.6), 1.0), PolicyRecord(25, (0.5, 0.5, 0.5), 2.0)]
    msgs = build(style, "planner", _planner_view(hist))
    d = parse_reply(sur.reply(msgs, "p/0", "delta"), d3).DELTA
    assert d[0] == 10 and d[2] == -10
    # "choose the best" in the last 10 %: move to the best rates seen
    hist = [PolicyRecord(0, (0.6, 0.5, 0.3), 5.0), PolicyRecord(25, (0.5, 0.5, 0.5), 2.0)]
    msgs = build(style, "planner", _planner_view(hist, step=95))
    assert parse_reply(sur.reply(msgs, "p/1", "delta"), d3).DELTA == [10, 0, -20]


PRO = "You are a 50-year-old nurse. You support redistribution and value public services."
ANTI = "You are a 50-year-old trader. You oppose high taxes and prefer low taxes."


@pytest.mark.parametrize("style", STYLES)
def test_satisfaction_reads_persona_and_tax_vs_rebate(style):
    sur = Surrogate(3)
    net_payer = StepRecord(5, (0.5,), 60, 200_000, 100_000, 20_000, 120_000, 110_000)
    receiver = StepRecord(5, (0.5,), 20, 10_000, 5_000, 20_000, 25_000, 24_000)

    def share(persona, last):
        msgs = build(style, "satisfaction", SatisfactionView("w", persona, (0.0,), (0.5,), last))
        return np.mean([sur.decide(msgs, f"s{i}", "satisfaction")["SATISFIED"] == "YES"
                        for i in range(2000)])

    assert share(PRO, receiver) > 0.9
    assert share(ANTI, net_payer) < 0.1
    assert share(PRO, net_payer) > share(ANTI, net_payer) + 0.2


@pytest.mark.parametrize("style", STYLES)
def test_vote_prefers_platform_that_cuts_own_taxes(style):
    sur = Surrogate(0)
    last = StepRecord(5, (0.5, 0.5), 40, 50_000, 25_000, 10_000, 35_000, 30_000)
    cands = (Candidate("worker_1", 40_000, (-20, 0)), Candidate("worker_2", 300_000, (20, 0)))
    msgs = build(style, "vote", VoteView("worker_0", ANTI, (0.0, 90_000.0), (0.5, 0.5), last,
                                         cands))
    v = parse_reply(sur.reply(msgs, "v0", "vote"), vote_schema(("worker_1", "worker_2")))
    assert v.VOTE == "worker_1"


@pytest.mark.parametrize("style", STYLES)
def test_run_and_persona_replies_validate(style):
    sur = Surrogate(1)
    hist = [StepRecord(t, (0.5, 0.5), 40, 50_000, 25_000, 10_000, 35_000, 30_000, 0.5, 15_000)
            for t in range(10)]
    msgs = build(style, "run", RunView("worker_0", ANTI + " You are risk-tolerant.",
                                       (0.0, 90_000.0), (0.5, 0.5), hist))
    runs = [parse_reply(sur.reply(msgs, f"r{i}", "run"), run_schema(2)) for i in range(50)]
    # net payer against taxes: cut its own bracket, raise the richer one (funds the rebate)
    assert any(r.RUN for r in runs) and all(r.PLATFORM == [-10, 10] for r in runs if r.RUN)
    msgs = build(style, "persona", PersonaRequest(45, "female", "Healthcare practitioners and "
                                                  "technical occupations", 72_000))
    text = sur.decide(msgs, "p0", "persona")["PERSONA"]
    assert text.startswith("You are a 45-year-old woman") and "$72,000" in text
    assert infer_kind(msgs[1]["content"]) == "persona"
