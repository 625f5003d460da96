"""Sweeps on Dask distributed: local cluster = serial results, failures reported, bad input."""

from __future__ import annotations

import json
import socket
import time

import pandas as pd
import pytest

from econsim.cli.main import main as cli_main
from econsim.scale.cluster import SchedulerUnreachable
from econsim.simulation import SimConfig, make_simulation
from econsim.simulation.sweep import expand_grid, frame_digest, run_sweep

BASE = SimConfig(n_agents=8, n_steps=20, K=5, worker="llm", planner="llm", tax_preset="three")
# 20,000 agents: large enough that a multi-threaded BLAS reduction would change the last bits
GRID = {"worker": ["fixed", "surrogate_vec"], "n_agents": [8, 20_000],
        "population": [None, "/nonexistent/population"]}


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_local_cluster_sweep_equals_serial_runs_and_reports_the_failing_ones(tmp_path):
    res = run_sweep(BASE, GRID, seeds=[1], out_dir=tmp_path / "dask", n_workers=2,
                    progress=False)
    runs = res.runs.set_index("name")
    assert len(runs) == 8
    failed = runs[runs.status == "failed"]
    assert len(failed) == 4 and failed.error.str.contains("nonexistent").all()
    assert (runs.drop(failed.index).status == "complete").all()
    assert not res.ok
    # identical to running the same configurations one after another, in this process
    for name, row in runs.drop(failed.index).iterrows():
        cfg = BASE.replace(worker=row.worker, n_agents=int(row.n_agents), seed=int(row.seed))
        direct = make_simulation(cfg).run()
        assert row.steps_digest == frame_digest(direct.steps)
        assert row.agents_digest == frame_digest(direct.agents)
        pd.testing.assert_frame_equal(res.steps(name), direct.steps)
    serial = run_sweep(BASE, GRID, seeds=[1], out_dir=tmp_path / "serial",
                       scheduler="serial", progress=False)
    pd.testing.assert_series_equal(res.runs.steps_digest, serial.runs.steps_digest)
    assert (tmp_path / "dask" / "sweep.csv").exists()
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["failed"] == 4 and manifest["runs"] == 8


def test_sweep_on_an_existing_scheduler_by_address(tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                      host="127.0.0.1",
                      dashboard_address=None) as cluster:
        res = run_sweep(BASE, {}, seeds=[3, 4], out_dir=tmp_path, progress=False,
                        scheduler=cluster.scheduler_address)
    assert res.ok and list(res.runs.name) == ["seed=3", "seed=4"]
    assert res.runs.steps_digest[0] == frame_digest(make_simulation(BASE.replace(seed=3)).run().steps)


def test_unreachable_scheduler_is_a_clear_error_within_the_timeout(tmp_path):
    address = f"tcp://127.0.0.1:{_closed_port()}"
    start = time.monotonic()
    with pytest.raises(SchedulerUnreachable, match=f"cannot reach the Dask scheduler at {address}"
                       r" within 1\.5 s"):
        run_sweep(BASE, {}, seeds=[1], out_dir=tmp_path, scheduler=address, timeout=1.5,
                  progress=False)
    assert time.monotonic() - start < 8.0


@pytest.mark.parametrize(("grid", "seeds", "message"), [
    ({"n_agentz": [1]}, [1], r"unknown grid key\(s\) \['n_agentz'\]; valid keys: .*n_agents"),
    ({"seed": [1, 2]}, [1], "seeds=\\[...\\]"),
    ({"n_agents": []}, [1], "non-empty list"),
    ({"n_agents": [0]}, [1], "n_agents must be an integer >= 1"),
    ({}, [], "seeds must be a non-empty list"),
    ({}, [-1], "seeds must be a non-empty list of integers >= 0"),
])
def test_bad_sweep_input_is_refused_before_anything_runs(tmp_path, grid, seeds, message):
    with pytest.raises(ValueError, match=message):
        run_sweep(BASE, grid, seeds, tmp_path / "x", scheduler="serial", progress=False)
    assert not (tmp_path / "x").exists()


def test_bad_scheduler_workers_and_busy_folders(tmp_path):
    with pytest.raises(ValueError, match="scheduler must be None, 'serial' or an address"):
        run_sweep(BASE, {}, [1], tmp_path / "a", scheduler="127.0.0.1:8786", progress=False)
    with pytest.raises(ValueError, match="n_workers must be an integer >= 1"):
        run_sweep(BASE, {}, [1], tmp_path / "a", n_workers=0, progress=False)
    run_sweep(BASE, {}, [1], tmp_path / "b", scheduler="serial", progress=False)
    with pytest.raises(ValueError, match="overwrite=True"):
        run_sweep(BASE, {}, [1], tmp_path / "b", scheduler="serial", progress=False)
    assert run_sweep(BASE, {}, [1], tmp_path / "b", scheduler="serial", progress=False,
                     overwrite=True).ok


