"""`econsim baselines` and `econsim run` from the command line."""

import json

import numpy as np
import pandas as pd
import pytest

from econsim.baselines.saez import saez_rates
from econsim.cli.main import main
from econsim.economy.skills import sample_skills


def test_baselines_json_matches_library(capsys):
    assert main(["baselines", "--preset", "three", "--n-agents", "300", "--seed", "7",
                 "--saez-mode", "both", "--elasticity", "0.4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["schedules"]) == {"saez", "saez_v1", "stackelberg"}
    skills = sample_skills(300, np.random.default_rng(7))
    np.testing.assert_allclose(out["schedules"]["saez_v1"]["rates"],
                               saez_rates([0, 90_000, 159_100], skill=skills, elasticity=0.4,
                                          mode="v1"), atol=1e-6)
    for sch in out["schedules"].values():
        assert all(0 <= r <= 1 for r in sch["rates"])


def test_baselines_table_lists_us_federal(capsys):
    assert main(["baselines", "--n-agents", "200"]) == 0
    text = capsys.readouterr().out
    assert "us_federal" in text and "$609,350+" in text and "37.0" in text


@pytest.mark.parametrize(("argv", "message"), [
    (["baselines", "--preset", "uk"], "valid names: flat, three, us_federal_2024"),
    (["baselines", "--utility", "log"], "valid names: paper, calibrated"),
    (["baselines", "--n-agents", "0"], "n_agents must be an integer >= 1"),
    (["baselines", "--elasticity", "huge"], "valid names: flat_0.4"),
    (["run", "--scenario", "anarchy", "--out", "/nonexistent/x"], "valid names: rational"),
])
def test_cli_bad_input(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_run_with_yaml_config_and_flags(tmp_path, capsys):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("n_agents: 3\nn_steps: 20\nK: 5\nworker: llm\nplanner: llm\n")
    out = tmp_path / "run"
    assert main(["run", "--config", str(cfg), "--seed", "5", "--prompt-style", "compact",
                 "--out", str(out), "--no-progress"]) == 0
    assert "complete: 20 steps" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["seed"] == 5 and manifest["config"]["prompt_style"] == "compact"
    assert manifest["status"] == "complete"
    calls = pd.read_parquet(out / "calls.parquet")
    assert len(calls) == 3 * 20 + 3  # workers every step + the planner each later tax year
    assert calls.prompt.str.len().gt(100).all()


def test_record_then_replay_without_keys(tmp_path, capsys):
    store = tmp_path / "calls.sqlite"
    base = ["run", "--n-agents", "3", "--n-steps", "20", "--K", "10", "--no-progress"]
    assert main([*base, "--store", str(store), "--out", str(tmp_path / "rec")]) == 0
    assert main([*base, "--backend", f"replay:{store}", "--out", str(tmp_path / "rep")]) == 0
    rec = pd.read_parquet(tmp_path / "rec" / "agents.parquet")
    rep = pd.read_parquet(tmp_path / "rep" / "agents.parquet")
    pd.testing.assert_frame_equal(rec, rep)
    calls = pd.read_parquet(tmp_path / "rep" / "calls.parquet")
    assert calls.cached.all()
    capsys.readouterr()
    # a prompt that was never recorded is a loud error, never a live call
    changed = ["run", "--n-agents", "3", "--n-steps", "21", "--K", "10", "--no-progress"]
    assert main([*changed, "--backend", f"replay:{store}", "--out", str(tmp_path / "x")]) == 1
    assert "ReplayMissError" in capsys.readouterr().err
