"""Reply schemas, value by value: what each reply parses to, what was clipped, what is refused,
and the JSON schema sent for constrained decoding."""

import pytest

from econsim.llm.parsing import ReplyError
from econsim.llm.schemas import (
    SCHEMAS,
    LabourChoice,
    Persona,
    RunDecision,
    Satisfaction,
    TaxDelta,
    Vote,
    delta_schema,
    labour_schema,
    parse_checked,
    run_schema,
    snap_delta,
    vote_schema,
)

MENU = labour_schema((0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100))
D3, R2 = delta_schema(3), run_schema(2)
V = vote_schema(("cand_1", "cand_2", "Bob"))


@pytest.mark.parametrize("reply, schema, value, notes", [
    ('{"labour": "40 hours"}', LabourChoice, {"LABOR": 40.0}, []),
    ('{"LABOR": 193.82}', LabourChoice, {"LABOR": 100.0}, ["LABOR 193.82 -> 100"]),
    ('{"hours": -5}', LabourChoice, {"LABOR": 0.0}, ["LABOR -5 -> 0"]),
    ('{"LABOR": 45}', MENU, {"LABOR": 40.0}, ["LABOR 45 -> 40"]),  # a tie: the lower value
    ('{"LABOR": 46}', MENU, {"LABOR": 50.0}, ["LABOR 46 -> 50"]),
    ("LABOR: 37.5", MENU, {"LABOR": 40.0}, ["LABOR 37.5 -> 40"]),
    ("40 hours", MENU, {"LABOR": 40.0}, []),
    ("Final answer: 55", MENU, {"LABOR": 50.0}, ["LABOR 55 -> 50"]),
    ('{"DELTA": [15, -5, "10%"]}', D3, {"DELTA": [20, -10, 10]},
     ["DELTA [15, -5, 10] -> [20, -10, 10]"]),
    ('{"changes": "+10, -10pp, 0"}', D3, {"DELTA": [10, -10, 0]}, []),
    ('{"DELTA": {"a": 5, "b": 25, "c": -25}}', D3, {"DELTA": [10, 20, -20]},
     ["DELTA [5, 25, -25] -> [10, 20, -20]"]),
    ('{"DELTA": 10}', delta_schema(1), {"DELTA": [10]}, []),
    ('{"DELTA": "10|20|0"}', D3, {"DELTA": [10, 20, 0]}, []),
    ('{"DELTA": "[0, 10, -10]"}', D3, {"DELTA": [0, 10, -10]}, []),
    ('{"SATISFIED": "yes."}', Satisfaction, {"SATISFIED": "YES"}, []),
    ('{"answer": false}', Satisfaction, {"SATISFIED": "NO"}, []),
    ("No.", Satisfaction, {"SATISFIED": "NO"}, []),
    ('{"VOTE": "CAND_2"}', V, {"VOTE": "cand_2"}, []),
    ('{"vote": "2"}', V, {"VOTE": "cand_2"}, []),
    ('{"VOTE": "bob."}', V, {"VOTE": "Bob"}, []),
    ('{"VOTE": " x "}', Vote, {"VOTE": "x"}, []),
    ('{"RUN": "yes", "PLATFORM": [10, 0]}', R2, {"RUN": True, "PLATFORM": [10, 0]}, []),
    ('{"RUN": "no", "PLATFORM": [10, 0]}', R2, {"RUN": False, "PLATFORM": None}, []),
    ('{"RUN": "no", "PLATFORM": "none"}', R2, {"RUN": False, "PLATFORM": None}, []),
    ('{"text": "  a teacher in Ohio who likes fishing  "}', Persona,
     {"PERSONA": "a teacher in Ohio who likes fishing"}, []),
])
def test_reply_values_and_notes(reply, schema, value, notes):
    parsed, got = parse_checked(reply, schema)
    assert parsed.model_dump() == value and got == notes


