"""Summary tables written by the notebooks: committed tables hold only what the seed determines."""

from econsim import analysis
from econsim.llm.backends import reaches_model
from econsim.simulation import SimConfig


def test_reaches_model():
    assert not reaches_model("surrogate")
    assert not reaches_model("replay:results/calls.sqlite")
    assert reaches_model("openai/gpt-4o-mini")
    assert reaches_model("anthropic/claude-3-5-haiku")
    assert reaches_model("openai-compatible/econsim-surrogate@http://127.0.0.1:8765/v1")


def test_runs_and_reliability_tables_leave_out_machine_timings():
    base = SimConfig(scenario="rational", worker="llm", planner="llm", n_agents=3, n_steps=4, K=2)
    runs = analysis.run_variants(base, {"a": {"seed": 1}, "b": {"seed": 2}})
    table = runs.runs_table()
    assert "wall_time_s" not in table.columns and list(table.variant) == ["a", "b"]
    assert (table.calls > 0).all()
    timed = runs.runs_table(timings=True)
    assert (timed.wall_time_s > 0).all()
    assert timed.drop(columns="wall_time_s").equals(table)
    again = analysis.run_variants(base, {"a": {"seed": 1}, "b": {"seed": 2}})
    assert again.runs_table().equals(table)  # same seeds, same committed table
    rel = analysis.reliability_table(runs)
    assert "latency_ms_per_call" not in rel.columns  # the surrogate reaches no model
    assert rel.equals(analysis.reliability_table(again))


def test_run_variants_keeps_the_tables_asked_for():
    """Paper-size sweeps would not fit in memory with every call row: ``keep_calls=False``
    drops the calls table (ledgers stay), ``keep_agents`` may name the seeds to keep."""
    base = SimConfig(scenario="bounded", n_agents=3, n_steps=4, K=2)  # record_prompts: default
    variants = {"a": {"seed": 1}, "b": {"seed": 2}}
    full = analysis.run_variants(base, variants)
    lean = analysis.run_variants(base, variants, keep_agents=[2], keep_calls=False)
    assert len(full.calls) > 0 and lean.calls.empty
    assert set(full.agents.variant) == {"a", "b"} and set(lean.agents.variant) == {"b"}
    assert lean.agents.reset_index(drop=True).equals(
        full.agents[full.agents.variant == "b"].reset_index(drop=True))
    assert lean.steps.equals(full.steps)
    assert lean.runs_table().equals(full.runs_table())  # calls and fallbacks from the ledgers
    # the same through a sweep of seeds (run folders in a temporary folder)
    swept = analysis.run_variants(base, {"a": {}}, seeds=[1, 2], scheduler="serial",
                                  keep_agents=[2], keep_calls=False)
    assert swept.calls.empty and set(swept.agents.seed) == {2}
    assert swept.steps.drop(columns=["variant", "arm"]).equals(
        full.steps.drop(columns=["variant"]))


def test_exact_baselines_are_the_same_searched_in_parallel():
    base = SimConfig(scenario="rational", worker="rational", planner="saez", n_agents=4,
                     n_steps=2, K=2)
    runs = analysis.run_variants(base, {"a": {"seed": 1}, "b": {"seed": 2}})
    one = analysis.exact_baselines(runs, 0.4, n_workers=1)
    two = analysis.exact_baselines(runs, 0.4, n_workers=2)
    for a, b in zip(one, two, strict=True):
        assert a.equals(b)
    assert set(one[1].seed) == {1, 2}
