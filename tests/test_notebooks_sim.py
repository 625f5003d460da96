"""Quick-profile runs of the simulation notebooks (02–05, 07–09) and their hygiene.

Each notebook executes offline in its ``quick`` profile (notebooks/profiles.yaml) into a temporary
folder and must write its figures (PNG + PDF, non-empty), tidy tables and a manifest.
"""

import json

import nbformat
import pytest

from econsim.compendium.notebook_runner import (
    check_parameters,
    load_profile,
    notebook_parameters,
    run_notebook,
)
from econsim.compendium.paths import project_root

ROOT = project_root()

#: notebook stem → (figure stems, tables) it must produce.
EXPECTED = {
    "02_rational_icrl": (["02_swf_over_time", "02_bracket_rates", "02_labour_vs_best_response",
                          "02_small_n_check"],
                         ["runs.csv", "tax_years.csv", "final_metrics.csv", "final_rates.csv",
                          "exact_baselines.csv", "best_response_share.csv", "small_n_check.csv",
                          "claims.csv"]),
    "03_bounded_personas": (["03_swf_over_time", "03_bracket_rates", "03_satisfaction",
                             "03_bracket_shift"],
                            ["runs.csv", "tax_years.csv", "final_metrics.csv", "final_rates.csv",
                             "bracket_shares.csv", "claims.csv"]),
    "04_democratic": (["04_swf_elections", "04_utility_by_group", "04_leader_timeline"],
                      ["runs.csv", "tax_years.csv", "leaders.csv", "group_utility.csv",
                       "turnover_summary.csv", "claims.csv"]),
    "05_backend_comparison": (["05_swf_by_variant", "05_bracket_rates", "05_reliability"],
                              ["runs.csv", "final_metrics.csv", "reliability.csv", "claims.csv"]),
    "07_tax_year_ablation": (["07_k_ablation"],
                             ["runs.csv", "final_metrics.csv", "adaptation_curve.csv",
                              "adaptation_lag.csv", "adaptation_lag_by_seed.csv", "claims.csv"]),
    "08_welfare_elasticity": (["08_elasticity_curve", "08_saez_elasticities_paper",
                               "08_winner_table"],
                              ["elasticity_curve.csv", "saez_by_elasticity.csv",
                               "bracket_elasticities.csv", "winner_table.csv",
                               "winner_table_by_seed.csv", "claims.csv"]),
    "09_classroom": (["09_classroom", "09_exercises"],
                     ["exercise_answers.csv", "saez_by_elasticity.csv", "checked_answers.csv"]),
    "11_saez_derivation": (["11_hazard_ratio", "11_G_and_rates"],
                           ["hazard.csv", "G_by_welfare.csv", "saez_along_income.csv",
                            "implied_G_us_federal.csv", "checks.csv"]),
    "10_real_model": (["10_swf_over_time", "10_bracket_rates", "10_labour_vs_best_response"],
                      ["runs.csv", "replies.csv", "validity.csv", "tax_years.csv",
                       "exact_baselines.csv", "final_rates.csv", "best_response_share.csv",
                       "c2_by_seed.csv", "claims.csv"]),
}
SIM_NOTEBOOKS = sorted(EXPECTED)
#: Teaching notebooks: exact computations, no LLM backend to choose.
TEACHING = ("09_classroom", "11_saez_derivation")
SIMULATION_NOTEBOOKS = [nb for nb in SIM_NOTEBOOKS if nb not in TEACHING]


@pytest.mark.parametrize("stem", SIM_NOTEBOOKS)
def test_quick_profile_runs_and_writes_outputs(stem, tmp_path):
    out = run_notebook(ROOT / "notebooks" / f"{stem}.ipynb", tmp_path / "out.ipynb",
                       profile="quick", parameters={"results_dir": str(tmp_path / "r"),
                                                    "figures_dir": str(tmp_path / "f")})
    assert out.exists()
    figures, tables = EXPECTED[stem]
    for fig in figures:
        for ext in ("png", "pdf"):
            path = tmp_path / "f" / f"{fig}.{ext}"
            assert path.exists() and path.stat().st_size > 5000, f"{stem}: {path.name} missing"
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["experiment"] == stem
    for table in tables:
        assert table in manifest["outputs"], f"{stem}: {table} not in the manifest"
        assert (tmp_path / "r" / table).stat().st_size > 50
    quick = load_profile(ROOT / "notebooks" / f"{stem}.ipynb", "quick")
    for name, value in quick.items():
        assert manifest["config"][name] == value, f"{stem}: {name} not applied"
    for cell in nbformat.read(out, as_version=4).cells:  # answers are kept, never printed
        if "solution" in cell.metadata.get("tags", []):
            assert cell.outputs == [], f"{stem}: a solution cell shows output"


@pytest.mark.parametrize("stem", SIM_NOTEBOOKS)
def test_notebook_parameters_and_quick_profile(stem):
    """Beyond the hygiene every notebook follows (test_notebooks_common): simulation notebooks
    take a population size and a seed, and their quick profile names real parameters."""
    path = ROOT / "notebooks" / f"{stem}.ipynb"
    assert {"n_agents", "seed"} <= set(notebook_parameters(path))
    check_parameters(path, load_profile(path, "quick"))


@pytest.mark.parametrize("stem", SIMULATION_NOTEBOOKS)
def test_simulation_notebooks_take_a_backend(stem):
    params = notebook_parameters(ROOT / "notebooks" / f"{stem}.ipynb")
    if stem == "10_real_model":  # offline default: the committed replay pack of a real model
        assert params["backend"] == "replay:results/10_real_model/pack"
        assert (ROOT / "results/10_real_model/pack/pack.json").is_file()
        return
    assert params["backend"] == "surrogate"  # offline default; one parameter switches it


#: Notebooks whose claims come from simulations (issue 11: paired seeds, >= 8 in full, 2 quick).
SEEDED = ["02_rational_icrl", "03_bounded_personas", "04_democratic", "05_backend_comparison",
          "07_tax_year_ablation", "08_welfare_elasticity"]


@pytest.mark.parametrize("stem", SEEDED)
def test_simulation_claims_use_paired_seeds(stem):
    path = ROOT / "notebooks" / f"{stem}.ipynb"
    assert notebook_parameters(path)["n_seeds"] >= 8, f"{stem}: full profile needs >= 8 seeds"
    assert load_profile(path, "quick").get("n_seeds") == 2, f"{stem}: quick profile runs 2 seeds"
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                       if c.cell_type == "code")
    assert "seeds=seeds" in source and "check_paired" in source, f"{stem}: runs are not paired"
    assert "claim_row" not in source, f"{stem}: a verdict from one comparison of means"
