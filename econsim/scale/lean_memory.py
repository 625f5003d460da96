"""Memory guard of the lean engine: estimate before sampling, refuse what cannot fit.

Per agent a lean population keeps :data:`~econsim.scale.lean_population.BYTES_PER_AGENT` bytes
(skill ``float32`` + cluster cell ``uint16``). A chunk in flight needs about
:data:`CHUNK_BYTES_PER_AGENT` bytes per agent of temporaries (hashes, hours, incomes, tax,
utilities, bin indices), and every chunk's partial sums (three histograms of
``(Z_BINS + 1) x brackets`` bins) are held until the step's reduction.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from econsim.scale.chunked import Z_BINS
from econsim.scale.lean_population import BYTES_PER_AGENT
from econsim.scale.memory import BASE_BYTES, FORCE_ENV, MemoryEstimateError, available_memory, gib

#: Temporaries of one chunk in flight, bytes per agent (about 20 float64/int64 arrays).
CHUNK_BYTES_PER_AGENT = 160
#: One chunk's partial sums (counts, incomes, post-tax incomes; ≤ 8 brackets) in bytes.
PARTIAL_BYTES = 3 * 8 * (Z_BINS + 1) * 8


@dataclass(frozen=True)
class LeanEstimate:
    """Estimated peak bytes of a lean run, by part."""

    agents: int
    chunks: int
    partials: int
    base: int = BASE_BYTES

    @property
    def total(self) -> int:
        return self.agents + self.chunks + self.partials + self.base

    def __str__(self) -> str:
        return (f"{gib(self.total)} (agents {gib(self.agents)}, chunk temporaries "
                f"{gib(self.chunks)}, partial sums {gib(self.partials)}, base {gib(self.base)})")


def estimate_lean_memory(n_agents: int, chunk_size: int, workers: int = 1) -> LeanEstimate:
    """Peak memory of a lean run of ``n_agents`` in chunks of ``chunk_size`` on ``workers``
    processes of this machine (each holds its shards, one chunk in flight, its own base)."""
    n_chunks = -(-n_agents // chunk_size)
    return LeanEstimate(agents=n_agents * BYTES_PER_AGENT,
                        chunks=workers * min(chunk_size, n_agents) * CHUNK_BYTES_PER_AGENT,
                        partials=n_chunks * PARTIAL_BYTES, base=(workers + 1) * BASE_BYTES
                        if workers > 1 else BASE_BYTES)


def check_lean_memory(n_agents: int, chunk_size: int, *, force: bool = False,
                      workers: int = 1, remote: bool = False,
                      available: int | None = None) -> LeanEstimate:
    """Refuse (:class:`~econsim.simulation.memory.MemoryEstimateError`) before anything is sampled
    when the estimate exceeds the memory available on this machine. Runs on a remote scheduler
    are not checked (its workers' memory is theirs)."""
    est = estimate_lean_memory(n_agents, chunk_size, workers)
    avail = available_memory() if available is None else available
    if remote or avail is None or force or os.environ.get(FORCE_ENV, "") not in ("", "0"):
        return est
    if est.total > avail:
        raise MemoryEstimateError(
            f"a lean population of n_agents={n_agents} needs an estimated {est}, more than the "
            f"{gib(avail)} available; reduce n_agents, run it on a Dask cluster "
            f"(engine 'dask' with a scheduler address), or force it ({FORCE_ENV}=1)")
    return est
