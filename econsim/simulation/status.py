"""``status.json``: how a run folder's run ended, so a failed run never looks half-finished.

Written when a run ends — ``complete``, ``budget exhausted: …``, ``failed`` (an exception, e.g.
HTTP 429 on every attempt) or ``interrupted`` (Ctrl-C) — with the step reached, the last
checkpointed step, the LLM ledger at that moment (so the spend is known even when the run failed
between checkpoints), the error (keys redacted) and the command that continues the run. A folder
with a checkpoint but no ``status.json`` was killed (e.g. SIGKILL) and can be resumed as well.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from econsim.llm.redact import redact

STATUS_FILE = "status.json"


def next_step_hint(folder: Path, checkpoint_step: int | None) -> str:
    """The command that continues (or restarts) the run in ``folder``."""
    if checkpoint_step:
        return f"econsim run --resume {folder}"
    return f"no checkpoint yet: start again with `econsim run --config {folder}/config.yaml " \
           f"--out {folder} --overwrite`"


def write_status(folder: Path, *, status: str, step: int, checkpoint_step: int | None,
                 ledger: dict[str, Any], error: BaseException | None = None) -> Path | None:
    """Write ``folder/status.json`` atomically and return its path.

    When the file system refuses the write (full, read-only), no half-written file is left
    and an older ``status.json`` is removed rather than left saying something no longer true
    (a folder without one reads as a killed run: resumable from its checkpoint); the result is
    then None and the caller's own error says what failed.
    """
    record: dict[str, Any] = {
        "status": status, "step": int(step), "checkpoint_step": checkpoint_step,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "error": None if error is None else redact(f"{type(error).__name__}: {error}"),
        "next": None if status != "failed" and status != "interrupted"
        else next_step_hint(folder, checkpoint_step),
        "ledger": ledger}
    path = folder / STATUS_FILE
    tmp = path.with_suffix(".json.tmp")
    try:
        tmp.write_text(json.dumps(record, indent=2, default=float) + "\n")
        os.replace(tmp, path)
    except OSError:
        for stale in (tmp, path):
            with contextlib.suppress(OSError):
                stale.unlink(missing_ok=True)
        return None
    return path


def read_status(folder: str | Path) -> dict[str, Any] | None:
    """The run's ``status.json`` as a dict, or None when it has none."""
    path = Path(folder) / STATUS_FILE
    return json.loads(path.read_text()) if path.exists() else None
