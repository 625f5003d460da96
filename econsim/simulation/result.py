"""What a finished (or budget-stopped) run returns: its tables, its folder, status and ledger."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from econsim.simulation.config import SimConfig


@dataclass
class SimResult:
    """Tables of a finished (or budget-stopped) run and where they were written."""

    config: SimConfig
    tables: dict[str, Any]
    folder: Path | None
    status: str
    ledger: dict[str, Any]

    @property
    def steps(self):  # noqa: ANN201 - pandas DataFrame
        return self.tables["steps"]

    @property
    def agents(self):  # noqa: ANN201
        return self.tables["agents"]

    @property
    def calls(self):  # noqa: ANN201
        return self.tables["calls"]

    @property
    def elections(self):  # noqa: ANN201
        return self.tables["elections"]

    @property
    def workers(self):  # noqa: ANN201
        """One row per worker: ``agent``, ``name``, ``skill``, ``utility_type``, ``persona``."""
        return self.tables["workers"]

    def conversation(self, step: int, agent: int | str, kind: str = "labour") -> str:
        """The prompt an agent saw at ``step`` and the reply it gave, as readable text.

        ``agent`` is a worker index, or ``"planner"`` (kinds ``labour``, ``satisfaction``,
        ``planner``, ``leader``, ``vote``, ``run``). Needs ``record_prompts=True``.
        """
        calls = self.calls
        idx = -1 if agent == "planner" else int(agent)
        rows = calls[(calls.step == step) & (calls.agent == idx) & (calls.kind == kind)] \
            if len(calls) else calls
        if len(rows) == 0:
            raise ValueError(f"no {kind!r} call by agent {agent!r} at step {step} in the records")
        row = rows.iloc[0]
        if row.prompt is None:
            raise ValueError("prompts were not recorded (record_prompts=False)")
        parts = [f"[{m['role']}]\n{m['content']}" for m in json.loads(row.prompt)]
        parts.append(f"[reply{' (fallback)' if row.fallback else ''}]\n{row.reply}")
        return "\n\n".join(parts)
