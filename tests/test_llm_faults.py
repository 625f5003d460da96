"""Fault injection of `econsim serve`, timeouts, failed runs written down, honest ledgers, keys
redacted (issue 14, section 4). Real SDK clients against the server on 127.0.0.1."""

import http.client
import json
import math
import time

import pytest

from econsim.cli.main import main as cli_main
from econsim.llm import Budget, LabourChoice, TransportError, make_client
from econsim.llm.ledger import Ledger
from econsim.llm.redact import redact
from econsim.llm.serve import MALFORMED_TEXT, Faults
from econsim.simulation import Simulation
from econsim.simulation.status import read_status

# fake keys shaped like real ones, joined at run time so secret scanners do not flag the source
FAKE_OPENAI = "sk-" + "test-FAKEKEY-openai-0123456789"
FAKE_ANTHROPIC = "sk-" + "test-FAKEKEY-anthropic-0123456789"
MSGS = [{"role": "user", "content": 'STEP 1/10\nANSWER {"LABOR": <hours>}'}]


@pytest.fixture(autouse=True)
def fake_keys(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI)
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_ANTHROPIC)


def post(srv, call_id: str, timeout: float = 0.3) -> str:
    """One raw request (no SDK, no retries): its observed outcome. A hang (``hang_s`` well above
    ``timeout``) times out; a drop closes the connection at once."""
    host, port = srv.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    body = json.dumps({"model": "m", "messages": MSGS})
    try:
        conn.request("POST", "/v1/chat/completions", body,
                     {"Content-Type": "application/json", "X-Econsim-Call-Id": call_id})
        resp = conn.getresponse()
        data = json.loads(resp.read())
    except TimeoutError:
        return "hang"
    except (http.client.HTTPException, ConnectionError):
        return "drop"
    finally:
        conn.close()
    if resp.status != 200:
        return {429: "429", 500: "5xx"}[resp.status]
    text = data["choices"][0]["message"]["content"]
    return "malformed" if text == MALFORMED_TEXT else "ok"


def within_binomial(k: int, n: int, p: float, z: float = 4.0) -> bool:
    return abs(k - n * p) <= z * math.sqrt(n * p * (1 - p)) + 1


PROBS = {"hang": 0.02, "drop": 0.08, "429": 0.2, "5xx": 0.1, "malformed": 0.15}


def test_fault_rates_are_per_request_probabilities_of_a_seeded_draw(server_factory):
    srv = server_factory(hang=PROBS["hang"], drop=PROBS["drop"], rate_limit=PROBS["429"],
                         server_error=PROBS["5xx"], malformed=PROBS["malformed"],
                         hang_s=5, fault_seed=7)
    n = 500
    # distinct call ids (one attempt each), then the same ids again (a second run)
    runs = [[post(srv, f"run/t0/w{i}") for i in range(n)] for _ in range(2)]
    for outcomes in runs:
        for fault, p in PROBS.items():
            k = outcomes.count(fault)
            assert within_binomial(k, n, p), (fault, k, n, p)
    # the k-th request gets the k-th draw of the seeded generator: same seed, same faults
    again = server_factory(hang=PROBS["hang"], drop=PROBS["drop"], rate_limit=PROBS["429"],
                           server_error=PROBS["5xx"], malformed=PROBS["malformed"],
                           hang_s=5, fault_seed=7)
    assert [post(again, f"other/{i}") for i in range(100)] == runs[0][:100]
    assert srv.stats["requests"] == 2 * n


def test_fault_seed_changes_the_draws(server_factory):
    a = server_factory(rate_limit=0.5, fault_seed=1)
    b = server_factory(rate_limit=0.5, fault_seed=2)
    assert [post(a, "x") for _ in range(40)] != [post(b, "x") for _ in range(40)]


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_fail_first_n_fails_every_request_again_in_a_second_run(server_factory, kind):
    srv = server_factory(fail_first=2)
    if kind == "openai":
        client = make_client(f"openai-compatible/m@{srv.url}", timeout=5, max_retries=3)
    else:
        client = make_client("anthropic/claude-haiku-4-5", base_url=srv.url[:-3], timeout=5,
                             max_retries=3)
    for _ in range(2):  # the same call ids twice: no per-call state in the server
        out = [client.complete_sync(MSGS, schema=LabourChoice, call_id=f"c{i}")
               for i in range(2)]
        assert [o.retries for o in out] == [2, 2]
    assert srv.stats["429"] == 8 and srv.stats["requests"] == 12


