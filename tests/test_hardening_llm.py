"""Budgets and retries bounded by us, not by the server (issue 25): the requested model's price
is a floor, Retry-After is clamped, every call has a deadline, the transport settings have
upper bounds."""

from __future__ import annotations

import asyncio
import json
import time

import openai
import pytest

from econsim.llm import TransportError, make_client
from econsim.llm import sdk as sdk_mod
from econsim.llm.ledger import Ledger
from econsim.llm.serve import Faults, serve
from econsim.llm.types import RawReply
from econsim.simulation import SimConfig
from econsim.simulation.config_types import ConfigError

MSGS = [{"role": "user", "content": 'STEP 1/10\nANSWER {"LABOR": <hours>}'}]


@pytest.fixture(autouse=True)
def fake_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-" + "test-FAKEKEY-hardening-0123456789")


def test_a_server_answering_as_a_free_model_pays_the_requested_price():
    led = Ledger()
    led.add_call("surrogate", 1_000_000, 0, 0.0, requested="gpt-4o-mini")  # "surrogate" is $0
    assert led.cost_usd == pytest.approx(0.15)
    led2 = Ledger()
    led2.add_call("gpt-4o", 1_000_000, 0, 0.0, requested="gpt-4o-mini")  # a dearer one: its price
    assert led2.cost_usd == pytest.approx(Ledger().price("gpt-4o")[0])


def test_usd_budget_holds_against_a_server_reporting_a_free_model():
    class CheapLiar:
        kind, model, url = "openai-compatible", "gpt-4o-mini", "http://127.0.0.1:9/v1"

        async def request(self, messages, *, schema, call_id, temperature, max_tokens):
            return RawReply('{"LABOR": 40}', 4_000, 10, "surrogate")  # priced at $0

        async def aclose(self):
            return None

    from econsim.llm import Budget, LabourChoice, LLMClient, Request

    client = LLMClient(CheapLiar(), ledger=Ledger(budget=Budget(max_usd=0.002)))
    for i in range(10):
        client.complete_many_sync([Request(MSGS, LabourChoice, f"c{i}")], check_budget=False)
    # 10 calls x (4,000 in at $0.15 + 10 out at $0.60 per 1M) = $0.00606: past the budget
    assert client.ledger.cost_usd == pytest.approx(0.00606)
    assert client.ledger.exceeded and "USD budget used up" in client.ledger.exceeded


def _response(status: int, headers: dict[str, str]):
    """A response of the HTTP library the openai SDK ships with (httpx or its successor)."""
    base = type(openai.DefaultAsyncHttpxClient()).__mro__[1]  # the library's AsyncClient
    lib = __import__(base.__module__.split(".")[0])
    return lib.Response(status, headers=headers)


def test_retry_after_is_clamped():
    for header, value, expect in (("retry-after", "30", "8"), ("retry-after", "2", "2"),
                                  ("retry-after-ms", "120000", "8000"),
                                  ("retry-after", "Wed, 21 Oct 2026 07:28:00 GMT", None)):
        resp = _response(429, {header: value})
        asyncio.run(sdk_mod._clamp_retry_after(resp))
        assert resp.headers[header] == (expect if expect is not None else value)


def test_a_long_retry_after_does_not_stall_the_call(monkeypatch):
    """econsim serve answers 429 with retry-after-ms 5,000 first; the clamp (lowered here to keep
    the test short) makes the SDK retry at once."""
    monkeypatch.setattr(sdk_mod, "MAX_RETRY_AFTER_S", 0.05)
    srv = serve(port=0, seed=0, faults=Faults(fail_first=1, retry_after_ms=5000)).start()
    try:
        client = make_client(f"openai-compatible/m@{srv.url}", max_retries=2, timeout=5)
        from econsim.llm import LabourChoice, Request

        t0 = time.perf_counter()
        (done,) = client.complete_many_sync([Request(MSGS, LabourChoice, "retry-after")])
        elapsed = time.perf_counter() - t0
        client.close()
    finally:
        srv.stop()
    assert done.parsed.LABOR in range(0, 101, 10) and done.retries >= 1
    assert elapsed < 2.5, elapsed  # not the 5 s the server asked for


