"""Census-calibrated agent populations: demographics, skills, attitudes, personas, archetypes.

Typical use::

    from econsim.population import Population
    pop = Population.sample(100, seed=42, skills="joint", personas="offline")
    pop.skills, pop.personas, pop.attitudes()
    pop.save("results/pop"); same = Population.load("results/pop")
    groups = pop.clusters(k=10)

See ``docs/population.md`` and ``data/README.md``.
"""

from econsim.population.attitudes import (
    ATTITUDE_FIELDS,
    ATTITUDE_PHRASES,
    ATTITUDE_SCORES,
    read_attitudes,
)
from econsim.population.census import (
    AGE_BANDS,
    AGE_RANGES,
    OCCUPATIONS,
    SEXES,
    CensusTable,
    load_census_table,
    verify_checksums,
)
from econsim.population.fixed_archetypes import (
    FIXED_ARCHETYPES,
    fixed_archetype_probabilities,
    sample_fixed_archetypes,
)
from econsim.population.grouping import ClusterGrouping, group_into_clusters
from econsim.population.personas import write_persona
from econsim.population.population import PERSONA_MODES, Population, sample_population
from econsim.population.skill_modes import SKILL_MODES, JointSkillModel
from econsim.population.wages import OccupationWages, load_occupation_wages

__all__ = [
    "AGE_BANDS", "AGE_RANGES", "ATTITUDE_FIELDS", "ATTITUDE_PHRASES", "ATTITUDE_SCORES",
    "FIXED_ARCHETYPES", "OCCUPATIONS", "PERSONA_MODES", "SEXES", "SKILL_MODES",
    "ClusterGrouping", "CensusTable", "JointSkillModel", "OccupationWages", "Population",
    "fixed_archetype_probabilities", "group_into_clusters", "load_census_table",
    "load_occupation_wages", "read_attitudes", "sample_fixed_archetypes", "sample_population",
    "verify_checksums", "write_persona",
]
