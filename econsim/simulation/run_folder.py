"""A run folder as a transaction: one writer at a time, earlier results kept until replaced, and
checkpoints and chunks verified before they are trusted.

* **Lock** — a run holds ``.lock`` (:mod:`filelock`) from before it touches the folder until it
  ends; a second run into the same folder is refused with one line.
* **Overwrite moves aside** — ``overwrite`` moves the earlier run into ``.replaced/`` (after the
  new configuration, client and memory estimate were validated) and deletes it only when the new
  run has written its first checkpoint, so a replacement that fails early loses nothing.
* **Verified checkpoints** — ``checkpoint.json`` records the checkpoint's SHA-256, the hash of the
  configuration it belongs to and the SHA-256 of every chunk written so far. Resume refuses a
  changed ``config.yaml``, a corrupt or foreign checkpoint and a missing or altered chunk, each in
  one line naming the file. The checkpoint is data (JSON and numpy arrays in an ``.npz``, read
  with ``allow_pickle=False``; :mod:`econsim.simulation.checkpoint_codec`) and builds only the
  state's own classes, so a crafted file runs nothing.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import filelock
import yaml

import econsim.prompts as prompts_pkg
from econsim.llm.redact import url_without_credentials
from econsim.simulation import checkpoint_codec
from econsim.simulation.status import STATUS_FILE

CHECKPOINT = "checkpoint.npz"
CHECKPOINT_META = "checkpoint.json"
CONFIG_FILE = "config.yaml"
MANIFEST = "manifest.json"
LOCK = ".lock"
ASIDE = ".replaced"
#: Version of the checkpoint record; resume refuses others (1: a pickle, read by an allowlist
#: unpickler; 2: data only, JSON and numpy arrays in an ``.npz``).
CHECKPOINT_FORMAT = 2


class RunFolderError(ValueError):
    """A run folder that cannot be used as asked (busy, corrupt, changed); the message says why
    and names the file."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def config_hash(config: dict[str, Any]) -> str:
    """SHA-256 of a configuration's canonical JSON."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


class FolderLock:
    """The exclusive lock of one run folder (``folder/.lock``), taken without waiting."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock: filelock.BaseFileLock | None = None
        self._made_folder = False

    def acquire(self) -> FolderLock:
        """Create the folder if missing and take its lock; a folder that cannot be created or
        written (read-only or full file system, no permission) is refused here, before
        anything in it changes."""
        try:
            if not self.folder.exists():
                self.folder.mkdir(parents=True)
                self._made_folder = True
            elif not self.folder.is_dir():
                raise RunFolderError(f"run folder {self.folder} is a file, not a folder")
            lock = filelock.FileLock(str(self.folder / LOCK), timeout=0)
            lock.acquire()
        except filelock.Timeout:
            raise RunFolderError(f"run folder {self.folder} is in use by another run (lock "
                                 f"{self.folder / LOCK}); wait for it to end or choose another "
                                 "--out") from None
        except OSError as err:
            raise RunFolderError(f"run folder {self.folder} cannot be written "
                                 f"({describe_os_error(err)}); nothing in it was changed: "
                                 f"{os_error_advice(err)}") from None
        self._lock = lock
        return self

    def release(self, *, remove_empty: bool = False) -> None:
        """Release the lock. ``remove_empty`` is for a run that failed before it started: an
        earlier run an overwrite moved aside is put back, and a folder this lock made is
        removed with what the set-up wrote into it (it holds nothing else: it was locked), so
        a refused run leaves no trace."""
        if remove_empty and (self.folder / ASIDE).is_dir():
            # set-up failed after an overwrite moved the earlier run aside (e.g. the disk
            # filled while writing config.yaml): the earlier run comes back
            with contextlib.suppress(OSError):
                if restore_aside(self.folder):
                    handled = sys.exc_info()[1]  # the set-up's error, being handled by our caller
                    if handled is not None:
                        handled.add_note(f"the run {self.folder} held before was put back "
                                         "unchanged")
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if remove_empty and self._made_folder and self.folder.is_dir():
            made = {LOCK, CONFIG_FILE, STATUS_FILE, "chunks"}
            if {p.name for p in self.folder.iterdir()} <= made and not any(
                    (self.folder / "chunks").glob("*")):
                shutil.rmtree(self.folder, ignore_errors=True)


def move_aside(folder: Path, keep: Iterable[str] = (LOCK,)) -> None:
    """Move every entry of ``folder`` but ``keep`` into ``folder/.replaced`` (an older one is
    deleted first)."""
    aside = folder / ASIDE
    if aside.exists():
        shutil.rmtree(aside)
    entries = [p for p in folder.iterdir() if p.name not in set(keep) | {ASIDE}]
    if not entries:
        return
    aside.mkdir()
    for p in entries:
        p.rename(aside / p.name)


def discard_aside(folder: Path) -> None:
    """Delete the run an ``overwrite`` replaced (called once the new run has a checkpoint)."""
    shutil.rmtree(folder / ASIDE, ignore_errors=True)


