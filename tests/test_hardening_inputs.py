"""No silent acceptance, no unbounded input (issue 25): duplicate YAML keys, endless or huge
config files, echoed values cut, credentials in URLs refused, impossible sizes refused before
any allocation."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from econsim.simulation import SimConfig, make_simulation
from econsim.simulation.config_types import MAX_MESSAGE, ConfigError


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
    # one line, bounded: the unknown keys echoed are cut, the list of valid keys is kept
    assert len(str(err.value)) <= MAX_MESSAGE and "\n" not in str(err.value)
    assert "valid keys: scenario" in str(err.value) and "chunk_size" in str(err.value)


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
    with pytest.raises(SystemExit) as stop:  # a device is no folder either
        cli_main(["run", "--worker", "rational", "--planner", "fixed", "--n-agents", "2",
                  "--n-steps", "2", "--K", "1", "--no-progress", "--out", "/dev/null"])
    assert "run folder /dev/null is a file, not a folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--port", "70000"])
    assert "expects a port number in 0-65535" in capsys.readouterr().err


def test_a_key_given_twice_inside_a_mapping_is_an_error(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("utility_mix: {isoelastic: 50, isoelastic: 50}\n")
    with pytest.raises(ConfigError, match="key 'isoelastic' is given twice"):
        SimConfig.from_yaml(path)


def test_a_boolean_word_of_a_config_file_is_one_of_the_flags_too(tmp_path, capsys):
    from econsim.cli.main import main as cli_main

    path = tmp_path / "c.yaml"
    path.write_text("platforms: yes\n")  # a YAML boolean: the flag takes the same word
    assert SimConfig.from_yaml(path).platforms is True
    common = ["run", "--scenario", "democratic", "--n-agents", "2", "--n-steps", "2", "--K", "1",
              "--no-progress"]
    assert cli_main([*common, "--platforms", "yes", "--out", str(tmp_path / "a")]) == 0
    assert "platforms: true" in (tmp_path / "a" / "config.yaml").read_text()
    with pytest.raises(SystemExit):
        cli_main([*common, "--platforms", "maybe", "--out", str(tmp_path / "b")])
    assert "expects true or false; got 'maybe' (yes/no and on/off are read as in YAML)" \
        in capsys.readouterr().err


def test_a_planner_that_never_acts_is_a_warning_line(tmp_path, capsys):
    from econsim.cli.main import main as cli_main

    common = ["run", "--worker", "rational", "--n-agents", "2", "--n-steps", "4",
              "--no-progress"]
    assert cli_main([*common, "--planner", "saez", "--K", "50", "--out",
                     str(tmp_path / "a")]) == 0
    assert "warning: K=50 is longer than n_steps=4: the run ends inside its first tax year" \
        in capsys.readouterr().err
    assert cli_main([*common, "--planner", "llm", "--K", "2", "--warmup", "4", "--out",
                     str(tmp_path / "b")]) == 0
    assert "warning: warmup=4 is not below n_steps=4" in capsys.readouterr().err
    assert cli_main([*common, "--planner", "fixed", "--K", "50", "--out",
                     str(tmp_path / "c")]) == 0  # rates never change anyway: no warning
    assert "warning" not in capsys.readouterr().err


def test_record_agents_zero_is_refused():
    with pytest.raises(ConfigError, match="record_agents must be an integer >= 1; got 0"):
        SimConfig(record_agents=0)


def test_baselines_of_one_worker_say_why_saez_is_zero(capsys):
    from econsim.cli.main import main as cli_main

    assert cli_main(["baselines", "--n-agents", "1", "--json"]) == 0
    captured = capsys.readouterr()
    assert "nobody is richer or poorer than anyone, so the Saez schedule is 0 %" in captured.err
    assert "\n" not in captured.err.strip()


def test_overwrite_with_an_impossible_size_keeps_the_earlier_run(tmp_path, capsys):
    from econsim.cli.main import main as cli_main

    args = ["run", "--worker", "rational", "--planner", "fixed", "--n-steps", "4", "--K", "2",
            "--no-progress", "--out", str(tmp_path / "run")]
    assert cli_main([*args, "--n-agents", "2"]) == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir() if p.is_file()}
    with pytest.raises(SystemExit) as stop:
        cli_main([*args, "--n-agents", str(10**12), "--overwrite"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "n_agents=1000000000000 needs an estimated" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in (tmp_path / "run").iterdir() if p.is_file()} == before


def test_record_calls_false_writes_no_calls_table_and_keeps_the_ledger(tmp_path):
    from econsim.simulation import SimConfig, make_simulation

    cfg = SimConfig(scenario="bounded", n_agents=3, n_steps=6, K=3, record_prompts=False)
    full = make_simulation(cfg).run()
    lean = make_simulation(cfg.replace(record_calls=False), tmp_path / "run").run()
    assert len(full.calls) > 0 and lean.calls.empty
    assert lean.ledger["calls"] == full.ledger["calls"] == len(full.calls)
    assert lean.steps.equals(full.steps)
    with pytest.raises(ValueError, match="record_prompts keeps texts in the calls table"):
        cfg.replace(record_prompts=True, record_calls=False)
