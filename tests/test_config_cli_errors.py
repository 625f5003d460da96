"""Configuration and command line (issue 14 §3): typed keys, one-line errors, validation before
anything is written, Ctrl-C, and a run killed before its first checkpoint."""

from __future__ import annotations

import pytest

from econsim.cli.main import main
from econsim.simulation import SimConfig, Simulation
from econsim.simulation.config import CONFIG_KEYS, ConfigError

FAST = ["--n-agents", "3", "--n-steps", "20", "--K", "10", "--worker", "rational",
        "--planner", "fixed", "--no-progress"]


def cli_error(argv: list[str], capsys) -> str:
    """Run the CLI expecting a usage error; return stderr, checked to be one line."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


# -- typed keys -------------------------------------------------------------------------------
@pytest.mark.parametrize(("key", "value", "allowed"), [
    ("binding_platforms", "false", "true or false"),
    ("record_prompts", "no", "true or false"),
    ("platforms", "maybe", "true or false"),
    ("platforms", 1, "true or false"),
    ("temperature", "hot", "a finite number"),
    ("budget_usd", "abc", "a finite number or null"),
    ("seed", 1.5, "an integer"),
    ("n_agents", True, "an integer"),
    ("utility_mix", 5, "a mapping of names to numbers"),
    ("fixed_rates", 0.5, "a list of numbers or null"),
    ("store", 5, "text or null"),
    ("backend", 7, "text"),
    ("request_timeout", "abc", "a finite number"),  # keys added later get the same checks
    ("max_retries", "2", "an integer"),
])
def test_config_values_of_the_wrong_type_name_the_key(key, value, allowed) -> None:
    with pytest.raises(ConfigError, match=rf"^{key} must be {allowed}.*got {value!r}") as exc:
        SimConfig.from_dict({key: value})
    assert exc.value.key == key


def test_every_key_has_a_type_rule() -> None:
    """Keys added later get the same checks: every annotation maps to known base types."""
    for key in CONFIG_KEYS.values():
        kinds = key.kinds
        assert kinds and set(kinds) <= {"None", "bool", "int", "float", "str", "dict", "tuple"}
    assert SimConfig.from_dict({"platforms": True, "budget_usd": 3, "temperature": 1}).platforms


def test_yaml_booleans_and_typed_errors_from_files(tmp_path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("platforms: true\nbinding_platforms: false\nrecord_prompts: no\n")
    cfg = SimConfig.from_yaml(good)
    assert cfg.platforms is True and cfg.binding_platforms is False and cfg.record_prompts is False
    bad = tmp_path / "bad.yaml"
    bad.write_text("binding_platforms: 'false'\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: binding_platforms must be true or false"):
        SimConfig.from_yaml(bad)


# -- the command line: every bad input is one line naming the key or flag ------------------------
@pytest.mark.parametrize(("flags", "message"), [
    (["--temperature", "hot"], "argument --temperature: expects a finite number; got 'hot'"),
    (["--seed", "-1"], "argument --seed: seed must be an integer >= 0; got -1"),
    (["--seed", "x"], "argument --seed: expects an integer; got 'x'"),
    (["--platforms", "maybe"], "argument --platforms: expects true or false; got 'maybe'"),
    (["--utility-mix", "5"], "argument --utility-mix: utility_mix must be a mapping"),
    (["--fixed-rates", "0.5"], "argument --fixed-rates: fixed_rates must be a list of numbers"),
    (["--budget-usd", "abc"], "argument --budget-usd: expects a finite number; got 'abc'"),
    (["--request-timeout", "soon"], "argument --request-timeout: expects a finite number"),
    (["--request-timeout", "0"], "argument --request-timeout: request_timeout must be a number"),
    (["--elasticity", "bogus", "--planner", "saez"],
     "argument --elasticity: unknown elasticity preset 'bogus'"),
    (["--elasticity", "-3", "--planner", "saez"], "argument --elasticity: elasticity must be"),
    (["--backend", "bogus"], "argument --backend: unknown backend 'bogus'; accepted forms"),
    (["--backend", "openai-compatible/m@http://"], "is not an http(s) URL with a host"),
    (["--backend", "openai-compatible/m@http://exa mple/v1"], "not an http(s) URL with a host"),
    (["--backend", "openai-compatible/m@http://127.0.0.1:99999/v1"],
     "the port must be a number in 1-65535"),
    (["--backend", "replay:/nonexistent/calls.sqlite"], "replay store /nonexistent/calls.sqlite "
                                                        "does not exist"),
    (["--store", "/nonexistent/calls.sqlite", "--store-mode", "replay"],
     "replay store /nonexistent/calls.sqlite does not exist"),
])
def test_run_flag_errors_are_one_line_and_write_nothing(flags, message, tmp_path, capsys):
    out = tmp_path / "run"
    err = cli_error(["run", *FAST, *flags, "--out", str(out)], capsys)
    assert message in err
    assert not out.exists()


@pytest.mark.parametrize(("text", "message"), [
    ("", "is empty: set at least one key"),
    ("# nothing but a comment\n", "is empty"),
    ("n_agents: [1,\n", "is not valid YAML (line"),
    ("temperature: hot\n", "temperature must be a finite number"),
    ("budget_usd: abc\n", "budget_usd must be a finite number or null"),
    ("utility_mix: 5\n", "utility_mix must be a mapping"),
    ("fixed_rates: 0.5\n", "fixed_rates must be a list of numbers"),
    ("store: 5\n", "store must be text or null"),
    ("platforms: maybe\n", "platforms must be true or false"),
    ("backend: bogus\n", "unknown backend 'bogus'"),
    ("planner: saez\nelasticity: bogus\n", "unknown elasticity preset 'bogus'"),
    ("- a\n- b\n", "must be a mapping of keys to values"),
])
def test_config_file_errors_are_one_line_and_write_nothing(text, message, tmp_path, capsys):
    cfg = tmp_path / "run.yaml"
    cfg.write_text(text)
    out = tmp_path / "run"
    err = cli_error(["run", "--config", str(cfg), "--out", str(out)], capsys)
    assert message in err and "run.yaml" in err
    assert not out.exists()


def test_missing_config_file(tmp_path, capsys):
    err = cli_error(["run", "--config", str(tmp_path / "nope.yaml")], capsys)
    assert f"config file {tmp_path / 'nope.yaml'} does not exist" in err


# -- Ctrl-C and runs stopped before their first checkpoint ---------------------------------------
def _interrupt_at(monkeypatch, step: int) -> None:
    original = Simulation._step

    def step_or_interrupt(self, t):
        if t == step:
            raise KeyboardInterrupt
        return original(self, t)

    monkeypatch.setattr(Simulation, "_step", step_or_interrupt)


def test_ctrl_c_after_a_checkpoint_says_how_to_resume(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    _interrupt_at(monkeypatch, 15)
    assert main(["run", *FAST, "--out", str(out)]) == 130
    assert f"interrupted; resume with: econsim run --resume {out}" in capsys.readouterr().err
    monkeypatch.undo()
    assert main(["run", "--resume", str(out), "--no-progress"]) == 0
    assert "complete: 20 steps" in capsys.readouterr().out


def test_run_killed_before_its_first_checkpoint(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    _interrupt_at(monkeypatch, 5)
    assert main(["run", *FAST, "--out", str(out)]) == 130
    hint = f"start it again with: econsim run --config {out / 'config.yaml'} --out {out}"
    assert hint in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [".lock", "chunks", "config.yaml", "status.json"]
    monkeypatch.undo()
    # --resume cannot work and says which command will
    err = cli_error(["run", "--resume", str(out)], capsys)
    assert "has no checkpoint to resume from" in err and hint in err
    # ... and that command works: a folder holding no checkpoint is reused by a new run
    assert main(["run", "--config", str(out / "config.yaml"), "--out", str(out),
                 "--no-progress"]) == 0
    assert "complete: 20 steps" in capsys.readouterr().out


def test_folder_with_foreign_files_is_still_refused(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    err = cli_error(["run", *FAST, "--out", str(out)], capsys)
    assert "is not empty" in err and (out / "notes.txt").exists()
