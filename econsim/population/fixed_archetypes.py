"""The 13 fixed hand-written archetypes of the paper's no-LLM fallback, with their shares.

Names and shares are the paper's (MODEL.md §4; Karten et al. 2025). The published shares add up
to 0.90, not 1; :func:`sample_fixed_archetypes` draws in proportion to them (each share divided by
0.90) and :data:`FIXED_ARCHETYPE_SHARES_SUM` records the published sum. The persona texts and the
attributes given to each archetype (occupation group, age, sex, attitudes, household) are this
project's own; each text states its attitudes with the fixed phrases of
:data:`econsim.population.attitudes.ATTITUDE_PHRASES` so the offline surrogate can read them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from econsim.population.attitudes import ATTITUDE_PHRASES
from econsim.population.census import AGE_RANGES, OCCUPATIONS, SEXES
from econsim.validation import check_positive_int


@dataclass(frozen=True)
class FixedArchetype:
    """One hand-written persona with its population share."""

    name: str
    share: float
    occupation: str
    age: int
    sex: str
    tax_attitude: str
    risk_tolerance: str
    household: str
    text: str


def _text(age: int, sex: str, job: str, occupation: str, work: str, tax: str, risk: str,
          household: str) -> str:
    p = ATTITUDE_PHRASES
    noun = {"female": "woman", "male": "man"}[sex]
    return (f"You are a {age}-year-old {noun} working as {job} ({occupation.lower()}), and "
            f"{p['household'][household]}. {work} "
            f"{p['risk_tolerance'][risk][0].upper()}{p['risk_tolerance'][risk][1:]}, and "
            f"{p['tax_attitude'][tax]}.")


def _make(name: str, share: float, occupation: str, age: int, sex: str, job: str, work: str,
          tax: str, risk: str, household: str) -> FixedArchetype:
    return FixedArchetype(name, share, occupation, age, sex, tax, risk, household,
                          _text(age, sex, job, occupation, work, tax, risk, household))


FIXED_ARCHETYPES: tuple[FixedArchetype, ...] = (
    _make("conservative", 0.07, "Construction and extraction occupations", 54, "male",
          "a construction supervisor", "You have worked your way up over thirty years and value "
          "self-reliance.", "anti_tax", "moderate", "partner_with_children"),
    _make("hard-working barista", 0.06, "Food preparation and serving related occupations", 24,
          "female", "a barista", "You pick up extra shifts whenever you can to cover rent and "
          "student loans.", "pro_redistribution", "low", "single"),
    _make("entrepreneur", 0.04, "Management occupations", 38, "male", "the founder of a small "
          "tech start-up", "Your income swings from year to year with the fortunes of the "
          "business.", "anti_tax", "high", "partner_no_children"),
    _make("civil engineer", 0.04, "Architecture and engineering occupations", 41, "female",
          "a civil engineer", "You design roads and bridges for a regional firm on a stable "
          "salary.", "pragmatic", "moderate", "partner_with_children"),
    _make("teacher", 0.06, "Education, training, and library occupations", 36, "female",
          "a public high school teacher", "You care about well-funded schools and watch every "
          "dollar at home.", "pro_redistribution", "low", "partner_with_children"),
    _make("nurse", 0.08, "Healthcare practitioners and technical occupations", 45, "female",
          "a registered nurse", "You work long hospital shifts and sometimes take overtime.",
          "pragmatic", "low", "single_parent"),
    _make("retail clerk", 0.09, "Sales and related occupations", 29, "male", "a retail clerk",
          "Your hours vary from week to week and money is often tight.", "pro_redistribution",
          "low", "single"),
    _make("union worker", 0.07, "Production occupations", 47, "male", "a unionised machinist",
          "Your wages and benefits come from a collective agreement you helped negotiate.",
          "pro_redistribution", "moderate", "partner_with_children"),
    _make("gig worker", 0.06, "Transportation and material moving occupations", 31, "male",
          "a delivery and ride-share driver", "You juggle several apps and have no employer "
          "benefits.", "pragmatic", "high", "single"),
    _make("public servant", 0.06, "Office and administrative support occupations", 50, "female",
          "an administrator in a city government office", "You value the stability of public "
          "employment and a pension.", "pro_redistribution", "low", "partner_no_children"),
    _make("retiree", 0.09, "Sales and related occupations", 68, "male", "a part-time "
          "hardware-store salesperson", "You draw a modest pension and work a few days a week to "
          "stay busy.", "anti_tax", "low", "partner_no_children"),
    _make("small-business owner", 0.08, "Management occupations", 52, "female", "the owner of a "
          "family restaurant", "You employ twelve people and worry about costs and paperwork.",
          "anti_tax", "moderate", "partner_with_children"),
    _make("software engineer", 0.10, "Computer and mathematical occupations", 33, "male",
          "a software engineer", "You earn a high salary plus stock options at a large tech "
          "company.", "pragmatic", "high", "partner_no_children"),
)
#: The published shares add up to this (0.90), not 1.
FIXED_ARCHETYPE_SHARES_SUM = float(sum(a.share for a in FIXED_ARCHETYPES))
FIXED_ARCHETYPE_NAMES: tuple[str, ...] = tuple(a.name for a in FIXED_ARCHETYPES)

for _a in FIXED_ARCHETYPES:  # guards edits: labels must be valid census/attitude labels
    if (_a.occupation not in OCCUPATIONS or _a.sex not in SEXES
            or not AGE_RANGES["16-19"][0] <= _a.age <= AGE_RANGES["65+"][1]):
        raise RuntimeError(f"fixed archetype {_a.name!r} has invalid attributes")


def fixed_archetype_probabilities() -> NDArray[np.float64]:
    """Sampling probabilities: the published shares normalised to sum to 1."""
    shares = np.array([a.share for a in FIXED_ARCHETYPES])
    return shares / shares.sum()


def sample_fixed_archetypes(n: int, rng: np.random.Generator) -> NDArray[np.int8]:
    """Indices into :data:`FIXED_ARCHETYPES` for ``n`` agents, in proportion to the shares."""
    n = check_positive_int(n, "n")
    cdf = np.cumsum(fixed_archetype_probabilities())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(n), side="right").astype(np.int8)
