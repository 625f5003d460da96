"""Large populations: the vectorised surrogate, archetype batching, the memory guard, fidelity.

The engine that uses them is :mod:`econsim.simulation.vectorized`; sweeps are in
:mod:`econsim.simulation.sweep`. See docs/scale.md.
"""

from econsim.scale.archetypes import MEMBER_JITTER, ArchetypeWorkers
from econsim.scale.memory import (
                                  MemoryEstimate,
                                  MemoryEstimateError,
                                  available_memory,
                                  check_memory,
                                  estimate_memory,
)
from econsim.scale.surrogate_vec import VectorSurrogateWorkers, agent_uniforms

__all__ = ["MEMBER_JITTER", "ArchetypeWorkers", "MemoryEstimate", "MemoryEstimateError",
           "VectorSurrogateWorkers", "agent_uniforms", "available_memory", "check_memory",
           "estimate_memory"]
