"""Every engine (population holder) keeps a run folder the same way and agrees where it can
(issue 24): status.json, the same manifest keys, the same step tables for one configuration."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from econsim.simulation import SimConfig, make_simulation
from econsim.simulation.calendar import TaxCalendar
from econsim.simulation.lean_engine import LeanSimulation
from econsim.simulation.status import read_status
from econsim.simulation.vectorized import VectorSimulation

BASE = SimConfig(scenario="rational", worker="rational", planner="us_federal", n_agents=40,
                 n_steps=10, K=5)


def _manifest(folder) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def test_every_engine_writes_status_and_the_same_manifest_keys(tmp_path):
    runs = {"per_agent": make_simulation(BASE, tmp_path / "a"),
            "vectorized": make_simulation(BASE.replace(record_agents=40), tmp_path / "b"),
            "lean": make_simulation(BASE.replace(engine="lean"), tmp_path / "c")}
    assert isinstance(runs["vectorized"], VectorSimulation)
    assert isinstance(runs["lean"], LeanSimulation)
    keys = {}
    for name, sim in runs.items():
        res = sim.run()
        assert res.status == "complete"
        assert read_status(sim.folder)["status"] == "complete", name
        m = _manifest(sim.folder)
        keys[name] = set(m) - {"engine", "timings"}
        assert set(m["backend"]) == {"requested", "served", "structured_output"}, name
        assert m["prompt_template_hash"], name
        assert (sim.folder / ".lock").exists()
    assert keys["per_agent"] == keys["vectorized"] == keys["lean"]


@pytest.mark.parametrize("planner", ["us_federal", "saez", "fixed", "random", "keep_start"])
def test_per_agent_and_vectorized_holders_give_the_same_steps(planner):
    cfg = BASE.replace(planner=planner)
    loop = make_simulation(cfg).run().steps
    vec = make_simulation(cfg.replace(record_agents=cfg.n_agents)).run().steps
    common = [c for c in loop.columns if c in vec.columns]
    assert len(common) >= len(loop.columns) - 1  # the vectorised table only adds summaries
    pd.testing.assert_frame_equal(loop[common], vec[common], check_exact=True)


def test_lean_engine_validates_before_it_replaces_an_earlier_run(tmp_path, monkeypatch):
    folder = tmp_path / "run"
    make_simulation(BASE.replace(engine="lean"), folder).run()
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(Exception, match="OPENAI_API_KEY"):
        make_simulation(BASE.replace(engine="lean", worker="llm", batching="clusters",
                                     n_clusters=4,
                                     backend="openai/gpt-4o-mini", planner="llm"),
                        folder, overwrite=True)
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("planner", ["random", "keep_start", "us_federal", "fixed"])
@pytest.mark.parametrize("warmup", [0, 7])
def test_every_holder_plays_one_calendar_and_one_planner_dispatch(planner, warmup):
    """The loop sets the rates for every holder: the same planner from PLANNERS on the same
    calendar gives the same rates at every step (these planners read no worker's outcome)."""
    cfg = BASE.replace(planner=planner, warmup=warmup, n_steps=23, K=4)
    cols = ["step", "tax_year", *(f"rate_{k}" for k in range(cfg.n_brackets))]
    per_agent = make_simulation(cfg).run().steps[cols]
    for other in (cfg.replace(record_agents=cfg.n_agents), cfg.replace(engine="lean")):
        pd.testing.assert_frame_equal(per_agent, make_simulation(other).run().steps[cols],
                                      check_exact=True)
    if planner == "random":  # the rates move exactly where the calendar lets the planner act
        moved = per_agent[cols[2:]].diff().abs().sum(axis=1).gt(0)
        assert set(per_agent.step[moved]) <= set(TaxCalendar.of(cfg).acting_steps())


def test_lean_llm_planner_is_asked_on_the_calendar():
    cfg = BASE.replace(engine="lean", worker="llm", batching="clusters", n_clusters=3,
                       planner="llm", n_agents=3000, n_steps=30, K=5, warmup=12)
    calls = make_simulation(cfg).run().calls
    assert sorted(calls.step[calls.kind == "planner"]) == [15, 20, 25]
    assert TaxCalendar.of(cfg).acting_steps() == [15, 20, 25]


def test_lean_engine_sends_the_configured_structured_output(server_factory, tmp_path):
    """The lean engine builds its client as every holder does (it once ignored the key)."""
    srv = server_factory()
    cfg = BASE.replace(engine="lean", worker="llm", batching="clusters", n_clusters=3,
                       planner="llm", n_agents=2000, n_steps=4, K=2, tax_preset="three",
                       prompt_style="compact", structured_output="json_object",
                       backend=f"openai-compatible/any-model@{srv.url}")
    res = make_simulation(cfg, tmp_path / "run").run()
    assert res.status == "complete"
    assert set(res.calls["structured_output"]) == {"json_object"}
