"""Structured-output negotiation against `econsim serve` refusing each form in turn, schema
bounds, clipping counted, and the calls table's raw replies and two latencies."""

import json

import pandas as pd
import pytest

from econsim.llm import (
    SCHEMAS,
    LabourChoice,
    Negotiator,
    Request,
    RequestRejected,
    delta_schema,
    labour_schema,
    make_client,
    run_schema,
    vote_schema,
)
from econsim.llm.serve import FORMAT_REJECTIONS, build_parser, serve
from econsim.llm.structured import NEGOTIATION_ORDER, is_invalid_request, request_fields
from econsim.prompts import WorkerView, build
from econsim.prompts.common import MENU_HOURS
from econsim.simulation import SimConfig, Simulation

MENU_LABOUR = labour_schema(MENU_HOURS)


def requests(n, prefix="neg"):
    return [Request(build("compact", "worker", WorkerView(f"w{i}", 900.0 + i, 0, 10, (0.0,),
                                                          (0.5,))), MENU_LABOUR,
                    f"{prefix}/t0/w{i}", fallback=MENU_LABOUR(LABOR=40))
            for i in range(n)]


@pytest.fixture
def server(server_factory):
    return server_factory


def client_for(srv, **kw):
    kw.setdefault("timeout", 5)
    kw.setdefault("max_retries", 3)
    return make_client(f"openai-compatible/any-model@{srv.url}", **kw)


# -- the request forms and the rejection test --------------------------------------------------

def test_request_fields_of_each_form():
    schema = MENU_LABOUR.json_schema_for_llm()
    assert request_fields("json_schema", "labor", schema)["response_format"] == {
        "type": "json_schema", "json_schema": {"name": "labor", "schema": schema,
                                               "strict": False}}
    assert request_fields("json_object", "labor", schema) == {
        "response_format": {"type": "json_object", "schema": schema}}
    assert request_fields("ollama_format", "labor", schema) == {"extra_body": {"format": schema}}
    assert request_fields("none", "labor", schema) == {}
    with pytest.raises(ValueError, match="json_schema, json_object, ollama_format, none"):
        request_fields("auto", "labor", schema)


@pytest.mark.parametrize("status, body, invalid", [
    (500, "response_format.type: Input should be 'text' or 'json_object'", True),
    (500, '{"error": {"type": "api_error", "message": "injected server error"}}', False),
    (503, "overloaded", False),
    (400, "anything", True),
    (422, "bad", True),
    (429, "response_format rate", False),
    (401, "invalid api key", False),
    (408, "timeout", False),
])
def test_invalid_request_detection(status, body, invalid):
    assert is_invalid_request(status, body) is invalid


def test_negotiator_falls_back_once_only_on_format_rejections():
    neg = Negotiator("auto")
    assert neg.mode == "json_schema" and not neg.settled
    assert not neg.reject("json_schema", 400, "model 'x' not found")  # not about the format
    assert neg.reject("json_schema", 500, "response_format: Input should be 'text'")
    assert neg.mode == "json_object"
    # a concurrent call rejected in the mode already left: resend, no second move
    assert neg.reject("json_schema", 500, "response_format: Input should be 'text'")
    assert neg.mode == "json_object" and len(neg.rejected) == 1
    neg.accept("json_object")
    assert neg.settled and neg.summary()["rejected"][0]["status"] == 500
    forced = Negotiator("json_schema")
    assert not forced.reject("json_schema", 400, "response_format is not supported")
    assert forced.mode == "json_schema"
    last = Negotiator("auto")
    for mode in NEGOTIATION_ORDER[:-1]:
        assert last.reject(mode, 400, "unsupported response_format")
    assert not last.reject("none", 400, "unsupported format")
    with pytest.raises(ValueError, match="auto, json_schema"):
        Negotiator("grammar")


# -- negotiation against econsim serve ---------------------------------------------------------

