"""The LLM layer: parse failures, fallbacks, tokens and cost."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from econsim.analysis.runs import RunSet
from econsim.llm import PRICES_USD_PER_MTOK
from econsim.llm.backends import reaches_model
from econsim.llm.ledger import price_of

Array = NDArray[np.float64]


def reliability_table(runs: RunSet, price_models: Iterable[str] = ("gpt-4o-mini",
                                                                   "claude-3-5-haiku")
                      ) -> pd.DataFrame:
    """Per run: calls, parse failures, re-asks, fallbacks (and their rates), tokens per call, the
    run's own cost, and what the same tokens would cost at each model of ``price_models``
    (list prices in :data:`econsim.llm.PRICES_USD_PER_MTOK`). Latency per call is included
    only for runs that reached a model (for the in-process surrogate it measures nothing and
    would make the table differ between reruns)."""
    rows = []
    for label, cfg in runs.configs.items():
        led = runs.ledgers.get(label, {})
        calls = max(int(led.get("calls", 0)), 1)
        c = runs.calls[runs.calls.variant == label] if len(runs.calls) else runs.calls
        served = sorted(c.model.dropna().unique().tolist()) if len(c) else []
        row = {"variant": label, "backend": cfg.backend, "served_model": ", ".join(served),
               "prompt_style": cfg.prompt_style, "seed": cfg.seed,
               "calls": int(led.get("calls", 0)),
               "parse_failures": int(led.get("parse_failures", 0)),
               "reasks": int(led.get("reasks", 0)), "fallbacks": int(led.get("fallbacks", 0)),
               "errors": int(led.get("errors", 0)),
               "parse_failure_rate": led.get("parse_failures", 0) / calls,
               "fallback_rate": led.get("fallbacks", 0) / calls,
               "input_tokens_per_call": led.get("input_tokens", 0) / calls,
               "output_tokens_per_call": led.get("output_tokens", 0) / calls,
               **({"latency_ms_per_call": 1000 * led.get("latency_s", 0.0) / calls}
                  if reaches_model(cfg.backend) else {}),
               "cost_usd": float(led.get("cost_usd", 0.0))}
        for model in price_models:
            price = price_of(model, PRICES_USD_PER_MTOK)
            if price is not None:
                row[f"cost_at_{model}_usd"] = (led.get("input_tokens", 0) * price[0]
                                               + led.get("output_tokens", 0) * price[1]) / 1e6
        rows.append(row)
    return pd.DataFrame(rows)


def reply_validity(calls: pd.DataFrame) -> pd.DataFrame:
    """Per call kind: calls, replies valid at the first try (no re-ask), calls re-asked,
    fallbacks, mean completion tokens, and the share valid at the first try.

    ``calls``: a ``calls`` table (columns ``kind``, ``call_id``, ``reasks``, ``fallback``,
    ``output_tokens``).
    """
    first = calls.reasks == 0
    table = calls.assign(valid_first_try=first.astype(int), reasked=(~first).astype(int))
    out = table.groupby("kind").agg(
        calls=("call_id", "size"), valid_first_try=("valid_first_try", "sum"),
        reasked=("reasked", "sum"), fallbacks=("fallback", "sum"),
        mean_output_tokens=("output_tokens", "mean")).reset_index()
    out["share_valid_first_try"] = out.valid_first_try / out.calls
    return out
