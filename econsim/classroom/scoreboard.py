"""The end-of-game scoreboard: the student's schedule against the baselines, same population,
same objective, and what each schedule "believes" (its inverse-optimum welfare weights).

Every contender is scored by the population's equilibrium response — every worker's exact best
response to the schedule (:func:`econsim.economy.outcomes.rational_step`), the response the
Stackelberg optimum maximises — so the ranking compares schedules, not learning noise:

* **you**: the rates of the student's last round;
* **US federal 2024**: the statutory 7-bracket schedule (on any game's population);
* **Saez (e = …)**: the Saez fixed point on rational incomes at the game's elasticity, with the
  social marginal welfare weights of the game's own welfare function
  (:func:`econsim.baselines.welfare_weights.social_weights`) and the local hazard
  (``mode="local"``), so its inverse optimum returns those weights;
* **Stackelberg optimum**: the rates that maximise the game's welfare function;
* **LLM planner**: the in-context-RL planner (offline surrogate or any backend string) after
  ``llm_years`` tax years against rational workers on the same population.
"""

from __future__ import annotations

import hashlib
import json
import threading
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from econsim.baselines.inverse_optimum import InverseOptimum
from econsim.baselines.landscape import SaezConvergenceWarning, saez_fixed_point
from econsim.baselines.stackelberg import stackelberg
from econsim.classroom.game import Game
from econsim.classroom.view import INVERSE_MODE, schedule_inverse
from econsim.economy.outcomes import rational_step
from econsim.economy.tax import US_FEDERAL_2024, TaxSchedule

#: Largest change (fraction) of a Saez rate between fixed-point rounds accepted as converged:
#: best responses on an hours menu make incomes jump, so the map can cycle by a few tenths of a
#: point; the sliders move in whole points.
SAEZ_TOL = 2e-3
#: Step of the scoreboard's Saez fixed point towards each new iterate: with the game's weights
#: and 7 brackets the undamped map jumps between schedules 19 points apart (measured on the
#: default population); half steps settle in 6-17 rounds for every welfare function.
SAEZ_DAMPING = 0.5
#: Tax years the LLM planner plays before its schedule is scored.
LLM_YEARS = 12
#: Baselines per (setup, backend, population): computed once, shared by every game in a process.
_CACHE: dict[tuple[str, str | None, str], Future] = {}
_LOCK = threading.Lock()
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="econsim-baselines")


@dataclass(frozen=True)
class Scoreboard:
    """Ranked contenders (table), their schedules and their inverse optima."""

    table: pd.DataFrame
    schedules: dict[str, TaxSchedule]
    inverse: dict[str, InverseOptimum]


def llm_planner_rates(game: Game, backend: str | None = None, years: int = LLM_YEARS
                      ) -> np.ndarray:
    """The LLM planner's rates after ``years`` tax years on the game's population (rational
    workers, the game's brackets, utility and welfare function)."""
    from econsim.simulation.config import SimConfig
    from econsim.simulation.factory import make_simulation

    s = game.setup
    cfg = SimConfig(scenario="rational", worker="rational", planner="llm",
                    n_agents=int(game.skill.size), n_steps=years, K=1, tax_preset=s.tax_preset,
                    utility=s.utility, objective=s.objective, seed=s.seed,
                    backend=backend or s.llm_backend, record_prompts=False)
    sim = make_simulation(cfg)
    sim.use_skills(game.skill)  # the game's population replaces the sampled one
    sim.run()
    return np.asarray(sim.state.rates, dtype=float)


def baseline_schedules(game: Game, llm_backend: str | None = None) -> dict[str, TaxSchedule]:
    """US federal, Saez, the Stackelberg optimum and the LLM planner for the game's setup.

    They depend on the population and the setup, not on the student's play, so they are
    computed once per setup and population (cached) — :func:`prefetch` starts that in the
    background when a game begins, and the scoreboard after the last round only scores.
    """
    return prefetch(game, llm_backend).result()


def prefetch(game: Game, llm_backend: str | None = None) -> Future:
    """Start computing the game's baselines in a background thread (returns at once); the
    future is shared by every later request for the same setup and population."""
    key = (json.dumps(game.setup.to_dict(), sort_keys=True), llm_backend,
           hashlib.sha256(np.ascontiguousarray(game.skill).tobytes()).hexdigest())
    with _LOCK:
        future = _CACHE.get(key)
        if future is None or (future.done() and future.exception() is not None):
            future = _POOL.submit(_compute_baselines, game, llm_backend)
            _CACHE[key] = future
    return future


def _compute_baselines(game: Game, llm_backend: str | None) -> dict[str, TaxSchedule]:
    s = game.setup
    cut = game.cutoffs
    out = {"US federal 2024": TaxSchedule.preset(US_FEDERAL_2024)}
    with warnings.catch_warnings():  # a cycle below a slider step is no news to a student
        warnings.simplefilter("ignore", SaezConvergenceWarning)
        saez = saez_fixed_point(game.skill, cut, game.params, float(s.elasticity),
                                tol=SAEZ_TOL, objective=s.objective, mode=INVERSE_MODE,
                                damping=SAEZ_DAMPING)
    out[f"Saez (e = {s.elasticity:g})"] = TaxSchedule(cut, saez.rates)
    out["Stackelberg optimum"] = stackelberg(game.skill, cut, game.params, objective=s.objective,
                                             seed=s.seed).schedule
    out["LLM planner"] = TaxSchedule(cut, llm_planner_rates(game, llm_backend))
    return out


def contenders(game: Game, llm_backend: str | None = None) -> dict[str, TaxSchedule]:
    """The schedules on the scoreboard, by label: the student's last round and the baselines."""
    if not game.rounds:
        raise ValueError("play at least one round before asking for the scoreboard")
    return {"you": TaxSchedule(game.cutoffs, game.rounds[-1].rates),
            **baseline_schedules(game, llm_backend)}


def scoreboard(game: Game, llm_backend: str | None = None) -> Scoreboard:
    """Score every contender on the game's population and welfare function, best first."""
    schedules = contenders(game, llm_backend)
    rows, inverse = [], {}
    for name, sched in schedules.items():
        out = rational_step(game.skill, sched, game.params)
        rows.append({"contender": name,
                     "welfare": float(game.objective(out.utility, out.pre_tax_income,
                                                     out.post_tax_income)),
                     "revenue_per_worker": float(out.tax.mean()),
                     "mean_hours": float(out.labour.mean()),
                     "share_idle": float((out.labour == 0).mean()),
                     "rates": [round(float(r), 4) for r in sched.rates]})
        inverse[name] = schedule_inverse(sched, out.pre_tax_income, game.setup.elasticity)
    table = pd.DataFrame(rows)
    table["rationalisable"] = [inverse[n].rationalisable for n in table.contender]
    table = table.sort_values("welfare", ascending=False, kind="stable").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return Scoreboard(table, schedules, inverse)
