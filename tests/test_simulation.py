"""The simulation loop: every combination runs, exact references, learning, elections, resume."""

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from econsim.baselines.stackelberg import stackelberg
from econsim.economy.best_response import best_response_menu
from econsim.economy.tax import TAX_PRESETS, TaxSchedule
from econsim.economy.utility import UTILITY_PRESETS
from econsim.simulation import (
    PLANNER_KINDS,
    SCENARIOS,
    WORKER_KINDS,
    SimConfig,
    make_simulation,
    resume_simulation,
)


@pytest.mark.parametrize(("scenario", "worker", "planner"),
                         list(itertools.product(SCENARIOS.names(), WORKER_KINDS, PLANNER_KINDS)))
def test_every_combination_runs(scenario, worker, planner):
    cfg = SimConfig(scenario=scenario, worker=worker, planner=planner, n_agents=4, n_steps=7,
                    K=3, tax_preset="us_federal_2024" if planner == "us_federal" else "three",
                    seed=3,
                    utility_mix={"egotistical": 50, "altruistic": 25, "adversarial": 25})
    res = make_simulation(cfg).run()
    assert res.status == "complete"
    assert len(res.steps) == 7 and len(res.agents) == 28
    rates = res.steps.filter(like="rate_")
    assert ((rates >= 0) & (rates <= 1)).all().all()
    assert np.isfinite(res.steps["paper_swf"]).all()
    if worker == "llm":
        kinds = set(res.calls.kind)
        assert "labour" in kinds
        assert ("satisfaction" in kinds) == (scenario != "rational")
    if scenario == "democratic":
        assert len(res.elections) > 0 and res.steps.leader.notna().all()


def test_all_utility_types_are_reachable_and_prompted():
    cfg = SimConfig(n_agents=6, n_steps=2, K=2, worker="llm", planner="fixed",
                    utility_mix={"egotistical": 34, "altruistic": 33, "adversarial": 33})
    sim = make_simulation(cfg)
    assert sorted(sim.utility_types) == sorted(["egotistical"] * 2 + ["altruistic"] * 2
                                               + ["adversarial"] * 2)
    res = sim.run()
    prompts = res.calls[res.calls.kind == "labour"].prompt.str.lower()
    assert prompts.str.contains("maximise the social welfare").sum() >= 2
    assert prompts.str.contains("minimise the social welfare").sum() >= 2


def test_rational_workers_under_stackelberg_planner_reach_the_exact_optimum():
    cfg = SimConfig(n_agents=8, n_steps=4, K=2, worker="rational", planner="stackelberg",
                    tax_preset="three", utility="calibrated", objective="utilitarian")
    sim = make_simulation(cfg)
    res = sim.run()
    exact = stackelberg(sim.skills, sim.cutoffs, UTILITY_PRESETS.get("calibrated"), objective="utilitarian", seed=42)
    np.testing.assert_allclose(res.steps["utilitarian"], exact.welfare, rtol=1e-12)
    np.testing.assert_allclose(res.steps[["rate_0", "rate_1", "rate_2"]].iloc[0], exact.rates)


def test_surrogate_workers_approach_the_best_response_under_a_fixed_schedule():
    """Tolerance: in the final 10 % (exploit) steps, >= 80 % of choices equal the exact best
    response on the menu and the mean utility gap to it is below 2 %."""
    cfg = SimConfig(n_agents=20, n_steps=300, K=25, worker="llm", planner="us_federal",
                    utility="calibrated", seed=7)
    sim = make_simulation(cfg)
    res = sim.run()
    target = best_response_menu(sim.skills, TaxSchedule.preset(TAX_PRESETS.get("us_federal_2024")),
                                UTILITY_PRESETS.get("calibrated"))
    late = res.agents[res.agents.step >= 270]
    hit = (late.labour.to_numpy() == target[late.agent.to_numpy()]).mean()
    assert hit >= 0.8
    best_rows = sim.skills * target
    assert best_rows.size == 20
    exact = make_simulation(cfg.replace(worker="rational")).run().agents
    exact_u = exact[exact.step >= 270].utility.mean()
    assert abs(late.utility.mean() - exact_u) / abs(exact_u) < 0.02