@pytest.mark.parametrize("reply, schema, message", [
    ("I work 40 hours", MENU, "no JSON object found; expected keys LABOR"),
    ("nothing here", D3, "no JSON object found; expected keys DELTA"),
    ('{"DELTA": "[0, 0]"}', D3, "DELTA: Value error, DELTA must have 3 entries (one per "
                                "bracket); got 2"),
    ('{"DELTA": true}', D3, "DELTA: Value error, expected a number, got a boolean"),
    ('{"DELTA": null}', D3, "DELTA: Value error, DELTA must be a list with one change per "
                            "bracket"),
    ('{"SATISFIED": "maybe"}', Satisfaction, "SATISFIED: Value error, expected YES or NO, got "
                                             "'maybe'"),
    ('{"VOTE": "carol"}', V, "VOTE: Value error, VOTE must be one of cand_1, cand_2, Bob; got "
                             "'carol'"),
    ('{"RUN": "yes", "PLATFORM": null}', R2, "reply: Value error, PLATFORM (one DELTA per "
                                             "bracket) is required when RUN is YES"),
    ('{"RUN": "yes", "PLATFORM": [10]}', R2, "PLATFORM: Value error, PLATFORM must have 2 "
                                             "entries; got 1"),
    ('{"PERSONA": "short"}', Persona, "PERSONA: Value error, PERSONA must be at least 20 "
                                      "characters of text"),
])
def test_refused_replies_say_why(reply, schema, message):
    with pytest.raises(ReplyError) as err:
        parse_checked(reply, schema)
    assert str(err.value) == message


def test_snapping_fallbacks_and_registry():
    assert [snap_delta(x) for x in (15, -15, 5, -5, 4.9, -4.9, 25, -25, "10%")] == \
        [20, -20, 10, -10, 0, 0, 20, -20, 10]
    assert D3.fallback() == D3(DELTA=[0, 0, 0]) and TaxDelta.fallback() is None
    assert RunDecision.fallback() == RunDecision(RUN=False) and LabourChoice.fallback() is None
    assert (Satisfaction(SATISFIED="NO").r, Satisfaction(SATISFIED="YES").r) == (0.5, 1.0)
    assert sorted(SCHEMAS.names()) == ["delta", "labor", "persona", "run", "satisfaction",
                                       "vote"]
    assert labour_schema(None) is LabourChoice
    with pytest.raises(ValueError, match=r"^a labour menu holds hours in \[0, 100\]; got "
                                         r"\(0, 120\)$"):
        labour_schema((0, 120))


def test_json_schemas_for_constrained_decoding():
    menu = list(range(0, 101, 10))
    enum = [-20, -10, 0, 10, 20]

    def obj(props, required):
        return {"type": "object", "properties": props, "required": required,
                "additionalProperties": False}

    assert MENU.json_schema_for_llm() == obj({"LABOR": {"type": "integer", "enum": menu}},
                                             ["LABOR"])
    assert LabourChoice.json_schema_for_llm() == obj(
        {"LABOR": {"type": "number", "minimum": 0, "maximum": 100}}, ["LABOR"])
    arr = {"type": "array", "items": {"type": "integer", "enum": enum}}
    assert D3.json_schema_for_llm() == obj({"DELTA": {**arr, "minItems": 3, "maxItems": 3}},
                                           ["DELTA"])
    assert TaxDelta.json_schema_for_llm() == obj({"DELTA": arr}, ["DELTA"])
    assert R2.json_schema_for_llm() == obj(
        {"RUN": {"type": "string", "enum": ["YES", "NO"]},
         "PLATFORM": {"anyOf": [{**arr, "minItems": 2, "maxItems": 2}, {"type": "null"}]}},
        ["RUN", "PLATFORM"])
    assert V.json_schema_for_llm() == obj(
        {"VOTE": {"type": "string", "enum": ["cand_1", "cand_2", "Bob"]}}, ["VOTE"])
    assert Vote.json_schema_for_llm() == obj({"VOTE": {"type": "string"}}, ["VOTE"])
    assert Satisfaction.json_schema_for_llm() == obj(
        {"SATISFIED": {"type": "string", "enum": ["YES", "NO"]}}, ["SATISFIED"])
    assert Persona.json_schema_for_llm() == obj({"PERSONA": {"type": "string", "minLength": 20}},
                                                ["PERSONA"])


def test_bare_values_only_for_one_field_schemas_that_allow_them():
    assert parse_checked('"40"', MENU)[0].LABOR == 40.0  # quotes around a bare value
    assert parse_checked("`yes`", Satisfaction)[0].SATISFIED == "YES"
    for reply, schema in (("10", delta_schema(1)), ("a teacher from Ohio who likes fishing",
                                                     Persona)):
        with pytest.raises(ReplyError, match="^no JSON object found; expected keys"):
            parse_checked(reply, schema)
    with pytest.raises(ReplyError) as err:
        parse_checked('{"RUN": "maybe", "PLATFORM": [10]}', R2)
    assert str(err.value) == ("RUN: Value error, expected YES or NO, got 'maybe'; PLATFORM: "
                              "Value error, PLATFORM must have 2 entries; got 1")
