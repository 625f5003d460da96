"""The array stand-in decides exactly as the text-reading surrogate (issue 29).

Every scenario x prompt style x several seeds runs twice, once rendering and parsing every prompt
(``surrogate_reads: text``) and once deciding from the views (``arrays``); the steps, agents and
elections tables, the calls table (every column but wall-clock latencies: replies, parsed replies,
token counts, models) and the ledger must be identical. A deliberately perturbed stand-in (one
decision changed) must be caught by the same comparison.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from econsim.llm.surrogate.standin import StandIn
from econsim.simulation import SimConfig, Simulation, make_simulation
from econsim.simulation.config_types import ConfigError

TIMING = ("latency_s", "request_latency_s")
MIX = {"egotistical": 50.0, "altruistic": 25.0, "adversarial": 25.0}


def _config(scenario: str, style: str, seed: int, **kw) -> SimConfig:
    base = dict(scenario=scenario, prompt_style=style, seed=seed, n_agents=6, n_steps=60, K=10,
                H=20, record_prompts=False, utility_mix=MIX,
                platforms=scenario == "democratic")
    return SimConfig(**{**base, **kw})


def _run(cfg: SimConfig, reads: str, standin: type[StandIn] | None = None):
    sim = make_simulation(cfg.replace(surrogate_reads=reads))
    if standin is not None:
        sim.standin = standin(sim.standin.surrogate, cfg.prompt_style)
    res = sim.run()
    return res.tables, sim.client.ledger.summary()


def differences(a: tuple, b: tuple) -> list[str]:
    """Where two runs' tables or ledgers differ (timing columns excepted)."""
    (ta, la), (tb, lb) = a, b
    out = []
    for name in ("steps", "agents", "elections", "calls"):
        x, y = ta[name], tb[name]
        if name == "calls":
            x, y = x.drop(columns=list(TIMING)), y.drop(columns=list(TIMING))
        try:
            pd.testing.assert_frame_equal(x, y, check_exact=True)
        except AssertionError as err:
            out.append(f"{name}: {str(err).splitlines()[0]}")
    skip = {"latency_s", "decision_latency_s"}
    for k in la:
        if k not in skip and la[k] != lb[k]:
            out.append(f"ledger {k}: {la[k]} != {lb[k]}")
    return out


@pytest.mark.parametrize("style", ["paper", "compact"])
@pytest.mark.parametrize("scenario", ["rational", "bounded", "democratic"])
def test_arrays_decide_as_text(scenario: str, style: str) -> None:
    for seed in (1, 2, 3):
        cfg = _config(scenario, style, seed)
        text, arrays = _run(cfg, "text"), _run(cfg, "arrays")
        assert differences(text, arrays) == [], (scenario, style, seed)
        calls = text[0]["calls"]
        assert len(calls) > cfg.n_agents * cfg.n_steps  # the planner/leader/votes are in it
        assert calls["input_tokens"].min() > 0


def test_arrays_with_long_window_and_default_sizes() -> None:
    """The window slides past whole tax years (H > K) and cuts the oldest year (compact)."""
    for style in ("paper", "compact"):
        cfg = _config("bounded", style, 7, n_steps=90, K=7, H=30, n_agents=4)
        assert differences(_run(cfg, "text"), _run(cfg, "arrays")) == []


class _Perturbed(StandIn):
    """Changes one labour decision: worker 2's at step 33."""

    def decide(self, kind, views, call_ids):  # noqa: ANN001, ANN201 - the parent's signature
        texts, chars = super().decide(kind, views, call_ids)
        for i, cid in enumerate(call_ids):
            if cid.endswith("/t000033/labour/2"):
                hours = json.loads(texts[i])["LABOR"]
                texts[i] = json.dumps({"LABOR": 10 if hours != 10 else 20})
        return texts, chars


def test_comparison_catches_one_changed_decision() -> None:
    cfg = _config("bounded", "paper", 1)
    diff = differences(_run(cfg, "text"), _run(cfg, "arrays", standin=_Perturbed))
    assert diff and any(d.startswith("agents") for d in diff)
    assert any(d.startswith("calls") for d in diff)


def test_auto_reads_arrays_only_when_no_text_is_needed(tmp_path) -> None:
    cfg = _config("bounded", "paper", 1)
    assert make_simulation(cfg).standin is not None
    assert make_simulation(cfg.replace(surrogate_reads="text")).standin is None
    assert make_simulation(cfg.replace(record_prompts=True)).standin is None
    store = cfg.replace(store=str(tmp_path / "calls.sqlite"))
    assert make_simulation(store).standin is None


def test_arrays_refused_where_a_text_is_needed() -> None:
    with pytest.raises(ConfigError, match="surrogate_reads") as err:
        _config("bounded", "paper", 1, surrogate_reads="arrays", record_prompts=True)
    assert err.value.key == "surrogate_reads"
    with pytest.raises(ConfigError, match="surrogate_reads"):
        _config("bounded", "paper", 1, surrogate_reads="arrays",
                backend="openai-compatible/m@http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="arrays, text"):
        _config("bounded", "paper", 1, surrogate_reads="numpy")


def _whole_and_resumed(cfg: SimConfig, tmp_path) -> tuple[dict, dict]:  # noqa: ANN001
    """The tables of an uninterrupted run and of one stopped inside its third tax year (as a
    killed process would: the lock goes with it) and resumed."""
    whole = make_simulation(cfg).run().tables
    sim = make_simulation(cfg, tmp_path / "run")
    while sim.state.step < 25:
        sim.advance()  # rates, the step, and the tax year's close when it ends
    sim.close()
    return whole, Simulation.resume(tmp_path / "run").run().tables


def test_arrays_resume_equals_uninterrupted(tmp_path) -> None:
    """The stand-in's history pieces are a cache: a resumed run rebuilds them."""
    cfg = _config("bounded", "compact", 4, n_steps=40)
    whole, resumed = _whole_and_resumed(cfg, tmp_path)
    pd.testing.assert_frame_equal(whole["agents"], resumed["agents"], check_exact=True)
    pd.testing.assert_frame_equal(whole["steps"], resumed["steps"], check_exact=True)


def test_paper_phases_are_decided_from_arrays(monkeypatch) -> None:
    """In the paper style every labour phase goes through the arrays (none falls back to the
    call-by-call path), so the comparisons above test the array rule itself."""
    from econsim.llm.surrogate.labour_arrays import PaperLabour

    seen = {"arrays": 0, "fell back": 0}
    decide = PaperLabour.decide

    def counting(self, batch, call_ids):  # noqa: ANN001, ANN202 - the method's signature
        out = decide(self, batch, call_ids)
        seen["arrays" if out is not None else "fell back"] += 1
        return out

    monkeypatch.setattr(PaperLabour, "decide", counting)
    cfg = _config("democratic", "paper", 5)
    make_simulation(cfg).run()
    assert seen == {"arrays": cfg.n_steps, "fell back": 0}


def test_arrays_resume_equals_uninterrupted_paper(tmp_path) -> None:
    """After a resume the arrays are rebuilt from the histories (paper style)."""
    cfg = _config("bounded", "paper", 6, n_steps=40)
    whole, resumed = _whole_and_resumed(cfg, tmp_path)
    pd.testing.assert_frame_equal(whole["agents"], resumed["agents"], check_exact=True)
    pd.testing.assert_frame_equal(whole["calls"].drop(columns=list(TIMING)),
                                  resumed["calls"].drop(columns=list(TIMING)), check_exact=True)