@pytest.mark.parametrize("reject, chosen", [
    ((), "json_schema"),
    (("json_schema",), "json_object"),
    (("json_schema", "json_object"), "ollama_format"),
    (("json_schema", "json_object", "ollama_format"), "none"),
])
def test_negotiation_picks_the_first_accepted_form_and_never_retries_a_rejection(
        server, reject, chosen):
    srv = server(reject)
    client = client_for(srv, concurrency=1)
    out = client.complete_many_sync(requests(4))
    local = make_client("surrogate", seed=0).complete_many_sync(requests(4))
    assert [o.parsed for o in out] == [o.parsed for o in local]
    assert all(o.structured == chosen and not o.fallback and o.retries == 0 for o in out)
    # each refused form was sent exactly once (max_retries=3 did not resend it), then remembered
    assert all(srv.stats[f"rejected_{form}"] == 1 for form in reject)
    assert srv.stats["requests"] == len(reject) + 4
    summary = client.structured_output()
    assert summary["mode"] == chosen and summary["accepted"]
    assert [r["mode"] for r in summary["rejected"]] == list(reject)
    assert [r["status"] for r in summary["rejected"]] == [FORMAT_REJECTIONS[f][0] for f in reject]


def test_concurrent_first_calls_all_succeed_after_one_fallback(server):
    srv = server(("json_schema",))
    client = client_for(srv, concurrency=8)
    out = client.complete_many_sync(requests(8))
    assert all(o.structured == "json_object" and not o.fallback for o in out)
    assert [r["mode"] for r in client.structured_output()["rejected"]] == ["json_schema"]
    assert srv.stats["rejected_json_schema"] <= 8 and srv.stats["rejected_json_object"] == 0


def test_forced_mode_rejected_is_an_error_sent_once(server):
    srv = server(("json_schema",))
    client = client_for(srv, structured="json_schema", max_retries=3)
    with pytest.raises(RequestRejected, match="HTTP 500 on the only attempt.*not retried"):
        client.complete_sync(requests(1)[0].messages, schema=MENU_LABOUR, call_id="forced")
    assert srv.stats["requests"] == 1 and client.ledger.errors == 1


def test_injected_5xx_is_still_retried(server):
    srv = server(fail_first=1, fail_first_fault="5xx")
    out = client_for(srv).complete_many_sync(requests(3))
    assert all(o.retries == 1 and not o.fallback for o in out)


def test_serve_reject_format_option():
    assert build_parser().parse_args(["--reject-format", "json_schema", "--reject-format",
                                      "ollama_format"]).reject_format == ["json_schema",
                                                                          "ollama_format"]
    with pytest.raises(ValueError, match="json_schema, json_object, ollama_format"):
        serve(port=0, reject_formats=("grammar",))


def test_run_records_the_negotiated_form_in_manifest_and_calls(server, tmp_path):
    srv = server(("json_schema",))
    cfg = SimConfig(n_agents=2, n_steps=4, K=2, tax_preset="three", prompt_style="compact",
                    backend=f"openai-compatible/any-model@{srv.url}",
                    store=str(tmp_path / "calls.sqlite"))
    res = Simulation(cfg, tmp_path / "run").run()
    assert res.status == "complete"
    assert set(res.calls["structured_output"]) == {"json_object"}
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    so = manifest["backend"]["structured_output"]
    assert so["used"] == ["json_object"] and so["negotiation"]["mode"] == "json_object"
    assert so["negotiation"]["rejected"][0]["mode"] == "json_schema"
    # the replay reads the form from the store: identical calls table, no server needed
    srv.stop()
    rep = Simulation(cfg.replace(store_mode="replay"), tmp_path / "replay").run()
    cols = ["call_id", "kind", "reply", "raw_reply", "parsed", "structured_output", "clipped"]
    pd.testing.assert_frame_equal(res.calls[cols], rep.calls[cols])


def test_config_and_cli_structured_output_key(server, tmp_path, capsys):
    from econsim.cli.main import main

    assert SimConfig().structured_output == "auto"
    with pytest.raises(ValueError, match="structured_output 'grammar'; valid: auto, json_schema"):
        SimConfig(structured_output="grammar")
    with pytest.raises(SystemExit):
        main(["run", "--structured-output", "grammar", "--no-progress"])
    assert "valid: auto, json_schema, json_object, ollama_format, none" in capsys.readouterr().err
    srv = server()
    out = tmp_path / "cli"
    assert main(["run", "--backend", f"openai-compatible/any-model@{srv.url}",
                 "--structured-output", "json_object", "--n-agents", "2", "--n-steps", "2",
                 "--K", "2", "--tax-preset", "three", "--prompt-style", "compact",
                 "--out", str(out), "--no-progress"]) == 0
    assert set(pd.read_parquet(out / "calls.parquet")["structured_output"]) == {"json_object"}


