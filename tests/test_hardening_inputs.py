"""No silent acceptance, no unbounded input (issue 25): duplicate YAML keys, endless or huge
config files, echoed values cut, credentials in URLs refused, impossible sizes refused before
any allocation."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from econsim.simulation import SimConfig, make_simulation
from econsim.simulation.config_types import ConfigError


def test_duplicate_yaml_key_is_an_error(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("scenario: rational\nn_agents: 5\nn_agents: 50\n")
    with pytest.raises(ConfigError, match=r"line 3, column 1\): key .n_agents. is given twice"):
        SimConfig.from_yaml(path)


def test_endless_config_file_is_read_only_so_far():
    t0 = time.perf_counter()
    with pytest.raises(ConfigError, match="longer than 1,048,576 bytes"):
        SimConfig.from_yaml("/dev/zero")
    assert time.perf_counter() - t0 < 5


def test_alias_bomb_error_is_one_short_line(tmp_path):
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefg"):
        prev = "abcdefg"[i]
        bomb.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    bomb.append("scenario: *g")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(bomb) + "\n")
    with pytest.raises(ConfigError) as err:
        SimConfig.from_yaml(path)
    assert len(str(err.value)) <= 400 and "\n" not in str(err.value)


def test_credentials_in_a_backend_url_are_refused():
    spec = "openai-compatible/m@http://user:" + "sk-" + "secret0123456789@127.0.0.1:8000/v1"
    with pytest.raises(ConfigError, match="credentials in the URL are refused") as err:
        SimConfig(backend=spec)
    assert "secret0123456789" not in str(err.value)


def test_impossible_population_is_refused_before_allocating():
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="exceeds available memory|more than the .* available"):
        make_simulation(SimConfig(scenario="rational", worker="rational", planner="fixed",
                                  n_agents=10**12, n_steps=10))
    assert time.perf_counter() - t0 < 5


def test_impossible_per_agent_run_is_refused_before_allocating():
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="exceeds available memory"):
        make_simulation(SimConfig(scenario="bounded", n_agents=10**9, n_steps=2500))
    assert time.perf_counter() - t0 < 5


def test_pack_of_another_backend_is_not_merged_into(tmp_path, capsys):
    import shutil

    from econsim.cli.main import main as cli_main
    from econsim.compendium.paths import project_root

    pack = tmp_path / "pack"
    shutil.copytree(project_root() / "results" / "10_real_model" / "pack", pack)
    before = {p.name: p.read_bytes() for p in pack.iterdir()}
    with pytest.raises(SystemExit) as stop:
        cli_main(["run", "--backend", "openai-compatible/m@http://127.0.0.1:9/v1",
                  "--worker", "llm", "--n-agents", "1", "--n-steps", "2", "--K", "1",
                  "--pack", str(pack), "--out", str(tmp_path / "run"), "--no-progress"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "holds a pack of llamacpp/smollm2" in err and "choose another folder" in err
    assert {p.name: p.read_bytes() for p in pack.iterdir()} == before
    assert not (tmp_path / "run").exists()


def test_a_store_of_several_seeds_replays_each_run_from_the_cli(tmp_path, capsys):
    from econsim.cli.main import main as cli_main

    store = tmp_path / "calls.sqlite"
    common = ["--worker", "llm", "--planner", "llm", "--n-agents", "2", "--n-steps", "4",
              "--K", "2", "--no-progress"]
    for seed in ("1", "2"):  # two seeds recorded into one store: two model names
        assert cli_main(["run", *common, "--seed", seed, "--store", str(store),
                         "--out", str(tmp_path / f"rec{seed}")]) == 0
    for seed in ("1", "2"):  # each replays with no flag: the run's own seed picks its model
        assert cli_main(["run", *common, "--seed", seed, "--backend", f"replay:{store}",
                         "--out", str(tmp_path / f"rep{seed}")]) == 0
        rec = pd.read_parquet(tmp_path / f"rec{seed}" / "agents.parquet")
        rep = pd.read_parquet(tmp_path / f"rep{seed}" / "agents.parquet")
        assert rec.equals(rep)
    assert cli_main(["run", *common, "--seed", "1", "--backend", f"replay:{store}",
                     "--replay-backend", "surrogate/surrogate-seed2",
                     "--out", str(tmp_path / "other")]) == 1  # seed 2's calls: ids of seed 1 miss
    with pytest.raises(ConfigError, match="replay_backend looks like"):
        SimConfig(replay_backend="surrogate")


def test_out_on_a_file_and_a_port_out_of_range_are_one_line_errors(tmp_path, capsys):
    from econsim.cli.main import main as cli_main
    from econsim.llm.serve import build_parser

    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit) as stop:
        cli_main(["run", "--worker", "rational", "--planner", "fixed", "--n-agents", "2",
                  "--n-steps", "2", "--K", "1", "--no-progress", "--out", str(tmp_path / "file")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Traceback" not in err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--port", "70000"])
    assert "expects a port number in 0-65535" in capsys.readouterr().err
