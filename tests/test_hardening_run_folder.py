"""A run folder is a transaction (issue 25): one writer, verified checkpoints and chunks, an
overwrite that loses nothing until the new run has a checkpoint."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle

import pandas as pd
import pytest

from econsim.simulation import SimConfig, Simulation, make_simulation
from econsim.simulation.run_folder import CHECKPOINT, RunFolderError

CFG = SimConfig(scenario="bounded", n_agents=3, n_steps=20, K=5, record_prompts=False)


def _stopped_run(folder, steps: int = 12) -> Simulation:
    """A run stopped after ``steps`` steps (checkpoints at every tax year), lock released as a
    killed process's would be."""
    sim = make_simulation(CFG, folder)
    while sim.state.step < steps:
        sim.advance()  # rates, the step, and the tax year's close when it ends
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


@pytest.mark.parametrize("renamed", [0, 1])
def test_run_killed_inside_a_checkpoint_write_resumes_to_the_same_tables(tmp_path, monkeypatch,
                                                                          renamed):
    """A kill between writing a checkpoint's files and its two renames (none or only the first
    done) leaves a folder that resumes, from that checkpoint or the one before, to the tables of
    an uninterrupted run (the CI once killed a run between the renames: resume refused it)."""
    from econsim.simulation import run_folder

    full = make_simulation(CFG, tmp_path / "full").run()
    sim = _stopped_run(tmp_path / "run", steps=10)
    real_replace, calls = os.replace, []

    class Killed(BaseException):
        pass

    def replace(src, dst):  # noqa: ANN001, ANN202 - dies at the checkpoint's rename `renamed`
        if str(dst).endswith(("checkpoint.npz", "checkpoint.json")):
            if len(calls) == renamed:
                raise Killed
            calls.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(run_folder.os, "replace", replace)
    monkeypatch.setattr(run_folder, "removed_on_error", lambda *p: contextlib.nullcontext())
    sim = Simulation.resume(tmp_path / "run")
    while sim.state.step < 14:
        sim.advance()
    with pytest.raises(Killed):
        sim.advance()  # step 15 closes the tax year: its checkpoint is killed
    sim.close()
    monkeypatch.undo()
    assert (tmp_path / "run" / "checkpoint.json.tmp").exists()
    done = Simulation.resume(tmp_path / "run").run()
    timing = ["latency_s", "request_latency_s"]
    for name in ("steps", "agents", "calls"):
        a, b = getattr(full, name), getattr(done, name)
        pd.testing.assert_frame_equal(a.drop(columns=timing, errors="ignore"),
                                      b.drop(columns=timing, errors="ignore"), check_exact=True)
    assert not list((tmp_path / "run").glob("*.tmp"))


def test_resume_refuses_an_edited_config(tmp_path):
    _stopped_run(tmp_path / "run")
    path = tmp_path / "run" / "config.yaml"
    path.write_text(path.read_text().replace("seed: 42", "seed: 2"))
    with pytest.raises(RunFolderError, match="config.yaml changed since the checkpoint"):
        Simulation.resume(tmp_path / "run")


