"""The configuration as sections (economy, agents, run, llm, scale): pydantic models whose
bounds, types and valid names are data, read by the flags, the schema and the error messages."""

from __future__ import annotations

import dataclasses
import json
import pickle

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsim.cli.main import main
from econsim.economy.tax import TAX_PRESETS, TaxPreset
from econsim.simulation.config import (
    CONFIG_KEYS,
    KEY_ORDER,
    ConfigError,
    SimConfig,
    config_schema,
)
from econsim.simulation.config_sections import CHOICES, SECTIONS, LLMSpec, annotation_kinds
from econsim.simulation.loop import client_for


def test_every_key_lives_in_exactly_one_section_and_reads_flat():
    names = [k for s in SECTIONS for k in s.model_fields]
    assert len(names) == len(set(names)) == len(CONFIG_KEYS) == 48
    assert sorted(KEY_ORDER) == sorted(names) == sorted(CONFIG_KEYS)
    assert list(SimConfig().to_dict()) == list(KEY_ORDER) == list(CONFIG_KEYS)
    cfg = SimConfig(n_agents=7, K=5, backend="surrogate", n_clusters=3, planner="saez")
    for key, about in CONFIG_KEYS.items():
        section = getattr(cfg, about.section)
        assert getattr(cfg, key) == getattr(section, key), key
    assert (cfg.economy.n_agents, cfg.run.K, cfg.scale.n_clusters) == (7, 5, 3)


def test_sections_nested_or_flat_give_the_same_config(tmp_path):
    flat = SimConfig(n_agents=7, K=5, temperature=0.3, planner="saez")
    nested = SimConfig.from_dict({"economy": {"n_agents": 7}, "run": {"K": 5},
                                  "llm": {"temperature": 0.3}, "planner": "saez"})
    assert nested == flat
    assert SimConfig.from_dict(flat.to_nested()) == flat
    path = tmp_path / "nested.yaml"
    path.write_text("economy:\n  n_agents: 7\nrun:\n  K: 5\nllm:\n  temperature: 0.3\n"
                    "agents:\n  planner: saez\n")
    assert SimConfig.from_yaml(path) == flat


@pytest.mark.parametrize(("values", "key", "message"), [
    ({"economy": {"K": 5}}, "K", r"economy.K is not a key of section economy \(it belongs to run\)"),
    ({"run": {"colour": 1}}, "colour", r"run.colour is not a key of section run \(no such key\)"),
    ({"K": 5, "run": {"K": 6}}, "K", r"K is given twice \(flat and in run\)"),
    ({"economy": 5}, "economy", r"economy is a section of keys \(scenario, n_agents"),
    ({"n_agentz": 5}, "n_agentz", r"unknown config key\(s\) \['n_agentz'\] \(did you mean "
                                  r"'n_agentz' → 'n_agents'\?\); valid keys: scenario"),
])
def test_misplaced_keys_are_refused_by_name(values, key, message):
    with pytest.raises(ConfigError, match=message) as err:
        SimConfig.from_dict(values)
    assert err.value.key == key


def _violations(key: str):
    """Values just outside the declared bounds of ``key`` (from its pydantic metadata)."""
    section = next(s for s in SECTIONS if key in s.model_fields)
    field = section.model_fields[key]
    integer = "int" in annotation_kinds(field.annotation)
    step = 1 if integer else 0.5
    out = []
    for m in field.metadata:
        if getattr(m, "ge", None) is not None:
            out.append(m.ge - step)
        if getattr(m, "gt", None) is not None:
            out.append(m.gt)
        if getattr(m, "le", None) is not None:
            out.append(m.le + step)
    return out


BOUNDED = [k for k in CONFIG_KEYS if _violations(k)]


def test_bounds_are_declared_for_every_count_and_range():
    assert len(BOUNDED) >= 20, BOUNDED  # the hand-written checks they replaced: 20