def test_serve_cli_options_build_the_faults():
    from econsim.llm.serve import build_parser

    args = build_parser().parse_args(["--p-429", "0.2", "--fault-seed", "3", "--fail-first",
                                      "1", "--fail-first-fault", "5xx", "--reject-auth"])
    assert (args.p_429, args.fault_seed, args.fail_first, args.fail_first_fault,
            args.reject_auth) == (0.2, 3, 1, "5xx", True)


# -- timeouts, failed runs -------------------------------------------------------------------------
def sim_config(url: str, **kw):
    return {"scenario": "rational", "worker": "llm", "planner": "llm", "n_agents": 2,
            "n_steps": 6, "K": 2, "prompt_style": "compact",
            "backend": f"openai-compatible/gpt-4o-mini@{url}", **kw}


def test_hung_server_stops_a_run_within_timeout_times_attempts(server_factory, tmp_path):
    srv = server_factory(hang=1.0, hang_s=60)
    sim = Simulation(sim_config(srv.url, request_timeout=0.4, max_retries=1), tmp_path / "r")
    t0 = time.perf_counter()
    with pytest.raises(TransportError, match="timed out after 0.4 s per attempt, on all 2 "
                                             "attempts"):
        sim.run()
    elapsed = time.perf_counter() - t0
    # 2 attempts x 0.4 s plus the SDK's back-off before its retry (0.375-0.5 s)
    assert 0.8 <= elapsed < 3.5, elapsed
    assert srv.stats["hang"] == 2 * 2  # two workers, two attempts each
    status = read_status(tmp_path / "r")
    assert status["status"] == "failed" and "timed out" in status["error"]


def test_cli_run_flags_reach_the_sdk(server_factory, tmp_path, capsys):
    srv = server_factory(hang=1.0, hang_s=60)
    t0 = time.perf_counter()
    code = cli_main(["run", "--backend", f"openai-compatible/gpt-4o-mini@{srv.url}",
                     "--worker", "llm", "--n-agents", "1", "--n-steps", "2", "--K", "1",
                     "--request-timeout", "0.3", "--max-retries", "0", "--no-progress",
                     "--out", str(tmp_path / "cli")])
    assert code == 1 and time.perf_counter() - t0 < 10  # the SDK default would wait 60 s
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "on the only attempt" in err and "status.json" in err


def test_fatal_429_writes_status_error_and_ledger_then_resume_counts_what_was_paid(
        server_factory, tmp_path, monkeypatch):
    srv = server_factory()
    cfg = sim_config(srv.url, max_retries=1, store=str(tmp_path / "calls.sqlite"))
    reference = Simulation({**cfg, "store": str(tmp_path / "ref.sqlite")},
                           tmp_path / "ref").run()

    # from step 3 on (after the checkpoint at step 2 and one paid step) every request gets 429
    step = Simulation._step

    def failing_step(sim, t):
        if t == 3:
            srv.faults = Faults(rate_limit=1.0)
        return step(sim, t)

    monkeypatch.setattr(Simulation, "_step", failing_step)
    with pytest.raises(TransportError, match="HTTP 429 on all 2 attempts") as info:
        Simulation(cfg, tmp_path / "run").run()
    assert "--resume" in str(info.value)
    status = read_status(tmp_path / "run")
    assert status["status"] == "failed" and status["checkpoint_step"] == 2
    assert status["step"] == 3 and "429" in status["error"]
    assert status["next"] == f"econsim run --resume {tmp_path / 'run'}"
    # the ledger so far includes the calls paid after the checkpoint, and the errors
    assert status["ledger"]["calls"] > 0 and status["ledger"]["errors"] >= 1
    assert not (tmp_path / "run" / "manifest.json").exists()

    monkeypatch.setattr(Simulation, "_step", step)
    srv.faults = Faults()
    resumed = Simulation.resume(tmp_path / "run").run()
    assert resumed.status == "complete" and read_status(tmp_path / "run")["status"] == "complete"
    for key in ("calls", "input_tokens", "output_tokens"):
        assert resumed.ledger[key] == reference.ledger[key], key
    assert resumed.ledger["cache_hits"] == 0
    assert resumed.steps.equals(reference.steps)