# -- bounds in every schema, clipping counted --------------------------------------------------

def test_every_schema_sent_carries_bounds_and_allowed_values():
    lab = MENU_LABOUR.json_schema_for_llm()["properties"]["LABOR"]
    assert lab == {"type": "integer", "enum": list(range(0, 101, 10))}
    free = LabourChoice.json_schema_for_llm()["properties"]["LABOR"]
    assert free["minimum"] == 0 and free["maximum"] == 100
    delta = delta_schema(3).json_schema_for_llm()["properties"]["DELTA"]
    assert delta["items"]["enum"] == [-20, -10, 0, 10, 20]
    assert delta["minItems"] == delta["maxItems"] == 3
    sat = SCHEMAS.get("satisfaction").json_schema_for_llm()["properties"]["SATISFIED"]
    assert sat["enum"] == ["YES", "NO"]
    vote = vote_schema(("worker_0", "worker_2")).json_schema_for_llm()["properties"]["VOTE"]
    assert vote["enum"] == ["worker_0", "worker_2"]
    run = run_schema(2).json_schema_for_llm()["properties"]
    assert run["RUN"]["enum"] == ["YES", "NO"]
    assert run["PLATFORM"]["anyOf"][0]["items"]["enum"] == [-20, -10, 0, 10, 20]
    assert run["PLATFORM"]["anyOf"][0]["maxItems"] == 2
    assert SCHEMAS.get("persona").json_schema_for_llm()["properties"]["PERSONA"]["minLength"] == 20
    for schema in (MENU_LABOUR, LabourChoice, delta_schema(3), run_schema(2)):
        assert schema.json_schema_for_llm()["additionalProperties"] is False


class _Scripted:
    """A backend answering from a script (per call id), to test the client's bookkeeping."""

    kind, model, url = "scripted", "scripted", None

    def __init__(self, replies):
        self.replies = replies

    async def request(self, messages, *, schema, call_id, temperature, max_tokens):
        from econsim.llm.types import RawReply

        return RawReply(self.replies[call_id], 10, 5, "scripted", 0, "none")

    async def aclose(self):
        return None


def test_clipped_replies_are_counted_and_raw_replies_kept_on_fallback():
    from econsim.llm import LLMClient

    client = LLMClient(_Scripted({
        "a": '{"LABOR": 193.82}', "b": '{"LABOR": 10.5}', "c": '{"LABOR": 40}',
        "d": "This is a JSON-RPC server function ... is: 1.",
        "d#reask1": "I think 1.", "d#reask2": "Sure."}), max_reasks=2)
    out = {cid: client.complete_sync([{"role": "user", "content": "x"}], schema=MENU_LABOUR,
                                     call_id=cid, fallback=MENU_LABOUR(LABOR=40))
           for cid in "abcd"}
    assert out["a"].parsed.LABOR == 100 and out["a"].clipped == "LABOR 193.82 -> 100"
    assert out["b"].parsed.LABOR == 10 and out["b"].clipped == "LABOR 10.5 -> 10"
    assert out["c"].clipped == "" and not out["c"].fallback
    assert out["d"].fallback and out["d"].raw_text == "Sure." and out["d"].text == '{"LABOR":40.0}'
    assert client.ledger.clipped == 2 and client.ledger.fallbacks == 1
    assert client.ledger.parse_failures == 3


def test_decision_latency_includes_queueing_and_request_latency_does_not(server):
    srv = server(latency_s=0.05)
    out = client_for(srv, concurrency=1).complete_many_sync(requests(3, "lat"))
    for o in out:
        assert 0.04 < o.request_latency_s <= o.latency_s
    # the last of three serialised calls waited for the other two
    assert max(o.latency_s - o.request_latency_s for o in out) > 0.08
