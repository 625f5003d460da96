"""Which engine runs a configuration: the one place that chooses, above both engines.

``per_agent`` (:class:`~econsim.simulation.engine.Simulation`) is the loop with one Python object
per worker and every scenario; ``vectorized`` (:class:`~econsim.simulation.vectorized.
VectorSimulation`) steps the population as arrays, for large N; ``lean``
(:class:`~econsim.simulation.lean_engine.LeanSimulation`) keeps a few bytes per agent and steps them in
chunks, in this process or as shards on Dask workers (``engine: dask``), for 10⁸ agents
(docs/scale.md). Engines are
registered by name in :data:`ENGINES`; :func:`choose_engine` picks one from the configuration.

>>> from econsim.simulation import SimConfig, make_simulation
>>> sim = make_simulation(SimConfig(n_steps=10, worker="surrogate_vec"))
>>> type(sim).__name__
'VectorSimulation'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from econsim.registry import Registry
from econsim.simulation.config import SimConfig, uses_vector_engine
from econsim.simulation.engine import CONFIG_FILE, Simulation
from econsim.simulation.lean_engine import LeanSimulation, uses_lean_engine
from econsim.simulation.vectorized import VectorSimulation

ENGINES: Registry[type[Simulation]] = Registry("engine")
ENGINES.register("per_agent", Simulation)
ENGINES.register("vectorized", VectorSimulation)
ENGINES.register("lean", LeanSimulation)  # type: ignore[arg-type] - same constructor and run()


def choose_engine(config: SimConfig) -> str:
    """The registered engine name for ``config``: ``lean`` for ``engine`` lean/dask (or
    ``auto`` above 5·10⁶ agents the lean engine can run), ``vectorized`` for array-only workers,
    cluster batching or a sampled agents table, ``per_agent`` otherwise."""
    if uses_lean_engine(config):
        return "lean"
    return "vectorized" if uses_vector_engine(config) else "per_agent"


def make_simulation(config: SimConfig | dict[str, Any], folder: str | Path | None = None,
                    **options: Any) -> Simulation:
    """A new run of ``config`` on the engine :func:`choose_engine` picks.

    ``folder`` and ``options`` (``client``, ``progress``, ``overwrite``, ``force``) go to the
    engine's constructor (:class:`~econsim.simulation.engine.Simulation`).
    """
    cfg = config if isinstance(config, SimConfig) else SimConfig.from_dict(config)
    return ENGINES.get(choose_engine(cfg))(cfg, folder, **options)


def resume_simulation(folder: str | Path, **options: Any) -> Simulation:
    """Continue the interrupted run in ``folder`` on the engine that started it."""
    path = Path(folder) / CONFIG_FILE
    if not path.exists():
        raise ValueError(f"{folder} holds no run to resume (no {CONFIG_FILE}); start a new run")
    cfg = SimConfig.from_yaml(path)
    return ENGINES.get(choose_engine(cfg)).resume(folder, **options)
