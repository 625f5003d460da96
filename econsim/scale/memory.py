"""Memory guard primitives: per-agent and per-row byte counts, the estimate record, what the
machine has available (the estimate of a configured run is :mod:`econsim.simulation.memory`).

The estimate is deliberately simple (bytes per agent × N + bytes per recorded row × rows) and
errs on the high side; it is checked against ``MemAvailable`` in ``/proc/meminfo`` (Linux) and,
failing that, ``psutil`` if installed. A run whose estimate exceeds the available memory raises
:class:`MemoryEstimateError` (a ``ValueError``) naming both numbers, unless ``force=True`` — or the
environment variable ``ECONSIM_FORCE_MEMORY=1`` for runs started through ``econsim run``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Fixed overhead of a Python process with numpy, pandas and econsim imported.
BASE_BYTES = 250 * 2**20
#: Per-agent bytes of the economy step and welfare metrics (about a dozen float64 temporaries).
ECONOMY_BYTES_PER_AGENT = 16 * 8
#: Per-agent bytes of the sampled census population while it is built (frame + categoricals).
POPULATION_BYTES_PER_AGENT = 400
#: One kept per-agent record row (step, agent and 7 float columns) in memory and in parquet.
RECORD_ROW_BYTES = 9 * 8 * 2
#: A worker's ``StepRecord`` in the per-agent loop (the dataclass and its floats).
STEP_RECORD_BYTES = 200
#: A recorded LLM call row with prompt text.
CALL_ROW_BYTES = 6000
#: Environment variable that forces runs past the guard (``econsim run``).
FORCE_ENV = "ECONSIM_FORCE_MEMORY"
#: The vectorised engine keeps every agent's per-step rows up to this many agents…
AUTO_RECORD_LIMIT = 10_000
#: …and above it a seeded sample of this many agents (``SimConfig.record_agents`` overrides).
AUTO_RECORD_SAMPLE = 1_000


class MemoryEstimateError(ValueError):
    """A run's estimated memory exceeds what is available."""


@dataclass(frozen=True)
class MemoryEstimate:
    """Estimated peak bytes of a run, by part."""

    agents: int
    records: int
    histories: int
    base: int = BASE_BYTES

    @property
    def total(self) -> int:
        return self.agents + self.records + self.histories + self.base

    def __str__(self) -> str:
        return (f"{gib(self.total)} (agents {gib(self.agents)}, records {gib(self.records)}, "
                f"histories {gib(self.histories)}, base {gib(self.base)})")


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def recorded_agents(n_agents: int, record_agents: int | None, vectorized: bool) -> int:
    """How many agents' per-step rows a run keeps (see ``SimConfig.record_agents``)."""
    if record_agents is not None:
        return min(record_agents, n_agents)
    if vectorized and n_agents > AUTO_RECORD_LIMIT:
        return AUTO_RECORD_SAMPLE
    return n_agents


def available_memory() -> int | None:
    """Bytes available to a new process: ``MemAvailable`` from /proc/meminfo, else psutil."""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    try:
        import psutil
    except ImportError:
        return None
    return int(psutil.virtual_memory().available)
