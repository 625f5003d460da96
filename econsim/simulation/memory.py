"""Memory guard of a configured run: estimate its peak memory before it starts and refuse what
cannot fit.

The estimate is deliberately simple (bytes per agent × N + bytes per recorded row × rows) and
errs on the high side; it is checked against ``MemAvailable`` in ``/proc/meminfo`` (Linux) and,
failing that, ``psutil`` if installed (:mod:`econsim.scale.memory`). A run whose estimate exceeds
the available memory raises :class:`MemoryEstimateError` (a ``ValueError``) naming both numbers,
unless ``force=True`` — or the environment variable ``ECONSIM_FORCE_MEMORY=1`` for runs started
through ``econsim run``.
"""

from __future__ import annotations

import os

from econsim.scale.memory import (
    AUTO_RECORD_LIMIT,
    AUTO_RECORD_SAMPLE,
    BASE_BYTES,
    CALL_ROW_BYTES,
    ECONOMY_BYTES_PER_AGENT,
    FORCE_ENV,
    POPULATION_BYTES_PER_AGENT,
    RECORD_ROW_BYTES,
    STEP_RECORD_BYTES,
    MemoryEstimate,
    MemoryEstimateError,
    available_memory,
    gib,
    recorded_agents,
)
from econsim.scale.surrogate_vec import bytes_per_agent

__all__ = ["AUTO_RECORD_LIMIT", "AUTO_RECORD_SAMPLE", "BASE_BYTES", "FORCE_ENV",
           "MemoryEstimate", "MemoryEstimateError", "available_memory", "check_memory",
           "estimate_memory", "gib"]


def estimate_memory(config) -> MemoryEstimate:  # noqa: ANN001 - SimConfig
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
    if config.worker_spec.vector_only:
        agents += n * bytes_per_agent(config.H)
    elif config.worker_spec.asks_model:
        asked = config.n_clusters if config.batching_spec.per_cluster else n
        kept = steps if config.batching_spec.per_cluster else min(steps, config.H)
        histories = asked * kept * STEP_RECORD_BYTES  # the engine keeps the last H steps
        calls_per_step = asked * (2 if config.scenario_spec.satisfaction else 1)
    if not vector:
        agents += n * 2 * 120  # two Python lists per agent in the loop's state
    rows = recorded_agents(n, config.record_agents, vector) * steps
    records = rows * RECORD_ROW_BYTES + calls_per_step * steps * (
        CALL_ROW_BYTES if config.record_prompts else 300)
    return MemoryEstimate(int(agents), int(records), int(histories))


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