def test_democratic_majority_exploits_the_minority():
    """Four low-skill workers and one high earner, exact (rational) voters and leaders: the
    majority elects one of its own, who raises the rates that fall on the minority and lives on
    the rebate."""
    cfg = SimConfig(scenario="democratic", worker="rational", n_agents=5, n_steps=40, K=10,
                    tax_preset="three", utility="calibrated", seed=1)
    sim = make_simulation(cfg)
    sim.use_skills(np.array([300.0, 320.0, 340.0, 360.0, 6000.0]))  # constructed population
    res = sim.run()
    leaders = set(res.steps.leader.iloc[10:])
    assert "worker_4" not in leaders
    last = res.steps.iloc[-1]
    assert last.rate_2 > 0.5  # the high earner's top bracket rate rose from 50 %
    agents = res.agents[res.agents.step == res.agents.step.max()]
    minority = agents[agents.agent == 4].tax.iloc[0]
    assert minority > agents[agents.agent < 4].tax.max() * 10
    first = res.agents[res.agents.step == 0]
    gain_majority = (agents[agents.agent < 4].utility.to_numpy()
                     - first[first.agent < 4].utility.to_numpy())
    assert (gain_majority > 0).all()


def test_same_seed_same_run_and_seed_changes_it():
    cfg = SimConfig(n_agents=4, n_steps=30, K=10, worker="llm", planner="llm")
    a, b = make_simulation(cfg).run(), make_simulation(cfg).run()
    pd.testing.assert_frame_equal(a.agents, b.agents)
    c = make_simulation(cfg.replace(seed=43)).run()
    assert not a.agents.labour.equals(c.agents.labour)


def _comparable(folder):
    tables = {}
    for name in ("steps", "agents", "calls"):
        frame = pd.read_parquet(folder / f"{name}.parquet")
        tables[name] = frame.drop(columns=[c for c in ("latency_s", "request_latency_s")
                                           if c in frame])
    return tables


def test_killed_run_resumes_to_identical_tables(tmp_path):
    args = ["--scenario", "bounded", "--n-agents", "4", "--n-steps", "1500", "--K", "10",
            "--no-progress"]
    full, killed = tmp_path / "full", tmp_path / "killed"
    subprocess.run([sys.executable, "-m", "econsim.cli", "run", *args, "--out", str(full)],
                   check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "econsim.cli", "run", *args, "--out",
                             str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((killed / "chunks").glob("steps_*"))) < 3:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "manifest.json").exists(), "the run finished before it was killed"
    assert not (killed / "steps.parquet").exists()
    done = subprocess.run([sys.executable, "-m", "econsim.cli", "run", "--resume", str(killed),
                           "--no-progress"], capture_output=True, text=True)
    assert done.returncode == 0, (done.stderr, sorted(p.name for p in killed.iterdir()))
    assert "complete" in done.stdout
    a, b = _comparable(full), _comparable(killed)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True)


def test_budget_stops_cleanly_at_a_checkpoint(tmp_path):
    cfg = SimConfig(n_agents=5, n_steps=100, K=10, worker="llm", planner="llm", budget_calls=60)
    res = make_simulation(cfg, tmp_path / "run").run()
    assert res.status.startswith("budget exhausted")
    assert len(res.steps) % 10 == 0 and 0 < len(res.steps) < 100
    assert (tmp_path / "run" / "manifest.json").exists()


