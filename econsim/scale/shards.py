"""Where a lean population's chunks live: in this process, or as shards on Dask workers.

Both holders have the same methods and cut the population into the same chunks (``chunk_size``
agents each, the last one shorter); the engine reduces their per-chunk partials in chunk order,
so the two give bit-identical results. On Dask each shard is sampled *on* a worker (only its
range travels) and stays there; a step ships the small :class:`~econsim.scale.chunked.StepSpec`
to every shard and gathers per-shard sums and histograms (about 0.7 MB each).
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.scale.chunked import Partial, StepSpec, step_chunk
from econsim.scale.lean_population import cell_counts, sample_chunk


def chunk_ranges(n: int, chunk_size: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``0..n-1`` in chunks of ``chunk_size``."""
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be an integer >= 1; got {chunk_size!r}")
    return [(s, min(s + chunk_size, n)) for s in range(0, n, chunk_size)]


class _Shard:
    """One chunk of agents: its range, skills (float32) and cluster cells (uint16)."""

    def __init__(self, seed: int, start: int, stop: int, skills: str) -> None:
        self.start = start
        self.skill, self.cell = sample_chunk(seed, start, stop, skills)

    def counts(self) -> NDArray[np.int64]:
        return cell_counts(self.cell)

    def first(self, cells: NDArray[np.int64]) -> NDArray[np.int64]:
        """Lowest agent index of each cell in this shard (-1 where absent)."""
        out = np.full(cells.size, -1, dtype=np.int64)
        for j, c in enumerate(cells.tolist()):
            hit = np.flatnonzero(self.cell == c)
            if hit.size:
                out[j] = self.start + hit[0]
        return out

    def step(self, spec: StepSpec) -> Partial:
        return step_chunk(spec, self.skill, self.cell, self.start)


class InMemoryShards:
    """All chunks in this process (the in-memory lean engine)."""

    name = "memory"

    def __init__(self, seed: int, n: int, chunk_size: int, skills: str) -> None:
        self.shards = [_Shard(seed, s, e, skills) for s, e in chunk_ranges(n, chunk_size)]

    def counts(self) -> list[NDArray[np.int64]]:
        return [s.counts() for s in self.shards]

    def __len__(self) -> int:
        return len(self.shards)

    def first_in(self, i: int, cells: NDArray[np.int64]) -> NDArray[np.int64]:
        return self.shards[i].first(cells)

    def step(self, spec: StepSpec) -> list[Partial]:
        return [s.step(spec) for s in self.shards]

    def close(self) -> None:
        self.shards = []


def _new_shard(seed: int, start: int, stop: int, skills: str) -> _Shard:
    return _Shard(seed, start, stop, skills)


def _call(shard: _Shard, method: str, *args: Any) -> Any:
    return getattr(shard, method)(*args)


class DaskShards:
    """Chunks as shards held by Dask workers (a new loopback LocalCluster or a scheduler).

    Parameters
    ----------
    scheduler
        ``None``: a LocalCluster of ``n_workers`` one-thread processes on 127.0.0.1; else an
        address ``tcp://host:8786`` (every worker needs econsim installed).
    timeout
        Seconds to wait for an existing scheduler before
        :class:`~econsim.scale.cluster.SchedulerUnreachable` (naming the address).
    """

    name = "dask"

    def __init__(self, seed: int, n: int, chunk_size: int, skills: str, *,
                 scheduler: str | None = None, n_workers: int = 2, timeout: float = 10.0) -> None:
        from econsim.scale.cluster import dask_client

        if not isinstance(n_workers, int) or n_workers < 1:
            raise ValueError(f"n_workers must be an integer >= 1; got {n_workers!r}")
        self._stack = ExitStack()
        self.client = self._stack.enter_context(dask_client(scheduler, n_workers, timeout))
        ranges = chunk_ranges(n, chunk_size)
        workers = sorted(self.client.scheduler_info()["workers"])
        # contiguous blocks of shards per worker, pinned: a worker holds its part of the population
        self.shards = [self.client.submit(_new_shard, seed, s, e, skills, pure=False,
                                          workers=[workers[i * len(workers) // len(ranges)]])
                       for i, (s, e) in enumerate(ranges)]
        self.workers = workers

    def _map(self, method: str, *args: Any) -> list[Any]:
        futs = [self.client.submit(_call, f, method, *args, pure=False) for f in self.shards]
        return self.client.gather(futs)

    def counts(self) -> list[NDArray[np.int64]]:
        return self._map("counts")

    def __len__(self) -> int:
        return len(self.shards)

    def first_in(self, i: int, cells: NDArray[np.int64]) -> NDArray[np.int64]:
        return self.client.submit(_call, self.shards[i], "first", cells, pure=False).result()

    def step(self, spec: StepSpec) -> list[Partial]:
        [spec_f] = self.client.scatter([spec], broadcast=True, hash=False)
        return self._map("step", spec_f)

    def close(self) -> None:
        self.shards = []
        self._stack.close()