def test_resume_refuses_a_corrupt_checkpoint(tmp_path):
    _stopped_run(tmp_path / "run")
    path = tmp_path / "run" / CHECKPOINT
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RunFolderError, match="checkpoint.npz is corrupt"):
        Simulation.resume(tmp_path / "run")
    path.write_bytes(bytes(data[: len(data) // 2]))  # truncated
    with pytest.raises(RunFolderError, match="checkpoint.npz is corrupt"):
        Simulation.resume(tmp_path / "run")
    path.write_bytes(b"")
    with pytest.raises(RunFolderError, match="corrupt"):
        Simulation.resume(tmp_path / "run")


class _Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):  # noqa: ANN204 - the classic pickle exploit: run a command on load
        return os.system, (f"touch {self.marker}",)


def _plant(folder, data: bytes) -> None:
    """Put ``data`` where the checkpoint is, with the checksum fixed (as an attacker who can
    write the folder would)."""
    (folder / CHECKPOINT).write_bytes(data)
    meta = json.loads((folder / "checkpoint.json").read_text())
    meta["sha256"] = hashlib.sha256(data).hexdigest()
    (folder / "checkpoint.json").write_text(json.dumps(meta))


def test_crafted_checkpoint_runs_nothing(tmp_path):
    import io

    import numpy as np

    _stopped_run(tmp_path / "run")
    folder = tmp_path / "run"
    marker = tmp_path / "pwned"
    payload = _Payload(str(marker))
    plain = pickle.dumps(payload)  # a pickle where the checkpoint was
    inside = io.BytesIO()  # an .npz whose member is a pickled object array
    np.savez(inside, __state__=np.array([payload], dtype=object))
    named = io.BytesIO()  # valid data naming a function as a class to build
    text = json.dumps({"layouts": [["posix:system", []]],
                       "state": {"__obj__": 0, "id": 0, "values": []}}).encode()
    np.savez(named, __state__=np.frombuffer(text, dtype=np.uint8))
    for data, why in ((plain, "cannot be read as a checkpoint"),
                      (inside.getvalue(), "cannot be read as a checkpoint"),
                      (named.getvalue(), "names posix:system, which a checkpoint may not")):
        _plant(folder, data)
        with pytest.raises(RunFolderError, match=why) as err:
            Simulation.resume(folder)
        assert "nothing in it was run" in str(err.value)
        assert not marker.exists()


def test_checkpoint_is_data_and_round_trips_every_engine_state(tmp_path):
    """No pickle in a checkpoint: the per-agent and vectorised engines' states (LLM, rational,
    surrogate and archetype workers) come back equal, arrays with their dtypes."""
    import numpy as np

    from econsim.simulation import checkpoint_codec

    for cfg in (CFG.replace(scenario="democratic", platforms=True),
                CFG.replace(worker="surrogate_vec", n_agents=40, planner="saez"),
                CFG.replace(batching="clusters", n_clusters=2, n_agents=30),
                CFG.replace(scenario="rational", worker="rational", record_agents=2)):
        sim = make_simulation(cfg)
        for _ in range(CFG.K):
            sim.advance()
        checkpoint_codec.save(tmp_path / "c.npz", sim.state)
        with np.load(tmp_path / "c.npz", allow_pickle=False) as npz:
            assert all(npz[k].dtype != object for k in npz.files)
        back = checkpoint_codec.load(tmp_path / "c.npz", type(sim).CHECKPOINT_CLASSES)
        assert _same(sim.state, back), cfg


def _same(a, b) -> bool:  # noqa: C901 - structural equality, arrays by dtype and value
    import collections

    import numpy as np

    from econsim.simulation.checkpoint_codec import _attributes

    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and (
            all(_same(x, y) for x, y in zip(a.ravel(), b.ravel(), strict=True))
            if a.dtype.hasobject else np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (list, tuple, collections.deque)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (set, frozenset, int, str, bool, type(None), complex, np.generic)):
        return a == b
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    return _same(_attributes(a), _attributes(b))


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


def test_a_pickle_checkpoint_of_an_earlier_version_is_named_not_read(tmp_path, capsys):
    from econsim.cli.main import main as cli_main

    _stopped_run(tmp_path / "run")
    (tmp_path / "run" / CHECKPOINT).rename(tmp_path / "run" / "checkpoint.pkl")
    with pytest.raises(SystemExit) as stop:
        cli_main(["run", "--resume", str(tmp_path / "run"), "--no-progress"])
    assert stop.value.code == 2
    assert "checkpointed by an earlier version (checkpoint.pkl, a pickle)" in \
        capsys.readouterr().err


def test_checkpoint_every_keeps_records_until_a_checkpoint_and_resumes_exactly(tmp_path):
    """``checkpoint_every=3``: chunks and checkpoints every third tax year and at the end; a run
    killed between checkpoints resumes from the last one to the tables of an uninterrupted run
    that checkpointed every year."""
    cfg = CFG.replace(n_steps=37, checkpoint_every=3)
    full = make_simulation(cfg.replace(checkpoint_every=1), tmp_path / "full").run()
    sim = make_simulation(cfg, tmp_path / "run")
    while sim.state.step < 33:  # tax years close at steps 5, 10, ..., 30; checkpoints at 15, 30
        sim.advance()  # rates, the step, and the tax year's close when it ends
    sim.close()  # killed at step 33
    assert json.loads((tmp_path / "run" / "checkpoint.json").read_text())["step"] == 30
    done = Simulation.resume(tmp_path / "run").run()
    chunks = sorted(p.name for p in (tmp_path / "run" / "chunks").glob("steps_*"))
    assert chunks == ["steps_000002.parquet", "steps_000005.parquet", "steps_000007.parquet"]
    timing = ["latency_s", "request_latency_s"]
    for name in ("steps", "agents", "calls"):
        pd.testing.assert_frame_equal(getattr(full, name).drop(columns=timing, errors="ignore"),
                                      getattr(done, name).drop(columns=timing, errors="ignore"),
                                      check_exact=True)


def test_checkpoint_every_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="checkpoint_every must be an integer >= 1"):
        CFG.replace(checkpoint_every=0)


def test_checkpoint_naming_moved_classes_by_their_former_names_still_loads(tmp_path):
    """A vectorised run checkpointed before its array workers moved to ``array_workers``
    resumes: the codec reads the former class names through ``FORMER_NAMES``; an unknown name is
    still refused."""
    for cfg in (CFG.replace(worker="surrogate_vec", n_agents=40, planner="saez"),
                CFG.replace(batching="clusters", n_clusters=2, n_agents=30)):
        _resumes_under_former_names(cfg, tmp_path)


def _resumes_under_former_names(cfg, tmp_path):
    import json

    import numpy as np

    from econsim.simulation import checkpoint_codec

    sim = make_simulation(cfg)
    for _ in range(CFG.K):
        sim.advance()
    checkpoint_codec.save(tmp_path / "c.npz", sim.state)
    with np.load(tmp_path / "c.npz", allow_pickle=False) as npz:
        members = {k: npz[k] for k in npz.files}
    doc = json.loads(members["__state__"].tobytes().decode())
    former = {new: old for old, new in checkpoint_codec.FORMER_NAMES.items()}
    renamed = [[former.get(name, name), attrs] for name, attrs in doc["layouts"]]
    assert renamed != doc["layouts"]  # the state holds a moved class

    def write(layouts, path):
        text = json.dumps({**doc, "layouts": layouts}, separators=(",", ":"))
        np.savez(path, **{**members, "__state__": np.frombuffer(text.encode(), dtype=np.uint8)})

    write(renamed, tmp_path / "old.npz")
    back = checkpoint_codec.load(tmp_path / "old.npz", type(sim).CHECKPOINT_CLASSES)
    assert _same(sim.state, back)
    unknown = [[n.replace("econsim.simulation", "elsewhere"), a] for n, a in doc["layouts"]]
    write(unknown, tmp_path / "unknown.npz")
    with pytest.raises(checkpoint_codec.CodecError, match="not a checkpoint of this version"):
        checkpoint_codec.load(tmp_path / "unknown.npz", type(sim).CHECKPOINT_CLASSES)
