"""The cost estimate (econsim.analysis.estimate): calls counted from the configuration equal the
calls a stand-in run makes, on every scenario and engine; tokens, USD and hours are ranges that
hold the actuals of recorded runs; budgets refuse and warn; the CLI answers."""

import warnings

import pytest

from econsim.analysis.call_count import count_calls
from econsim.renamed import RenamedWarning
from econsim.simulation import SimConfig, make_simulation

#: Small stand-in runs covering every scenario, engine and call kind.
STAND_IN = {
    "rational": dict(scenario="rational", n_agents=3, n_steps=11, K=3),
    "warmup": dict(scenario="rational", n_agents=3, n_steps=11, K=3, warmup=5),
    "bounded_llm_personas": dict(scenario="bounded", n_agents=3, n_steps=10, K=3,
                                 personas="llm"),
    "bounded_rational_workers": dict(scenario="bounded", n_agents=3, n_steps=10, K=3,
                                     worker="rational", personas="llm"),
    "democratic": dict(scenario="democratic", n_agents=3, n_steps=13, K=3, election_every=2),
    "democratic_platforms": dict(scenario="democratic", n_agents=3, n_steps=13, K=3,
                                 platforms=True, binding_platforms=True),
    "democratic_rational": dict(scenario="democratic", n_agents=3, n_steps=13, K=3,
                                worker="rational"),
    "clusters": dict(scenario="bounded", n_agents=30, n_steps=7, K=3, batching="clusters",
                       n_clusters=4, personas="llm"),
    "vector_agents": dict(scenario="rational", n_agents=4, n_steps=7, K=3, record_agents=2),
    "surrogate_vec": dict(scenario="bounded", n_agents=40, n_steps=7, K=3,
                          worker="surrogate_vec"),
    "lean": dict(scenario="bounded", n_agents=2000, n_steps=7, K=3, engine="lean",
                 batching="clusters", n_clusters=5),
}


@pytest.mark.parametrize("name", sorted(STAND_IN))
def test_counted_calls_equal_a_stand_in_runs_calls(name):
    cfg = SimConfig(**STAND_IN[name])
    result = make_simulation(cfg).run()
    calls = result.tables["calls"]
    actual = calls.groupby("kind").size().to_dict() if len(calls) else {}
    est = count_calls(cfg)
    for kind in set(actual) | set(est.high):
        assert est.low.get(kind, 0) <= actual.get(kind, 0) <= est.high.get(kind, 0), kind
    if not cfg.platforms:
        assert actual == est.high == est.low
    sent = result.ledger.get("calls", 0) + result.ledger.get("cache_hits", 0)
    assert sent == sum(actual.values()) + est.personas + result.ledger.get("reasks", 0)
    assert est.requests[0] <= sent <= est.requests[1]


def test_counts_follow_the_formulas():
    cfg = SimConfig(scenario="bounded", n_agents=100, n_steps=2500, K=25, worker="llm",
                    planner="llm", personas="llm")
    est = count_calls(cfg)
    assert est.high == {"labour": 250_000, "satisfaction": 250_000, "planner": 99}
    assert est.personas == 100 and est.requests == (500_199, 3 * 500_199)
    arch = count_calls(cfg.replace(batching="clusters", n_clusters=10, personas="offline"))
    assert arch.engine == "vectorized" and arch.high["labour"] == 25_000
    dem = count_calls(SimConfig(scenario="democratic", n_agents=25, n_steps=1000, K=25,
                                election_every=4, platforms=True))
    # 39 update steps (25..975), elections at j = 1, 5, ..., 37: 10 of them
    assert dem.high["leader"] == 39 and dem.high["run"] == 250 and dem.low["vote"] == 0
    assert count_calls(cfg.replace(worker="fixed", planner="saez", personas="offline")).high == {}


# -- tokens, USD, budgets, the check afterwards ---------------------------------------------------
import json  # noqa: E402
from pathlib import Path  # noqa: E402

from econsim.analysis.estimate import (  # noqa: E402
    CALIBRATION_PACK,
    BudgetRefused,
    check_budget,
    check_run,
    compare,
    estimate,
    table_actuals,
    write_cost_report,
)
from econsim.analysis.prices import load_prices  # noqa: E402
from econsim.cli.main import main  # noqa: E402

