"""Regenerate notebooks/06_scalability.ipynb (outputs stripped). Run from the repo root."""

import nbformat as nbf

md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell

cells = [
    md("""# 06 · Scalability: from 5 workers to a million

**Why.** The paper's title promises *large population models*, yet one language-model call per
worker per step makes large populations unaffordable: 100 workers for 2,500 steps is already
250,000 calls. This notebook measures what a run costs as the number of workers N grows, and two
ways of going further:

1. **Per-agent calls** (the paper): every worker reads its own history in a prompt and answers.
   We run N ∈ {5, 10, 25, 50, 100} and measure wall time, LLM calls and tokens per step.
2. **The vectorised economy**: the offline surrogate's learning rule written as array operations
   over the whole population (no prompt text at all), up to N = 10⁶. It is the *same rule* as the
   surrogate that reads prompts, with different random draws (docs/scale.md).
3. **Archetype batching**: the population is split into K archetypes; one call per archetype per
   step (its representative's prompt), and every member works the answer with a little seeded
   jitter. Cost: K calls per step however large N is (plus the planner's one call per tax year).
4. **Fidelity**: how close archetype batching comes to per-agent calls, on a population small
   enough for both — compared with the difference between two per-agent runs that only differ in
   the LLM's random seed (the noise floor).

**How to read the numbers.** *Wall time per step* is measured on this machine (2 shared cores,
so expect noise). *Calls* and *tokens* are what an LLM provider would bill; with the offline
surrogate the tokens are characters / 4. *Mean utility* is the utilitarian welfare (USD per worker
and year) averaged over the second half of each run.
"""),
    code("""# Parameters (papermill overrides these; see notebooks/profiles.yaml)
backend: str = "surrogate"  # LLM backend string (the offline surrogate needs no key)
scenario: str = "bounded"  # rational or bounded (the vectorised engine has no elections)
planner: str = "llm"  # planner kind for every run
seed: int = 42  # seeds the populations and the surrogate
tax_year: int = 25  # steps per tax year (the config key K)
small_ns: list = [5, 10, 25, 50, 100]  # N for per-agent LLM calls
small_steps: int = 100  # steps of the per-agent runs
large_ns: list = [100, 1_000, 10_000, 100_000, 1_000_000]  # N for the vectorised economy
large_steps: int = 100  # steps of the vectorised runs
archetype_ns: list = [1_000, 10_000, 100_000]  # N for archetype batching
n_archetypes: int = 100  # K archetypes (one call each per step)
fidelity_n: int = 200  # population for per-agent vs archetype comparison
fidelity_ks: list = [5, 10, 20, 50]  # K values compared with per-agent calls
fidelity_steps: int = 100  # steps of the fidelity runs
results_dir: str = "results/06_scalability"  # tidy tables + manifest.json
figures_dir: str = "figures"  # PNG + PDF figures""", metadata={"tags": ["parameters"]}),
    code("""import time

import pandas as pd
from IPython.display import display

from econsim.figures.scalability import plot_cost_and_swf, plot_fidelity, plot_wall_time
from econsim.paths import output_dir
from econsim.plotting import save_figure
from econsim.provenance import write_manifest
from econsim.scale.costs import TIMING_COLUMNS, measure_runs
from econsim.scale.fidelity import archetype_fidelity
from econsim.simulation import SimConfig

started = time.time()
results = output_dir(results_dir)
outputs = []
base = SimConfig(scenario=scenario, planner=planner, backend=backend, seed=seed, K=tax_year,
                 n_steps=small_steps, record_prompts=False)
print(base.scenario, "scenario;", base.planner, "planner;", backend, "backend")"""),
    md("""## 1. Per-agent calls: cost grows linearly with N

Each step every worker is asked for its hours (and, in the bounded scenario, whether it is
satisfied), so calls per step are N (or 2N) plus the planner's call at the start of each tax year.
"""),
    code("""small = [("per-agent calls", base.replace(n_agents=n, worker="llm")) for n in small_ns]
costs_small = measure_runs(small)
display(costs_small[["n_agents", "wall_s", "s_per_step", "calls_per_step", "tokens_per_step",
                     "utilitarian"]].round(3))"""),
    md("""## 2. Large N: the vectorised economy and archetype batching

The vectorised surrogate keeps, per worker, the last H observations and running means per labour
level — a few hundred bytes — and decides for all workers in a handful of array operations. It
makes no worker calls at all; the planner still makes one call per tax year. Above 10,000 workers
only a random 1,000 workers' per-step rows are stored, plus per-step distribution summaries.

Archetype batching asks K representatives instead of N workers, so its calls per step stay at K
(2K in the bounded scenario) whatever N is.
"""),
    code("""large = [("vectorised surrogate", base.replace(n_agents=n, worker="surrogate_vec",
                                              n_steps=large_steps)) for n in large_ns]
large += [(f"archetype calls (K={n_archetypes})",
           base.replace(n_agents=n, worker="llm", batching="archetypes",
                        n_archetypes=min(n_archetypes, n))) for n in archetype_ns]
costs = pd.concat([costs_small, measure_runs(large)], ignore_index=True)
costs.drop(columns=list(TIMING_COLUMNS)).to_csv(results / "costs.csv", index=False,
                                                float_format="%.6g")
costs[["label", "mode", "n_agents", "n_steps", *TIMING_COLUMNS]].to_csv(
    results / "timings.csv", index=False, float_format="%.6g")  # machine measurements
outputs += ["costs.csv", "timings.csv"]
display(costs[["label", "n_agents", "n_steps", "s_per_step", "agent_steps_per_s",
               "calls_per_step", "tokens_per_step", "utilitarian", "peak_rss_gib"]].round(3))
fig = plot_cost_and_swf(costs, backend=backend, note=f"{scenario} scenario, {planner} planner")
outputs += save_figure(fig, "06_cost_and_swf", figures_dir)
fig = plot_wall_time(costs, backend=backend, note=f"{scenario} scenario, {planner} planner")
outputs += save_figure(fig, "06_wall_time", figures_dir)"""),
    md("""## 3. Fidelity of archetype batching

The same population and seed, run with one call per worker (the reference), with one call per
archetype for several K, and once more with per-agent calls but another LLM seed. The errors of
archetype batching should be read against that last row: two honest per-agent runs also differ.
*Labour W1* is the Wasserstein-1 distance between the last tax year's labour distributions (in
hours: how far, on average, hours must move to turn one distribution into the other).
"""),
    code("""fid = archetype_fidelity(base.replace(n_agents=fidelity_n, worker="llm",
                                      n_steps=fidelity_steps), fidelity_ks, progress=True)
fid.table.to_csv(results / "fidelity.csv", index=False, float_format="%.6g")
fid.trajectories.to_csv(results / "fidelity_trajectories.csv", index=False, float_format="%.6g")
outputs += ["fidelity.csv", "fidelity_trajectories.csv"]
display(fid.table[["mode", "calls_per_step", "utilitarian", "utilitarian_rel_error",
                   "mean_labour", "labour_w1", "rates_mae_pp"]].round(4))
fig = plot_fidelity(fid.table, fid.trajectories, backend=backend,
                    note=f"N = {fidelity_n}, {scenario} scenario")
outputs += save_figure(fig, "06_archetype_fidelity", figures_dir)"""),
    md("## What this run shows"),
    code("""per_agent = costs[costs["mode"] == "per-agent calls"].sort_values("n_agents")
vec = costs[costs["mode"] == "vectorised surrogate"].sort_values("n_agents")
arch = costs[costs["mode"] == "archetype calls"].sort_values("n_agents")
print(f"per-agent calls: {per_agent.calls_per_step.iloc[-1]:.0f} calls and "
      f"{per_agent.tokens_per_step.iloc[-1]:,.0f} tokens per step at N = "
      f"{per_agent.n_agents.iloc[-1]}, {per_agent.s_per_step.iloc[-1]:.3f} s per step")
print(f"vectorised: N = {vec.n_agents.iloc[-1]:,} at {vec.s_per_step.iloc[-1]:.2f} s per step "
      f"({vec.agent_steps_per_s.iloc[-1]:,.0f} worker-steps/s), "
      f"{vec.calls_per_step.iloc[-1]:.2f} calls per step (planner only)")
if len(arch):
    print(f"archetypes: N = {arch.n_agents.iloc[-1]:,} with {arch.calls_per_step.iloc[-1]:.1f} "
          f"calls per step, {arch.s_per_step.iloc[-1]:.3f} s per step")
t = fid.table.set_index("mode")
noise = t.loc["per-agent (other LLM seed)"]
for m in [m for m in t.index if m.startswith("K=")]:
    print(f"{m}: mean-utility error {t.loc[m, 'utilitarian_rel_error']:.2%} "
          f"(noise floor {noise.utilitarian_rel_error:.2%}), labour W1 "
          f"{t.loc[m, 'labour_w1']:.2f} h (noise floor {noise.labour_w1:.2f} h)")
write_manifest(results, experiment="06_scalability",
               config={"backend": backend, "scenario": scenario, "planner": planner,
                       "seed": seed, "tax_year": tax_year, "small_ns": small_ns,
                       "small_steps": small_steps, "large_ns": large_ns,
                       "large_steps": large_steps, "archetype_ns": archetype_ns,
                       "n_archetypes": n_archetypes, "fidelity_n": fidelity_n,
                       "fidelity_ks": fidelity_ks, "fidelity_steps": fidelity_steps},
               outputs=[str(o) for o in outputs], started=started)"""),
    md("""**Caveats.** Everything here used the offline surrogate, a stand-in for a language model: it
is much faster and more consistent than an LLM, so wall times for a hosted model are dominated by
latency and rate limits (see `python -m bench scale` for archetype batching against a server with
100 ms latency). Archetype batching assumes members of an archetype behave like its
representative; with a real LLM the within-archetype dispersion of answers will differ from the
jitter used here, and members with other utility types than their representative follow it.
"""),
]

nb = nbf.v4.new_notebook()
nb["cells"] = cells
nb["metadata"] = {"kernelspec": {"display_name": "Python 3", "language": "python",
                                 "name": "python3"},
                  "language_info": {"name": "python"}}
nbf.write(nb, "notebooks/06_scalability.ipynb")
