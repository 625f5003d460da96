"""Offline persona writer: varied 2–3 sentence second-person personas from sampled attributes.

Each persona is three sentences, each picked from a few frames by a per-agent variant number:

1. identity and circumstances — age, sex, a job title typical of the occupation group, the
   group's BLS name (lower case) and the household phrase;
2. earnings — income at full-time hours (40 × skill, rounded to $1,000) and where it sits in the
   US income distribution (GB2 percentile);
3. attitudes — the risk-tolerance and tax phrases of
   :data:`econsim.population.attitudes.ATTITUDE_PHRASES`, verbatim.

The text is a deterministic function of the attributes and the variant, so personas can be
rewritten for any subset of a population and always come out the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from econsim.population.attitudes import ATTITUDE_PHRASES
from econsim.population.census import OCCUPATIONS

#: Example job titles (with article) for each occupation group — the project's own choice of
#: common SOC detailed occupations within the major group.
JOB_TITLES: dict[str, tuple[str, ...]] = {
    "Management occupations": ("a general manager", "an operations manager",
                               "a financial manager", "a construction manager",
                               "a sales manager"),
    "Business and financial operations occupations": ("an accountant", "a financial analyst",
                                                      "a human resources specialist",
                                                      "a management analyst",
                                                      "an insurance claims adjuster"),
    "Computer and mathematical occupations": ("a software developer", "a data scientist",
                                              "a computer support specialist",
                                              "a network administrator"),
    "Architecture and engineering occupations": ("a civil engineer", "a mechanical engineer",
                                                 "an engineering technician", "an architect"),
    "Life, physical, and social science occupations": ("a laboratory technician", "a chemist",
                                                       "an economist",
                                                       "an environmental scientist"),
    "Community and social service occupations": ("a social worker", "a substance abuse counselor",
                                                 "a member of the clergy",
                                                 "a community health worker"),
    "Legal occupations": ("a paralegal", "a lawyer", "a court reporter", "a title examiner"),
    "Education, training, and library occupations": ("an elementary school teacher",
                                                     "a high school teacher",
                                                     "a teaching assistant", "a librarian",
                                                     "a college instructor"),
    "Arts, design, entertainment, sports, and media occupations": ("a graphic designer",
                                                                   "a photographer",
                                                                   "a musician", "a reporter",
                                                                   "a sports coach"),
    "Healthcare practitioners and technical occupations": ("a registered nurse", "a pharmacist",
                                                           "a physician",
                                                           "a licensed practical nurse",
                                                           "a medical technologist"),
    "Healthcare support occupations": ("a home health aide", "a nursing assistant",
                                       "a medical assistant", "a dental assistant"),
    "Protective service occupations": ("a police officer", "a security guard", "a firefighter",
                                       "a correctional officer"),
    "Food preparation and serving related occupations": ("a cook", "a barista",
                                                          "a restaurant server",
                                                          "a fast-food worker", "a dishwasher"),
    "Building and grounds cleaning and maintenance occupations": ("a janitor", "a landscaper",
                                                                  "a housekeeper",
                                                                  "a pest control worker"),
    "Personal care and service occupations": ("a hairdresser", "a childcare worker",
                                              "a fitness trainer", "a recreation worker"),
    "Sales and related occupations": ("a retail salesperson", "a cashier",
                                      "a sales representative", "a real estate agent",
                                      "an insurance agent"),
    "Office and administrative support occupations": ("an office clerk",
                                                      "a customer service representative",
                                                      "a secretary", "a bookkeeping clerk",
                                                      "a receptionist"),
    "Farming, fishing, and forestry occupations": ("a farmworker",
                                                   "an agricultural equipment operator",
                                                   "a commercial fisher", "a logger"),
    "Construction and extraction occupations": ("a carpenter", "an electrician",
                                                "a construction laborer", "a plumber"),
    "Installation, maintenance, and repair occupations": ("an auto mechanic",
                                                          "an HVAC technician",
                                                          "a maintenance worker",
                                                          "a telecom line installer"),
    "Production occupations": ("a machinist", "an assembler", "a welder",
                               "a food processing worker", "a quality inspector"),
    "Transportation and material moving occupations": ("a truck driver", "a warehouse worker",
                                                       "a delivery driver", "a forklift operator",
                                                       "a bus driver"),
}
if set(JOB_TITLES) != set(OCCUPATIONS):  # pragma: no cover - guards edits to the table
    raise RuntimeError("JOB_TITLES must cover exactly the census occupation groups")

_IDENTITY = (
    "You are a {age}-year-old {noun} working as {title} ({group}), and {household}.",
    "You are a {age}-year-old {noun} employed as {title} in {group}; {household}.",
    "You are a {age}-year-old {noun} who works as {title}, one of the {group}, and {household}.",
    "You are a {age}-year-old {noun}; you earn your living as {title} ({group}) and {household}.",
)
_EARNINGS = (
    "Working full time you would earn about {income} a year, {level} of the US income "
    "distribution.",
    "At full-time hours your pay comes to roughly {income} a year, {level} of US earners.",
    "Your full-time earning power is about {income} a year, which puts you {level} of US "
    "incomes.",
)
_ATTITUDES = (
    "{risk_cap}, and {tax}.",
    "In money matters {risk}; politically, {tax}.",
    "Day to day {risk}; on public policy, {tax}.",
)
#: Income-level wording by GB2 percentile (upper edges).
_LEVELS = ((0.20, "in the bottom fifth"), (0.40, "in the second-lowest fifth"),
           (0.60, "in the middle fifth"), (0.80, "in the second-highest fifth"),
           (0.95, "in the top fifth"), (1.01, "in the top 5%"))
N_VARIANTS = len(_IDENTITY) * len(_EARNINGS) * len(_ATTITUDES) * 5


def sex_noun(sex: str, age: int) -> str:
    """``woman`` or ``man`` (``age`` is accepted for future age-specific wording)."""
    base = {"female": "woman", "male": "man"}
    if sex not in base:
        raise ValueError(f"unknown sex label {sex!r}; valid: {list(base)}")
    return base[sex]


def group_phrase(occupation: str) -> str:
    """The BLS group name in lower case, as it appears in persona texts."""
    if occupation not in JOB_TITLES:
        raise ValueError(f"unknown occupation label {occupation!r}; valid: {list(OCCUPATIONS)}")
    return occupation.lower()


def income_level(percentile: float) -> str:
    for edge, words in _LEVELS:
        if percentile < edge:
            return words
    return _LEVELS[-1][1]


def format_income(income: float) -> str:
    """``$72,000``: annual income rounded to the nearest thousand (at least $1,000)."""
    return f"${max(1000, int(round(income / 1000.0)) * 1000):,}"


def write_persona(*, age: int, sex: str, occupation: str, income: float, percentile: float,
                  tax_attitude: str, risk_tolerance: str, household: str, variant: int = 0
                  ) -> str:
    """One offline persona (three sentences, second person).

    Parameters
    ----------
    age, sex, occupation
        Demographics; ``occupation`` is a census group label.
    income
        Annual income at 40 h/week (USD).
    percentile
        Income percentile in the GB2 prior, in [0, 1].
    tax_attitude, risk_tolerance, household
        Values listed in :data:`econsim.population.attitudes.ATTITUDE_FIELDS`.
    variant
        Any non-negative integer; selects job title and sentence frames.
    """
    phrases = ATTITUDE_PHRASES
    for field, value in (("tax_attitude", tax_attitude), ("risk_tolerance", risk_tolerance),
                         ("household", household)):
        if value not in phrases[field]:
            raise ValueError(f"unknown {field} {value!r}; valid: {list(phrases[field])}")
    titles = JOB_TITLES.get(occupation)
    if titles is None:
        raise ValueError(f"unknown occupation label {occupation!r}; valid: {list(OCCUPATIONS)}")
    v = int(variant)
    title = titles[v % len(titles)]
    v //= 5
    s1 = _IDENTITY[v % len(_IDENTITY)].format(
        age=int(age), noun=sex_noun(sex, int(age)), title=title, group=group_phrase(occupation),
        household=phrases["household"][household])
    v //= len(_IDENTITY)
    s2 = _EARNINGS[v % len(_EARNINGS)].format(income=format_income(income),
                                              level=income_level(percentile))
    v //= len(_EARNINGS)
    risk = phrases["risk_tolerance"][risk_tolerance]
    s3 = _ATTITUDES[v % len(_ATTITUDES)].format(risk=risk, risk_cap=risk[0].upper() + risk[1:],
                                                tax=phrases["tax_attitude"][tax_attitude])
    return f"{s1} {s2} {s3}"


def write_personas(age: Sequence[int] | NDArray, sex: Sequence[str], occupation: Sequence[str],
                   income: NDArray[np.float64], percentile: NDArray[np.float64],
                   tax_attitude: Sequence[str], risk_tolerance: Sequence[str],
                   household: Sequence[str], variant: NDArray[np.integer]) -> list[str]:
    """:func:`write_persona` for many agents (equal-length sequences)."""
    cols = (age, sex, occupation, income, percentile, tax_attitude, risk_tolerance, household,
            variant)
    n = len(age)
    if any(len(c) != n for c in cols):
        raise ValueError("all persona attribute columns must have the same length")
    return [write_persona(age=a, sex=s, occupation=o, income=y, percentile=p, tax_attitude=t,
                          risk_tolerance=r, household=h, variant=v)
            for a, s, o, y, p, t, r, h, v in zip(*(np.asarray(c).tolist() if isinstance(c, np.ndarray)
                                                   else list(c) for c in cols), strict=True)]
