"""A sampled agent population: demographics, skills, attitudes and personas, saved and reloaded.

``Population.sample(n, seed, skills=..., personas=...)`` draws, from independent child streams of
one seed (``SeedSequence(seed).spawn``), so changing the skill or persona mode leaves the
demographics of a given seed unchanged:

1. demographics — (occupation, sex, age band) ∝ census cell counts, uniform integer age in band;
2. skills — :data:`econsim.population.skill_modes.SKILL_MODES` (``gb2`` | ``joint``);
3. attitudes — :mod:`econsim.population.attitudes` (tax, risk, household);
4. personas — :data:`PERSONA_MODES` (``offline`` | ``archetypes`` | ``none``).
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from econsim import __version__
from econsim.economy.skills import ACS_2023_GB2, HOURS_AT_REFERENCE
from econsim.population.attitudes import ATTITUDE_FIELDS, sample_attitudes
from econsim.population.census import (
    AGE_BANDS,
    OCCUPATIONS,
    SEXES,
    CensusTable,
    load_census_table,
    read_checksums,
)
from econsim.population.demographics import age_band_of, sample_demographics
from econsim.population.fixed_archetypes import (
    FIXED_ARCHETYPE_NAMES,
    FIXED_ARCHETYPES,
    sample_fixed_archetypes,
)
from econsim.population.grouping import ClusterGrouping, group_into_clusters
from econsim.population.personas import N_VARIANTS, write_personas
from econsim.population.skill_modes import SKILL_MODES
from econsim.registry import Registry
from econsim.renamed import deprecated, renamed_value
from econsim.validation import check_positive_int

FORMAT = "econsim.population/1"
AGENTS_FILE = "agents.parquet"
MANIFEST_FILE = "manifest.json"
_STREAMS = ("demographics", "skills", "attitudes", "variants", "archetypes")
_CATEGORIES: dict[str, tuple[str, ...]] = {
    "occupation": OCCUPATIONS, "sex": SEXES, "age_band": AGE_BANDS, **ATTITUDE_FIELDS,
    "fixed_archetype": FIXED_ARCHETYPE_NAMES,
}


def _categorical(codes: NDArray[np.integer], labels: tuple[str, ...]) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int16), categories=list(labels))


def _streams(seed: int | np.random.Generator) -> dict[str, np.random.Generator]:
    if isinstance(seed, np.random.Generator):
        children = seed.spawn(len(_STREAMS))
    else:
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer or a numpy Generator; "
                             f"got {seed!r}")
        children = [np.random.default_rng(s)
                    for s in np.random.SeedSequence(int(seed)).spawn(len(_STREAMS))]
    return dict(zip(_STREAMS, children, strict=True))


def income_percentile(skill: NDArray[np.float64]) -> NDArray[np.float64]:
    """Percentile of income at 40 h/week in the GB2 prior, :math:`F_{GB2}(40 s)`."""
    return ACS_2023_GB2.cdf(np.asarray(skill, dtype=float) * HOURS_AT_REFERENCE)


def offline_personas(agents: pd.DataFrame) -> list[str]:
    """Offline persona texts for every row of ``agents`` (see :mod:`econsim.population.personas`)."""
    return write_personas(
        agents["age"].to_numpy(), agents["sex"].astype(str).tolist(),
        agents["occupation"].astype(str).tolist(),
        agents["skill"].to_numpy(float) * HOURS_AT_REFERENCE,
        agents["income_percentile"].to_numpy(float),
        agents["tax_attitude"].astype(str).tolist(), agents["risk_tolerance"].astype(str).tolist(),
        agents["household"].astype(str).tolist(), agents["persona_variant"].to_numpy())


def _personas_offline(agents: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    agents["persona"] = pd.array(offline_personas(agents), dtype="string")
    return agents


def _personas_fixed(agents: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Every agent becomes one of the 13 fixed archetypes: its demographics, attitudes, text."""
    idx = sample_fixed_archetypes(len(agents), rng)
    arch = FIXED_ARCHETYPES
    pick = lambda attr, labels: _categorical(  # noqa: E731
        np.array([labels.index(getattr(a, attr)) for a in arch])[idx], labels)
    agents["fixed_archetype"] = _categorical(idx, FIXED_ARCHETYPE_NAMES)
    agents["occupation"] = pick("occupation", OCCUPATIONS)
    agents["sex"] = pick("sex", SEXES)
    ages = np.array([a.age for a in arch])[idx]
    agents["age"] = ages.astype(np.int16)
    agents["age_band"] = _categorical(age_band_of(ages), AGE_BANDS)
    for name, labels in ATTITUDE_FIELDS.items():
        agents[name] = pick(name, labels)
    agents["persona"] = pd.array([arch[i].text for i in idx], dtype="string")
    return agents


