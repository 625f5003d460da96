"""The LLM-Economist game: configuration, agents, planners, elections, records and the engines.

>>> from econsim.simulation import SimConfig, make_simulation
>>> result = make_simulation(SimConfig(n_steps=50, worker="rational", planner="us_federal")).run()
>>> len(result.steps)
50

Names are loaded on first use (PEP 562), so importing one module of the package (for example
:mod:`econsim.simulation.context`, which the cluster workers read) does not load the engines.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "PLANNER_KINDS": "config", "SCENARIOS": "config", "WORKER_KINDS": "config",
    "SimConfig": "config", "SimResult": "result", "Simulation": "engine",
    "VectorSimulation": "vectorized", "make_simulation": "factory",
    "resume_simulation": "factory", "choose_engine": "factory", "ENGINES": "factory",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'econsim.simulation' has no attribute {name!r}")
    return getattr(importlib.import_module(f"econsim.simulation.{_EXPORTS[name]}"), name)


def __dir__() -> list[str]:
    return __all__
