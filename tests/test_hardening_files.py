"""Files that cannot be written or read are one line from ``econsim run``, never a traceback
(issue 25): a read-only or full file system (simulated by patched writes raising EROFS or
ENOSPC), a corrupt call store, a store path that is a folder. Each error names the path and
what to do, and earlier results stay intact."""

from __future__ import annotations

import errno
import io
import json
import os
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from econsim.cli.main import main as cli_main

RUN = ["run", "--worker", "rational", "--planner", "fixed", "--n-agents", "3", "--n-steps", "10",
       "--K", "5", "--no-progress"]
LLM_RUN = ["run", "--worker", "llm", "--planner", "fixed", "--n-agents", "2", "--n-steps", "4",
           "--K", "2", "--no-progress"]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".lock"}


def _one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def _refuse_writes_under(monkeypatch, root: Path, code: int) -> None:
    """Every creation or write of a file or folder under ``root`` fails with ``code`` (what a
    read-only mount does; the tests run as any user, root included, so chmod cannot do it)."""
    root = str(root.resolve())
    real_os_open, real_mkdir, real_io_open = os.open, os.mkdir, io.open

    def inside(path: object) -> bool:
        return os.path.abspath(os.fspath(path)).startswith(root)

    def fail(path: object) -> OSError:
        return OSError(code, os.strerror(code), os.fspath(path))

    def os_open(path, flags, *args, **kwargs):  # noqa: ANN001, ANN202
        if inside(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise fail(path)
        return real_os_open(path, flags, *args, **kwargs)

    def mkdir(path, *args, **kwargs):  # noqa: ANN001, ANN202
        if inside(path):
            raise fail(path)
        return real_mkdir(path, *args, **kwargs)

    def io_open(file, mode="r", *args, **kwargs):  # noqa: ANN001, ANN202
        if not isinstance(file, int) and inside(file) and set(mode) & set("wax+"):
            raise fail(file)
        return real_io_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(io, "open", io_open)


def test_read_only_output_folder_is_one_line_and_changes_nothing(tmp_path, monkeypatch, capsys):
    assert cli_main([*RUN, "--out", str(tmp_path / "ro" / "done")]) == 0
    before = _snapshot(tmp_path / "ro" / "done")
    capsys.readouterr()
    _refuse_writes_under(monkeypatch, tmp_path / "ro", errno.EROFS)
    for extra in (["--out", str(tmp_path / "ro" / "new")],
                  ["--out", str(tmp_path / "ro" / "done"), "--overwrite"]):
        with pytest.raises(SystemExit) as stop:
            cli_main([*RUN, *extra])
        assert stop.value.code == 2
        line = _one_line(capsys.readouterr().err)
        assert "cannot be written (Read-only file system, EROFS)" in line
        assert "choose a writable --out" in line and str(tmp_path / "ro") in line
    assert _snapshot(tmp_path / "ro" / "done") == before
    assert not (tmp_path / "ro" / "new").exists()


def test_full_disk_during_set_up_puts_the_earlier_run_back(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "run"
    assert cli_main([*RUN, "--out", str(folder)]) == 0
    before = _snapshot(folder)
    capsys.readouterr()
    real = Path.write_text

    def full(self, *args, **kwargs):  # noqa: ANN001, ANN202 - the disk fills at config.yaml
        if self.parent == folder and self.name == "config.yaml":
            real(self, "scen", *args[1:], **kwargs)  # a partial write, then no space
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    assert cli_main([*RUN, "--seed", "7", "--out", str(folder), "--overwrite"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert f"cannot write {folder}: No space left on device, ENOSPC" in line
    assert "free space on that file system or choose another --out" in line
    assert "held before was put back unchanged" in line
    assert _snapshot(folder) == before and not (folder / ".replaced").exists()


def test_full_disk_at_a_checkpoint_leaves_no_tmp_and_keeps_the_earlier_run(
        tmp_path, monkeypatch, capsys):
    from econsim.simulation import checkpoint_codec

    folder = tmp_path / "run"
    assert cli_main([*RUN, "--out", str(folder)]) == 0
    before = _snapshot(folder)
    capsys.readouterr()

    def savez(fh, **arrays):  # noqa: ANN001, ANN202 - the first checkpoint fills the disk
        fh.write(b"PK\x03\x04 half")  # a start lands in checkpoint.npz.tmp
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(checkpoint_codec.np, "savez", savez)
    assert cli_main([*RUN, "--seed", "7", "--out", str(folder), "--overwrite"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "No space left on device" in line and "put back unchanged" in line
    assert _snapshot(folder) == before
    assert not list(folder.rglob("*.tmp")) and not (folder / ".replaced").exists()


def test_full_disk_at_the_first_checkpoint_python_api_puts_the_earlier_run_back(
        tmp_path, monkeypatch, capsys):
    """The same through ``Simulation(..., overwrite=True)``: the engine counts a checkpoint only
    once it is written, so a failed first one still puts back the run set aside."""
    from econsim.simulation import SimConfig, Simulation, checkpoint_codec

    folder = tmp_path / "run"
    assert cli_main([*RUN, "--out", str(folder)]) == 0
    before = _snapshot(folder)

    def savez(fh, **arrays):  # noqa: ANN001, ANN202
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(checkpoint_codec.np, "savez", savez)
    cfg = SimConfig.from_yaml(folder / "config.yaml").replace(seed=7)
    with pytest.raises(OSError, match="No space left"):
        Simulation(cfg, folder, overwrite=True).run()
    assert _snapshot(folder) == before and not (folder / ".replaced").exists()


def test_full_disk_while_finishing_is_resumable_and_not_left_running(tmp_path, monkeypatch,
                                                                     capsys):
    whole = tmp_path / "whole"
    assert cli_main([*RUN, "--out", str(whole)]) == 0
    folder = tmp_path / "run"
    real = pd.DataFrame.to_parquet

    def full(self, path, *args, **kwargs):  # noqa: ANN001, ANN202 - the final tables fill it
        if str(path).endswith(os.sep + "agents.parquet.tmp"):
            Path(path).write_bytes(b"PAR1 half")
            raise OSError("Error writing bytes to file. Detail: [errno 28] No space left on "
                          "device")  # pyarrow's words: no errno attribute, no file name
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    capsys.readouterr()
    assert cli_main([*RUN, "--out", str(folder)]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "No space left on device, ENOSPC; free space" in line
    assert f"resume with: econsim run --resume {folder}" in line
    assert json.loads((folder / "status.json").read_text())["status"] == "failed"
    assert not list(folder.rglob("*.tmp")) and not (folder / "manifest.json").exists()
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)  # space freed
    assert cli_main(["run", "--resume", str(folder), "--no-progress"]) == 0
    assert pd.read_parquet(folder / "agents.parquet").equals(
        pd.read_parquet(whole / "agents.parquet"))


def _recorded_store(tmp_path: Path) -> Path:
    store = tmp_path / "calls.sqlite"
    assert cli_main([*LLM_RUN, "--store", str(store), "--out", str(tmp_path / "rec")]) == 0
    return store


@pytest.mark.parametrize("damage", ["garbage", "damaged_pages", "folder", "other_database"])
def test_unusable_call_store_is_one_line(tmp_path, capsys, damage):
    store = tmp_path / "calls.sqlite"
    if damage == "garbage":
        store.write_bytes(bytes(range(256)) * 20)
    elif damage == "damaged_pages":  # a real store, every page after the header overwritten
        store = _recorded_store(tmp_path)
        data = store.read_bytes()
        store.write_bytes(data[:4096] + b"Z" * (len(data) - 4096))
    elif damage == "folder":
        store.mkdir()
    else:
        with sqlite3.connect(store) as con:
            con.execute("CREATE TABLE notes (x TEXT)")
        con.close()
    before = _snapshot(tmp_path)
    capsys.readouterr()
    for how in (["--store", str(store)], ["--backend", f"replay:{store}"]):
        assert cli_main([*LLM_RUN, *how, "--out", str(tmp_path / "out")]) == 1
        line = _one_line(capsys.readouterr().err)
        assert f"call store {store}" in line
        assert {"garbage": "is damaged or not an SQLite file",
                "damaged_pages": "is damaged or not an SQLite file",
                "folder": "is a folder, not an SQLite file",
                "other_database": "is an SQLite file but not a call store"}[damage] in line
        assert "choose another --store" in line or "give the path of a file" in line
        assert not (tmp_path / "out").exists()
    assert _snapshot(tmp_path) == before  # the store is left as it was