def test_failure_before_any_checkpoint_says_how_to_start_again(server_factory, tmp_path):
    srv = server_factory(server_error=1.0)
    with pytest.raises(TransportError, match="HTTP 500 on the only attempt"):
        Simulation(sim_config(srv.url, max_retries=0), tmp_path / "r").run()
    status = read_status(tmp_path / "r")
    assert status["checkpoint_step"] is None and "--overwrite" in status["next"]


# -- budget and prices ---------------------------------------------------------------------------
def test_usd_budget_refused_for_an_unpriced_model(tmp_path):
    with pytest.raises(ValueError, match="budget_usd needs a price for model 'llama3'"):
        make_client("openai-compatible/llama3@http://127.0.0.1:9/v1", budget=Budget(max_usd=1))
    priced = make_client("openai-compatible/llama3@http://127.0.0.1:9/v1",
                         budget=Budget(max_usd=1), prices={"llama3": (0.1, 0.2)})
    assert priced.ledger.budget.max_usd == 1
    make_client("openai-compatible/llama3@http://127.0.0.1:9/v1", budget=Budget(max_calls=5))
    with pytest.raises(ValueError, match="budget_usd needs a price"):
        Simulation(sim_config("http://127.0.0.1:9/v1", budget_usd=1.0,
                              backend="openai-compatible/llama3@http://127.0.0.1:9/v1"),
                   tmp_path / "r")
    assert not (tmp_path / "r").exists()  # refused before anything is written


def test_unpriced_served_model_is_charged_at_the_requested_price():
    led = Ledger()
    led.add_call("some-snapshot-nobody-priced", 1_000_000, 0, 0.0, requested="gpt-4o-mini")
    assert led.cost_usd == pytest.approx(0.15) and led.unpriced_calls == 0
    led.add_call("unknown", 10, 10, 0.0, requested="also-unknown")
    assert led.unpriced_calls == 1


# -- 401 and redaction ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_401_counts_one_attempt_and_never_repeats_the_key(server_factory, kind):
    srv = server_factory(reject_auth=True)
    if kind == "openai":
        client = make_client(f"openai-compatible/m@{srv.url}", timeout=5, max_retries=3)
    else:
        client = make_client("anthropic/claude-haiku-4-5", base_url=srv.url[:-3], timeout=5,
                             max_retries=3)
    with pytest.raises(TransportError) as info:
        client.complete_sync(MSGS, schema=LabourChoice, call_id="c")
    msg = str(info.value)
    assert "HTTP 401 on the only attempt" in msg and "after 3 retries" not in msg
    assert srv.stats["requests"] == 1
    assert FAKE_OPENAI not in msg and FAKE_ANTHROPIC not in msg
    assert "[REDACTED" in msg  # the echoed credentials were there, and were removed


def test_key_echoed_by_a_server_is_absent_from_run_folder_and_cli(server_factory, tmp_path,
                                                                   capsys):
    srv = server_factory(reject_auth=True)
    out = tmp_path / "run"
    code = cli_main(["run", "--backend", f"openai-compatible/gpt-4o-mini@{srv.url}",
                     "--worker", "llm", "--n-agents", "1", "--n-steps", "2", "--K", "1",
                     "--no-progress", "--out", str(out)])
    assert code == 1
    printed = capsys.readouterr()
    written = "".join(p.read_text(errors="replace") for p in out.iterdir() if p.is_file())
    assert "401" in printed.err and "401" in written
    for text in (printed.out, printed.err, written):
        assert FAKE_OPENAI not in text


def test_redact_covers_registered_key_variables_and_key_shapes(monkeypatch):
    secret = "proxy" + "-token-" + "9f8e7d6c5b4a"
    monkeypatch.setenv("MY_PROXY_KEY", secret)
    assert secret in redact(f"bad token {secret}")  # not a configured key yet
    make_client("openai-compatible/m@http://127.0.0.1:9/v1", api_key_env="MY_PROXY_KEY")
    assert redact(f"bad token {secret}") == "bad token [REDACTED:MY_PROXY_KEY]"
    other = "sk-" + "ant-api03-" + "A" * 20
    assert redact(f"key={other}.") == "key=[REDACTED]."
    assert redact(f"Bearer {FAKE_OPENAI}") == "Bearer [REDACTED:OPENAI_API_KEY]"
