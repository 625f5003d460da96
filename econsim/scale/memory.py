"""Memory guard: estimate a run's peak memory before it starts and refuse what cannot fit.

The estimate is deliberately simple (bytes per agent × N + bytes per recorded row × rows) and
errs on the high side; it is checked against ``MemAvailable`` in ``/proc/meminfo`` (Linux) and,
failing that, ``psutil`` if installed. A run whose estimate exceeds the available memory raises
:class:`MemoryEstimateError` (a ``ValueError``) naming both numbers, unless ``force=True`` — or the
environment variable ``ECONSIM_FORCE_MEMORY=1`` for runs started through ``econsim run``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from econsim.scale.surrogate_vec import bytes_per_agent

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


def recorded_agents(n_agents: int, record_agents: int | None, vectorised: bool) -> int:
    """How many agents' per-step rows a run keeps (see ``SimConfig.record_agents``)."""
    if record_agents is not None:
        return min(record_agents, n_agents)
    if vectorised and n_agents > AUTO_RECORD_LIMIT:
        return AUTO_RECORD_SAMPLE
    return n_agents


def estimate_memory(config) -> MemoryEstimate:  # noqa: ANN001 - SimConfig (avoids an import cycle)
    """Estimated peak memory of ``make_simulation(config).run()``.

    Parameters
    ----------
    config
        A :class:`~econsim.simulation.SimConfig`.
    """
    from econsim.simulation.config import uses_vector_engine

    n, steps = config.n_agents, config.n_steps
    vector = uses_vector_engine(config)
    agents = n * (ECONOMY_BYTES_PER_AGENT + POPULATION_BYTES_PER_AGENT)
    histories = 0
    calls_per_step = 0
    if config.worker == "surrogate_vec":
        agents += n * bytes_per_agent(config.H)
    elif config.worker == "llm":
        asked = config.n_archetypes if config.batching == "archetypes" else n
        histories = asked * steps * STEP_RECORD_BYTES
        calls_per_step = asked * (2 if config.scenario != "rational" else 1)
    if not vector:
        agents += n * 2 * 120  # two Python lists per agent in the loop's state
    rows = recorded_agents(n, config.record_agents, vector) * steps
    records = rows * RECORD_ROW_BYTES + calls_per_step * steps * (
        CALL_ROW_BYTES if config.record_prompts else 300)
    return MemoryEstimate(int(agents), int(records), int(histories))


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


def check_memory(config, *, force: bool = False, available: int | None = None,  # noqa: ANN001
                 share: int = 1) -> MemoryEstimate:
    """Refuse (``MemoryEstimateError``) a run whose estimate exceeds available memory.

    Parameters
    ----------
    config
        The run's :class:`~econsim.simulation.SimConfig`.
    force
        Run anyway (also ``ECONSIM_FORCE_MEMORY=1``).
    available
        Bytes available (default: :func:`available_memory`).
    share
        Number of runs sharing the memory at once (a sweep's workers).
    """
    est = estimate_memory(config)
    avail = available_memory() if available is None else available
    if avail is None or force or os.environ.get(FORCE_ENV, "") not in ("", "0"):
        return est
    if est.total * share > avail:
        runs = f" × {share} concurrent runs" if share > 1 else ""
        raise MemoryEstimateError(
            f"estimated memory {est}{runs} exceeds available memory {gib(avail)} "
            f"(n_agents={config.n_agents}, n_steps={config.n_steps}); reduce n_agents, "
            "record_agents or n_steps, or pass force=True (econsim sweep --force; econsim run: "
            f"{FORCE_ENV}=1)")
    return est
