"""The SQLite call store: the key format, modes, every column of a row, lookups and pragmas."""

import sqlite3

import pytest

from econsim.llm.store import CallStore, call_key

MSGS = [{"role": "user", "content": "héllo, wörld"}]


def test_key_format_is_stable():
    """Committed replay packs are looked up by this key: any change to how it is built (field
    order, JSON separators, escaping) would make every recorded store miss."""
    assert call_key("openai", "gpt-4o-mini", MSGS, 0.7, 256, "LabourChoice", "t0/w1/labour") == \
        "98627a6750746aba78b0ced724f9cf404fa92eeabdf37e63e7e44b9927a5b9e1"


def _put(st, key, call_id="c1", request=None, **kw):
    st.put(key, call_id=call_id, backend=kw.get("backend", "b"), model=kw.get("model", "m"),
           request=request or {"messages": MSGS, "temperature": 0.7, "max_tokens": 256},
           response='{"LABOR": 40}', served_model="m-2024", input_tokens=11, output_tokens=7,
           latency_s=0.25, retries=1)


def test_every_column_round_trips_and_lookups(tmp_path):
    path = tmp_path / "nested" / "deeper" / "calls.sqlite"  # folders are created
    with CallStore(path) as st:
        assert st.mode == "record" and len(st) == 0
        _put(st, "k1", request={"messages": MSGS, "temperature": 0.7, "max_tokens": 256,
                                "structured_output": "json_schema"})
        _put(st, "k2", call_id="c2", backend="a", model="z")
        row = st.get("k1")
        created = row.pop("created")
        assert row == {"response": '{"LABOR": 40}', "served_model": "m-2024",
                       "input_tokens": 11, "output_tokens": 7, "latency_s": 0.25,
                       "retries": 1, "structured_output": "json_schema"}
        assert created > 0 and st.get("k2")["structured_output"] == "" and st.get("nope") is None
        assert len(st) == 2 and st.backends() == [("a", "z"), ("b", "m")]
        rows = st.rows()
        assert [r["key"] for r in rows] == ["k1", "k2"] and rows[0]["call_id"] == "c1"
        assert set(rows[0]) == {"key", "call_id", "backend", "model", "request", "response",
                                "served_model", "input_tokens", "output_tokens", "latency_s",
                                "retries", "created"}
        assert '"héllo, wörld"' in rows[0]["request"]  # stored as text, not \\u escapes
        # the same request under another schema: found by call id, backend, model, messages,
        # temperature and max_tokens together
        assert st.find_request("c1", "b", "m", MSGS, 0.7, 256)["response"] == '{"LABOR": 40}'
        for args in (("c9", "b", "m", MSGS, 0.7, 256), ("c1", "x", "m", MSGS, 0.7, 256),
                     ("c1", "b", "x", MSGS, 0.7, 256), ("c1", "b", "m", [], 0.7, 256),
                     ("c1", "b", "m", MSGS, 0.2, 256), ("c1", "b", "m", MSGS, 0.7, 255)):
            assert st.find_request(*args) is None, args
        con = st._con
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
        assert con.execute("PRAGMA busy_timeout").fetchone()[0] == 30000
    with CallStore(path, durable=True) as st:
        assert st._con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    with CallStore(path, "replay") as st:
        assert len(st) == 2
        with pytest.raises(ValueError, match="^cannot write to a store opened in mode 'replay'$"):
            _put(st, "k3")


def test_readonly_replay_writes_nothing_next_to_the_file(tmp_path):
    path = tmp_path / "pack.sqlite"
    with CallStore(path) as st:
        _put(st, "k1")
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    before = sorted(p.name for p in tmp_path.iterdir())
    with CallStore(path, "replay", readonly=True) as st:
        assert st.get("k1")["input_tokens"] == 11 and len(st) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == before == ["pack.sqlite"]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"mode": "off"}, ValueError, "^mode='off' means no store: pass store=None instead$"),
    ({"mode": "record", "readonly": True}, ValueError,
     "^readonly=True is only valid in replay mode$"),
    ({"mode": "bogus"}, ValueError, "valid names: off, record, replay"),
])
def test_bad_modes(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        CallStore(tmp_path / "c.sqlite", **kwargs)


def test_replay_of_a_missing_file(tmp_path):
    missing = tmp_path / "none.sqlite"
    with pytest.raises(FileNotFoundError, match=f"^replay store {missing} does not exist$"):
        CallStore(missing, "replay")
    assert not missing.exists()


def test_a_store_is_usable_from_another_thread(tmp_path):
    """The client answers from worker threads: both connections allow that."""
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "c.sqlite"
    with CallStore(path) as st, ThreadPoolExecutor(1) as pool:
        pool.submit(_put, st, "k1").result()
        assert pool.submit(st.get, "k1").result()["retries"] == 1
    with CallStore(path, "replay", readonly=True) as ro, ThreadPoolExecutor(1) as pool:
        assert pool.submit(len, ro).result() == 1