LARGER = {  # bigger than the pilot: windows, personas and elections extrapolated
    "rational": dict(scenario="rational", n_agents=12, n_steps=80, K=5, H=20),
    "bounded": dict(scenario="bounded", n_agents=15, n_steps=60, K=6, H=10, personas="llm"),
    "democratic": dict(scenario="democratic", n_agents=9, n_steps=60, K=5, H=8,
                       platforms=True, prompt_style="compact"),
    "clusters": dict(scenario="bounded", n_agents=300, n_steps=40, K=5, H=10,
                       batching="clusters", n_clusters=12),
}


@pytest.mark.parametrize("name", sorted(LARGER))
def test_stand_in_tokens_lie_inside_the_estimate(name):
    cfg = SimConfig(**LARGER[name])
    result = make_simulation(cfg).run()
    report = compare(estimate(cfg), table_actuals(result.tables["calls"], result.ledger))
    assert report["inside"], {k: r for k, r in report["checks"].items() if not r["inside"]}


def test_notebook_10_pack_replay_lies_inside_the_estimate():
    manifest = json.loads((CALIBRATION_PACK / "pack.json").read_text())
    values = {**manifest["configs"][0], "backend": f"replay:{CALIBRATION_PACK}", "store": None,
              "store_mode": "off"}
    with warnings.catch_warnings():  # a pack recorded before the renames uses old names
        warnings.simplefilter("ignore", RenamedWarning)
        cfg = SimConfig.from_dict(values)
    result = make_simulation(cfg).run()
    actual = table_actuals(result.tables["calls"], result.ledger)
    assert actual["prompt_tokens"] > 0  # tokens recorded with SmolLM2's own tokenizer
    report = compare(estimate(cfg), actual)
    assert report["inside"], report["checks"]


def test_usd_from_the_price_table_and_unpriced_models():
    prices = load_prices()
    assert prices.date and prices.lookup("gpt-4o-mini-2024-07-18").input == 0.15
    cfg = SimConfig(n_agents=3, n_steps=20, K=5, backend="openai/gpt-4o-mini")
    est = estimate(cfg)
    price = prices.lookup("gpt-4o-mini")
    assert est.usd == pytest.approx((price.cost(*[est.prompt_tokens[0],
                                                   est.completion_tokens[0]]),
                                     price.cost(est.prompt_tokens[1], est.completion_tokens[1])))
    assert 0 < est.usd[0] < est.usd[1] < est.usd_worst and est.hours[0] < est.hours[1]
    local = estimate(cfg.replace(backend="openai-compatible/qwen@http://127.0.0.1:8000/v1"))
    assert local.usd is None and "not priced" in local.text()
    reasoning = estimate(cfg.replace(backend="openai/o4-mini"))
    assert reasoning.reasoning and reasoning.completion_tokens[1] == 63 * cfg.max_tokens


def test_budget_refuses_below_the_low_end_and_warns_below_the_high_end():
    cfg = SimConfig(n_agents=3, n_steps=20, K=5, backend="openai/gpt-4o-mini")
    est = estimate(cfg)
    with pytest.raises(BudgetRefused, match="budget_usd"):
        check_budget(cfg.replace(budget_usd=est.usd[0] / 2), est)
    with pytest.warns(UserWarning, match="may exceed"):
        check_budget(cfg.replace(budget_usd=(est.usd[0] + est.usd[1]) / 2), est)
    assert check_budget(cfg.replace(budget_usd=est.usd[1] * 2), est) is None
    with pytest.raises(SystemExit) as refused:  # the run refuses before it starts
        main(["run", "--n-agents", "3", "--n-steps", "20", "--K", "5", "--backend",
              "openai/gpt-4o-mini", "--budget-usd", "0.000001", "--out", "/nonexistent/x"])
    assert refused.value.code == 2


