"""The claims registry: every claim's metric, comparison and decision rule, declared as data.

``notebooks/claims.yaml`` holds one entry per claims-table row, written before the runs::

    c2-saez-inverse-income:
      claim: C2 LLM planner beats Saez
      notebook: 02_rational_icrl
      metric: inverse_income, mean of the last tax years, LLM workers
      statistic: difference        # difference (A - B), ratio (A / B), value (A), exact
      variants: [llm, saez]        # A, B: columns of the per-seed table
      direction: greater           # greater, less, within (|stat - no effect| < margin)
      margin: 0.0

A notebook computes the per-seed table (index: seed, columns: variants) and calls
:func:`evaluate_claim`, which applies the rule of :mod:`econsim.analysis.uncertainty` and returns
the claims-table row; :func:`exact_claim` does the same for a value computed without randomness.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from econsim.analysis import uncertainty as unc
from econsim.compendium.paths import project_path

REGISTRY_FILE = "notebooks/claims.yaml"
STATISTICS = (*unc.STATISTICS, "exact")
#: Columns of every ``claims.csv`` (the README table shows all but ``id``).
ROW_COLUMNS = ("id", "claim", "metric", "estimate", "ci", "seeds", "rule", "verdict",
               "seeds_needed", "backend", "notebook")
_FIELDS = {"claim", "notebook", "metric", "statistic", "variants", "direction", "margin"}
#: Optional fields: ``applies_when`` names a condition the data must meet for the rule to test
#: the claim at all (``{share_at_least: 0.5, of: "the leader's voters"}``: e.g. "majority
#: exploitation" needs the leader's voters to be a majority of workers); ``interval`` how the
#: interval is built (:data:`econsim.analysis.uncertainty.INTERVAL_METHODS`: ``t``, ``bca`` for
#: heavy-tailed or bounded quantities, ``log`` for a ratio of positive quantities); ``support`` the
#: range the compared quantity can take (``[0, 1]`` for a share: the interval is cut to it);
#: ``scale`` a factor on B in a difference (``A − scale × B``: "A reaches 90 % of B" without
#: dividing by a B that can be 0).
#: Where the claim comes from: ``paper`` the paper's words (quoted, or paraphrased when the exact
#: wording is not available offline), ``wording`` which of the two (:data:`WORDINGS`), ``place``
#: the section or figure, ``comparator`` what the claimed side is measured against. Optional for
#: the library (a registry of one's own may omit them); the project's registry states them all
#: (``tests/test_claims_registry_fields.py``).
_SOURCE = ("paper", "wording", "place", "comparator")
WORDINGS = ("quote", "paraphrase", "not in the paper")
_OPTIONAL = {"applies_when", "interval", "support", "scale", *_SOURCE}
#: The verdict of a claim whose ``applies_when`` condition the runs did not meet.
DOES_NOT_APPLY = "does not apply"


@dataclass(frozen=True)
class ClaimSpec:
    """One registered claim and its decision rule (see the module docstring)."""

    id: str
    claim: str
    notebook: str
    metric: str
    statistic: str
    variants: tuple[str, ...]
    direction: str
    margin: float
    min_share: float | None = None
    share_of: str = ""
    interval: str = "t"
    support: tuple[float | None, float | None] = (None, None)
    scale: float = 1.0
    paper: str = ""
    wording: str = ""
    place: str = ""
    comparator: str = ""

    @property
    def expression(self) -> str:
        """The compared quantity, e.g. ``llm − saez``."""
        if self.statistic == "difference":
            b = self.variants[1] if self.scale == 1 else f"{self.scale:g} × {self.variants[1]}"
            return f"{self.variants[0]} − {b}"
        if self.statistic == "ratio":
            return f"{self.variants[0]} / {self.variants[1]}"
        return self.variants[0] if self.variants else "value"

    @property
    def rule(self) -> str:
        """The decision rule in words, e.g. ``mean(llm − saez) > 0``."""
        location = "pseudo-median" if self.interval == "wilcoxon" else "mean"
        quantity = self.expression if self.statistic == "exact" else \
            f"{location}({self.expression})"
        if self.direction == "within":
            centre = 1 if self.statistic == "ratio" else 0
            return f"|{quantity} − {centre:g}| < {self.margin:g}"
        return f"{quantity} {'>' if self.direction == 'greater' else '<'} {self.margin:g}"


def _spec(claim_id: str, entry: Any, source: Path) -> ClaimSpec:
    if not isinstance(entry, dict):
        raise ValueError(f"{source}: claim {claim_id!r} must be a mapping of {sorted(_FIELDS)}")
    unknown, missing = set(entry) - _FIELDS - _OPTIONAL, _FIELDS - set(entry) - {"variants"}
    if unknown or missing:
        raise ValueError(f"{source}: claim {claim_id!r} has unknown field(s) {sorted(unknown)} "
                         f"or lacks {sorted(missing)}; fields: {', '.join(sorted(_FIELDS))}")
    statistic, direction = entry["statistic"], entry["direction"]
    if statistic not in STATISTICS:
        raise ValueError(f"{source}: claim {claim_id!r}: statistic must be one of "
                         f"{', '.join(STATISTICS)}; got {statistic!r}")
    if direction not in unc.DIRECTIONS:
        raise ValueError(f"{source}: claim {claim_id!r}: direction must be one of "
                         f"{', '.join(unc.DIRECTIONS)}; got {direction!r}")
    variants = tuple(str(v) for v in entry.get("variants") or ())
    need = {"difference": 2, "ratio": 2, "value": 1, "exact": len(variants)}[statistic]
    if len(variants) != need:
        raise ValueError(f"{source}: claim {claim_id!r}: statistic {statistic!r} needs {need} "
                         f"variant(s); got {list(variants)}")
    margin = entry["margin"]
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not np.isfinite(margin):
        raise ValueError(f"{source}: claim {claim_id!r}: margin must be a number; got {margin!r}")
    if direction == "within" and margin <= 0:
        raise ValueError(f"{source}: claim {claim_id!r}: a 'within' margin must be > 0")
    min_share, share_of = None, ""
    if "applies_when" in entry:
        cond = entry["applies_when"]
        share = cond.get("share_at_least") if isinstance(cond, dict) else None
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1 \
                or set(cond) != {"share_at_least", "of"}:
            raise ValueError(f"{source}: claim {claim_id!r}: applies_when must be "
                             "{share_at_least: <fraction in (0, 1]>, of: <who>}; got "
                             f"{cond!r}")
        min_share, share_of = float(share), str(cond["of"])
    interval = entry.get("interval", "t")
    if interval not in unc.INTERVAL_METHODS:
        raise ValueError(f"{source}: claim {claim_id!r}: interval must be one of "
                         f"{', '.join(unc.INTERVAL_METHODS)}; got {interval!r}")
    if interval == "log" and statistic != "ratio":
        raise ValueError(f"{source}: claim {claim_id!r}: the 'log' interval is for ratios")
    support = entry.get("support", [None, None])
    if not (isinstance(support, list) and len(support) == 2 and all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in support)
            and (None in support or support[0] < support[1])):
        raise ValueError(f"{source}: claim {claim_id!r}: support must be [low, high] (null for "
                         f"unbounded); got {support!r}")
    scale = entry.get("scale", 1.0)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not scale > 0 \
            or (scale != 1 and statistic != "difference"):
        raise ValueError(f"{source}: claim {claim_id!r}: scale must be a number > 0, on a "
                         f"difference; got {scale!r}")
    wording = entry.get("wording", "")
    if wording and wording not in WORDINGS:
        raise ValueError(f"{source}: claim {claim_id!r}: wording must be one of "
                         f"{', '.join(WORDINGS)}; got {wording!r}")
    return ClaimSpec(claim_id, str(entry["claim"]), str(entry["notebook"]), str(entry["metric"]),
                     statistic, variants, direction, float(margin), min_share, share_of,
                     str(interval), (support[0], support[1]), float(scale),
                     *(str(entry.get(k, "")) for k in _SOURCE))


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice (plain YAML keeps the last one silently:
    two claims under one id would become one)."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        dup = sorted({str(k) for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"duplicate id(s) {dup} in the claims registry "
                             f"(line {node.start_mark.line + 1}): one id per metric")
        return super().construct_mapping(node, deep=deep)


def load_registry(path: str | Path = REGISTRY_FILE) -> dict[str, ClaimSpec]:
    """Every claim of the registry file by id (validated; a bad entry is a one-line error)."""
    source = project_path(path)
    if not source.is_file():
        raise ValueError(f"claims registry {source} not found")
    try:
        data = yaml.load(source.read_text(), Loader=_UniqueKeyLoader) or {}
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{source} must map claim ids to claims")
    return {str(k): _spec(str(k), v, source) for k, v in data.items()}


def get_claim(claim_id: str, registry: dict[str, ClaimSpec] | None = None) -> ClaimSpec:
    """The registered claim ``claim_id``; unknown ids list the valid ones."""
    reg = load_registry() if registry is None else registry
    if claim_id not in reg:
        raise ValueError(f"unknown claim {claim_id!r}; registered claims: {', '.join(reg)}")
    return reg[claim_id]


def _num(x: float) -> str:
    return f"{x:,.4g}" if np.isfinite(x) else "n/a"


def _row(spec: ClaimSpec, detail: str, **cells: str) -> dict[str, str]:
    metric = spec.metric + (f"; {detail}" if detail else "")
    return {"id": spec.id, "claim": spec.claim, "metric": metric, **cells,
            "notebook": spec.notebook}


def evaluate_claim(claim_id: str, per_seed: pd.DataFrame, *, backend: str, detail: str = "",
                   untestable: str = "", share: float | None = None,
                   registry: dict[str, ClaimSpec] | None = None) -> dict[str, str]:
    """The claims-table row of a registered claim from its per-seed values.

    Parameters
    ----------
    claim_id
        Id in ``notebooks/claims.yaml``.
    per_seed
        Index: seed; columns include the claim's variants (e.g. from
        :func:`econsim.analysis.uncertainty.per_seed_table`). Seeds pair the variants: the same
        seed means the same population and random streams.
    backend
        The LLM backend of the runs (shown in the table).
    detail
        Appended to the registered metric text (e.g. the number of tax years averaged).
    untestable
        A reason why this run cannot test the claim (e.g. the offline surrogate cannot tell two
        prompt wordings apart): the statistics are still reported, the verdict is
        ``inconclusive`` and the reason is added to the metric text.
    share
        For a claim registered with ``applies_when``: the observed share (e.g. of worker-steps
        in the leader's coalition). Below the declared minimum the rule does not test the claim:
        the statistics are still reported and the verdict is ``does not apply``.
    """
    spec = get_claim(claim_id, registry)
    if spec.min_share is not None and (share is None or not np.isfinite(share)):
        raise ValueError(f"claim {claim_id!r} applies only when {spec.share_of} are at least "
                         f"{spec.min_share:.0%}: pass share=<observed share>")
    if spec.statistic == "exact":
        raise ValueError(f"claim {claim_id!r} is exact: use exact_claim(...)")
    compared = (*spec.variants, spec.scale) if spec.scale != 1 else spec.variants
    values = unc.paired_values(per_seed, compared, spec.statistic)
    iv = unc.claim_interval(values.to_numpy(), spec.interval, spec.support)
    verdict = "inconclusive" if untestable else unc.decide(iv, spec.direction, spec.margin,
                                                           spec.statistic)
    applies = spec.min_share is None or share >= spec.min_share
    if not applies:
        verdict = DOES_NOT_APPLY
    seeds = per_seed.loc[values.index]
    if spec.statistic == "value":
        estimate = _num(iv.estimate)
    else:
        a, b = (float(seeds[v].mean()) for v in spec.variants)
        sign = "+" if spec.statistic == "difference" and iv.estimate >= 0 else ""
        unit = "x" if spec.statistic == "ratio" else ""
        estimate = (f"{sign}{_num(iv.estimate)}{unit} ({spec.variants[0]} {_num(a)} vs "
                    f"{spec.variants[1]} {_num(b)})")
    ci = (f"[{_num(iv.low)}, {_num(iv.high)}] ({iv.method})"
          if np.isfinite(iv.low) and np.isfinite(iv.high) else f"none ({iv.method})")
    need = unc.claim_seeds_needed(iv, spec.direction, spec.margin, spec.statistic,
                                  spec.interval)
    needed = f"> {unc.SEEDS_NEEDED_CAP:,}" if need is None else str(need)
    if iv.method == "one seed":
        needed = "n/a (1 seed)"
    why = "" if applies else (f"{spec.share_of} are {share:.0%} of the total, under the "
                              f"{spec.min_share:.0%} the claim needs: the rule does not test it")
    if not applies:
        needed = "n/a (does not apply)"
    detail = "; ".join(x for x in (detail, untestable and f"untestable here: {untestable}", why)
                       if x)
    return _row(spec, detail, estimate=estimate, ci=ci, seeds=str(iv.n), rule=spec.rule,
                verdict=verdict, seeds_needed=needed, backend=backend)


def exact_claim(claim_id: str, value: float, *, detail: str = "", backend: str = "none (exact)",
                registry: dict[str, ClaimSpec] | None = None) -> dict[str, str]:
    """The claims-table row of a registered exact claim: ``value`` was computed without
    randomness, so the rule compares it with the margin directly (a value on the margin does
    not lie on the claimed side: contradicted)."""
    spec = get_claim(claim_id, registry)
    if spec.statistic != "exact":
        raise ValueError(f"claim {claim_id!r} is a {spec.statistic} over seeds: use "
                         "evaluate_claim(...)")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"claim {claim_id!r}: value must be finite; got {value!r}")
    iv = unc.Interval(v, v, v, 1, 0.0, "exact")
    verdict = unc.decide(iv, spec.direction, spec.margin, "difference")
    if verdict == "inconclusive":  # exactly on the margin
        verdict = "contradicted"
    return _row(spec, detail, estimate=_num(v), ci="exact", seeds="exact", rule=spec.rule,
                verdict=verdict, seeds_needed="n/a (exact)", backend=backend)


def claims_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    """Rows in the claims-table column order (what notebooks write to ``claims.csv``)."""
    return pd.DataFrame(rows, columns=list(ROW_COLUMNS))
