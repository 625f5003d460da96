"""One name per concept (issue 24): the new names work, every old name still works for one release
with a DeprecationWarning naming the new one — in SimConfig, YAML files, ``econsim run``/``sweep``/
``classroom`` flags, the classroom's GameSetup (also as JSON and console forms) and
Population.sample — and errors list only the new names."""

from __future__ import annotations

import ast
import dataclasses
import json
import warnings
from pathlib import Path

import pytest

import econsim
from econsim.classroom.console import setup_from_form
from econsim.classroom.game import GAME_WORKERS, GameSetup
from econsim.classroom.store import validate_submission
from econsim.population import SKILL_MODES, Population
from econsim.renamed import RENAMED, RenamedWarning, renames
from econsim.simulation import SimConfig
from econsim.simulation.config import CONFIG_KEYS, ConfigError
from econsim.simulation.specs import BATCHINGS

CLUSTERS = {"n_agents": 30, "worker": "llm", "batching": "clusters", "n_clusters": 4}
OLD_CLUSTERS = {"n_agents": 30, "worker": "llm", "batching": "archetypes", "n_archetypes": 4}


def _warned(record, *news: str) -> None:
    """Every warning recorded is a RenamedWarning (a DeprecationWarning) and, together, they
    name each new name."""
    messages = [str(w.message) for w in record]
    assert all(issubclass(w.category, DeprecationWarning) for w in record), messages
    assert all(issubclass(w.category, RenamedWarning) for w in record), messages
    for new in news:
        assert any(new in m for m in messages), (new, messages)


# -- the table itself: every row names a real new name and an old name that is gone ------------
def test_every_alias_maps_a_retired_name_to_a_current_one():
    keys = {"SimConfig": set(CONFIG_KEYS),
            "GameSetup": {f.name for f in dataclasses.fields(GameSetup)}}
    values = {("SimConfig", "batching"): set(BATCHINGS), ("Population", "skills"): set(SKILL_MODES),
              ("GameSetup", "worker"): set(GAME_WORKERS)}
    for r in RENAMED:
        current = keys[r.where] if r.key is None else values[(r.where, r.key)]
        assert r.new in current and r.old not in current, r


# -- SimConfig ---------------------------------------------------------------------------------
def test_new_cluster_names_work_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cfg = SimConfig(**CLUSTERS)
    assert cfg.batching_spec.per_cluster and cfg.n_clusters == 4


def test_old_cluster_names_work_and_warn_everywhere(tmp_path):
    new = SimConfig(**CLUSTERS)
    with pytest.warns(DeprecationWarning) as record:
        assert SimConfig(**OLD_CLUSTERS) == new
    _warned(record, "n_clusters", "'clusters'")
    with pytest.warns(DeprecationWarning) as record:
        assert SimConfig.from_dict(OLD_CLUSTERS) == new
    _warned(record, "n_clusters", "'clusters'")
    with pytest.warns(DeprecationWarning, match="n_clusters"):
        assert new.replace(n_archetypes=5).n_clusters == 5
    with pytest.warns(DeprecationWarning, match="n_clusters"):
        assert new.n_archetypes == 4  # an attribute read by its old name
    path = tmp_path / "old.yaml"
    path.write_text("n_agents: 30\nworker: llm\nbatching: archetypes\nn_archetypes: 4\n")
    with pytest.warns(DeprecationWarning) as record:
        assert SimConfig.from_yaml(path) == new
    _warned(record, "n_clusters", "'clusters'")
    assert "n_archetypes" not in new.to_dict() and new.to_dict()["batching"] == "clusters"


def test_the_warning_points_at_the_callers_line():
    with pytest.warns(RenamedWarning) as record:
        SimConfig.from_dict(OLD_CLUSTERS)
    assert {Path(w.filename).name for w in record} == {Path(__file__).name}