def _personas_none(agents: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    return agents


#: Persona modes: functions (agents frame, generator) -> agents frame.
PERSONA_MODES: Registry[Callable[[pd.DataFrame, np.random.Generator], pd.DataFrame]] = Registry(
    "persona mode")
PERSONA_MODES.register("offline", _personas_offline)
PERSONA_MODES.register("archetypes", _personas_fixed)
PERSONA_MODES.register("none", _personas_none)


@dataclass(frozen=True, eq=False)
class Population:
    """Agents as a tidy frame (one row per agent) plus the options that produced them.

    Columns: ``agent_id``, ``occupation``, ``sex``, ``age_band`` (categoricals), ``age``,
    ``skill`` (USD per weekly hour; income at 40 h = 40 × skill), ``income_percentile`` (GB2),
    ``tax_attitude``, ``risk_tolerance``, ``household`` (categoricals), ``persona_variant``, and
    ``persona`` (text; absent with ``personas="none"``), ``fixed_archetype`` (``archetypes`` mode).
    """

    agents: pd.DataFrame
    config: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ construction
    @classmethod
    def sample(cls, n: int, seed: int | np.random.Generator = 0, *,
               skills: str = "gb2", personas: str = "offline",
               table: CensusTable | None = None) -> Population:
        """Draw ``n`` agents.

        Parameters
        ----------
        n
            Number of agents (>= 1).
        seed
            Non-negative integer (recorded, reproducible) or a ``numpy.random.Generator``.
        skills
            ``"gb2"`` (GB2 regardless of occupation, the paper) or ``"joint"``
            (occupation-conditional, GB2 calibrated); see :data:`SKILL_MODES`. The old name
            ``"independent"`` of ``gb2`` works for one release, with a warning.
        personas
            ``"offline"`` (generated texts), ``"archetypes"`` (the 13 fixed archetypes:
            demographics and attitudes come from the archetype, not the census) or ``"none"``.
        table
            Census table (default: the project's modelled CPS 2023 table).
        """
        n = check_positive_int(n, "n")
        skills = renamed_value("Population", "skills", skills)
        skill_factory = SKILL_MODES.get(skills)
        persona_fn = PERSONA_MODES.get(personas)
        custom_table = table is not None
        table = table or load_census_table()
        rng = _streams(seed)
        demo = sample_demographics(n, rng["demographics"], table)
        agents = pd.DataFrame({
            "agent_id": np.arange(n, dtype=np.int64),
            "occupation": _categorical(demo.occupation, OCCUPATIONS),
            "sex": _categorical(demo.sex, SEXES),
            "age_band": _categorical(demo.age_band, AGE_BANDS),
            "age": demo.age,
        })
        variants = rng["variants"].integers(0, N_VARIANTS, size=n, dtype=np.int32)
        if personas == "archetypes":
            agents = persona_fn(agents, rng["archetypes"])
        skill = skill_factory(table)(agents["occupation"].cat.codes.to_numpy(), rng["skills"])
        agents["skill"] = skill
        agents["income_percentile"] = income_percentile(skill)
        if personas != "archetypes":
            att = sample_attitudes(agents["income_percentile"].to_numpy(),
                                   agents["age"].to_numpy(),
                                   agents["age_band"].cat.codes.to_numpy(), rng["attitudes"])
            for name, labels in ATTITUDE_FIELDS.items():
                agents[name] = _categorical(att[name], labels)
        agents["persona_variant"] = variants
        if personas != "archetypes":
            agents = persona_fn(agents, rng["archetypes"])
        config = {"n_agents": n, "seed": None if isinstance(seed, np.random.Generator) else
                  int(seed), "skills": skills, "personas": personas,
                  "table": "custom" if custom_table else "default",
                  "persona_source": {"offline": "offline", "archetypes": "fixed_archetypes",
                                     "none": None}[personas]}
        return cls(agents, config)

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self.agents)

    @property
    def skills(self) -> NDArray[np.float64]:
        """Skills (USD per weekly hour), one per agent."""
        return self.agents["skill"].to_numpy(float)

    @property
    def incomes_40h(self) -> NDArray[np.float64]:
        """Annual income at 40 h/week, :math:`40 s`."""
        return self.skills * HOURS_AT_REFERENCE

    @property
    def personas(self) -> list[str]:
        """Persona texts; raises if the population was sampled with ``personas="none"``."""
        if "persona" not in self.agents:
            raise ValueError("this population has no persona texts (sampled with "
                             "personas='none'); use persona_texts() or with_personas()")
        return self.agents["persona"].astype(str).tolist()

    def persona_texts(self, rows: Sequence[int] | NDArray[np.integer] | None = None) -> list[str]:
        """Offline persona texts for ``rows`` (default all), generated from the attributes."""
        sub = self.agents if rows is None else self.agents.iloc[np.asarray(rows)]
        return offline_personas(sub)

    def attitudes(self) -> pd.DataFrame:
        """The attitude fields (tax, risk, household) of every agent."""
        return self.agents[list(ATTITUDE_FIELDS)].copy()

    def with_personas(self, texts: Sequence[str], source: str) -> Population:
        """A copy with persona texts replaced (e.g. written by an LLM backend)."""
        if len(texts) != len(self):
            raise ValueError(f"need one persona per agent: got {len(texts)} for {len(self)}")
        agents = self.agents.copy()
        agents["persona"] = pd.array(list(texts), dtype="string")
        return Population(agents, {**self.config, "persona_source": source})

    def subset(self, rows: Sequence[int] | NDArray[np.integer]) -> Population:
        """The agents at row positions ``rows`` (agent ids are kept)."""
        agents = self.agents.iloc[np.asarray(rows)].reset_index(drop=True)
        return Population(agents, {**self.config, "n_agents": len(agents),
                                   "subset_of": self.config.get("n_agents")})

    def clusters(self, k: int) -> ClusterGrouping:
        """Group the agents into ``k`` clusters of similar workers
        (:mod:`econsim.population.grouping`; cluster batching asks one LLM call per cluster)."""
        from econsim.population.wages import load_occupation_wages

        rank = np.argsort(np.argsort(load_occupation_wages().medians, kind="stable"))
        return group_into_clusters(self.agents, k, occupation_rank=rank)

    def archetypes(self, k: int) -> ClusterGrouping:
        """Former name of :meth:`clusters` (accepted until the next release, with a warning:
        "archetypes" now means only the paper's 13 fixed personas)."""
        deprecated("Population", "archetypes(k)", "clusters(k)")
        return self.clusters(k)

    # ------------------------------------------------------------------ persistence
    def save(self, folder: str | Path) -> Path:
        """Write ``agents.parquet`` and ``manifest.json`` into ``folder``; returns the folder."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / AGENTS_FILE
        tmp = path.with_suffix(".parquet.tmp")
        self.agents.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
        tmp.replace(path)
        manifest = {
            "format": FORMAT,
            "n_agents": len(self),
            "config": self.config,
            "columns": list(self.agents.columns),
            "agents_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "data_checksums": read_checksums(),
            "econsim_version": __version__,
        }
        (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Population:
        """Read a population written by :meth:`save`, verifying its checksum and labels."""
        folder = Path(folder)
        mpath, apath = folder / MANIFEST_FILE, folder / AGENTS_FILE
        if not mpath.is_file() or not apath.is_file():
            raise ValueError(f"{folder} is not a saved population: need {MANIFEST_FILE} and "
                             f"{AGENTS_FILE}")
        manifest = json.loads(mpath.read_text())
        if manifest.get("format") != FORMAT:
            raise ValueError(f"{mpath}: unsupported format {manifest.get('format')!r}; "
                             f"expected {FORMAT!r}")
        if hashlib.sha256(apath.read_bytes()).hexdigest() != manifest.get("agents_sha256"):
            raise ValueError(f"{apath} does not match the checksum in {mpath}")
        if manifest.get("data_checksums") != read_checksums():
            warnings.warn(f"{folder} was sampled from different data files than the current "
                          f"data/ (see SHA256SUMS); the agents themselves are unchanged",
                          stacklevel=2)
        agents = pd.read_parquet(apath, engine="pyarrow")
        for col, labels in _CATEGORIES.items():
            if col in agents:
                if not isinstance(agents[col].dtype, pd.CategoricalDtype) or list(
                        agents[col].cat.categories) != list(labels):
                    raise ValueError(f"{apath}: column {col!r} must be categorical with "
                                     f"labels {list(labels)}")
        if len(agents) != manifest["n_agents"]:
            raise ValueError(f"{apath} has {len(agents)} agents; manifest says "
                             f"{manifest['n_agents']}")
        return cls(agents, manifest["config"])


def sample_population(n: int, seed: int | np.random.Generator = 0, **options: Any) -> Population:
    """Shorthand for :meth:`Population.sample`."""
    return Population.sample(n, seed, **options)
