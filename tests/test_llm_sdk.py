"""The real openai and anthropic SDK clients against `econsim serve` on 127.0.0.1."""

import logging
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from econsim.llm import (
    Budget,
    BudgetExceeded,
    LabourChoice,
    ReplayMissError,
    Request,
    TransportError,
    make_client,
)
from econsim.llm.serve import Faults, serve
from econsim.prompts import WorkerView, build

# fake keys shaped like real ones, joined at run time so secret scanners do not flag the source
FAKE_OPENAI = "sk-" + "test-FAKEKEY-openai-0123456789"
FAKE_ANTHROPIC = "sk-" + "test-FAKEKEY-anthropic-0123456789"


def requests(n, step=0, prefix="run"):
    return [Request(build("compact", "worker", WorkerView(f"w{i}", 900.0 + i, step, 10, (0.0,),
                                                          (0.5,))), LabourChoice,
                    f"{prefix}/t{step}/w{i}", fallback=LabourChoice(LABOR=40))
            for i in range(n)]


def openai_client(srv, **kw):
    kw.setdefault("timeout", 5)
    kw.setdefault("max_retries", 2)
    return make_client(f"openai-compatible/gpt-4o-mini@{srv.url}", **kw)


def anthropic_client(srv, **kw):
    kw.setdefault("timeout", 5)
    kw.setdefault("max_retries", 2)
    return make_client("anthropic/claude-haiku-4-5", base_url=srv.url[: -len("/v1")], **kw)


@pytest.fixture(autouse=True)
def fake_keys(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_OPENAI)
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_ANTHROPIC)


@pytest.mark.parametrize("make", [openai_client, anthropic_client])
def test_success_matches_in_process_surrogate(server_factory, make):
    srv = server_factory()
    out = make(srv).complete_many_sync(requests(6))
    local = make_client("surrogate", seed=0).complete_many_sync(requests(6))
    assert [o.parsed for o in out] == [o.parsed for o in local]
    assert all(o.model == "econsim-surrogate-1" and not o.fallback for o in out)


@pytest.mark.parametrize("make", [openai_client, anthropic_client])
def test_429_then_success_by_sdk_retry(server_factory, make):
    srv = server_factory(fail_first=1)  # the first attempt of every request: 429
    client = make(srv)
    out = client.complete_many_sync(requests(5))
    assert all(o.retries == 1 and not o.fallback for o in out)
    assert client.ledger.retries == 5 and srv.stats["429"] == 5


@pytest.mark.parametrize("make", [openai_client, anthropic_client])
def test_persistent_5xx_is_an_error(server_factory, make):
    srv = server_factory(server_error=1.0)
    client = make(srv, max_retries=1)
    with pytest.raises(TransportError, match="HTTP 500 on all 2 attempts"):
        client.complete_many_sync(requests(2))
    # the first failure raises while the other call may still be retrying: let it finish
    deadline = time.perf_counter() + 5
    while srv.stats["5xx"] < 4 and time.perf_counter() < deadline:
        time.sleep(0.01)
    assert srv.stats["5xx"] == 4  # 2 calls x (1 try + 1 retry)


def test_hang_times_out_and_store_keeps_earlier_calls(server_factory, tmp_path):
    store = tmp_path / "calls.sqlite"
    good = server_factory()
    rec = openai_client(good, store=store)
    first = rec.complete_many_sync(requests(3))
    hung = server_factory(hang=1.0, hang_s=30)
    client = openai_client(hung, store=store, timeout=0.5, max_retries=0)
    t0 = time.perf_counter()
    with pytest.raises(TransportError, match="timed out"):
        client.complete_sync(requests(1, step=1)[0].messages, schema=LabourChoice, call_id="x")
    assert time.perf_counter() - t0 < 5
    rec.close()
    client.close()
    replay = make_client(f"replay:{store}").complete_many_sync(requests(3))
    assert [r.parsed for r in replay] == [r.parsed for r in first]


def test_malformed_reply_reasked_then_fallback_counted(server_factory):
    srv = server_factory(fail_first=1, fail_first_fault="malformed")
    client = openai_client(srv)
    out = client.complete_many_sync(requests(4))
    assert all(o.reasks == 1 and not o.fallback for o in out)
    assert client.ledger.parse_failures == 4 and client.ledger.reasks == 4
    assert client.ledger.fallbacks == 0

    bad = server_factory(malformed=1.0)
    client = openai_client(bad, max_reasks=2)
    out = client.complete_many_sync(requests(3))
    assert all(o.fallback and o.parsed.LABOR == 40 for o in out)  # kept the last action
    led = client.ledger
    assert (led.fallbacks, led.parse_failures, led.reasks, led.calls) == (3, 9, 6, 9)