def test_sweep_memory_guard_counts_concurrent_runs(tmp_path, monkeypatch):
    big = BASE.replace(worker="surrogate_vec", planner="saez", n_agents=400_000)
    monkeypatch.setattr("econsim.simulation.memory.available_memory", lambda: 2**28)
    with pytest.raises(ValueError, match="exceeds available memory"):
        run_sweep(big, {}, [1, 2], tmp_path, progress=False)


def test_grid_expansion_names_and_order():
    runs = expand_grid(BASE, {"planner": ["saez", "llm"], "n_agents": [4, 6]}, [7, 8])
    assert [r.name for r in runs][:3] == ["planner=saez__n_agents=4__seed=7",
                                          "planner=saez__n_agents=4__seed=8",
                                          "planner=saez__n_agents=6__seed=7"]
    assert runs[-1].config.planner == "llm" and runs[-1].config.n_agents == 6


def test_cli_sweep_serial(tmp_path, capsys):
    code = cli_main(["sweep", "--set", "n_agents=6", "--set", "n_steps=10", "--set", "K=5",
                     "--set", "worker=rational", "--grid", "planner=saez,fixed",
                     "--seeds", "1-2", "--scheduler", "serial", "--no-progress",
                     "--out", str(tmp_path)])
    assert code == 0
    assert "4/4 runs complete" in capsys.readouterr().out
    table = pd.read_csv(tmp_path / "sweep.csv")
    assert sorted(table.planner.unique()) == ["fixed", "saez"] and set(table.seed) == {1, 2}


def test_cli_sweep_reports_unreachable_scheduler(tmp_path, capsys):
    code = cli_main(["sweep", "--scheduler", f"tcp://127.0.0.1:{_closed_port()}",
                     "--timeout", "1", "--out", str(tmp_path), "--no-progress"])
    assert code == 2 and "cannot reach the Dask scheduler" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli_main(["sweep", "--grid", "nope=1,2", "--out", str(tmp_path)])


def test_named_variants_cross_the_grid_and_seeds():
    variants = {"led": {"scenario": "bounded", "planner": "llm"},
                "vote": {"scenario": "democratic"}}
    runs = expand_grid(BASE, {"K": [5, 10]}, [1, 2], variants)
    assert len(runs) == 8 and runs[0].name == "variant=led__K=5__seed=1"
    assert runs[-1].values == {"variant": "vote", "K": 10} and runs[-1].config.seed == 2
    assert runs[-1].config.scenario == "democratic"
    with pytest.raises(ValueError, match="set by both"):
        expand_grid(BASE, {"planner": ["saez"]}, [1], {"a": {"planner": "llm"}})
    with pytest.raises(ValueError, match="put seeds in seeds"):
        expand_grid(BASE, {}, [1], {"a": {"seed": 3}})


def test_seeded_variants_pair_populations_and_equal_single_runs():
    """run_variants(seeds=...) runs every variant with every seed on a local Dask cluster: runs
    of one seed share the population (so differences pair) and equal in-process runs."""
    from econsim.analysis import run_variants
    from econsim.analysis.uncertainty import check_paired, per_seed_table

    base = BASE.replace(scenario="bounded", n_steps=10)
    variants = {"llm": {"planner": "llm"}, "saez": {"planner": "saez"}}
    runs = run_variants(base, variants, seeds=[5, 6], n_workers=2)
    assert sorted(runs.configs) == ["llm · seed 5", "llm · seed 6", "saez · seed 5",
                                    "saez · seed 6"]
    assert check_paired(runs.skills, {k: c.seed for k, c in runs.configs.items()}) == 2
    assert not (runs.skills["llm · seed 5"] == runs.skills["llm · seed 6"]).all()
    assert set(runs.steps.arm) == {"llm", "saez"} and set(runs.steps.seed) == {5, 6}
    direct = run_variants(base, {"saez · seed 6": {"planner": "saez", "seed": 6}})
    mine = runs.steps[runs.steps.variant == "saez · seed 6"].drop(
        columns=["variant", "arm", "planner", "seed"]).reset_index(drop=True)
    theirs = direct.steps.drop(columns=["variant"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, theirs)
    final = runs.steps.groupby(["arm", "seed"], as_index=False).objective.mean()
    wide = per_seed_table(final, "objective", "arm")
    assert wide.shape == (2, 2)