def test_cli_estimate_dry_run_and_check(tmp_path, capsys):
    flags = ["--n-agents", "2", "--n-steps", "10", "--K", "5"]
    assert main(["estimate", *flags, "--backend", "anthropic/claude-haiku-4-5"]) == 0
    assert "USD" in capsys.readouterr().out
    assert main(["run", *flags, "--dry-run", "--out", str(tmp_path / "no")]) == 0
    assert not (tmp_path / "no").exists()
    assert main(["estimate", *flags, "--seeds", "0-1", "--grid", "scenario=rational,bounded"]) == 0
    assert "estimate for 4 runs" in capsys.readouterr().out
    assert main(["sweep", "--set", "n_agents=2", "--set", "n_steps=10", "--set", "K=5",
                 "--seeds", "0-2", "--dry-run"]) == 0
    assert "estimate for 3 runs" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["estimate", "--n-agents", "x"])
    out = tmp_path / "run"
    assert main(["run", *flags, "--out", str(out), "--no-progress"]) == 0
    assert json.loads((out / "cost.json").read_text())["comparison"]["inside"]
    assert check_run(out)["inside"]
    assert main(["estimate", "--check", str(out)]) == 0
    cfg = SimConfig.from_yaml(out / "config.yaml")
    report = json.loads(Path(write_cost_report(out, cfg)).read_text())
    assert report["comparison"]["inside"] and report["actual"]["decisions"]["labour"] == 20


def test_notebook_10_recording_time_and_calls_lie_inside_its_table_row(monkeypatch):
    from econsim.analysis import estimate as estimate_module
    from econsim.analysis.notebook_costs import notebook_cost, notebook_parameters

    manifest = json.loads((CALIBRATION_PACK / "pack.json").read_text())
    monkeypatch.setattr(estimate_module, "_cores", lambda: manifest["pool"])
    row = notebook_cost("10_real_model", "llamacpp/smollm2")
    assert row["profile"] == "full" and row["runs"] == len(manifest["configs"])
    assert row["decisions"] == [manifest["calls"], manifest["calls"]]
    assert row["hours"][0] <= manifest["recording_wall_s"] / 3600 <= row["hours"][1]
    assert row["usd"] is None
    assert notebook_parameters("03_bounded_personas")["n_agents"] == 100  # full: the paper's sizes
    assert notebook_parameters("03_bounded_personas", "quick")["n_agents"] == 8
    with pytest.raises(ValueError, match="valid: full, quick"):
        notebook_parameters("03_bounded_personas", "bogus")


def test_table_is_written_between_its_markers(tmp_path):
    from econsim.analysis.notebook_costs import TABLE_END, TABLE_START, write_table

    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{TABLE_START}\nold\n{TABLE_END}\nrest\n")
    write_table(readme, "| new |")
    assert readme.read_text() == f"intro\n{TABLE_START}\n| new |\n{TABLE_END}\nrest\n"
    other = tmp_path / "other.md"
    other.write_text("no markers")
    with pytest.raises(ValueError, match="markers"):
        write_table(other, "")


def test_local_models_are_counted_with_their_own_vocabulary(monkeypatch):
    """With llama-cpp-python installed the pilot's prompts are tokenized with the model's
    vocabulary (vocab_only); here a stand-in vocabulary of one token per 3 bytes."""
    import sys
    import types

    from econsim.analysis import local_tokens
    from econsim.llm import llamacpp_backend

    opened = []

    class Vocab:
        def __init__(self, model_path, vocab_only, verbose):
            opened.append((model_path, vocab_only))

        def tokenize(self, data, add_bos, special):
            return list(range(len(data) // 3))

    monkeypatch.setitem(sys.modules, "llama_cpp", types.SimpleNamespace(Llama=Vocab))
    monkeypatch.setattr(llamacpp_backend, "resolve_model",
                        lambda spec: (Path("/models/x.gguf"), "x"))
    local_tokens._vocab.cache_clear()
    try:
        cfg = SimConfig(n_agents=2, n_steps=10, K=5, backend="llamacpp/smollm2")
        est = estimate(cfg)
    finally:
        local_tokens._vocab.cache_clear()
    assert opened == [("/models/x.gguf", True)]
    assert "own tokenizer" in " ".join(est.notes)
    chars = sum(hi for _, hi in est.prompt_chars.values())
    # the ChatML frame adds a few characters per message: a bit under 3 characters per token
    assert chars / est.prompt_tokens[1] == pytest.approx(2.8, abs=0.25)
