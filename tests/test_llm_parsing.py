"""Lenient parsing of realistic model replies into the reply schemas."""

import pytest

from econsim.llm.parsing import ReplyError
from econsim.llm.schemas import (
    LabourChoice,
    Persona,
    Satisfaction,
    delta_schema,
    parse_reply,
    run_schema,
    snap_delta,
    vote_schema,
)


@pytest.mark.parametrize("text, hours", [
    ('{"LABOR": 40}', 40.0),
    ('```json\n{"LABOR": "40 hours"}\n```', 40.0),
    ('After reflecting on my history, I will work more.\n{"LABOR": 50}\nThis should help.', 50.0),
    ('{"labour": "45"}', 45.0),
    ("{'LABOR': 60,}", 60.0),
    ("LABOR: 70", 70.0),
    ("40 hours", 40.0),
    ('{"LABOR": 140}', 100.0),
    ('{"LABOR": -5}', 0.0),
    ('{"Labor Hours": "35.5"}', 35.5),
])
def test_labour_replies(text, hours):
    assert parse_reply(text, LabourChoice).LABOR == hours


@pytest.mark.parametrize("text", ["I am not sure.", '{"LABOR": "a lot"}', '{"HOURS_X": 4}', ""])
def test_labour_garbage_raises_with_reason(text):
    with pytest.raises(ReplyError) as err:
        parse_reply(text, LabourChoice)
    assert "LABOR" in str(err.value) or "number" in str(err.value)


def test_delta_coercion_and_snapping():
    d3 = delta_schema(3)
    assert parse_reply('{"DELTA": ["10%", "-10pp", 15]}', d3).DELTA == [10, -10, 20]
    assert parse_reply('```\n{"DELTA": "+10, 0, -20"}\n```', d3).DELTA == [10, 0, -20]
    assert parse_reply('{"DELTA": {"bracket 1": 5, "bracket 2": -35, "b3": 0}}', d3).DELTA == [
        10, -20, 0]
    assert [snap_delta(x) for x in (-5, 4.9, 25, -14)] == [-10, 0, 20, -10]
    with pytest.raises(ReplyError, match="3 entries"):
        parse_reply('{"DELTA": [10, 0]}', d3)
    assert d3.fallback().DELTA == [0, 0, 0]


@pytest.mark.parametrize("text, ans", [('{"SATISFIED": "YES"}', "YES"), ("No.", "NO"),
                                       ('{"satisfied": true}', "YES"),
                                       ('I am {"SATISFIED": "no"} about this', "NO")])
def test_satisfaction(text, ans):
    s = parse_reply(text, Satisfaction)
    assert s.SATISFIED == ans and s.r == (1.0 if ans == "YES" else 0.5)


def test_vote_matches_candidates_leniently():
    v = vote_schema(("worker_0", "worker_3"))
    assert parse_reply('{"VOTE": 3}', v).VOTE == "worker_3"
    assert parse_reply('{"vote": "Worker_0"}', v).VOTE == "worker_0"
    with pytest.raises(ReplyError, match="worker_0, worker_3"):
        parse_reply('{"VOTE": "worker_9"}', v)


def test_run_decision_not_running_is_valid_platform_required_when_running():
    r = run_schema(2)
    assert parse_reply('{"RUN": "NO", "PLATFORM": null}', r).RUN is False
    yes = parse_reply('{"RUN": "yes", "PLATFORM": ["+10", "-10"]}', r)
    assert yes.RUN and yes.PLATFORM == [10, -10]
    with pytest.raises(ReplyError, match="PLATFORM"):
        parse_reply('{"RUN": "YES"}', r)
    assert r.fallback().RUN is False


def test_persona_text():
    p = parse_reply('{"PERSONA": "You are a 45-year-old nurse who supports redistribution."}',
                    Persona)
    assert p.PERSONA.startswith("You are")
    with pytest.raises(ReplyError):
        parse_reply('{"PERSONA": "short"}', Persona)


@pytest.mark.parametrize("text", [
    "This is a JSON-RPC server function that returns the labour level, which is: 1.",
    "I would work 40 hours because the tax is low.",
    "Step 3 of 10: choose wisely",
])
def test_a_number_in_prose_is_a_parse_failure(text):
    with pytest.raises(ReplyError, match="expected keys LABOR"):
        parse_reply(text, LabourChoice)


@pytest.mark.parametrize("text, hours", [
    ("ANSWER: 40", 40.0), ("Let me think.\nFinal answer: 60 hours", 60.0),
    ("**Answer**: 30", 30.0), ("50", 50.0), ("LABOR = 20 because", 20.0)])