def abandoned_start(folder: Path) -> bool:
    """A run folder stopped before its first checkpoint: only the config, the status record and
    tax-year chunks, no checkpoint and no manifest. Nothing in it can be resumed, so a new run
    may reuse it."""
    if not folder.is_dir():
        return False
    names = {p.name for p in folder.iterdir()}
    return names <= {CONFIG_FILE, STATUS_FILE, "chunks", LOCK} and (
        "chunks" not in names or (folder / "chunks").is_dir())


def make_room(folder: Path, overwrite: bool) -> None:
    """Make ``folder`` (locked, everything validated) ready for a new run: an empty folder or an
    abandoned start is cleared; an earlier run is refused, or with ``overwrite`` moved aside
    (into ``.replaced/``, deleted at the new run's first checkpoint)."""
    names = {p.name for p in folder.iterdir()} - {LOCK}
    if not names:
        return
    if not abandoned_start(folder):
        if not overwrite:
            hint = "resume it with `econsim run --resume`" if (folder / CHECKPOINT).exists() \
                and not (folder / MANIFEST).exists() else "pass overwrite=True (--overwrite)"
            raise ValueError(f"run folder {folder} is not empty; {hint}")
        move_aside(folder)
        return
    for p in [folder / CONFIG_FILE, folder / STATUS_FILE, *(folder / "chunks").glob("*")]:
        if p.exists():
            p.unlink()


def restore_aside(folder: Path) -> bool:
    """Put back the run an ``overwrite`` replaced, when the replacement failed before its first
    checkpoint (its own partial records, status included, are dropped). True if one was."""
    aside = folder / ASIDE
    if not aside.is_dir():
        return False
    for p in folder.iterdir():
        if p.name not in (LOCK, ASIDE):
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    for p in list(aside.iterdir()):
        p.rename(folder / p.name)
    aside.rmdir()
    return True


def write_run_manifest(folder: Path, *, config: Any, client: Any, calls: Any, started: float,
                       status: str, ledger: dict[str, Any], **extra: Any) -> None:
    """The run's ``manifest.json``, the same keys for every engine: configuration, seeds, backend
    (requested, served, the server URL the SDK used and where it came from — the backend string,
    an environment variable such as ``OPENAI_BASE_URL`` or the vendor default — without
    credentials, structured-output forms used and negotiated), the prompt template hash, ledger
    and status (``extra``: engine-specific keys)."""
    from econsim.compendium.provenance import write_manifest

    served = sorted(calls["model"].unique().tolist()) if len(calls) else []
    forms = sorted(calls["structured_output"].unique().tolist()) \
        if "structured_output" in calls else []
    negotiated = client.structured_output() if client is not None else None
    backend = getattr(client, "backend", None)
    where = {} if getattr(backend, "url", None) is None else {
        "url": url_without_credentials(str(backend.url)),
        "url_from": getattr(backend, "url_source", "backend string")}
    write_manifest(folder, experiment="simulation", config=config.to_dict(),
                   outputs=sorted(p.name for p in folder.glob("*.parquet")),
                   started=started, status=status, seeds={"seed": config.seed},
                   backend={"requested": config.backend, "served": served, **where,
                            "structured_output": {"used": forms, "negotiation": negotiated}},
                   prompt_template_hash=prompt_template_hash(), ledger=ledger, **extra)


