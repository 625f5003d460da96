"""What each LLM notebook costs at a profile's sizes, for a few models: the table of docs/cost.md.

A notebook's parameters are its ``parameters`` cell's literals overridden by the profile in
``notebooks/profiles.yaml``. :data:`NOTEBOOK_RUNS` turns them into the runs the notebook makes —
the same ``SimConfig`` and variants its code cell builds — with the backend under study in
place of the notebook's ``backend``. Runs that differ only in the seed are estimated once and
counted ``n_seeds`` times (calls are exact; tokens, USD and hours are one seed's ranges scaled).

Write that table with ``econsim estimate --table --write docs/cost.md``.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from econsim.analysis.estimate import estimate
from econsim.registry import Registry
from econsim.simulation import SimConfig

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
#: Models of the README table: hosted (priced) and local.
TABLE_MODELS = ("openai/gpt-4o-mini", "openai/gpt-4.1", "anthropic/claude-haiku-4-5",
                "llamacpp/smollm2")
TABLE_START = "<!-- estimate-table:start -->"
TABLE_END = "<!-- estimate-table:end -->"


def notebook_parameters(name: str, profile: str = "full") -> dict[str, Any]:
    """The notebook's ``parameters`` cell (literal values) with the profile's overrides."""
    path = NOTEBOOKS / f"{name}.ipynb"
    if not path.is_file():
        raise ValueError(f"no notebook {name!r} in {NOTEBOOKS}; valid: "
                         f"{', '.join(NOTEBOOK_RUNS.names())}")
    cells = json.loads(path.read_text())["cells"]
    cell = next(c for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
    values: dict[str, Any] = {}
    for node in ast.parse("".join(cell["source"])).body:
        if isinstance(node, ast.AnnAssign | ast.Assign) and node.value is not None:
            target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
            values[target.id] = ast.literal_eval(node.value)
    profiles = yaml.safe_load((NOTEBOOKS / "profiles.yaml").read_text())
    overrides = profiles.get(name, {})
    if profile not in overrides and profile != "full":
        raise ValueError(f"notebook {name} has no profile {profile!r}; valid: full, "
                         f"{', '.join(overrides)}")
    return {**values, **overrides.get(profile, {})}


Runs = list[tuple[SimConfig, int]]


def _common(p: dict[str, Any], backend: str, **extra: Any) -> dict[str, Any]:
    keys = ("prompt_style", "n_agents", "n_steps", "K", "H", "seed", "tax_preset", "utility",
            "objective", "personas", "election_every", "temperature", "max_tokens")
    return {**{k: p[k] for k in keys if k in p}, "backend": backend, **extra}


def _planners(scenario: str) -> Callable[[dict[str, Any], str], Runs]:
    def runs(p: dict[str, Any], backend: str) -> Runs:
        base = _common(p, backend, scenario=scenario, worker="llm")
        return [(SimConfig.from_dict({**base, "planner": q}), p["n_seeds"])
                for q in p["planners"]]
    return runs


def _democratic(p: dict[str, Any], backend: str) -> Runs:
    base = _common(p, backend, scenario="democratic", worker="llm", planner="llm")
    return [(SimConfig.from_dict({**base, **v}), p["n_seeds"]) for v in p["variants"].values()]


def _backends(p: dict[str, Any], backend: str) -> Runs:
    base = _common(p, backend, scenario="rational", worker="llm", planner="llm")
    return [(SimConfig.from_dict({**base, "prompt_style": s}), p["n_seeds"])
            for s in p["prompt_styles"]]


def _tax_years(p: dict[str, Any], backend: str) -> Runs:
    base = _common(p, backend, scenario="rational", worker="llm", planner="llm")
    base.pop("n_steps", None)
    return [(SimConfig.from_dict({**base, "K": k,
                                  "n_steps": p["n_steps"] or k * p["n_tax_years"]}),
             p["n_seeds"]) for k in p["K_values"]]


def _objectives(p: dict[str, Any], backend: str) -> Runs:
    base = _common(p, backend, scenario="rational", worker="rational")
    return [(SimConfig.from_dict({**base, "utility": u, "planner": "llm", "objective": o}),
             p["n_seeds"]) for u in p["utilities"] for o in p["objectives"]
            if "llm" in p["planners"]]


def _real_model(p: dict[str, Any], backend: str) -> Runs:
    base = _common(p, backend, scenario="rational", worker="llm", planner="llm")
    return [(SimConfig.from_dict(base), p["n_seeds"])]


#: Notebook → the runs that call a language model (runs without calls cost nothing).
NOTEBOOK_RUNS: Registry[Callable[[dict[str, Any], str], Runs]] = Registry("notebook")
NOTEBOOK_RUNS.register("02_rational_icrl", _planners("rational"))
NOTEBOOK_RUNS.register("03_bounded_personas", _planners("bounded"))
NOTEBOOK_RUNS.register("04_democratic", _democratic)
NOTEBOOK_RUNS.register("05_backend_comparison", _backends)
NOTEBOOK_RUNS.register("07_tax_year_ablation", _tax_years)
NOTEBOOK_RUNS.register("08_welfare_elasticity", _objectives)
NOTEBOOK_RUNS.register("10_real_model", _real_model)


def profile_of(name: str, profile: str) -> str:
    """``profile`` if the notebook has it, else ``full`` (its own defaults)."""
    profiles = yaml.safe_load((NOTEBOOKS / "profiles.yaml").read_text()).get(name, {})
    return profile if profile in profiles else "full"


def notebook_cost(name: str, backend: str, profile: str = "full") -> dict[str, Any]:
    """Totals of one notebook's runs with ``backend`` at ``profile`` (``full`` where the
    notebook has no such profile): runs, requests, tokens, USD, hours."""
    profile = profile_of(name, profile)
    runs = NOTEBOOK_RUNS.get(name)(notebook_parameters(name, profile), backend)
    tot: dict[str, Any] = {"notebook": name, "backend": backend, "profile": profile, "runs": 0,
                           "decisions": [0, 0], "requests": [0, 0], "prompt_tokens": [0, 0],
                           "completion_tokens": [0, 0], "usd": [0.0, 0.0], "hours": [0.0, 0.0]}
    priced = True
    for cfg, times in runs:
        est = estimate(cfg)
        tot["runs"] += times
        for key, pair in (("decisions", est.calls.decisions), ("requests", est.requests),
                          ("prompt_tokens", est.prompt_tokens),
                          ("completion_tokens", est.completion_tokens), ("hours", est.hours)):
            tot[key] = [tot[key][0] + times * pair[0], tot[key][1] + times * pair[1]]
        if any("exceed" in n for n in est.notes):
            tot["exceeds_context"] = True
        if est.usd is None:
            priced = False
        else:
            tot["usd"] = [tot["usd"][0] + times * est.usd[0], tot["usd"][1] + times * est.usd[1]]
    if not priced:
        tot["usd"] = None
    return tot


def _short(x: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= size:
            return f"{x / size:.3g} {unit}"
    return f"{x:.3g}"


def _pair(lo: float, hi: float, fmt: Callable[[float], str] = _short) -> str:
    a, b = fmt(lo), fmt(hi)
    return a if a == b else f"{a}–{b}"


def markdown_table(models: tuple[str, ...] = TABLE_MODELS, profile: str = "full") -> str:
    """The README table: one row per LLM notebook at ``profile``'s sizes; calls and tokens (of
    the first model), then USD and hours per model."""
    def usd(x: float) -> str:
        return f"${x:,.0f}" if x >= 10 else f"${x:,.2f}"

    def hours(x: float) -> str:
        return f"{x:,.0f}" if x >= 10 else f"{x:,.1f}"

    head = ["notebook", "runs", "calls", "prompt tokens", "completion tokens"]
    head += [f"`{m}`: USD · hours" for m in models]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in NOTEBOOK_RUNS.names():
        costs = [notebook_cost(name, m, profile) for m in models]
        first = costs[0]
        shown = name if first["profile"] == profile else f"{name} (`{first['profile']}`)"
        row = [shown, str(first["runs"]), _pair(*first["decisions"]),
               _pair(*first["prompt_tokens"]), _pair(*first["completion_tokens"])]
        for t in costs:
            money = "not priced" if t["usd"] is None else _pair(*t["usd"], usd)
            over = " (prompts > 4k context)" if t.get("exceeds_context") else ""
            row.append(f"{money} · {_pair(*t['hours'], hours)} h{over}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def write_table(path: str | Path, table: str) -> None:
    """Replace the text between the table markers of ``path`` (e.g. README.md) by ``table``."""
    path = Path(path)
    text = path.read_text()
    if TABLE_START not in text or TABLE_END not in text:
        raise ValueError(f"{path} has no {TABLE_START} … {TABLE_END} markers for the table")
    pattern = re.compile(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), re.S)
    path.write_text(pattern.sub(lambda _: f"{TABLE_START}\n{table}\n{TABLE_END}", text))
