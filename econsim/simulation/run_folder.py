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
  one line naming the file; the checkpoint is read by an unpickler that builds only the state's own
  data classes, numpy arrays and plain containers, so a crafted file runs nothing.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import pickle
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
from econsim.simulation.status import STATUS_FILE

CHECKPOINT = "checkpoint.pkl"
CHECKPOINT_META = "checkpoint.json"
CONFIG_FILE = "config.yaml"
MANIFEST = "manifest.json"
LOCK = ".lock"
ASIDE = ".replaced"
#: Version of the checkpoint record; resume refuses others.
CHECKPOINT_FORMAT = 1


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
def _allowed(classes: Iterable[type]) -> dict[tuple[str, str], Any]:
    """What a checkpoint may contain: the engine's state classes (``classes``), numpy arrays and
    scalars, and plain containers."""
    import collections

    import numpy as np

    out: dict[tuple[str, str], Any] = {(c.__module__, c.__qualname__): c for c in classes}
    # numpy pickles an array as a call of one of its own rebuilders (the data is a buffer)
    for mod in ("numpy._core.numeric", "numpy.core.numeric"):
        out[(mod, "_frombuffer")] = _numpy_attr("_core.numeric", "core.numeric", "_frombuffer")
    for mod in ("numpy._core.multiarray", "numpy.core.multiarray"):
        out[(mod, "_reconstruct")] = _numpy_attr("_core.multiarray", "core.multiarray",
                                                 "_reconstruct")
        out[(mod, "scalar")] = _numpy_attr("_core.multiarray", "core.multiarray", "scalar")
    out[("numpy", "dtype")] = np.dtype
    out[("numpy", "ndarray")] = np.ndarray
    out[("collections", "OrderedDict")] = collections.OrderedDict
    out[("collections", "deque")] = collections.deque
    for name in ("set", "frozenset", "complex", "slice"):
        out[("builtins", name)] = getattr(__import__("builtins"), name)
    return out


def _numpy_attr(new: str, old: str, name: str) -> Any:
    """``numpy.<new>.<name>`` (numpy 2) or ``numpy.<old>.<name>`` (numpy 1)."""
    import importlib

    for mod in (new, old):
        try:
            return getattr(importlib.import_module(f"numpy.{mod}"), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(f"numpy has no {name}")


class _StateUnpickler(pickle.Unpickler):
    def __init__(self, data: bytes, path: Path, classes: Iterable[type]) -> None:
        super().__init__(io.BytesIO(data))
        self.allowed = _allowed(classes)
        self.path = path

    def find_class(self, module: str, name: str) -> Any:
        found = self.allowed.get((module, name))
        if found is None:
            raise RunFolderError(f"{self.path} is not a checkpoint of this version: it refers "
                                 f"to {module}.{name}, which a checkpoint may not contain; "
                                 "nothing in it was run")
        return found


def write_checkpoint(folder: Path, state: Any, config: dict[str, Any],
                     chunks: dict[str, str]) -> None:
    """Write ``checkpoint.pkl`` and its record ``checkpoint.json`` (checksum, the config's hash,
    the chunks' checksums), each atomically; the record last."""
    path = folder / CHECKPOINT
    tmp = path.with_suffix(".pkl.tmp")
    meta_tmp = folder / (CHECKPOINT_META + ".tmp")
    h = hashlib.sha256()
    with removed_on_error(tmp, meta_tmp):  # a full disk leaves the last good checkpoint only
        with tmp.open("wb") as fh:  # streamed: no second copy of a large state
            pickle.dump(state, _Hashing(fh, h), protocol=pickle.HIGHEST_PROTOCOL)
        meta = {"format": CHECKPOINT_FORMAT, "sha256": h.hexdigest(),
                "config": config_hash(config), "step": int(state.step), "chunks": chunks}
        meta_tmp.write_text(json.dumps(meta, indent=1, sort_keys=True))
        os.replace(tmp, path)
        os.replace(meta_tmp, folder / CHECKPOINT_META)


class _Hashing:
    """A binary file that also hashes what is written to it."""

    def __init__(self, fh: Any, h: Any) -> None:
        self.fh, self.h = fh, h

    def write(self, data: bytes) -> int:
        self.h.update(data)
        return self.fh.write(data)


def read_checkpoint(folder: Path, classes: Iterable[type]) -> tuple[Any, dict[str, Any]]:
    """The checkpointed state and its record, verified: the record exists and is this format,
    ``config.yaml`` is the configuration it was written for, the checkpoint's checksum matches,
    every chunk it lists is present and unchanged; then the restricted unpickler reads it,
    building no class but ``classes`` (the engine's state), numpy's and plain containers."""
    meta_path, path = folder / CHECKPOINT_META, folder / CHECKPOINT
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
    try:
        state = _StateUnpickler(data, path, classes).load()
    except RunFolderError:
        raise
    except Exception as err:  # noqa: BLE001 - any failure to read it is a corrupt checkpoint
        raise RunFolderError(f"{path} cannot be read ({type(err).__name__}: {err}): "
                             "refused") from None
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


__all__ = ["describe_os_error", "os_errno", "os_error_advice", "removed_on_error", "abandoned_start", "make_room", "prompt_template_hash", "restore_aside",
           "write_run_manifest", "ASIDE", "CHECKPOINT", "CHECKPOINT_META", "CONFIG_FILE", "LOCK", "MANIFEST",
           "FolderLock", "RunFolderError", "config_hash", "discard_aside", "move_aside",
           "read_checkpoint", "verify_chunks", "write_checkpoint"]