#: The contract, stated apart from the code: every bounded key and its bounds.
EXPECTED_BOUNDS = {
    "n_agents": {"ge": 1}, "H": {"ge": 1}, "fixed_hours": {"ge": 0.0, "le": 100.0},
    "election_every": {"ge": 1}, "n_steps": {"ge": 1}, "K": {"ge": 1}, "warmup": {"ge": 0},
    "seed": {"ge": 0}, "checkpoint_every": {"ge": 1}, "record_agents": {"ge": 1},
    "temperature": {"ge": 0.0, "le": 2.0}, "max_tokens": {"ge": 1}, "concurrency": {"ge": 1},
    "max_reasks": {"ge": 0}, "max_fallback_share": {"ge": 0.0, "le": 1.0},
    "request_timeout": {"gt": 0.0, "le": 600.0}, "max_retries": {"ge": 0, "le": 10},
    "budget_calls": {"ge": 1}, "budget_usd": {"gt": 0.0}, "n_clusters": {"ge": 1},
    "dask_workers": {"ge": 1}, "chunk_size": {"ge": 1},
}


def test_declared_bounds_are_the_contract():
    declared = {}
    for section in SECTIONS:
        for key, field in section.model_fields.items():
            found = {a: getattr(m, a) for m in field.metadata for a in ("ge", "gt", "le", "lt")
                     if getattr(m, a, None) is not None}
            if found:
                declared[key] = found
    assert declared == EXPECTED_BOUNDS
    for key, bounds in EXPECTED_BOUNDS.items():  # the bounds themselves are accepted
        for attr in ("ge", "le"):
            if attr in bounds:
                assert getattr(SimConfig.from_dict({key: bounds[attr]}), key) == bounds[attr]


@pytest.mark.parametrize(("key", "value", "message"), [
    ("n_agents", 0, "n_agents must be an integer >= 1; got 0"),
    ("seed", -1, "seed must be an integer >= 0; got -1"),
    ("budget_usd", 0.0, "budget_usd must be > 0; got 0.0"),
    ("temperature", 2.5, "temperature must be in [0, 2]; got 2.5"),
    ("max_retries", 11, "max_retries must be an integer in [0, 10]; got 11"),
    ("request_timeout", 0.0, "request_timeout must be a number of seconds in (0, 600]; got 0.0"),
    ("request_timeout", 601.0, "request_timeout must be a number of seconds in (0, 600]; got "
                               "601.0"),
    ("fixed_hours", -0.5, "fixed_hours must be in [0, 100]; got -0.5"),
])
def test_bound_messages_in_full(key, value, message):
    with pytest.raises(ConfigError) as err:
        SimConfig.from_dict({key: value})
    assert str(err.value) == message and err.value.key == key


@pytest.mark.parametrize("key", BOUNDED)
def test_a_value_outside_its_declared_bounds_names_the_key_and_the_bounds(key):
    for bad in _violations(key):
        with pytest.raises(ConfigError, match=rf"^{key} must be .*[0-9].*; got {bad!r}$") as err:
            SimConfig.from_dict({key: bad})
        assert err.value.key == key


def test_valid_names_are_read_from_the_registries(monkeypatch):
    """A tax preset registered after import is valid at once, and listed in the schema."""
    with pytest.raises(ConfigError, match="unknown tax preset 'two_test'"):
        SimConfig(tax_preset="two_test", planner="fixed")
    monkeypatch.setitem(TAX_PRESETS._items, "two_test",
                        TaxPreset((0.0, 50_000.0), None, "a test preset"))
    cfg = SimConfig(tax_preset="two_test", planner="fixed", fixed_rates=[0.1, 0.3])
    assert cfg.n_brackets == 2 and cfg.tax_brackets.cutoffs == (0.0, 50_000.0)
    enum = config_schema()["properties"]["economy"]["properties"]["tax_preset"]["enum"]
    assert "two_test" in enum


