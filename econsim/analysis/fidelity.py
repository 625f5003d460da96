"""Fidelity of cluster batching: K cluster calls per step against one call per agent.

:func:`cluster_fidelity` runs a configuration with per-agent LLM calls (the reference), the same
configuration again with a different LLM seed (the run-to-run noise floor: what "as different as
two honest runs" looks like), and with cluster batching for each K, all on the same population,
and compares welfare and labour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import wasserstein_distance
from tqdm.auto import tqdm

from econsim.llm import make_client
from econsim.simulation import SimConfig, make_simulation
from econsim.simulation.result import SimResult

#: Seed offset of the noise-floor run's LLM client.
NOISE_SEED_OFFSET = 1000


@dataclass(frozen=True)
class FidelityReport:
    """``table``: one row per mode (metrics below); ``trajectories``: step-level series per mode.

    Columns of ``table``: ``mode`` (``per-agent``, ``per-agent (other LLM seed)``, ``K=<k>``),
    ``k``, ``calls_per_step``, ``objective`` and ``utilitarian`` (means over the second half of the
    run), their relative errors against the per-agent run, ``mean_labour`` (last tax year),
    ``labour_w1`` (Wasserstein-1 distance, hours, between the last tax year's labour
    distributions), ``rates_mae_pp`` (mean absolute difference of the rates over the run, pp).
    """

    table: pd.DataFrame
    trajectories: pd.DataFrame


def _summary(res: SimResult, cfg: SimConfig) -> dict[str, float]:
    half = res.steps.iloc[len(res.steps) // 2:]
    last_year = res.agents[res.agents.step >= cfg.n_steps - cfg.K]
    return {"calls_per_step": res.ledger.get("calls", 0) / cfg.n_steps,
            "objective": float(half["objective"].mean()),
            "utilitarian": float(half["utilitarian"].mean()),
            "mean_labour": float(last_year.labour.mean())}


def cluster_fidelity(config: SimConfig, ks: Sequence[int], *, progress: bool = False
                       ) -> FidelityReport:
    """Compare cluster batching (each K in ``ks``) with per-agent calls.

    Parameters
    ----------
    config
        Any configuration with ``worker="llm"`` (``batching`` is set by this function).
    ks
        Numbers of clusters, each in [1, n_agents].
    progress
        Show a progress bar over the runs.
    """
    if not config.worker_spec.asks_model:
        raise ValueError(f"cluster fidelity needs worker 'llm'; got {config.worker!r}")
    for k in ks:
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= config.n_agents:
            raise ValueError(f"each K must be an integer in [1, n_agents={config.n_agents}]; "
                             f"got {k!r}")
    base = config.replace(batching="agents")
    modes: list[tuple[str, int, SimConfig, int]] = [
        ("per-agent", base.n_agents, base, base.seed),
        ("per-agent (other LLM seed)", base.n_agents, base, base.seed + NOISE_SEED_OFFSET),
        *((f"K={k}", k, base.replace(batching="clusters", n_clusters=k), base.seed)
          for k in ks)]
    results: dict[str, SimResult] = {}
    for name, _, cfg, llm_seed in tqdm(modes, disable=not progress, desc="fidelity",
                                       unit="run"):
        client = make_client(cfg.backend, seed=llm_seed, concurrency=cfg.concurrency,
                             temperature=cfg.temperature, max_tokens=cfg.max_tokens,
                             max_reasks=cfg.max_reasks, timeout=cfg.request_timeout,
                             max_retries=cfg.max_retries)
        results[name] = make_simulation(cfg, client=client).run()
    ref = results["per-agent"]
    ref_sum = _summary(ref, base)
    ref_last = ref.agents[ref.agents.step >= base.n_steps - base.K].labour.to_numpy()
    ref_rates = ref.steps.filter(like="rate_").to_numpy()
    rows, traj = [], []
    for name, k, cfg, _ in modes:
        res = results[name]
        s = _summary(res, cfg)
        last = res.agents[res.agents.step >= cfg.n_steps - cfg.K].labour.to_numpy()
        rows.append({"mode": name, "k": k, **s,
                     "objective_rel_error": abs(s["objective"] - ref_sum["objective"])
                     / abs(ref_sum["objective"]),
                     "utilitarian_rel_error": abs(s["utilitarian"] - ref_sum["utilitarian"])
                     / abs(ref_sum["utilitarian"]),
                     "labour_w1": float(wasserstein_distance(last, ref_last)),
                     "rates_mae_pp": float(100 * np.mean(np.abs(
                         res.steps.filter(like="rate_").to_numpy() - ref_rates)))})
        traj.append(res.steps[["step", "objective", "utilitarian", "mean_labour"]]
                    .assign(mode=name, k=k))
    return FidelityReport(pd.DataFrame(rows), pd.concat(traj, ignore_index=True))
