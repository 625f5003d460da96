"""Explicit attitude fields of an agent and the fixed phrases that state them in persona text.

Three fields are sampled per agent (probabilities below are this project's illustrative
assumptions, chosen to be plausible and mildly correlated with income and age; they are *not*
calibrated to a survey):

``tax_attitude`` — attitude to taxes and redistribution. With the agent's income percentile
    :math:`u = F_{\\text{GB2}}(40 s)`:
    P(pro_redistribution) = 0.35 + 0.15 (0.5 − u), P(anti_tax) = 0.30 + 0.15 (u − 0.5),
    P(pragmatic) = 0.35. Richer agents lean mildly against redistribution.
``risk_tolerance`` — with :math:`a = \\text{clip}((\\text{age} − 45)/30, −1, 1)`:
    P(high) = 0.25 − 0.10 a, P(low) = 0.30 + 0.10 a, P(moderate) = 0.45. Younger agents take
    more financial risk.
``household`` — circumstances, by age band (:data:`HOUSEHOLD_PROBS`).

Every value has one fixed phrase in :data:`ATTITUDE_PHRASES`. Persona texts contain the phrase
verbatim (lower case, mid-sentence), so a reader without an LLM — the offline surrogate — can
recover the fields with :func:`read_attitudes`. :data:`ATTITUDE_SCORES` gives a numeric reading.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from econsim.population.census import AGE_BANDS

TAX_ATTITUDES: tuple[str, ...] = ("pro_redistribution", "pragmatic", "anti_tax")
RISK_TOLERANCES: tuple[str, ...] = ("low", "moderate", "high")
HOUSEHOLDS: tuple[str, ...] = ("lives_with_parents", "single", "partner_no_children",
                               "partner_with_children", "single_parent", "caring_for_relative")
ATTITUDE_FIELDS: dict[str, tuple[str, ...]] = {
    "tax_attitude": TAX_ATTITUDES,
    "risk_tolerance": RISK_TOLERANCES,
    "household": HOUSEHOLDS,
}

#: The contract with the offline surrogate: field -> value -> phrase found verbatim in the persona.
#: Match case-insensitively; no phrase contains another.
ATTITUDE_PHRASES: dict[str, dict[str, str]] = {
    "tax_attitude": {
        "pro_redistribution": "you favour higher taxes on high earners to pay for public services",
        "pragmatic": "you judge taxes by what they deliver and hold no fixed view on redistribution",
        "anti_tax": "you think taxes are too high and oppose more redistribution",
    },
    "risk_tolerance": {
        "low": "you are cautious and prefer a steady, predictable income",
        "moderate": "you take measured financial risks when the odds look good",
        "high": "you are comfortable with risk and chase higher earnings",
    },
    "household": {
        "lives_with_parents": "you still live with your parents",
        "single": "you live on your own",
        "partner_no_children": "you share a home with your partner",
        "partner_with_children": "you and your partner are raising children",
        "single_parent": "you are raising children on your own",
        "caring_for_relative": "you help care for an ageing relative",
    },
}

#: Numeric reading of the attitudes: support for redistribution (+1 for, −1 against) and
#: appetite for risk (−1 cautious … +1 risk-seeking).
ATTITUDE_SCORES: dict[str, dict[str, float]] = {
    "tax_attitude": {"pro_redistribution": 1.0, "pragmatic": 0.0, "anti_tax": -1.0},
    "risk_tolerance": {"low": -1.0, "moderate": 0.0, "high": 1.0},
}

#: P(household | age band), rows in :data:`AGE_BANDS` order, columns in :data:`HOUSEHOLDS` order.
HOUSEHOLD_PROBS = np.array([
    # parents single partner partner+kids single-parent caring
    [0.85, 0.12, 0.02, 0.00, 0.01, 0.00],  # 16-19
    [0.35, 0.40, 0.15, 0.06, 0.04, 0.00],  # 20-24
    [0.10, 0.30, 0.25, 0.27, 0.07, 0.01],  # 25-34
    [0.03, 0.17, 0.15, 0.52, 0.10, 0.03],  # 35-44
    [0.02, 0.18, 0.25, 0.37, 0.08, 0.10],  # 45-54
    [0.01, 0.22, 0.48, 0.13, 0.03, 0.13],  # 55-64
    [0.00, 0.30, 0.57, 0.03, 0.01, 0.09],  # 65+
])
assert HOUSEHOLD_PROBS.shape == (len(AGE_BANDS), len(HOUSEHOLDS))
assert np.allclose(HOUSEHOLD_PROBS.sum(axis=1), 1.0)


def tax_attitude_probs(income_percentile: NDArray[np.float64]) -> NDArray[np.float64]:
    """P(tax attitude | income percentile), shape (n, 3) in :data:`TAX_ATTITUDES` order."""
    u = np.clip(np.asarray(income_percentile, dtype=float), 0.0, 1.0)
    pro = 0.35 + 0.15 * (0.5 - u)
    anti = 0.30 + 0.15 * (u - 0.5)
    return np.column_stack([pro, np.full_like(u, 0.35), anti])


def risk_probs(age: NDArray[np.integer]) -> NDArray[np.float64]:
    """P(risk tolerance | age), shape (n, 3) in :data:`RISK_TOLERANCES` order."""
    a = np.clip((np.asarray(age, dtype=float) - 45.0) / 30.0, -1.0, 1.0)
    return np.column_stack([0.30 + 0.10 * a, np.full_like(a, 0.45), 0.25 - 0.10 * a])


def draw_categorical(probs: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.int8]:
    """One draw per row of ``probs`` (rows sum to 1), vectorised by inverse CDF."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0])[:, None]
    return np.minimum((u >= cdf).sum(axis=1), probs.shape[1] - 1).astype(np.int8)


def sample_attitudes(income_percentile: NDArray[np.float64], age: NDArray[np.integer],
                     age_band: NDArray[np.integer], rng: np.random.Generator
                     ) -> dict[str, NDArray[np.int8]]:
    """Codes for each field in :data:`ATTITUDE_FIELDS` (indices into its value tuple)."""
    return {
        "tax_attitude": draw_categorical(tax_attitude_probs(income_percentile), rng),
        "risk_tolerance": draw_categorical(risk_probs(age), rng),
        "household": draw_categorical(HOUSEHOLD_PROBS[np.asarray(age_band, dtype=np.intp)], rng),
    }


def read_attitudes(text: str) -> dict[str, str | None]:
    """Recover the attitude fields stated in a persona text (``None`` where none is stated)."""
    low = text.lower()
    out: dict[str, str | None] = {}
    for field, phrases in ATTITUDE_PHRASES.items():
        hits = [value for value, phrase in phrases.items() if phrase in low]
        out[field] = hits[0] if len(hits) == 1 else None
    return out