def prompt_template_hash() -> str:
    """SHA-256 of the prompt builders' source: changes whenever any prompt wording changes."""
    h = hashlib.sha256()
    for path in sorted(Path(prompts_pkg.__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


# -- file-system failures -------------------------------------------------------------------------
@contextlib.contextmanager
def removed_on_error(*paths: Path) -> Iterator[None]:
    """Delete ``paths`` (temporary files being written) if the block fails, e.g. on a full
    disk, so no half-written ``.tmp`` is left behind."""
    try:
        yield
    except BaseException:
        for p in paths:
            with contextlib.suppress(OSError):
                p.unlink(missing_ok=True)
        raise


#: Errors of a file system that refuses a write (full, over quota, read-only, no permission).
WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM)


def os_errno(err: OSError) -> int | None:
    """The errno of ``err``, also when a library (e.g. pyarrow) only names it in its text."""
    if err.errno:
        return int(err.errno)
    found = re.search(r"errno (\d+)", str(err), flags=re.IGNORECASE)
    return int(found.group(1)) if found else None


def describe_os_error(err: OSError) -> str:
    """``err`` as a short phrase: the system's words and the errno name (no path)."""
    code = os_errno(err)
    name = errno.errorcode.get(code, "") if code else ""
    text = err.strerror or (os.strerror(code) if code else str(err))
    return f"{text}, {name}" if name else text


def os_error_advice(err: OSError) -> str:
    """What a user can do about a failed write."""
    code = os_errno(err)
    if code in (errno.ENOSPC, errno.EDQUOT):
        return "free space on that file system or choose another --out"
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "the file system or folder is not writable: choose a writable --out"
    return "check the folder and its file system, or choose another --out"


# -- checkpoints ----------------------------------------------------------------------------------
def write_checkpoint(folder: Path, state: Any, config: dict[str, Any],
                     chunks: dict[str, str]) -> None:
    """Write ``checkpoint.npz`` (data only: :mod:`econsim.simulation.checkpoint_codec`) and its
    record ``checkpoint.json`` (checksum, the config's hash, the chunks' checksums), each
    atomically; the record last."""
    path = folder / CHECKPOINT
    tmp = path.with_suffix(".npz.tmp")
    meta_tmp = folder / (CHECKPOINT_META + ".tmp")
    with removed_on_error(tmp, meta_tmp):  # a full disk leaves the last good checkpoint only
        checkpoint_codec.save(tmp, state)
        meta = {"format": CHECKPOINT_FORMAT, "sha256": sha256_file(tmp),
                "config": config_hash(config), "step": int(state.step), "chunks": chunks}
        meta_tmp.write_text(json.dumps(meta, indent=1, sort_keys=True))
    # Two renames are not one atomic step: a run killed between them leaves the new checkpoint
    # beside the old record, and the complete new record as checkpoint.json.tmp, which
    # finish_checkpoint_commit puts in place on resume (so the .tmp is not removed on error).
    os.replace(tmp, path)
    os.replace(meta_tmp, folder / CHECKPOINT_META)


def finish_checkpoint_commit(folder: Path) -> None:
    """Complete a checkpoint write interrupted between its two renames, or drop one that never
    committed: a ``checkpoint.json.tmp`` whose checksum is that of ``checkpoint.npz`` is the
    record of that checkpoint and replaces the older one; any other leftover ``.tmp`` is removed
    (the last complete checkpoint stays)."""
    meta_tmp, path = folder / (CHECKPOINT_META + ".tmp"), folder / CHECKPOINT
    if meta_tmp.exists():
        try:
            expected = str(json.loads(meta_tmp.read_text())["sha256"])
        except (ValueError, KeyError, TypeError):
            expected = ""
        if path.exists() and expected and sha256_file(path) == expected:
            os.replace(meta_tmp, folder / CHECKPOINT_META)
        else:
            meta_tmp.unlink()
    path.with_suffix(".npz.tmp").unlink(missing_ok=True)


def read_checkpoint(folder: Path, classes: Iterable[type]) -> tuple[Any, dict[str, Any]]:
    """The checkpointed state and its record, verified: the record exists and is this format,
    ``config.yaml`` is the configuration it was written for, the checkpoint's checksum matches,
    every chunk it lists is present and unchanged; then it is read as data, building no class
    but ``classes`` (the engine's state), numpy arrays and plain containers."""
    meta_path, path = folder / CHECKPOINT_META, folder / CHECKPOINT
    finish_checkpoint_commit(folder)
    if not meta_path.exists():
        raise RunFolderError(f"{path} has no record {meta_path.name} (written by another "
                             "version, or tampered with): refused; start the run again with "
                             "--overwrite")
    try:
        meta = json.loads(meta_path.read_text())
        expected, fmt = str(meta["sha256"]), int(meta["format"])
        chunks = dict(meta["chunks"])
    except (ValueError, KeyError, TypeError) as err:
        raise RunFolderError(f"{meta_path} is corrupt ({err}): refused") from None
    if fmt != CHECKPOINT_FORMAT:
        raise RunFolderError(f"{meta_path} is checkpoint format {fmt}; this version reads "
                             f"format {CHECKPOINT_FORMAT}")
    config = yaml.safe_load((folder / CONFIG_FILE).read_text())
    if config_hash(config) != meta.get("config"):
        raise RunFolderError(f"{folder / CONFIG_FILE} changed since the checkpoint was written "
                             "(a run would be made of two configurations): refused; restore it "
                             "or start a new run")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != expected:
        raise RunFolderError(f"{path} is corrupt (its checksum does not match {meta_path.name}): "
                             "refused; start the run again with --overwrite")
    verify_chunks(folder, chunks)
    try:  # the verified bytes themselves: no second read of a file that could change
        state = checkpoint_codec.load(path, classes, data=data)
    except checkpoint_codec.CodecError as err:
        raise RunFolderError(f"{err}: refused") from None
    return state, meta


def verify_chunks(folder: Path, chunks: dict[str, str]) -> None:
    """Every listed chunk (name → SHA-256 under ``folder/chunks``) is present and unchanged."""
    for name, digest in sorted(chunks.items()):
        p = folder / "chunks" / name
        if not p.exists():
            raise RunFolderError(f"chunk {p} is missing (the run's records would have a gap): "
                                 "refused")
        if sha256_file(p) != digest:
            raise RunFolderError(f"chunk {p} was changed or is corrupt (checksum mismatch): "
                                 "refused")


__all__ = ["WRITE_ERRNOS", "describe_os_error", "os_errno", "os_error_advice", "removed_on_error", "abandoned_start", "make_room", "prompt_template_hash", "restore_aside",
           "write_run_manifest", "ASIDE", "CHECKPOINT", "CHECKPOINT_META", "CONFIG_FILE", "LOCK", "MANIFEST",
           "FolderLock", "RunFolderError", "config_hash", "discard_aside", "finish_checkpoint_commit", "move_aside",
           "read_checkpoint", "verify_chunks", "write_checkpoint"]
