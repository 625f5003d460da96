"""What a run will cost before it runs: calls, tokens, USD and hours, as ranges.

>>> from econsim.simulation import SimConfig
>>> est = estimate(SimConfig(n_agents=3, n_steps=20, K=5, backend="openai/gpt-4o-mini"))
>>> est.calls.high
{'labour': 60, 'planner': 3}

* **Calls** are exact (:mod:`econsim.analysis.call_count`); the worst case re-asks every
  decision ``max_reasks`` times.
* **Prompt tokens** = prompt characters (:mod:`econsim.analysis.prompt_size`, rendered from a
  surrogate pilot of the run) ÷ characters per token. The surrogate counts ``chars // 4``.
  ``llamacpp`` models with llama-cpp-python installed: the pilot's prompts counted with the
  model's own vocabulary (:mod:`econsim.analysis.local_tokens`).
  Other models: the ratio measured on a recorded pack (:data:`CALIBRATION_PACK`, SmolLM2's
  tokenizer, whose every digit is a token: the many-tokens end), smallest to largest of its calls;
  hosted models' tokenizers group digits, so their low end of tokens uses
  :data:`API_CHARS_PER_TOKEN_MAX` characters per token (prose-like text).
* **Completion tokens** per decision: the recorded pack's replies of the same reply schema
  (``labour``, ``planner``), else the pilot's replies in characters ÷ the ratio; capped at
  ``max_tokens``. Reasoning models (:func:`is_reasoning`) bill hidden tokens: their high end is
  ``max_tokens`` per request.
* **USD** = tokens × the dated price table (:mod:`econsim.analysis.prices`); unpriced models
  give tokens only.
* **Hours** = phases in sequence (each step's labour, satisfaction; each update's planner or
  election phases), each ``ceil(calls / concurrency)`` waves of one request latency (the price
  table's assumed range for hosted models). Local models: tokens ÷ the tokens/s measured by
  ``python -m bench local`` (prices.yaml ``local``) over one instance per core, prefix reuse at
  the low end; without a measurement, the recorded pack's request latencies.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import warnings
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from econsim.analysis.call_count import CallCount, count_calls, election_steps, update_steps
from econsim.analysis.local_tokens import chars_per_token
from econsim.analysis.prices import PriceTable, load_prices
from econsim.analysis.prompt_size import REASK_EXTRA_CHARS, Pilot
from econsim.simulation import SimConfig

#: The recorded pack that calibrates characters per token, reply lengths and local latency.
CALIBRATION_PACK = Path(__file__).resolve().parents[2] / "results" / "10_real_model" / "pack"
#: Characters per token of prose-like text for hosted tokenizers (the few-tokens end).
API_CHARS_PER_TOKEN_MAX = 4.0
#: Model-name prefixes of reasoning models (hidden reasoning tokens billed as output).
REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5", "deepseek-r1", "qwq")
COST_FILE = "cost.json"
#: Context of the llama.cpp backend's model instances unless ``n_ctx`` is passed (tokens).
LOCAL_CONTEXT = 4096


@dataclass(frozen=True)
class Calibration:
    """What a recorded pack says about a model: characters per token (smallest and largest of
    its calls; its chat template's tokens included), reply tokens per kind (min, max) and
    request latency in s (5th, 95th percentile)."""

    source: str
    chars_per_token: tuple[float, float]
    reply_tokens: dict[str, tuple[int, int]]
    latency_s: tuple[float, float]


def read_calibration(pack: str | Path = CALIBRATION_PACK) -> Calibration:
    """Calibrate on a pack's call store (every request with its counted tokens)."""
    db = Path(pack) / "calls.sqlite"
    if not db.is_file():
        raise FileNotFoundError(f"no recorded pack at {pack} (needs calls.sqlite)")
    con = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    try:
        rows = con.execute("SELECT call_id, request, input_tokens, output_tokens, latency_s "
                           "FROM calls").fetchall()
    finally:
        con.close()
    ratios, replies, latency = [], {}, []
    for call_id, request, n_in, n_out, lat in rows:
        chars = sum(len(m["content"]) for m in json.loads(request)["messages"])
        ratios.append(chars / max(n_in, 1))
        kind = call_id.split("/")[2] if call_id.count("/") >= 2 else "other"
        replies.setdefault(kind.split("#")[0], []).append(n_out)
        latency.append(lat)
    p = np.percentile
    return Calibration(str(pack), (float(min(ratios)), float(max(ratios))),
                       {k: (min(v), max(v)) for k, v in replies.items()},
                       (float(p(latency, 5)), float(p(latency, 95))))


def is_reasoning(model: str, prices: PriceTable | None = None) -> bool:
    """Whether ``model`` is a reasoning model (by name, or flagged in the price table)."""
    name = model.split("/")[-1].lower()
    entry = prices.lookup(name) if prices is not None else None
    return bool(entry and entry.reasoning) or name.startswith(REASONING_PREFIXES)


@dataclass
class Estimate:
    """One run's estimate (ranges are ``(low, high)``; ``worst`` re-asks every decision)."""

    backend: str
    model: str
    engine: str
    calls: CallCount
    prompt_chars: dict[str, tuple[float, float]]
    prompt_tokens: tuple[float, float]
    completion_tokens: tuple[float, float]
    worst_tokens: tuple[float, float]
    usd: tuple[float, float] | None
    usd_worst: float | None
    usd_cached_floor: float | None
    hours: tuple[float, float]
    reasoning: bool
    price_date: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def requests(self) -> tuple[int, int]:
        return self.calls.requests

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["calls"] = {"engine": self.calls.engine, "asked": self.calls.asked,
                      "decisions_low": self.calls.low, "decisions_high": self.calls.high,
                      "personas": self.calls.personas, "max_reasks": self.calls.max_reasks,
                      "requests": list(self.requests)}
        return d

    def text(self) -> str:
        """A few lines for the terminal."""
        lo, hi = self.calls.decisions
        kinds = ", ".join(f"{k} {self.calls.low.get(k, 0):,}" +
                          (f"–{v:,}" if v != self.calls.low.get(k, 0) else "")
                          for k, v in self.calls.high.items())
        lines = [f"estimate for {self.backend} ({self.engine} engine)",
                 f"  calls     {_rng(lo, hi)} decisions ({kinds or 'none'})"
                 + (f" + {self.calls.personas:,} persona requests" if self.calls.personas
                    else "")
                 + f"; requests {_rng(*self.requests)} with up to {self.calls.max_reasks} "
                 "re-asks each",
                 f"  tokens    prompt {_rng(*self.prompt_tokens)}, completion "
                 f"{_rng(*self.completion_tokens)} (every re-ask: up to "
                 f"{self.worst_tokens[0]:,.0f} prompt, {self.worst_tokens[1]:,.0f} completion)"]
        if self.usd is not None:
            lines.append(f"  USD       {usd_text(self.usd[0])}–{usd_text(self.usd[1])} (every "
                         f"re-ask: {usd_text(self.usd_worst)}; all input at the cached price: "
                         f"{usd_text(self.usd_cached_floor)}) at prices of {self.price_date}")
        else:
            lines.append(f"  USD       not priced: no price for {self.model!r} (tokens only)")
        lines.append(f"  time      {self.hours[0]:,.2f}–{self.hours[1]:,.2f} h")
        if self.reasoning:
            lines.append("  reasoning model: hidden reasoning tokens are billed as output; the "
                         "high end assumes max_tokens per request")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def usd_text(x: float) -> str:
    """Dollars with cents, or four significant digits below a dollar."""
    return f"${x:,.2f}" if x >= 1 or x == 0 else f"${x:.4g}"


def _rng(lo: float, hi: float) -> str:
    return f"{lo:,.0f}" if round(lo) == round(hi) else f"{lo:,.0f}–{hi:,.0f}"


def _model_of(backend: str) -> tuple[str, str]:
    """(kind, model) of a backend string; a replay pack answers for its recorded model."""
    if backend.startswith("replay:"):
        path = Path(backend[len("replay:"):])
        manifest = path / "pack.json"
        if manifest.is_file():
            return "replay", json.loads(manifest.read_text())["backend"]
        return "replay", "unknown"
    kind, _, rest = backend.partition("/")
    return kind, rest.split("@")[0] or kind


def estimate(config: SimConfig | dict[str, Any], *, prices: PriceTable | None = None,
             calibration: Calibration | None = None) -> Estimate:
    """The estimate of one run of ``config`` (see the module docstring for every rule)."""
    cfg = config if isinstance(config, SimConfig) else SimConfig.from_dict(config)
    prices = prices or load_prices()
    count = count_calls(cfg)
    kind, model = _model_of(cfg.backend)
    notes: list[str] = []
    if not count.high and not count.personas:
        return Estimate(cfg.backend, model, count.engine, count, {}, (0, 0), (0, 0), (0, 0),
                        (0.0, 0.0), 0.0, 0.0, (0.0, 0.0), False, prices.date,
                        ["this configuration makes no LLM calls"])
    chars, replies, pace, samples, longest = _pilot_measures(_pilot_key(cfg))
    n_low = {**count.low, "persona": count.personas}
    n_high = {**count.high, "persona": count.personas}
    surrogate = kind == "surrogate"
    if surrogate:
        ratio = (4.0, 4.0)
        # a pilot sees some of the rate changes a run makes: the longest reply the schema allows
        longest = _longest_replies(cfg.n_brackets)
        reply = {k: (lo // 4 + 1, max(hi, longest.get(k, 0)) // 4 + 1)
                 for k, (lo, hi) in replies.items()}
    else:
        cal = calibration or read_calibration()
        local = kind in ("llamacpp", "replay")
        ratio = cal.chars_per_token if local else (cal.chars_per_token[0],
                                                   API_CHARS_PER_TOKEN_MAX)
        if kind == "llamacpp":
            spec = cfg.backend.partition("/")[2]
            own = chars_per_token(spec, [json.loads(p) for p in samples])
            if own is not None:
                ratio = own
                notes.append(f"prompt tokens counted with {spec}'s own tokenizer (llama.cpp "
                             f"vocab_only): {own[0]:.2f}–{own[1]:.2f} characters per token")
            else:
                notes.append("llama-cpp-python or the model file is not installed: tokens "
                             f"from the recorded pack's {ratio[0]:.2f}–{ratio[1]:.2f} characters "
                             "per token (SmolLM2)")
        if not local:
            notes.append(f"no tokenizer for {model!r} offline: tokens from {ratio[0]:.2f}–"
                         f"{ratio[1]:.2f} characters per token (SmolLM2's ratio on a recorded "
                         "pack to prose-like text)")
        reply = {}
        for k, (lo, hi) in replies.items():
            if k in cal.reply_tokens:
                reply[k] = cal.reply_tokens[k]
            else:
                reply[k] = (max(1, int(lo / ratio[1])), math.ceil(hi / ratio[0]))
        reply = {k: (min(lo, cfg.max_tokens), min(hi, cfg.max_tokens))
                 for k, (lo, hi) in reply.items()}
    reasoning = is_reasoning(model, prices)
    if reasoning:
        reply = {k: (lo, cfg.max_tokens) for k, (lo, _) in reply.items()}
    prompt = (sum(lo for lo, _ in chars.values()) / ratio[1] - (sum(n_high.values())
                                                               if surrogate else 0),
              sum(hi for _, hi in chars.values()) / ratio[0])
    prompt = (max(0.0, prompt[0]), prompt[1])
    for k in n_high:  # a kind the pilot never saw answered (e.g. nobody stood): any length
        reply.setdefault(k, (1, cfg.max_tokens))
    completion = (sum(reply[k][0] * n_low.get(k, 0) for k in n_low),
                  sum(reply[k][1] * n_high.get(k, 0) for k in n_high))
    # every decision re-asked max_reasks times: the prompt grows by the reply and the re-ask
    r = cfg.max_reasks
    extra = sum((REASK_EXTRA_CHARS + 4 * reply[k][1]) * n * r * (r + 1) / 2
                for k, n in n_high.items())
    worst = (prompt[1] * (1 + r) + extra / ratio[0], completion[1] * (1 + r))
    entry = prices.lookup(model)
    usd = usd_worst = floor = None
    replay = kind == "replay" or cfg.llm.replays
    if replay:
        notes.append("every reply comes from a recorded store: nothing is paid; tokens are "
                     "those the recording counted")
    if surrogate or replay:
        usd, usd_worst, floor = (0.0, 0.0), 0.0, 0.0
    elif entry is not None:
        usd = (entry.cost(prompt[0], completion[0]), entry.cost(prompt[1], completion[1]))
        usd_worst = entry.cost(*worst)
        floor = entry.cost(prompt[0], completion[0], cached=True)
    hours = _hours(cfg, count, "replay" if replay else kind, model, prices,
                   None if surrogate else (calibration or read_calibration()), pace)
    speed = prices.local.get(model.lower()) if kind == "llamacpp" else None
    if speed is not None:  # measured tokens/s (python -m bench local), one instance per core
        pool = min(cfg.concurrency, _cores())
        hours = (speed.seconds(prompt[0], completion[0], reuse=True) / pool / 3600,
                 speed.seconds(prompt[1], completion[1], reuse=False) / pool / 3600)
    if kind == "llamacpp" and longest / ratio[0] + cfg.max_tokens > LOCAL_CONTEXT:
        notes.append(f"the longest prompts may reach {longest / ratio[0]:,.0f} tokens: with max_tokens "
                     f"they may exceed the llama.cpp backend's default context of {LOCAL_CONTEXT:,} "
                     "tokens (option n_ctx)")
    if speed is None and kind == "llamacpp":
        notes.append(f"no measured tokens/s for {model!r} (python -m bench local): hours from "
                     "the recorded pack's request latencies")
    return Estimate(cfg.backend, model, count.engine, count, chars, prompt, completion, worst,
                    usd, usd_worst, floor, hours, reasoning, prices.date, notes)


def _waves(cfg: SimConfig, count: CallCount, concurrency: int) -> tuple[int, int]:
    """Sequential rounds of requests (low, high): phases in order, each ceil(calls/concurrency)."""
    per_step = math.ceil(count.asked / concurrency) if "labour" in count.high else 0
    phases = per_step * (2 if "satisfaction" in count.high else 1) * cfg.n_steps
    updates = len(update_steps(cfg))
    lo = hi = phases + (updates if ("planner" in count.high or "leader" in count.high) else 0)
    if "vote" in count.high:
        elect = len(election_steps(cfg)) * math.ceil(cfg.n_agents / concurrency)
        hi += elect * (2 if cfg.platforms else 1)
        lo += elect
    personas = math.ceil(count.personas / concurrency) if count.personas else 0
    return lo + personas, hi + personas


def _cores() -> int:
    """Cores this process may use: the llama.cpp backend's default pool of instances."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def _pilot_key(cfg: SimConfig) -> str:
    """The pilot depends on the prompts, not on the backend, store or budget."""
    return json.dumps({**cfg.to_dict(), "backend": "surrogate", "store": None,
                       "store_mode": "off", "budget_usd": None, "budget_calls": None},
                      sort_keys=True)


#: Pilot prompts per kind kept for a local tokenizer.
SAMPLE_PROMPTS = 20


@lru_cache(maxsize=512)
def _longest_replies(n_brackets: int) -> dict[str, int]:
    """Characters of the longest stand-in reply of the kinds whose length depends on the rate
    changes chosen: DELTA lists (planner, leader) and a candidacy with its platform."""
    delta = len(json.dumps({"DELTA": [-20] * n_brackets}))
    run = len(json.dumps({"RUN": "YES", "PLATFORM": [-20] * n_brackets}))
    return {"planner": delta, "leader": delta, "run": run}


def _pilot_measures(key: str) -> tuple[dict[str, tuple[float, float]],
                                       dict[str, tuple[int, int]], float, tuple[str, ...],
                                       float]:
    """Prompt characters per kind (totals), reply characters per kind, seconds per decision,
    a few rendered prompts (JSON) and the longest prompt's characters (high end) of the pilot
    of a configuration (cached: every backend's estimate shares it)."""
    cfg = SimConfig.from_dict(json.loads(key))
    pilot = Pilot(cfg, count_calls(cfg))
    kinds = pilot.chars()
    chars = {k: v.total for k, v in kinds.items()}
    longest = max((v.per_call[1] for v in kinds.values()), default=0.0)
    calls = pilot.calls
    samples = tuple(calls.groupby("kind").tail(SAMPLE_PROMPTS)["prompt"].dropna().tolist()) \
        if len(calls) else ()
    return (chars, pilot.reply_chars(), pilot.seconds / max(1, len(pilot.calls)), samples,
            longest)


def _hours(cfg: SimConfig, count: CallCount, kind: str, model: str, prices: PriceTable,
           cal: Calibration | None, pace: float) -> tuple[float, float]:
    if kind in ("surrogate", "replay"):  # in-process: the pilot's own pace, per decision
        per = pace
        lo, hi = count.decisions
        return (0.5 * per * lo / 3600, 2.0 * per * (hi + count.personas) / 3600)
    if kind in ("llamacpp", "replay") and cal is not None:
        lo_w, hi_w = _waves(cfg, count, min(cfg.concurrency, _cores()))
        return (lo_w * cal.latency_s[0] / 3600, hi_w * cal.latency_s[1] / 3600)
    entry = prices.lookup(model)
    latency = entry.latency_s if entry is not None else (0.5, 5.0)
    lo_w, hi_w = _waves(cfg, count, cfg.concurrency)
    return (lo_w * latency[0] / 3600, hi_w * latency[1] / 3600)


def estimate_many(configs: list[SimConfig]) -> dict[str, Any]:
    """Totals of several runs' estimates (a sweep, a notebook): sums of every range."""
    ests = [estimate(c) for c in configs]
    def tot(attr: str) -> tuple[float, float]:
        vals = [getattr(e, attr) for e in ests]
        return (sum(v[0] for v in vals), sum(v[1] for v in vals))
    priced = all(e.usd is not None for e in ests)
    return {"runs": len(ests), "decisions": (sum(e.calls.decisions[0] for e in ests),
                                             sum(e.calls.decisions[1] for e in ests)),
            "requests": (sum(e.requests[0] for e in ests), sum(e.requests[1] for e in ests)),
            "prompt_tokens": tot("prompt_tokens"), "completion_tokens": tot("completion_tokens"),
            "usd": tot("usd") if priced else None, "hours": tot("hours"), "estimates": ests}


def print_estimate(configs: list[SimConfig], as_json: bool = False) -> None:
    """Print one run's estimate, or the totals of several."""
    if len(configs) == 1:
        est = estimate(configs[0])
        print(json.dumps(est.to_dict(), indent=1, default=float) if as_json else est.text())
        return
    tot = estimate_many(configs)
    if as_json:
        print(json.dumps({k: v for k, v in tot.items() if k != "estimates"}, indent=1,
                         default=float))
        return
    usd = tot["usd"]
    print(f"estimate for {tot['runs']} runs: decisions {tot['decisions'][0]:,}–"
          f"{tot['decisions'][1]:,}; requests {tot['requests'][0]:,}–{tot['requests'][1]:,}; "
          f"prompt tokens {tot['prompt_tokens'][0]:,.0f}–{tot['prompt_tokens'][1]:,.0f}; "
          f"completion tokens {tot['completion_tokens'][0]:,.0f}–"
          f"{tot['completion_tokens'][1]:,.0f}; "
          + (f"USD {usd_text(usd[0])}–{usd_text(usd[1])}; " if usd is not None
             else "USD not priced; ")
          + f"time {tot['hours'][0]:,.2f}–{tot['hours'][1]:,.2f} h")


# -- budgets and the check afterwards ------------------------------------------------------------
class BudgetRefused(ValueError):
    """The estimate's low end exceeds ``budget_usd``: the run would certainly overspend."""


def check_budget(config: SimConfig, est: Estimate) -> str | None:
    """Refuse a run whose estimated low end exceeds ``budget_usd`` (raises
    :class:`BudgetRefused`); warn (and return the warning) when the high end does."""
    if config.budget_usd is None or est.usd is None:
        return None
    lo, hi = est.usd
    if lo > config.budget_usd:
        raise BudgetRefused(f"budget_usd {usd_text(config.budget_usd)} is below the estimated "
                            f"cost {usd_text(lo)}–{usd_text(hi)} of this run: raise --budget-usd "
                            "or shrink the run (econsim estimate shows where the calls go)")
    if hi > config.budget_usd:
        msg = (f"the estimated cost {usd_text(lo)}–{usd_text(hi)} may exceed budget_usd "
               f"{usd_text(config.budget_usd)}; the run stops at the tax year where it does")
        warnings.warn(msg, stacklevel=2)
        return msg
    return None


def actuals(folder: str | Path, ledger: dict[str, Any] | None = None) -> dict[str, Any]:
    """A finished run's counts: decisions per kind (``calls`` table) and the ledger."""
    import pandas as pd

    folder = Path(folder)
    if ledger is None:
        manifest = folder / "manifest.json"
        ledger = json.loads(manifest.read_text()).get("ledger", {}) if manifest.is_file() \
            else {}
    calls = folder / "calls.parquet"
    need = ["kind", "input_tokens", "output_tokens"]
    table = pd.read_parquet(calls) if calls.is_file() else pd.DataFrame(columns=need)
    if not set(need) <= set(table.columns):  # a run without calls writes an empty table
        table = pd.DataFrame(columns=need)
    return table_actuals(table[need], ledger)


def table_actuals(calls: Any, ledger: dict[str, Any]) -> dict[str, Any]:
    """Actuals from a ``calls`` table and a ledger summary. Tokens come from the ledger (every
    request sent, personas included) or, when it sent none (a replay answers from its store),
    from the ``calls`` table's recorded counts."""
    per_kind = {str(k): int(v) for k, v in calls["kind"].value_counts().items()}
    tokens = (int(ledger.get("input_tokens", 0)), int(ledger.get("output_tokens", 0)))
    if not ledger.get("calls") and len(calls):
        tokens = (int(calls["input_tokens"].sum()), int(calls["output_tokens"].sum()))
    return {"decisions": per_kind, "ledger": ledger, "prompt_tokens": tokens[0],
            "completion_tokens": tokens[1]}


def compare(est: Estimate, act: dict[str, Any]) -> dict[str, Any]:
    """Whether every actual lies inside its estimated range."""
    led = act["ledger"]
    sent = int(led.get("calls", 0)) + int(led.get("cache_hits", 0))
    kinds = set(act["decisions"]) | set(est.calls.high)
    checks = {f"decisions.{k}": (act["decisions"].get(k, 0), est.calls.low.get(k, 0),
                                 est.calls.high.get(k, 0)) for k in sorted(kinds)}
    checks["requests"] = (sent, *est.requests)
    if sent:  # with re-asks the actuals may reach the worst case
        reasked = int(led.get("reasks", 0)) > 0
        checks["prompt_tokens"] = (act["prompt_tokens"], est.prompt_tokens[0],
                                   est.worst_tokens[0] if reasked else est.prompt_tokens[1])
        checks["completion_tokens"] = (act["completion_tokens"], est.completion_tokens[0],
                                       est.worst_tokens[1] if reasked
                                       else est.completion_tokens[1])
        if est.usd is not None and led.get("cost_usd") is not None and led.get("calls"):
            checks["usd"] = (float(led["cost_usd"]), est.usd[0],
                             est.usd_worst if reasked else est.usd[1])
    rows = {k: {"actual": a, "low": lo, "high": hi, "inside": lo - 1e-9 <= a <= hi + 1e-9}
            for k, (a, lo, hi) in checks.items()}
    return {"inside": all(r["inside"] for r in rows.values()), "checks": rows}


def write_cost_report(folder: str | Path, config: SimConfig,
                      ledger: dict[str, Any] | None = None) -> Path:
    """Write ``cost.json`` beside a finished run's manifest: the estimate of its configuration,
    its actuals (``calls`` table and ledger) and whether each lies inside its range."""
    folder = Path(folder)
    est = estimate(config)
    act = actuals(folder, ledger)
    report = {"estimate": est.to_dict(), "actual": act, "comparison": compare(est, act)}
    path = folder / COST_FILE
    path.write_text(json.dumps(report, indent=1, default=float) + "\n")
    return path


def check_run(folder: str | Path) -> dict[str, Any]:
    """Estimate a finished run folder's configuration and compare it with its actuals."""
    folder = Path(folder)
    if not (folder / "config.yaml").is_file():
        raise ValueError(f"{folder} is not a run folder (no config.yaml)")
    cfg = SimConfig.from_yaml(folder / "config.yaml")
    return compare(estimate(cfg), actuals(folder))
