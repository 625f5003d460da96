"""A run folder is a transaction (issue 25): one writer, verified checkpoints and chunks, an
overwrite that loses nothing until the new run has a checkpoint."""

from __future__ import annotations

import hashlib
import json
import os
import pickle

import pytest

from econsim.simulation import SimConfig, Simulation, make_simulation
from econsim.simulation.run_folder import RunFolderError

CFG = SimConfig(scenario="bounded", n_agents=3, n_steps=20, K=5, record_prompts=False)


def _stopped_run(folder, steps: int = 12) -> Simulation:
    """A run stopped after ``steps`` steps (checkpoints at every tax year), lock released as a
    killed process's would be."""
    sim = make_simulation(CFG, folder)
    while sim.state.step < steps:
        sim._step(sim.state.step)
        sim.state.step += 1
        if sim.state.step % CFG.K == 0:
            sim._close_tax_year()
    sim.close()
    return sim


def test_second_writer_is_refused(tmp_path):
    first = make_simulation(CFG, tmp_path / "run")
    with pytest.raises(RunFolderError, match="in use by another run"):
        make_simulation(CFG, tmp_path / "run", overwrite=True)
    first.run()  # the first one is untouched by the refusal
    assert (tmp_path / "run" / "manifest.json").exists()


def test_resume_refuses_a_deleted_chunk(tmp_path):
    _stopped_run(tmp_path / "run")
    (tmp_path / "run" / "chunks" / "steps_000001.parquet").unlink()
    with pytest.raises(RunFolderError, match="steps_000001.parquet is missing"):
        Simulation.resume(tmp_path / "run")


def test_resume_refuses_an_altered_chunk(tmp_path):
    _stopped_run(tmp_path / "run")
    path = tmp_path / "run" / "chunks" / "agents_000000.parquet"
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(RunFolderError, match="agents_000000.parquet was changed"):
        Simulation.resume(tmp_path / "run")


def test_resume_refuses_an_edited_config(tmp_path):
    _stopped_run(tmp_path / "run")
    path = tmp_path / "run" / "config.yaml"
    path.write_text(path.read_text().replace("seed: 42", "seed: 2"))
    with pytest.raises(RunFolderError, match="config.yaml changed since the checkpoint"):
        Simulation.resume(tmp_path / "run")


def test_resume_refuses_a_corrupt_checkpoint(tmp_path):
    _stopped_run(tmp_path / "run")
    path = tmp_path / "run" / "checkpoint.pkl"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RunFolderError, match="checkpoint.pkl is corrupt"):
        Simulation.resume(tmp_path / "run")
    path.write_bytes(bytes(data[: len(data) // 2]))  # truncated
    with pytest.raises(RunFolderError, match="checkpoint.pkl is corrupt"):
        Simulation.resume(tmp_path / "run")
    path.write_bytes(b"")
    with pytest.raises(RunFolderError, match="corrupt"):
        Simulation.resume(tmp_path / "run")


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204 - the classic pickle exploit: run a command on load
        return os.system, (f"touch {self.marker}",)


def test_crafted_checkpoint_runs_nothing(tmp_path):
    _stopped_run(tmp_path / "run")
    folder = tmp_path / "run"
    marker = tmp_path / "pwned"
    data = pickle.dumps(_Payload(str(marker)))
    (folder / "checkpoint.pkl").write_bytes(data)
    meta = json.loads((folder / "checkpoint.json").read_text())
    meta["sha256"] = hashlib.sha256(data).hexdigest()  # the attacker fixes the checksum too
    (folder / "checkpoint.json").write_text(json.dumps(meta))
    with pytest.raises(RunFolderError, match="posix.system|os.system|nothing in it was run"):
        Simulation.resume(folder)
    assert not marker.exists()


def test_resume_refuses_a_checkpoint_without_its_record(tmp_path):
    _stopped_run(tmp_path / "run")
    (tmp_path / "run" / "checkpoint.json").unlink()
    with pytest.raises(RunFolderError, match="has no record checkpoint.json"):
        Simulation.resume(tmp_path / "run")


def test_resume_after_checks_equals_the_uninterrupted_run(tmp_path):
    whole = make_simulation(CFG).run()
    _stopped_run(tmp_path / "run")
    resumed = Simulation.resume(tmp_path / "run").run()
    assert resumed.status == "complete"
    assert resumed.agents.equals(whole.agents) and resumed.steps.equals(whole.steps)


def test_overwrite_with_an_invalid_configuration_keeps_the_earlier_run(tmp_path, monkeypatch):
    folder = tmp_path / "run"
    make_simulation(CFG, folder).run()
    before = sorted(p.name for p in folder.iterdir())
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    bad = CFG.replace(backend="openai/gpt-4o-mini")
    with pytest.raises(Exception, match="OPENAI_API_KEY"):
        make_simulation(bad, folder, overwrite=True)
    assert sorted(p.name for p in folder.iterdir()) == before
    assert (folder / "manifest.json").exists()


def test_failed_replacement_puts_the_earlier_run_back(tmp_path, monkeypatch):
    folder = tmp_path / "run"
    make_simulation(CFG, folder).run()
    manifest = (folder / "manifest.json").read_text()
    sim = make_simulation(CFG.replace(seed=7), folder, overwrite=True)
    assert (folder / ".replaced" / "manifest.json").exists()

    def boom(t):  # noqa: ANN001, ANN202 - fails before the first checkpoint
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(sim, "_step", boom)
    with pytest.raises(RuntimeError, match="disk on fire") as err:
        sim.run()
    assert any("put back unchanged" in n for n in getattr(err.value, "__notes__", []))
    assert (folder / "manifest.json").read_text() == manifest
    assert not (folder / ".replaced").exists()


def test_successful_replacement_drops_the_earlier_run(tmp_path):
    folder = tmp_path / "run"
    make_simulation(CFG, folder).run()
    res = make_simulation(CFG.replace(seed=7), folder, overwrite=True).run()
    assert res.status == "complete" and not (folder / ".replaced").exists()
    assert "seed: 7" in (folder / "config.yaml").read_text()


def test_sweep_overwrite_with_a_missing_key_keeps_the_earlier_runs(tmp_path, monkeypatch):
    from econsim.simulation.sweep import run_sweep

    base = CFG.replace(n_steps=5)
    run_sweep(base, {}, [1, 2], tmp_path / "sweep", scheduler="serial", progress=False)
    before = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "sweep").rglob("*"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(Exception, match="OPENAI_API_KEY"):
        run_sweep(base.replace(backend="openai/gpt-4o-mini"), {}, [1, 2], tmp_path / "sweep",
                  scheduler="serial", progress=False, overwrite=True)
    after = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "sweep").rglob("*"))
    assert after == before
