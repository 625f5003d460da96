"""Notebook 06 (scalability) runs offline in its quick profile and writes its figures/tables."""

import json

import pandas as pd

from econsim.compendium.notebook_runner import notebook_parameters, run_notebook
from econsim.compendium.paths import project_root

NOTEBOOK = project_root() / "notebooks" / "06_scalability.ipynb"


def test_parameters_cell_has_the_output_locations_and_backend():
    params = notebook_parameters(NOTEBOOK)
    assert params["backend"] == "surrogate"
    assert params["results_dir"] == "results/06_scalability"
    assert params["figures_dir"] == "figures"


def test_scalability_quick_profile(tmp_path):
    out = run_notebook(NOTEBOOK, tmp_path / "06.ipynb", profile="quick",
                       parameters={"results_dir": str(tmp_path / "r"),
                                   "figures_dir": str(tmp_path / "f")})
    assert out.exists()
    for stem in ("06_cost_and_swf", "06_cluster_fidelity"):
        for ext in ("png", "pdf"):
            assert (tmp_path / "f" / f"{stem}.{ext}").stat().st_size > 5000
    costs = pd.read_csv(tmp_path / "r" / "costs.csv")
    assert set(costs["mode"]) == {"per-agent calls", "vectorised surrogate", "cluster calls"}
    per_agent = costs[costs["mode"] == "per-agent calls"].set_index("n_agents")
    # bounded scenario: labour + satisfaction per worker, plus the planner once per tax year
    assert per_agent.calls_per_step[10] > 2 * 10
    arch = costs[costs["mode"] == "cluster calls"].iloc[0]
    assert 2 * 10 <= arch.calls_per_step <= 2 * 10 + 1
    assert (costs[costs["mode"] == "vectorised surrogate"].calls_per_step < 1).all()
    fid = pd.read_csv(tmp_path / "r" / "fidelity.csv")
    assert list(fid["mode"]) == ["per-agent", "per-agent (other LLM seed)", "K=5", "K=10"]
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["experiment"] == "06_scalability" and "costs.csv" in manifest["outputs"]
    workforce = pd.read_csv(tmp_path / "r" / "workforce_steps.csv")
    assert len(workforce) == 4 and (workforce.gini_error_bound < 1e-4).all()
    sharded = pd.read_csv(tmp_path / "r" / "sharded.csv").iloc[0]
    assert bool(sharded.identical_steps_and_agents) and sharded.shards == 5
    assert {"workforce_steps.csv", "sharded.csv"} <= set(manifest["outputs"])