def test_an_explicit_answer_line_or_a_bare_value_is_read(text, hours):
    assert parse_reply(text, LabourChoice).LABOR == hours


def test_satisfaction_in_prose_needs_the_key_or_an_answer_line():
    with pytest.raises(ReplyError):
        parse_reply("Yes, I think the policy is no good at all.", Satisfaction)
    assert parse_reply("Answer: NO", Satisfaction).SATISFIED == "NO"


def test_values_outside_the_bounds_are_clipped_and_noted():
    from econsim.llm.schemas import labour_schema, parse_checked

    menu = labour_schema(tuple(range(0, 101, 10)))
    assert parse_checked('{"LABOR": 193.82}', LabourChoice)[1] == ["LABOR 193.82 -> 100"]
    assert parse_checked('{"LABOR": 35.5}', LabourChoice)[1] == []
    reply, notes = parse_checked('{"LABOR": 45}', menu)
    assert reply.LABOR == 40 and notes == ["LABOR 45 -> 40"]  # ties go to the lower value
    assert parse_checked('{"LABOR": 47}', menu)[0].LABOR == 50
    reply, notes = parse_checked('{"DELTA": [15, 0, -30]}', delta_schema(3))
    assert reply.DELTA == [20, 0, -20] and notes == ["DELTA [15, 0, -30] -> [20, 0, -20]"]
    assert parse_checked('{"DELTA": ["10%", 0, -20]}', delta_schema(3))[1] == []
    reply, notes = parse_checked('{"RUN": "YES", "PLATFORM": [5, 0]}', run_schema(2))
    assert reply.PLATFORM == [10, 0] and notes == ["PLATFORM [5, 0] -> [10, 0]"]
    with pytest.raises(ValueError, match=r"hours in \[0, 100\]"):
        labour_schema((0, 150))


# -- the object finder on replies that wrap their JSON in prose --------------------------------
@pytest.mark.parametrize("reply, expected", [
    ('Sure! {"LABOR": 40} hope that helps', {"LABOR": 40}),
    ('I think {"a": {"b": 1}, "c": "x}y"} is right', {"a": {"b": 1}, "c": "x}y"}),
    ('pick {"s": "he said \\"}\\" ok", "n": 2} done', {"s": 'he said "}" ok', "n": 2}),
    ("answer: {'LABOR': 30, 'NOTE': 'fine'} end", {"LABOR": 30, "NOTE": "fine"}),
    ('first {not json} then {"LABOR": 20}', {"LABOR": 20}),
    ("x {LABOR: 10, DELTA: [1, 2],} y", {"LABOR": 10, "DELTA": [1, 2]}),
    ('r {"ok": True, "bad": False, "none": None} z', {"ok": True, "bad": False, "none": None}),
    ('brace } before {"a": 1}', {"a": 1}),
    ('{"a": 1} and then {"b": 2}', {"a": 1}),
])
def test_object_found_inside_prose(reply, expected):
    from econsim.llm.parsing import extract_object

    assert extract_object(reply) == expected


def test_balanced_objects_respect_strings_and_nesting():
    from econsim.llm.parsing import _balanced_objects

    assert _balanced_objects('a {"x": "}"} b {"y": {"z": 1}} c } {') == \
        ['{"x": "}"}', '{"y": {"z": 1}}']
    assert _balanced_objects("{'q': '{'} {\"e\": \"\\\\\"} {}") == \
        ["{'q': '{'}", '{"e": "\\\\"}', "{}"]
    assert _balanced_objects('no objects "{" here') == []


def test_no_object_is_a_reply_error_with_a_plain_message():
    from econsim.llm.parsing import ReplyError, extract_object

    for reply in ("forty hours", "{not json at all}", "[1, 2]", '{"unclosed": 1'):
        with pytest.raises(ReplyError, match="^no JSON object found in the reply$"):
            extract_object(reply)


def test_key_values_and_numbers():
    from econsim.llm.parsing import first_number, key_values, numbers

    assert key_values('LABOR = "40", DELTA: [1, 2]\nnote: hi', ("LABOR", "DELTA", "NOTE", "X")) \
        == {"LABOR": "40", "DELTA": "[1, 2]", "NOTE": "hi"}
    assert first_number("$1,200.50 a week") == 1200.5 and first_number(7) == 7.0
    assert numbers("from -3 to 1,200 and .5") == [-3.0, 1200.0, 0.5]
    with pytest.raises(ValueError, match="^expected a number, got a boolean$"):
        first_number(True)
    with pytest.raises(ValueError, match="^expected a number, got 'none'$"):
        first_number("none")