def test_a_key_under_both_names_is_refused_naming_it():
    with pytest.raises(ConfigError, match="n_clusters is given twice") as err:
        SimConfig.from_dict({**CLUSTERS, "n_archetypes": 4})
    assert err.value.key == "n_clusters"


def test_bad_values_list_the_new_names():
    with pytest.raises(ConfigError, match="valid: agents, clusters$"):
        SimConfig(batching="groups")
    with pytest.raises(ConfigError, match=r"n_clusters must be in \[1, n_agents=30\]"):
        SimConfig(**{**CLUSTERS, "n_clusters": 31})
    with pytest.raises(ValueError, match="valid names: gb2, joint$"):
        Population.sample(10, skills="independant")
    with pytest.raises(ValueError, match="valid names: rational, surrogate_vec$"):
        GameSetup(worker="learner")


# -- command line ------------------------------------------------------------------------------
def _run_config(argv: list[str]) -> SimConfig:
    import argparse

    from econsim.cli.run import _config, add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return _config(parser.parse_args(argv))


def test_econsim_run_takes_old_and_new_flags(capsys):
    new = _run_config(["--n-agents", "30", "--worker", "llm", "--batching", "clusters",
                       "--n-clusters", "4"])
    assert capsys.readouterr().err == ""
    old = _run_config(["--n-agents", "30", "--worker", "llm", "--batching", "archetypes",
                       "--n-archetypes", "4"])
    err = capsys.readouterr().err
    assert old == new and err.count("econsim run: warning:") == 2
    assert "n_clusters" in err and "'clusters'" in err
    with pytest.raises(ConfigError, match="--n-clusters is given twice, also as its old name "
                                          "--n-archetypes"):
        _run_config(["--n-clusters", "4", "--n-archetypes", "4"])
    with pytest.raises(ConfigError, match=r"argument --n-archetypes: n_clusters must be in"):
        _run_config(["--n-agents", "3", "--worker", "llm", "--batching", "clusters",
                     "--n-archetypes", "9"])


