"""What changes during a run: the state the engine advances and checkpoints at every tax year."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.economy.outcomes import StepOutcome
from econsim.prompts import PolicyRecord, StepRecord

Array = NDArray[np.float64]


@dataclass
class SimState:
    """Everything that changes during a run (written as data at every checkpoint)."""

    step: int
    rates: Array
    rng_state: dict[str, Any]
    histories: list[list[StepRecord]]  # per worker, its last H steps (all that prompts show)
    last_labour: Array
    satisfaction: Array
    last_outcome: StepOutcome | None = None
    policy_history: list[PolicyRecord] = field(default_factory=list)
    own_history: list[list[PolicyRecord]] = field(default_factory=list)
    year_objective: list[float] = field(default_factory=list)
    year_utility: Array | None = None
    year_rates: tuple[float, ...] = ()
    leader: int = 0
    binding_platform: tuple[int, ...] | None = None
    ledger: dict[str, float] = field(default_factory=dict)
    stopped: str | None = None
    checkpoint_time: float | None = None  # time.time() when this state was checkpointed