@pytest.mark.parametrize(("changes", "message"), [
    ({"scenario": "anarchy"}, "valid names: rational, bounded, democratic"),
    ({"planner": "oracle"}, "valid: llm, saez"),
    ({"worker": "robot"}, "valid: llm, rational, fixed"),
    ({"prompt_style": "verbose"}, "valid names: paper, compact"),
    ({"utility_mix": {"egotistical": 60, "altruistic": 30}}, "sum to 100"),
    ({"utility_mix": {"selfish": 100}}, "unknown type"),
    ({"K": 0}, "K must be an integer >= 1"),
    ({"n_agents": 0}, "n_agents must be an integer >= 1"),
    ({"objective": "happiness"}, "valid names: paper_swf"),
    ({"fixed_rates": [0.1, 2.0]}, "fixed_rates must be 7 fractions"),
    ({"colour": "red"}, "unknown config key"),
])
def test_invalid_configs_fail_before_anything_is_written(tmp_path, changes, message):
    folder = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-c",
                           "import sys, json; from econsim.simulation import *; "
                           "make_simulation(SimConfig.from_dict(json.loads(sys.argv[1])), sys.argv[2])",
                           __import__("json").dumps(changes), str(folder)],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert not folder.exists()


def test_existing_run_folder_is_protected(tmp_path):
    cfg = SimConfig(n_agents=2, n_steps=4, K=2, worker="rational", planner="fixed")
    make_simulation(cfg, tmp_path / "run").run()
    with pytest.raises(ValueError, match="not empty"):
        make_simulation(cfg, tmp_path / "run")
    with pytest.raises(ValueError, match="finished run"):
        resume_simulation(tmp_path / "run")


def test_docs_list_every_config_key_and_record_column():
    from econsim.compendium.paths import project_root
    from econsim.simulation.config import CONFIG_KEYS

    doc = (project_root() / "docs" / "simulation.md").read_text()
    for key in CONFIG_KEYS:
        assert f"`{key}`" in doc, f"docs/simulation.md misses config key {key}"
    res = make_simulation(SimConfig(scenario="democratic", n_agents=3, n_steps=4, K=2)).run()
    for name, table in res.tables.items():
        for col in table.columns:
            if not col.startswith("rate_"):
                assert f"`{col}`" in doc, f"docs/simulation.md misses {name} column {col}"


def test_conversation_shows_prompt_and_reply():
    res = make_simulation(SimConfig(n_agents=2, n_steps=12, K=5)).run()
    text = res.conversation(7, 1)
    assert "[system]" in text and "[reply]" in text and "LABOR" in text
    assert "[reply]" in res.conversation(5, "planner", "planner")
    with pytest.raises(ValueError, match="no 'vote' call"):
        res.conversation(7, 1, "vote")


@pytest.mark.parametrize("path", sorted((Path(__file__).parents[1] / "configs").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_v1_experiment_configs_are_valid_and_start(path):
    cfg = SimConfig.from_yaml(path)
    short = cfg.replace(n_steps=min(cfg.n_steps, 2 * cfg.K), n_agents=min(cfg.n_agents, 6))
    assert make_simulation(short).run().status == "complete"


@pytest.mark.parametrize("scenario", ["rational", "bounded", "democratic"])
def test_step_metrics_scored_per_tax_year_are_those_of_each_step(scenario):
    """The engine scores a tax year's steps at once: every steps row must hold the metrics of
    its own step's outcomes (recomputed from the agents table), and its objective."""
    from econsim.economy.welfare import WELFARE_FUNCTIONS

    cfg = SimConfig(scenario=scenario, n_agents=4, n_steps=23, K=5, record_prompts=False)
    res = make_simulation(cfg).run()
    agents = res.agents.sort_values(["step", "agent"])
    for t, g in agents.groupby("step"):
        row = res.steps.loc[res.steps.step == t].iloc[0]
        u, z, zt = (g[c].to_numpy() for c in ("utility", "pre_tax_income", "post_tax_income"))
        for name in WELFARE_FUNCTIONS:
            assert row[name] == WELFARE_FUNCTIONS.get(name)(u, z, zt), (t, name)
        assert row["objective"] == row[cfg.objective]