def test_econsim_sweep_reads_old_keys_and_says_so_in_one_line(capsys):
    from econsim.cli.main import main
    from econsim.cli.sweep import _key_values

    with pytest.warns(DeprecationWarning, match="n_clusters"):
        assert _key_values("n-archetypes=5", "--set") == ("n_clusters", "5")
    assert main(["sweep", "--set", "n_steps=50", "--set", "n_archetypes=5", "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("econsim sweep: warning: SimConfig: n_archetypes is renamed "
                          "n_clusters") and err.count("\n") == 1


def test_econsim_classroom_takes_old_and_new_flags():
    import argparse

    from econsim.cli.classroom import _setup, add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    new = _setup(parser.parse_args(["--n-agents", "100", "--worker", "surrogate_vec",
                                    "--objective", "rawlsian"]))
    assert (new.n_agents, new.worker, new.objective) == (100, "surrogate_vec", "rawlsian")
    with pytest.warns(DeprecationWarning) as record:
        old = _setup(parser.parse_args(["--n-workers", "100", "--workers", "learners",
                                        "--welfare", "rawlsian"]))
    assert old == new
    _warned(record, "n_agents", "worker", "objective", "'surrogate_vec'")
    assert _setup(parser.parse_args([])) == GameSetup()


# -- the classroom -----------------------------------------------------------------------------
OLD_SETUP = {"n_workers": 100, "workers": "learners", "welfare": "rawlsian"}
NEW_SETUP = {"n_agents": 100, "worker": "surrogate_vec", "objective": "rawlsian"}


def test_game_setup_reads_old_keys_from_python_json_env_and_forms(monkeypatch):
    new = GameSetup(**NEW_SETUP)
    with pytest.warns(DeprecationWarning) as record:
        assert GameSetup(**OLD_SETUP) == new
    _warned(record, "n_agents", "worker", "objective", "'surrogate_vec'")
    with pytest.warns(DeprecationWarning, match="n_agents"):
        assert new.n_workers == 100
    # a board or page of the previous release posts the old keys
    payload = {"student": "ann", "setup": OLD_SETUP, "rates": [[0.2, 0.3, 0.4]]}
    with pytest.warns(DeprecationWarning):
        assert validate_submission(json.loads(json.dumps(payload)))[1] == new
    with pytest.warns(DeprecationWarning, match="objective"):
        assert setup_from_form(GameSetup(), {"welfare": ["rawlsian"]}).objective == "rawlsian"
    # the served notebook's defaults and the teacher's JSON may use either names
    monkeypatch.setenv("ECONSIM_CLASSROOM_SETUP", json.dumps({"worker": "surrogate_vec"}))
    with pytest.warns(DeprecationWarning):
        got = GameSetup.from_env(n_workers=100, workers="rational", welfare="rawlsian")
    assert got == new
    assert set(new.to_dict()) >= set(NEW_SETUP) and not set(new.to_dict()) & set(OLD_SETUP)


# -- skills modes ------------------------------------------------------------------------------
def test_population_skills_use_the_configs_words():
    new = Population.sample(50, seed=3, skills="gb2", personas="none")
    with pytest.warns(DeprecationWarning, match="'gb2'"):
        old = Population.sample(50, seed=3, skills="independent", personas="none")
    assert old.agents.equals(new.agents) and old.config["skills"] == "gb2"
    assert Population.sample(5, seed=3, personas="none").config["skills"] == "gb2"  # default



def test_population_clusters_under_the_old_method_name_warn_and_agree():
    pop = Population.sample(60, seed=3, personas="none")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = pop.clusters(6)  # no warning
    with pytest.warns(RenamedWarning, match=r"archetypes\(k\) is renamed clusters\(k\)"):
        old = pop.archetypes(6)
    assert (old.labels == new.labels).all() and old.summary.equals(new.summary)
    assert list(new.summary.columns[:1]) == ["cluster"]


def test_batching_code_says_cluster_not_archetype():
    """'Archetypes' are the paper's 13 fixed personas only: no identifier of the batching code
    (classes, functions, modules) keeps the old word."""
    names = {"ArchetypeWorkers", "LeanArchetypes", "ArchetypeGrouping", "group_into_archetypes",
             "archetype_table", "archetype_workers"}
    root = Path(econsim.__file__).parent
    found = [(str(p.relative_to(root)), node.name if hasattr(node, "name") else node.id)
             for p in root.rglob("*.py") for node in ast.walk(ast.parse(p.read_text()))
             if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.Name)
             and getattr(node, "name", getattr(node, "id", None)) in names]
    assert not found and not (root / "simulation" / "archetype_workers.py").exists(), found

# -- spelling ----------------------------------------------------------------------------------
def test_code_identifiers_spell_vectorized_as_the_module_does():
    """Prose may be British; names in code (functions, classes, arguments, variables,
    attributes, registered names) use the module's spelling, ``vectorized``."""
    package = Path(econsim.__file__).parent
    bad = []
    for path in [*package.rglob("*.py"), *Path(__file__).parent.glob("test_*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = {ast.FunctionDef: "name", ast.ClassDef: "name", ast.arg: "arg",
                     ast.Name: "id", ast.Attribute: "attr", ast.keyword: "arg"}
            field = next((f for t, f in names.items() if isinstance(node, t)), None)
            name = getattr(node, field, None) if field else None
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "register":
                name = getattr(node.args[0], "value", None) if node.args else None
            if isinstance(name, str) and "vectorised" in name.lower():
                bad.append(f"{path.name}:{node.lineno}: {name}")
    assert bad == []


def test_renames_lists_each_place():
    assert renames("SimConfig") == {"n_archetypes": "n_clusters"}
    assert renames("GameSetup") == {"n_workers": "n_agents", "welfare": "objective",
                                    "workers": "worker"}
    assert renames("Population", keys=False) == {"independent": "gb2"}
