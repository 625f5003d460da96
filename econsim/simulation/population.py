"""The agents of a run: names, skills, utility types and (bounded/democratic) personas."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from econsim.prompts import UTILITY_TYPES
from econsim.simulation.config import SimConfig
from econsim.skills import sample_skills


@dataclass(frozen=True)
class RunPopulation:
    names: list[str]
    skills: NDArray[np.float64]
    utility_types: list[str]
    personas: list[str | None]


def allocate_types(mix: dict[str, float], n: int, rng: np.random.Generator) -> list[str]:
    """Utility types in the given percentages (largest remainder), in a seeded random order."""
    shares = np.array([float(mix.get(t, 0.0)) for t in UTILITY_TYPES]) / 100.0
    counts = np.floor(shares * n).astype(int)
    order = np.argsort(-(shares * n - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    types = np.repeat(np.array(UTILITY_TYPES), counts)
    return rng.permutation(types).tolist()


def build_population(cfg: SimConfig) -> RunPopulation:
    """Sample the run's workers from ``cfg.seed`` (the same seed gives the same agents)."""
    pop_seq, type_seq, persona_seq = np.random.SeedSequence(cfg.seed).spawn(3)
    skills = sample_skills(cfg.n_agents, np.random.default_rng(pop_seq), cfg.skills)
    types = allocate_types(cfg.utility_mix, cfg.n_agents, np.random.default_rng(type_seq))
    personas: list[str | None] = [None] * cfg.n_agents
    if cfg.scenario != "rational":
        personas = _personas(cfg, skills, np.random.default_rng(persona_seq))
    return RunPopulation([f"worker_{i}" for i in range(cfg.n_agents)], skills, types, personas)


def _personas(cfg: SimConfig, skills: NDArray[np.float64], rng: np.random.Generator
              ) -> list[str | None]:
    return [None] * cfg.n_agents
