"""The LLM-Economist game: configuration, agents, planners, elections, records and the loop.

>>> from econsim.simulation import SimConfig, Simulation
>>> result = Simulation(SimConfig(n_steps=50, worker="rational", planner="us_federal")).run()
>>> len(result.steps)
50
"""

from econsim.simulation.config import PLANNER_KINDS, SCENARIOS, WORKER_KINDS, SimConfig
from econsim.simulation.engine import SimResult, Simulation

__all__ = ["PLANNER_KINDS", "SCENARIOS", "WORKER_KINDS", "SimConfig", "SimResult",
           "Simulation"]
