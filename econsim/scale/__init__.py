"""Large populations: parts that hold many agents in little memory — the vectorised surrogate's
state, lean populations in chunks or Dask shards, the memory guard's primitives, the local Dask
cluster. The engines that use them are in :mod:`econsim.simulation`; see docs/scale.md.
"""

from econsim.scale.memory import MemoryEstimate, MemoryEstimateError, available_memory
from econsim.scale.surrogate_vec import VectorSurrogateWorkers, agent_uniforms

__all__ = ["MemoryEstimate", "MemoryEstimateError", "VectorSurrogateWorkers", "agent_uniforms",
           "available_memory"]