def test_every_call_has_a_deadline():
    class Never:
        class APITimeoutError(Exception): ...

        class APIConnectionError(Exception): ...

        class APIStatusError(Exception): ...

    async def hang(**_):
        await asyncio.sleep(30)

    t0 = time.perf_counter()
    with pytest.raises(TransportError, match="deadline of 1.05 s"):
        asyncio.run(sdk_mod.sdk_call(Never, hang, {}, url="http://127.0.0.1:9/v1", timeout=0.05,
                                     max_retries=0))
    assert time.perf_counter() - t0 < 3


@pytest.mark.parametrize(("key", "value", "allowed"), [
    ("max_retries", 11, r"\[0, 10\]"), ("max_retries", -1, r"an integer in \[0, 10\]"),
    ("request_timeout", 601.0, r"\(0, 600\]"), ("request_timeout", 0, r"\(0, 600\]")])
def test_transport_settings_have_upper_bounds(key, value, allowed):
    with pytest.raises(ConfigError, match=allowed) as err:
        SimConfig(**{key: value})
    assert err.value.key == key


def test_a_run_mostly_made_of_fallbacks_exits_non_zero(server_factory, tmp_path, capsys):
    from econsim.cli.main import main as cli_main

    srv = server_factory(malformed=1.0)  # every reply is prose: every decision falls back
    args = ["run", "--backend", f"openai-compatible/gpt-4o-mini@{srv.url}", "--worker", "llm",
            "--planner", "fixed", "--n-agents", "2", "--n-steps", "4", "--K", "2",
            "--max-reasks", "0", "--structured-output", "none", "--no-progress"]
    assert cli_main([*args, "--out", str(tmp_path / "a")]) == 3
    err = capsys.readouterr().err
    assert "8 of 8 decisions (100.0%) fell back" in err and "max_fallback_share=0.05" in err
    assert (tmp_path / "a" / "manifest.json").exists()  # the results are kept
    assert cli_main([*args, "--max-fallback-share", "1", "--out", str(tmp_path / "b")]) == 0


def test_max_fallback_share_is_a_fraction():
    with pytest.raises(ConfigError, match=r"max_fallback_share must be in \[0, 1\]"):
        SimConfig(max_fallback_share=1.5)


def test_the_manifest_names_the_url_openai_base_url_sent_the_calls_to(server_factory, tmp_path,
                                                                       monkeypatch, capsys):
    """With OPENAI_BASE_URL set, an ``openai/<model>`` run goes to that server: the manifest
    records that URL and where it came from, without the credentials in it; errors name it."""
    from urllib.parse import urlsplit

    from econsim.cli.main import main as cli_main

    srv = server_factory()
    secret = "pw-" + "hardening-0123456789"
    parts = urlsplit(srv.url)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://user:{secret}@{parts.netloc}{parts.path}")
    args = ["run", "--backend", "openai/gpt-4o-mini", "--worker", "llm", "--planner", "fixed",
            "--n-agents", "2", "--n-steps", "2", "--K", "1", "--no-progress"]
    assert cli_main([*args, "--out", str(tmp_path / "a")]) == 0
    backend = json.loads((tmp_path / "a" / "manifest.json").read_text())["backend"]
    assert backend["url"] == srv.url.rstrip("/")
    assert backend["url_from"] == "environment variable OPENAI_BASE_URL"
    assert not any(secret in p.read_text(errors="replace") for p in (tmp_path / "a").iterdir()
                   if p.is_file())
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    assert cli_main([*args, "--max-retries", "0", "--request-timeout", "2",
                     "--out", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err
    assert "cannot reach http://127.0.0.1:9/v1" in err and "api.openai.com" not in err
    monkeypatch.delenv("OPENAI_BASE_URL")
    from econsim.llm.openai_backend import OpenAIBackend

    default = OpenAIBackend("gpt-4o-mini", compatible=False)
    assert (default.url, default.url_source) == ("https://api.openai.com/v1", "vendor default")
