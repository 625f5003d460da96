"""The agents of a run: names, skills, utility types and (bounded/democratic) personas."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from econsim.economy.skills import sample_skills
from econsim.llm import LLMClient
from econsim.population import SKILL_MODES, Population
from econsim.population.llm_personas import write_llm_personas
from econsim.prompts import UTILITY_TYPES
from econsim.simulation.config import SimConfig


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


#: ``SimConfig.personas`` → :meth:`Population.sample` persona mode (``llm`` rewrites offline ones).
POPULATION_PERSONAS = {"offline": "offline", "archetypes": "archetypes", "llm": "offline"}


def census_population(cfg: SimConfig, personas: str | None = None) -> Population:
    """The census-calibrated agents of a run: loaded from ``cfg.population`` or sampled with
    ``cfg.seed`` (so ``Population.sample(n, seed)`` outside a run gives the same agents).
    ``personas`` overrides the persona mode implied by the configuration."""
    if cfg.population is not None:
        pop = Population.load(cfg.population)
        if len(pop) != cfg.n_agents:
            raise ValueError(f"population {cfg.population} has {len(pop)} agents but n_agents is "
                             f"{cfg.n_agents}; set n_agents to match")
        return pop
    if personas is None:
        personas = POPULATION_PERSONAS[cfg.personas] if cfg.scenario_spec.personas else "none"
    # ``uniform`` skills are drawn in build_population; its census agents keep the GB2 draw
    skills = cfg.skills if cfg.skills in SKILL_MODES else "gb2"
    return Population.sample(cfg.n_agents, cfg.seed, skills=skills, personas=personas)


def build_population(cfg: SimConfig, client: LLMClient | None = None) -> RunPopulation:
    """The run's workers: census demographics, skills, utility types and (bounded/democratic)
    personas, all determined by ``cfg.seed``. LLM-written personas use ``client`` (and its call
    store, so a recorded run replays them)."""
    type_seq, uniform_seq = np.random.SeedSequence(cfg.seed).spawn(2)
    pop = census_population(cfg)
    if cfg.economy.uniform_skills:
        skills = sample_skills(cfg.n_agents, np.random.default_rng(uniform_seq), "uniform")
    else:
        skills = pop.skills.copy()
    types = allocate_types(cfg.utility_mix, cfg.n_agents, np.random.default_rng(type_seq))
    personas: list[str | None] = [None] * cfg.n_agents
    if cfg.scenario_spec.personas:
        if cfg.persona_spec.written_by_model and cfg.population is None:
            if client is None:
                raise ValueError("personas='llm' needs an LLM client")
            pop = write_llm_personas(pop, client, style=cfg.prompt_style)
        personas = list(pop.personas)
    return RunPopulation([f"worker_{i}" for i in range(cfg.n_agents)], skills, types, personas)
