"""Notebook 00 runs offline in a quick profile and reruns to byte-identical figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from econsim.compendium.notebook_runner import notebook_parameters

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "00_population.ipynb"
QUICK = {"n_agents": 1500, "n_clusters": 6, "n_personas_shown": 3, "n_llm_personas": 2}


def test_notebook_takes_its_parameters():
    """Hygiene is tested for every notebook in test_notebooks_common; here, 00's own knobs."""
    params = notebook_parameters(NOTEBOOK)
    assert {"n_agents", "seed", "skills_mode", "backend"} <= set(params)


@pytest.mark.slow
def test_notebook_executes_quick_profile_deterministically(tmp_path):
    pm = pytest.importorskip("papermill")
    runs = []
    for name in ("a", "b"):
        res, fig = tmp_path / name / "results", tmp_path / name / "figures"
        pm.execute_notebook(str(NOTEBOOK), str(tmp_path / f"{name}.ipynb"),
                            parameters={**QUICK, "results_dir": str(res), "figures_dir": str(fig)},
                            kernel_name="python3", progress_bar=False,
                            cwd=str(NOTEBOOK.parents[1]))
        runs.append((res, fig))
    (res_a, fig_a), (res_b, fig_b) = runs
    figures = sorted(p.name for p in fig_a.iterdir())
    assert figures == sorted(f"00_{s}.{e}" for s in ("income_vs_gb2", "demographic_mix",
                                                     "income_by_occupation")
                             for e in ("png", "pdf", "json"))  # json: the sidecar
    for name in figures:  # sidecars too: byte for byte at one commit
        assert (fig_a / name).read_bytes() == (fig_b / name).read_bytes(), name
    for table in ("income_quantiles.csv", "demographic_mix.csv", "clusters.csv",
                  "persona_skill_consistency.csv", "llm_personas.csv"):
        assert (res_a / table).read_bytes() == (res_b / table).read_bytes(), table
    manifest = json.loads((res_a / "manifest.json").read_text())
    assert manifest["experiment"] == "00_population"
    assert manifest["config"]["n_agents"] == QUICK["n_agents"]
