"""Replay packs: a recorded call store plus a manifest, replayable without the model or a key.

A pack is a folder::

    <pack>/calls.sqlite   every request and reply of the recorded runs (a CallStore)
    <pack>/pack.json      backend, model and its file hash, decoding settings, structured-output
                          mode, econsim version, the configurations recorded, call counts

Record with any live backend (``econsim run --backend <live> --pack <folder>``, or a notebook's
``record_pack`` parameter), then replay with ``--backend replay:<folder>`` or a notebook's
``backend="replay:<folder>"``: the runs' prompts are rebuilt from the configuration and every
reply comes from the store, so the tables come out identical. See docs/local_models.md.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from econsim import __version__
from econsim.llm.store import CallStore

PACK_STORE = "calls.sqlite"
PACK_MANIFEST = "pack.json"
PACK_FORMAT = 1


def is_pack(path: str | Path) -> bool:
    """Whether ``path`` is a pack folder (holds ``pack.json``)."""
    return (Path(path) / PACK_MANIFEST).is_file()


def pack_store_path(folder: str | Path) -> Path:
    """Where a pack keeps its call store (the store a recording run writes to)."""
    return Path(folder) / PACK_STORE


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The pack's manifest; a clear error if ``folder`` is not a pack."""
    path = Path(folder) / PACK_MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{folder} is not a replay pack (no {PACK_MANIFEST}); record one "
                                "with `econsim run --pack <folder>` (docs/local_models.md)")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != PACK_FORMAT:
        raise ValueError(f"{path}: pack format {manifest.get('format')!r} is not supported "
                         f"(this econsim reads format {PACK_FORMAT})")
    return manifest


def open_pack(folder: str | Path) -> tuple[CallStore, dict[str, Any]]:
    """The pack's store (read-only replay) and manifest."""
    manifest = read_manifest(folder)
    return CallStore(pack_store_path(folder), "replay", readonly=True), manifest


def backend_label(backend: str) -> str:
    """The backend a result comes from, for figure labels and claim rows: a pack's recorded
    backend for ``replay:<pack>``, ``llamacpp/<model name>`` for ``llamacpp/<spec>`` (the same
    name a pack of it records), else ``backend`` itself."""
    if backend.startswith("replay:") and is_pack(backend[len("replay:"):]):
        return str(read_manifest(backend[len("replay:"):])["backend"])
    if backend.startswith("llamacpp/"):
        from econsim.llm.llamacpp_backend import PACKAGED

        spec = backend[len("llamacpp/"):]
        return f"llamacpp/{PACKAGED[spec][2] if spec in PACKAGED else Path(spec).stem}"
    return backend


def _describe(client: Any) -> dict[str, Any]:
    backend = client.backend
    if backend is None:
        raise ValueError("a pack is recorded from a live backend, not from a replay")
    if hasattr(backend, "describe"):
        info = dict(backend.describe())
    else:
        info = {"backend": f"{backend.kind}/{backend.model}", "url": backend.url,
                "structured": client.structured_output()}  # negotiated form and why
    info.setdefault("backend", client.spec)
    return info


def write_pack(folder: str | Path, client: Any, configs: list[dict[str, Any]],
               note: str = "", wall_time_s: float | None = None) -> Path:
    """Finish a pack recorded through ``client`` (whose store is ``<folder>/calls.sqlite``).

    Writes ``pack.json`` and compacts the store into one self-contained SQLite file (no WAL
    side files), so the folder can be committed or shared as it is.

    Parameters
    ----------
    folder
        The pack folder.
    client
        The :class:`~econsim.llm.LLMClient` that recorded (live backend, store in ``folder``).
    configs
        The configurations recorded (each run's ``SimConfig.to_dict()``, or any parameters that
        let a reader rebuild the runs); added to those of an earlier manifest in ``folder``.
    note
        Free text: what was recorded and how.
    wall_time_s
        Wall time of the recording, kept as ``recording_wall_s`` (reported by ``make bench``).
    """
    folder = Path(folder)
    store = pack_store_path(folder)
    if not store.is_file():
        raise FileNotFoundError(f"{store} does not exist: record the runs with "
                                f"store={store} first")
    if client.store is not None and Path(client.store.path).resolve() != store.resolve():
        raise ValueError(f"the client records into {client.store.path}, not into {store}")
    if client.store is not None:
        client.store.close()
    compact_store(store)
    if is_pack(folder):
        earlier = read_manifest(folder).get("configs", [])
        configs = earlier + [c for c in configs if c not in earlier]
    ro = CallStore(store, "replay", readonly=True)
    try:
        pairs, n_calls = ro.backends(), len(ro)
        served = sorted({r["served_model"] for r in ro.rows()})
    finally:
        ro.close()
    manifest = {
        "format": PACK_FORMAT, **_describe(client),
        "keys": [f"{b}/{m}" for b, m in pairs], "served_models": served,
        "temperature": client.temperature, "max_tokens": client.max_tokens,
        "max_reasks": client.max_reasks, "econsim": __version__, "calls": n_calls,
        "store": PACK_STORE, "configs": configs, "note": note,
        "recording_wall_s": None if wall_time_s is None else round(float(wall_time_s), 1),
    }
    path = folder / PACK_MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    return path


def compact_store(path: str | Path) -> None:
    """Fold the write-ahead log into the file, switch to rollback journaling and vacuum."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("VACUUM")
    finally:
        con.close()
