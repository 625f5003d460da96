"""A Dask cluster for sweeps and sharded populations: a loopback LocalCluster of worker
processes, or a connection to an existing scheduler (docs/scale.md)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: Seconds to wait for an existing Dask scheduler.
CONNECT_TIMEOUT_S = 10.0


class SchedulerUnreachable(ConnectionError):
    """The Dask scheduler at the given address could not be reached within the timeout."""


def blas_environ() -> dict[str, Any]:
    """The nanny's pre-spawn environment for local-cluster workers: Dask's defaults without
    its malloc-trim setting.

    Results do not depend on BLAS thread counts (the economics avoids BLAS reductions such as
    ``np.dot``, whose summation order changes with threads), so Dask's one-thread workers give
    bit-identical results to runs in this process.
    """
    import dask

    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    # Dask's MALLOC_TRIM_THRESHOLD_ turns off glibc's adaptive mmap threshold: every large
    # numpy temporary is then a fresh mmap with page faults (measured: runs 3-4 x slower).
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    return env


@contextmanager
def dask_client(scheduler: str | None, n_workers: int,
                timeout: float = CONNECT_TIMEOUT_S) -> Iterator[Any]:
    """A :class:`distributed.Client`: a new loopback LocalCluster of ``n_workers`` processes
    (``scheduler=None``) or a connection to an existing scheduler address."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is None:
        with warnings.catch_warnings(), dask.config.set(
                {"distributed.nanny.pre-spawn-environ": blas_environ()}):
            warnings.filterwarnings("ignore", message="Port .* is already in use")
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                   host="127.0.0.1", dashboard_address=None, silence_logs=40)
        with cluster, Client(cluster, set_as_default=False) as client:
            yield client
        return
    if not re.match(r"^(tcp|tls|inproc|ucx|ws|wss)://", scheduler):
        raise ValueError(f"scheduler must be None, 'serial' or an address like "
                         f"'tcp://127.0.0.1:8786'; got {scheduler!r}")
    try:
        client = Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as err:
        raise SchedulerUnreachable(f"cannot reach the Dask scheduler at {scheduler} within "
                                   f"{timeout:g} s ({type(err).__name__}: {err}); start one "
                                   "with `dask scheduler` or omit --scheduler for a local "
                                   "cluster") from err
    try:
        yield client
    finally:
        client.close()


__all__ = ["CONNECT_TIMEOUT_S", "SchedulerUnreachable", "blas_environ", "dask_client"]
