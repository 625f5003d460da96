"""Re-adaptation after a rate change, measured where it can fail: the distance still to close.

The share of workers within a tolerance of their best response cannot tell re-adaptation from
standing still when a rate change moves the best response by less than the tolerance (a 10-pp
change moves the calibrated best response by 2–3 h; the labour menu is 10 h apart). So the lag is
measured only on the workers whose best response on the menu *moved* at the change, as the share
of that move still to close.

For a tax year :math:`y` whose rates differ from year :math:`y-1`'s and a worker :math:`i` whose
menu best response moved, :math:`b^{old}_i \\ne b^{new}_i`, the remaining displacement at step
offset :math:`k = 0 … K-1` into the year is

.. math:: r_{ik} = |l_{ik} - b^{new}_i| \\,/\\, |b^{new}_i - b^{old}_i| ,

0 once the worker sits at its new best response, 1 if it stayed at the old one (and about 3 for a
worker drawing hours at random: the menu's mean distance to a point is about 30 h). The curve is
the mean of :math:`r_{ik}` over such (year, worker) pairs per offset; the lag is the first offset
where it falls to ``level`` (½: half the move closed), NaN when it never does within the year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from econsim.analysis.runs import rate_columns

_CURVE = ["offset", "remaining", "n_moved", "K"]


def _moves(agents: pd.DataFrame, first: pd.DataFrame, rcols: list[str], K: int) -> pd.DataFrame:
    """(tax_year, agent, old, new) of every worker whose menu best response moved at a change."""
    changed = first[rcols].diff().abs().max(axis=1) > 1e-9
    years = first.loc[changed, "step"].to_numpy() // K
    br = agents.assign(tax_year=agents.step // K).groupby(["tax_year", "agent"]).best_response \
        .first()
    have = set(br.index.get_level_values("tax_year"))
    rows = []
    for y in years:
        if y - 1 not in have or y not in have:
            continue
        old, new = br.loc[y - 1], br.loc[y]
        both = old.index.intersection(new.index)
        moved = both[(new[both] - old[both]).abs().to_numpy() > 1e-9]
        rows.append(pd.DataFrame({"tax_year": y, "agent": moved,
                                  "old": old[moved].to_numpy(), "new": new[moved].to_numpy()}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["tax_year", "agent", "old", "new"])


def readaptation_curve(agents_br: pd.DataFrame, steps: pd.DataFrame,
                       K_by_variant: Mapping[str, int], by: Sequence[str] = ("variant",)
                       ) -> pd.DataFrame:
    """Mean remaining displacement :math:`r_{ik}` per step offset after a rate change (see the
    module docstring), over every worker whose menu best response moved.

    Parameters
    ----------
    agents_br
        :func:`econsim.analysis.behaviour.best_response_columns` output (``variant``, ``step``,
        ``agent``, ``labour``, ``best_response``).
    steps
        The steps table (``variant``, ``step``, the rate columns, and the ``by`` columns).
    K_by_variant
        Steps per tax year of each variant.
    by
        Grouping columns of ``steps`` (e.g. ``["K", "seed"]``).

    Returns
    -------
    DataFrame
        ``by`` columns, ``offset``, ``remaining`` (mean of :math:`r_{ik}`), ``n_moved``
        (worker-changes averaged) and ``K``; groups without any moved best response are absent.
    """
    rcols = rate_columns(steps)
    keys = list(dict.fromkeys(by))
    parts = []
    for label, st in steps.groupby("variant", sort=False):
        K = int(K_by_variant[label])
        a = agents_br[agents_br.variant == label]
        moves = _moves(a, st[st.step % K == 0].sort_values("step"), rcols, K)
        if moves.empty:
            continue
        a = a.assign(tax_year=a.step // K).merge(moves, on=["tax_year", "agent"])
        a = a.assign(offset=a.step % K,
                     r=(a.labour - a.new).abs() / (a.new - a.old).abs())
        g = a.groupby("offset").agg(r_sum=("r", "sum"), n_moved=("r", "size")).reset_index()
        for k in keys:
            g[k] = label if k == "variant" else st[k].iloc[0]
        g["K"] = K
        parts.append(g)
    if not parts:
        return pd.DataFrame(columns=[*keys, *_CURVE])
    out = pd.concat(parts, ignore_index=True)
    group = list(dict.fromkeys([*keys, "K"]))
    out = out.groupby([*group, "offset"], sort=False)[["r_sum", "n_moved"]].sum().reset_index()
    out["remaining"] = out.r_sum / out.n_moved
    return out[[*dict.fromkeys([*keys, *_CURVE])]]


def readaptation_lag(curve: pd.DataFrame, level: float = 0.5, by: Sequence[str] = ("K",)
                     ) -> pd.DataFrame:
    """Per group of ``by``: the first step offset at which the mean remaining displacement is at
    most ``level`` (``lag_steps``; NaN if never within the tax year), the remaining displacement
    at the year's last step (``final_remaining``) and the worker-changes measured (``n_moved``).
    """
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1); got {level!r}")
    rows = []
    for key, g in curve.groupby(list(by), sort=False):
        g = g.sort_values("offset")
        hit = g[g.remaining <= level]
        rows.append({**dict(zip(by, key if isinstance(key, tuple) else (key,), strict=True)),
                     "lag_steps": float(hit.offset.iloc[0]) if len(hit) else np.nan,
                     "final_remaining": float(g.remaining.iloc[-1]),
                     "n_moved": int(g.n_moved.iloc[0])})
    return pd.DataFrame(rows)
