"""Client, store and ledger behaviour without a server."""

import multiprocessing as mp

import pytest

from econsim.llm import (
    CallStore,
    LabourChoice,
    Ledger,
    LLMClient,
    ParseFailure,
    Request,
    make_client,
)
from econsim.llm.ledger import price_of
from econsim.llm.store import call_key
from econsim.llm.types import RawReply
from econsim.prompts import WorkerView, build


def test_unknown_backend_lists_accepted_forms():
    for bad in ("gpt-4o", "foo/bar", "openai/", "openai-compatible/m", ""):
        with pytest.raises(ValueError, match="surrogate.*openai/<model>.*replay:<store path>"
                           if bad != "openai-compatible/m" else "@http"):
            make_client(bad)


@pytest.mark.parametrize("spec, var", [("openai/gpt-4o-mini", "OPENAI_API_KEY"),
                                       ("anthropic/claude-haiku-4-5", "ANTHROPIC_API_KEY")])
def test_missing_key_names_the_variable_at_creation(monkeypatch, spec, var):
    monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValueError, match=var):
        make_client(spec)


def _put(args):
    path, start = args
    st = CallStore(path, "record")
    for i in range(start, start + 150):
        st.put(call_key("b", "m", [], 0.7, 10, "s", str(i)), call_id=str(i), backend="b",
               model="m", request={}, response="{}", served_model="m", input_tokens=1,
               output_tokens=1, latency_s=0.0, retries=0)
    st.close()


def test_store_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "calls.sqlite"
    with mp.get_context("spawn").Pool(2) as pool:
        pool.map(_put, [(path, 0), (path, 1000)])
    with CallStore(path, "replay") as st:
        assert len(st) == 300


def test_record_mode_resumes_from_store_and_reask_ids(tmp_path):
    path = tmp_path / "c.sqlite"
    msgs = build("compact", "worker", WorkerView("w", 900.0, 0, 10, (0.0,), (0.5,)))
    a = make_client("surrogate", store=path)
    first = a.complete_sync(msgs, schema=LabourChoice, call_id="c1")
    b = make_client("surrogate", store=path)  # an interrupted run restarting
    again = b.complete_sync(msgs, schema=LabourChoice, call_id="c1")
    assert again.parsed == first.parsed and again.cached and b.ledger.calls == 0
    with pytest.raises(ValueError, match="replay"):
        make_client("surrogate", store=path, store_mode="bogus")


_KEY_FIELDS = {"backend": "openai", "model": "gpt-4o-mini",
               "messages": [{"role": "user", "content": "hours?"}], "temperature": 0.7,
               "max_tokens": 256, "schema_id": "LabourChoice", "call_id": "t0/w1/labour"}
_OTHER_VALUE = {"backend": "anthropic", "model": "gpt-4o", "messages": [
    {"role": "user", "content": "hours!"}], "temperature": 0.2, "max_tokens": 255,
    "schema_id": "DeltaChoice", "call_id": "t0/w2/labour"}


@pytest.mark.parametrize("field", list(_KEY_FIELDS))
def test_store_key_changes_with_each_of_its_fields(field):
    """Two requests share a store row only if backend, model, messages, temperature,
    max_tokens, schema and call id are all equal: a change in any one gives another key."""
    base = call_key(**_KEY_FIELDS)
    assert call_key(**dict(_KEY_FIELDS)) == base
    assert call_key(**{**_KEY_FIELDS, field: _OTHER_VALUE[field]}) != base


def test_store_key_ignores_dict_order_and_number_type():
    msgs = [{"content": "hours?", "role": "user"}]  # same message, other key order
    assert call_key(**{**_KEY_FIELDS, "messages": msgs}) == call_key(**_KEY_FIELDS)
    assert call_key(**{**_KEY_FIELDS, "temperature": 1}) == \
        call_key(**{**_KEY_FIELDS, "temperature": 1.0})


def test_a_recorded_reply_is_not_reused_at_another_temperature(tmp_path):
    path = tmp_path / "c.sqlite"
    msgs = build("compact", "worker", WorkerView("w", 900.0, 0, 10, (0.0,), (0.5,)))
    make_client("surrogate", store=path).complete_sync(msgs, schema=LabourChoice, call_id="c1",
                                                       temperature=0.7)
    b = make_client("surrogate", store=path)
    hot = b.complete_sync(msgs, schema=LabourChoice, call_id="c1", temperature=1.3)
    assert not hot.cached and b.ledger.calls == 1
    same = b.complete_sync(msgs, schema=LabourChoice, call_id="c1", temperature=0.7)
    assert same.cached and b.ledger.calls == 1


class GarbageBackend:
    """A minimal Backend that always answers prose (the protocol is all a backend needs)."""

    kind, model, url = "garbage", "g", None

    async def request(self, messages, *, schema, call_id, temperature, max_tokens):
        return RawReply("I would rather not say.", 5, 5, "g")

    async def aclose(self):
        return None


def test_no_fallback_raises_parse_failure_and_reask_carries_the_error():
    client = LLMClient(GarbageBackend(), max_reasks=1)
    with pytest.raises(ParseFailure, match="no fallback"):
        client.complete_sync([{"role": "user", "content": "hi"}], schema=LabourChoice,
                             call_id="p")
    assert client.ledger.parse_failures == 2 and client.ledger.reasks == 1
    done = client.complete_sync([{"role": "user", "content": "hi"}], schema=LabourChoice,
                                call_id="q", fallback=LabourChoice(LABOR=70))
    assert done.fallback and done.parsed.LABOR == 70 and "LABOR" in done.error


def test_ledger_prices_and_budget_usd():
    led = Ledger()
    assert price_of("gpt-4o-mini-2024-07-18", led.prices) == (0.15, 0.60)
    assert price_of("unknown-model", led.prices) is None
    led.add_call("gpt-4o-mini", 1_000_000, 1_000_000, 0.1)
    led.add_call("unknown-model", 10, 10, 0.1)
    assert led.cost_usd == pytest.approx(0.75) and led.unpriced_calls == 1
    led.budget.max_usd = 0.5
    assert "USD budget" in led.exceeded


def test_complete_many_keeps_order_and_limits_concurrency():
    client = make_client("surrogate", concurrency=3)
    reqs = [Request(build("paper", "worker", WorkerView(f"w{i}", 500.0 + 100 * i, 0, 10, (0.0,),
                                                        (0.5,))), LabourChoice, f"c{i}")
            for i in range(20)]
    out = client.complete_many_sync(reqs)
    assert [o.call_id for o in out] == [r.call_id for r in reqs]