@pytest.mark.parametrize("key", sorted(CHOICES))
def test_every_choice_error_lists_the_names_its_registry_holds(key):
    with pytest.raises(ConfigError) as err:
        SimConfig.from_dict({key: "no_such_name"})
    assert err.value.key == key
    for name in CHOICES[key].names():
        assert name in str(err.value), (key, name)


def test_json_schema_accepts_a_written_config_and_refuses_bad_ones():
    schema = config_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(SimConfig(n_agents=9, planner="saez").to_nested(), schema)
    for bad in ({"economy": {"n_agents": 0}}, {"agents": {"planner": "oracle"}},
                {"llm": {"temperature": 3}}, {"runs": {}}, {"scale": {"engine": 2}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_frozen_picklable_and_equal_by_value():
    cfg = SimConfig(n_agents=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.n_agents = 4  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.economy = None  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    assert cfg.replace(n_agents=4) != cfg and cfg.replace(n_agents=4).economy.n_agents == 4


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 500), k=st.integers(1, 50), temp=st.floats(0, 2), seed=st.integers(0, 99))
def test_to_dict_from_dict_round_trip(n, k, temp, seed):
    cfg = SimConfig(n_agents=n, K=k, temperature=temp, seed=seed, n_steps=max(k, 10))
    assert SimConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    assert SimConfig.from_dict(cfg.to_nested()) == cfg


def test_llm_section_answers_the_store_questions(tmp_path):
    store = tmp_path / "calls.sqlite"
    assert LLMSpec().surrogate and not LLMSpec().replays and LLMSpec().store_in_use is None
    rec = LLMSpec(store=str(store), store_mode="record")
    assert rec.store_in_use == str(store) and not rec.replays
    assert LLMSpec(store=str(store), store_mode="off").store_in_use is None
    pack = LLMSpec(backend=f"replay:{tmp_path}")
    assert pack.replays and pack.replay_source == str(tmp_path)
    with pytest.raises(ConfigError, match="store_mode 'replay' needs store"):
        SimConfig(store_mode="replay")
    # the client is built from the llm section and the seed only
    client = client_for(SimConfig(max_reasks=1, concurrency=3).llm, 7)
    assert client.max_reasks == 1 and client.concurrency == 3


def test_econsim_config_prints_sections_and_names_bad_keys(capsys):
    assert main(["config", "--set", "n_agents=12", "--set", "K=4"]) == 0
    out = capsys.readouterr().out
    assert "economy:\n  scenario: rational\n  n_agents: 12\n" in out
    assert "run:\n  n_steps: 2500\n  K: 4\n" in out
    with pytest.raises(SystemExit) as exit_:
        main(["config", "--set", "temperature=5"])
    assert exit_.value.code == 2
    assert "temperature must be in [0, 2]; got 5.0" in capsys.readouterr().err
    assert main(["config", "--schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["properties"]["scale"]["properties"]["engine"]["enum"] == ["auto", "lean", "dask"]


LEAN = {"engine": "lean", "scenario": "bounded", "n_agents": 50, "worker": "llm",
        "batching": "clusters", "n_clusters": 5, "planner": "fixed"}


@pytest.mark.parametrize(("change", "key", "message"), [
    ({"scenario": "democratic", "batching": "agents", "n_clusters": 100}, "scenario",
     "the lean engine runs the scenarios rational, bounded; got 'democratic'"),
    ({"worker": "surrogate_vec", "batching": "agents"}, "worker",
     "the lean engine runs the workers llm, fixed, rational; got 'surrogate_vec' (surrogate_vec "
     "keeps ~0.5 KB per agent: use the vectorised engine)"),
    ({"batching": "agents"}, "batching",
     "the lean engine asks LLM workers by cluster: set batching 'clusters' (valid batching: "
     "clusters)"),
    ({"planner": "saez"}, "planner",
     "the lean engine runs the planners llm, us_federal, fixed, keep_start, random, student; "
     "got 'saez'"),
    ({"skills": "joint"}, "skills", "the lean engine samples skills gb2, uniform; got 'joint'"),
    ({"population": "somewhere"}, "population",
     "the lean engine samples its own population (population must be None)"),
    ({"personas": "archetypes"}, "personas",
     "the lean engine samples its own population with offline personas (valid personas: "
     "offline)"),
])
def test_lean_engine_refusals_in_full(change, key, message):
    with pytest.raises(ConfigError) as err:
        SimConfig(**{**LEAN, **change})
    assert (str(err.value), err.value.key) == (message, key)


def test_unknown_keys_message_in_full():
    with pytest.raises(ConfigError) as err:
        SimConfig.from_dict({"n_agentz": 1})
    valid = ", ".join(CONFIG_KEYS)
    assert str(err.value) == ("unknown config key(s) ['n_agentz'] (did you mean 'n_agentz' → "
                              f"'n_agents'?); valid keys: {valid}; or sections economy, agents, "
                              "run, llm, scale")
    assert err.value.key == "n_agentz"
    many = {f"zz{i}": 1 for i in range(7)} | {"tempreature": 1, "sed": 2}
    with pytest.raises(ConfigError) as err:
        SimConfig.from_dict(many)
    text = str(err.value)
    assert err.value.key is None  # several keys: none is the key
    assert text.startswith("unknown config key(s) ['sed', 'tempreature', 'zz0', 'zz1', 'zz2', "
                           "'... 4 more'] (did you mean 'sed' → 'seed', 'tempreature' → "
                           "'temperature'?); valid keys: scenario")
    with pytest.raises(ConfigError) as err:
        SimConfig.from_dict({"qqqqqq": 1})
    assert "did you mean" not in str(err.value)


def test_schema_header_and_sections():
    schema = config_schema()
    assert {k: schema[k] for k in ("title", "type", "additionalProperties")} == {
        "title": "econsim run configuration", "type": "object", "additionalProperties": False}
    assert list(schema["properties"]) == ["economy", "agents", "run", "llm", "scale"]
    for name, section in schema["properties"].items():
        assert set(section["properties"]) == {k for k, v in CONFIG_KEYS.items()
                                              if v.section == name}


@pytest.mark.parametrize(("n", "shown"), [
    (5, "['aa0', 'aa1', 'aa2', 'aa3', 'aa4']"),
    (6, "['aa0', 'aa1', 'aa2', 'aa3', 'aa4', '... 1 more']"),
])
def test_unknown_keys_are_echoed_five_at_most(n, shown):
    with pytest.raises(ConfigError) as err:
        SimConfig.from_dict({f"aa{i}": 1 for i in range(n)})
    assert str(err.value).startswith(f"unknown config key(s) {shown}; valid keys: scenario, ")


def test_unknown_keys_hint_at_most_five_and_nothing_without_a_match():
    typos = {"scenaro": 1, "n_agent": 1, "n_step": 1, "warmp": 1, "sed": 1, "skils": 1}
    with pytest.raises(ConfigError) as err:
        SimConfig.from_dict(typos)
    hint = str(err.value).split(" (did you mean ")[1].split("?)")[0]
    assert hint.count(" → ") == 5
    with pytest.raises(ConfigError) as err:
        SimConfig.from_dict({"qqqqqq": 1})
    assert str(err.value).startswith("unknown config key(s) ['qqqqqq']; valid keys: scenario, ")


def test_repr_lists_every_key_and_attributes_cannot_be_deleted():
    cfg = SimConfig(n_agents=3)
    assert repr(cfg).startswith("SimConfig(scenario='rational', n_agents=3, n_steps=2500, ")
    assert repr(cfg).endswith(", chunk_size=1048576)")
    with pytest.raises(dataclasses.FrozenInstanceError):
        del cfg.n_agents