@pytest.mark.parametrize("make", [openai_client, anthropic_client])
def test_replay_identical_to_recording_without_network(server_factory, tmp_path, make):
    srv = server_factory(malformed=0.5)
    store = tmp_path / "calls.sqlite"
    rec = make(srv, store=store)
    recorded = [rec.complete_many_sync(requests(5, step=t)) for t in range(3)]
    rec.close()
    before = srv.stats["requests"]
    rep = make_client(f"replay:{store}")
    replayed = [rep.complete_many_sync(requests(5, step=t)) for t in range(3)]
    assert srv.stats["requests"] == before and rep.ledger.calls == 0
    for a, b in zip(recorded, replayed, strict=True):
        assert [(x.text, x.parsed, x.reasks, x.fallback) for x in a] == \
               [(x.text, x.parsed, x.reasks, x.fallback) for x in b]
    with pytest.raises(ReplayMissError, match="run/t9/w0"):
        rep.complete_many_sync(requests(1, step=9))


def test_budget_stops_at_phase_boundary(server_factory):
    srv = server_factory()
    client = openai_client(srv, budget=Budget(max_calls=10))
    phases = 0
    with pytest.raises(BudgetExceeded, match="max_calls=10"):
        for t in range(100):
            client.complete_many_sync(requests(4, step=t))
            phases += 1
    assert phases == 3 and client.ledger.calls == 12


def test_fake_key_never_stored_or_logged(server_factory, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    srv = server_factory(malformed=0.5, rate_limit=0.3)
    store = tmp_path / "calls.sqlite"
    oa = make_client("openai/gpt-4o-mini", base_url=srv.url, store=store, timeout=5)
    an = anthropic_client(srv, store=store)
    res = oa.complete_many_sync(requests(3)) + an.complete_many_sync(requests(3, prefix="a"))
    summary = repr(oa.ledger.summary()) + repr(an.ledger.summary()) + repr(res)
    oa.close()
    an.close()
    blobs = b"".join(p.read_bytes() for p in Path(tmp_path).glob("calls.sqlite*"))
    for key in (FAKE_OPENAI, FAKE_ANTHROPIC):
        assert key.encode() not in blobs
        assert key not in caplog.text
        assert key not in summary


def test_unreachable_server_errors_with_url_within_timeout():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    client = make_client(f"openai-compatible/m@{url}", timeout=1, max_retries=0)
    t0 = time.perf_counter()
    with pytest.raises(TransportError, match=re.escape(url)):
        client.complete_many_sync(requests(1))
    assert time.perf_counter() - t0 < 3


def test_serve_in_a_subprocess_with_the_sync_wrapper_inside_a_running_loop():
    proc = subprocess.Popen([sys.executable, "-m", "econsim.llm.serve", "--port", "0"],
                            stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        line = proc.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+/v1)", line).group(1)
        client = make_client(f"openai-compatible/any@{url}", timeout=5)

        async def notebook_cell():  # Jupyter runs cells inside an event loop
            return client.complete_many_sync(requests(3))

        import asyncio

        out = asyncio.run(notebook_cell())
        assert len(out) == 3 and all(o.model == "econsim-surrogate-1" for o in out)
        import urllib.request

        models = urllib.request.urlopen(url + "/models", timeout=5).read()
        assert b"econsim-surrogate-1" in models
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_refuses_non_loopback_and_bad_fractions():
    with pytest.raises(ValueError, match="loopback"):
        serve(host="0.0.0.0", port=0)
    with pytest.raises(ValueError, match="rate_limit"):
        Faults(rate_limit=1.5)
    with pytest.raises(ValueError, match="sum to at most 1"):
        Faults(rate_limit=0.6, server_error=0.5)
    with pytest.raises(ValueError, match="fail_first_fault 'bogus'; valid: hang, drop"):
        Faults(fail_first=1, fail_first_fault="bogus")


def test_dropped_connection_is_retried_by_the_sdk(server_factory):
    srv = server_factory(fail_first=1, fail_first_fault="drop")
    client = openai_client(srv, max_retries=2)
    out = client.complete_many_sync(requests(3))
    assert all(not o.fallback for o in out) and srv.stats["drop"] == 3
