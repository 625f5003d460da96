"""Pydantic reply schemas for every agent call, lenient about how real models write values.

Each schema has a ``KIND`` (the surrogate and the server dispatch on it), an ``ALIASES`` map of
accepted key spellings, and ``fallback()`` where a default action exists. Factories build the
variants that depend on the call: :func:`delta_schema` (number of brackets), :func:`vote_schema`
(candidate ids) and :func:`run_schema`.

Value rules
-----------
Every schema sent to a model carries its bounds and allowed values (``json_schema_for_llm``), so
constrained decoding enforces them; a parsed value outside them is clipped or snapped *and noted*
(:func:`parse_checked` returns the notes; the client counts them as ``clipped``).

* ``LABOR``: any number ("40", "40 hours", "40.0"), clipped to [0, 100] (MODEL.md §2); with a
  menu (:func:`labour_schema`, what every worker prompt shows) snapped to the nearest menu value.
* ``DELTA``: one number per bracket ("10", "+10", "10%", "-10pp"); clipped to [-20, 20] and snapped
  to the nearest menu value {-20, -10, 0, 10, 20} (halves round away from zero, so 15 → 20 and
  -5 → -10). The count must equal the number of brackets.
* ``SATISFIED``: YES/NO (also yes, y, true, satisfied / no, n, false, unsatisfied).
* ``VOTE``: a candidate id; case-insensitive, and a bare number matches the id ending in it.
* ``RUN``: YES/NO; ``PLATFORM`` a DELTA vector, required when running, ignored otherwise.
* ``PERSONA``: at least 20 characters of text.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from econsim.llm.parsing import ReplyError, extract_object, first_number, key_values
from econsim.registry import Registry

DELTA_MENU: tuple[int, ...] = (-20, -10, 0, 10, 20)
_YES = {"YES", "Y", "TRUE", "SATISFIED", "1"}
_NO = {"NO", "N", "FALSE", "UNSATISFIED", "NOT SATISFIED", "DISSATISFIED", "0"}


class Reply(BaseModel):
    """Base class: normalises key spellings (case, synonyms) before validation."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    KIND: ClassVar[str] = ""
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {}

    @model_validator(mode="before")
    @classmethod
    def _normalise_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        upper = {str(k).strip().upper().replace(" ", "_"): v for k, v in data.items()}
        out = {}
        for field, names in cls.ALIASES.items():
            for name in (field, *names):
                if name in upper:
                    out[field] = upper[name]
                    break
        return out

    @classmethod
    def fallback(cls) -> Reply | None:
        """Default action when every attempt failed and the caller gave none (None = no default)."""
        return None

    @classmethod
    def json_schema_for_llm(cls) -> dict[str, Any]:
        """JSON schema sent to servers for structured output."""
        return cls.model_json_schema()


def _note(info: ValidationInfo | None, what: str) -> None:
    """Record a clipped or snapped value in the validation context (a list), if one was given."""
    if info is not None and isinstance(info.context, list):
        info.context.append(what)


def snap_delta(value: Any) -> int:
    """Clip a DELTA to [-20, 20] pp and snap to the nearest menu value (halves away from zero)."""
    x = max(-20.0, min(20.0, first_number(value)))
    q = abs(x) / 10.0
    snapped = int(q + 0.5) * 10
    return snapped if x >= 0 else -snapped


def _delta_list(v: Any, info: ValidationInfo | None = None, name: str = "DELTA") -> list[int]:
    if isinstance(v, dict):
        v = list(v.values())
    if isinstance(v, str):
        s = v.strip()
        if s.startswith("["):
            v = json.loads(s)
        else:
            v = [p for p in s.replace("|", ",").split(",") if p.strip()]
    if isinstance(v, int | float):
        v = [v]
    if not isinstance(v, list | tuple):
        raise ValueError(f"{name} must be a list with one change per bracket")
    out = [snap_delta(x) for x in v]
    raw = [first_number(x) for x in v]
    if any(float(a) != b for a, b in zip(out, raw, strict=True)):
        _note(info, f"{name} {[f'{x:g}' for x in raw]} -> {out}".replace("'", ""))
    return out


def _yes_no(v: Any) -> str:
    if isinstance(v, bool):
        return "YES" if v else "NO"
    s = str(v).strip().strip(".!").upper()
    if s in _YES:
        return "YES"
    if s in _NO:
        return "NO"
    raise ValueError(f"expected YES or NO, got {v!r}")


def _delta_array(n_brackets: int | None) -> dict[str, Any]:
    """JSON schema of a DELTA vector: menu values, one per bracket."""
    arr: dict[str, Any] = {"type": "array", "items": {"type": "integer", "enum": list(DELTA_MENU)}}
    if n_brackets:
        arr |= {"minItems": n_brackets, "maxItems": n_brackets}
    return arr


class LabourChoice(Reply):
    """``{"LABOR": hours}``: weekly labour, clipped to [0, 100] (to ``MENU`` when one is set)."""

    KIND: ClassVar[str] = "labor"
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "LABOR": ("LABOUR", "HOURS", "LABOR_HOURS", "LABOUR_HOURS")}
    MENU: ClassVar[tuple[int, ...] | None] = None
    LABOR: float

    @field_validator("LABOR", mode="before")
    @classmethod
    def _hours(cls, v: Any, info: ValidationInfo) -> float:
        x = first_number(v)
        y = min(100.0, max(0.0, x))
        if cls.MENU:  # nearest menu value; ties go to the lower one
            y = float(min(cls.MENU, key=lambda m: (abs(m - y), m)))
        if y != x:
            _note(info, f"LABOR {x:g} -> {y:g}")
        return y

    @classmethod
    def json_schema_for_llm(cls) -> dict[str, Any]:
        hours: dict[str, Any] = ({"type": "integer", "enum": list(cls.MENU)} if cls.MENU else
                                 {"type": "number", "minimum": 0, "maximum": 100})
        return {"type": "object", "properties": {"LABOR": hours}, "required": ["LABOR"],
                "additionalProperties": False}


class TaxDelta(Reply):
    """``{"DELTA": [d1, ..., dn]}``: percentage-point change per bracket (see module rules)."""

    KIND: ClassVar[str] = "delta"
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {"DELTA": ("DELTAS", "CHANGES", "CHANGE")}
    N_BRACKETS: ClassVar[int | None] = None
    DELTA: list[int]

    @field_validator("DELTA", mode="before")
    @classmethod
    def _deltas(cls, v: Any, info: ValidationInfo) -> list[int]:
        d = _delta_list(v, info)
        if cls.N_BRACKETS is not None and len(d) != cls.N_BRACKETS:
            raise ValueError(f"DELTA must have {cls.N_BRACKETS} entries (one per bracket); "
                             f"got {len(d)}")
        return d

    @classmethod
    def fallback(cls) -> Reply | None:
        return cls(DELTA=[0] * cls.N_BRACKETS) if cls.N_BRACKETS else None

    @classmethod
    def json_schema_for_llm(cls) -> dict[str, Any]:
        return {"type": "object", "properties": {"DELTA": _delta_array(cls.N_BRACKETS)},
                "required": ["DELTA"], "additionalProperties": False}


class Satisfaction(Reply):
    """``{"SATISFIED": "YES" | "NO"}``."""

    KIND: ClassVar[str] = "satisfaction"
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "SATISFIED": ("SATISFACTION", "ANSWER", "SATISFIED_WITH_TAX_POLICY")}
    SATISFIED: str

    @field_validator("SATISFIED", mode="before")
    @classmethod
    def _yn(cls, v: Any) -> str:
        return _yes_no(v)

    @property
    def r(self) -> float:
        """Satisfaction multiplier: 1.0 for YES, 0.5 for NO."""
        return 1.0 if self.SATISFIED == "YES" else 0.5

    @classmethod
    def json_schema_for_llm(cls) -> dict[str, Any]:
        return {"type": "object", "properties": {"SATISFIED": {"type": "string",
                "enum": ["YES", "NO"]}}, "required": ["SATISFIED"], "additionalProperties": False}


class Vote(Reply):
    """``{"VOTE": candidate_id}``."""

    KIND: ClassVar[str] = "vote"
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {"VOTE": ("CANDIDATE", "CHOICE", "LEADER")}
    CANDIDATES: ClassVar[tuple[str, ...]] = ()
    VOTE: str

    @field_validator("VOTE", mode="before")
    @classmethod
    def _candidate(cls, v: Any) -> str:
        s = str(v).strip().strip('."')
        if not cls.CANDIDATES:
            return s
        for cand in cls.CANDIDATES:
            if s.lower() == cand.lower():
                return cand
        digits = "".join(ch for ch in s if ch.isdigit())
        if digits:
            hits = [c for c in cls.CANDIDATES
                    if "".join(ch for ch in c if ch.isdigit()) == digits]
            if len(hits) == 1:
                return hits[0]
        raise ValueError(f"VOTE must be one of {', '.join(cls.CANDIDATES)}; got {v!r}")

    @classmethod
    def json_schema_for_llm(cls) -> dict[str, Any]:
        prop: dict[str, Any] = {"type": "string"}
        if cls.CANDIDATES:
            prop["enum"] = list(cls.CANDIDATES)
        return {"type": "object", "properties": {"VOTE": prop}, "required": ["VOTE"],
                "additionalProperties": False}


class RunDecision(Reply):
    """``{"RUN": "YES" | "NO", "PLATFORM": [d1..dn] | null}``; not running is valid."""

    KIND: ClassVar[str] = "run"
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "RUN": ("RUNNING", "CANDIDACY", "STAND"), "PLATFORM": ("DELTA", "PLATFORM_DELTA")}
    N_BRACKETS: ClassVar[int | None] = None
    RUN: bool
    PLATFORM: list[int] | None = None

    @field_validator("RUN", mode="before")
    @classmethod
    def _run(cls, v: Any) -> bool:
        return _yes_no(v) == "YES"

    @field_validator("PLATFORM", mode="before")
    @classmethod
    def _platform(cls, v: Any, info: ValidationInfo) -> list[int] | None:
        if v is None or (isinstance(v, str) and v.strip().lower() in ("null", "none", "")):
            return None
        d = _delta_list(v, info, "PLATFORM")
        if cls.N_BRACKETS is not None and len(d) != cls.N_BRACKETS:
            raise ValueError(f"PLATFORM must have {cls.N_BRACKETS} entries; got {len(d)}")
        return d

    @model_validator(mode="after")
    def _platform_when_running(self) -> RunDecision:
        if self.RUN and self.PLATFORM is None:
            raise ValueError("PLATFORM (one DELTA per bracket) is required when RUN is YES")
        if not self.RUN and self.PLATFORM is not None:
            object.__setattr__(self, "PLATFORM", None)
        return self

    @classmethod
    def fallback(cls) -> Reply | None:
        return cls(RUN=False)

    @classmethod
    def json_schema_for_llm(cls) -> dict[str, Any]:
        return {"type": "object", "properties": {
            "RUN": {"type": "string", "enum": ["YES", "NO"]},
            "PLATFORM": {"anyOf": [_delta_array(cls.N_BRACKETS), {"type": "null"}]}},
            "required": ["RUN", "PLATFORM"], "additionalProperties": False}


class Persona(Reply):
    """``{"PERSONA": text}``."""

    KIND: ClassVar[str] = "persona"
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {"PERSONA": ("TEXT", "DESCRIPTION")}
    PERSONA: str

    @field_validator("PERSONA", mode="before")
    @classmethod
    def _text(cls, v: Any) -> str:
        s = str(v).strip()
        if len(s) < 20:
            raise ValueError("PERSONA must be at least 20 characters of text")
        return s

    @classmethod
    def json_schema_for_llm(cls) -> dict[str, Any]:
        return {"type": "object", "properties": {"PERSONA": {"type": "string", "minLength": 20}},
                "required": ["PERSONA"], "additionalProperties": False}


#: Base schema per kind (the surrogate and server dispatch on ``KIND``).
SCHEMAS: Registry[type[Reply]] = Registry("reply schema")
for _cls in (LabourChoice, TaxDelta, Satisfaction, Vote, RunDecision, Persona):
    SCHEMAS.register(_cls.KIND, _cls)


@lru_cache(maxsize=64)
def labour_schema(menu: tuple[int, ...] | None) -> type[LabourChoice]:
    """A :class:`LabourChoice` whose hours are snapped to ``menu`` (None: any hours in [0, 100])."""
    if menu is None:
        return LabourChoice
    menu = tuple(int(m) for m in menu)
    if not menu or any(not 0 <= m <= 100 for m in menu):
        raise ValueError(f"a labour menu holds hours in [0, 100]; got {menu!r}")
    return type("LabourOnMenu", (LabourChoice,), {"MENU": menu, "__module__": __name__})


@lru_cache(maxsize=64)
def delta_schema(n_brackets: int) -> type[TaxDelta]:
    """A :class:`TaxDelta` requiring exactly ``n_brackets`` entries."""
    return type(f"TaxDelta{n_brackets}", (TaxDelta,), {"N_BRACKETS": n_brackets,
                                                          "__module__": __name__})


@lru_cache(maxsize=64)
def run_schema(n_brackets: int) -> type[RunDecision]:
    """A :class:`RunDecision` whose platform has ``n_brackets`` entries."""
    return type(f"RunDecision{n_brackets}", (RunDecision,), {"N_BRACKETS": n_brackets,
                                                              "__module__": __name__})


@lru_cache(maxsize=256)
def vote_schema(candidates: tuple[str, ...]) -> type[Vote]:
    """A :class:`Vote` accepting only the given candidate ids."""
    return type("VoteAmong", (Vote,), {"CANDIDATES": tuple(candidates), "__module__": __name__})


_ANSWER_LINE = re.compile(r"^\W*(?:final\s+)?answer\W*[:=]\s*(.+?)\s*$", re.I | re.M)
_BARE = re.compile(r"^(?:[-+]?\d+(?:\.\d+)?\s*(?:hours?|hrs?|h|%|pp)?|[A-Za-z][\w-]*)[.!]?$", re.I)


def _bare_value(text: str, schema: type[Reply]) -> dict[str, Any] | None:
    """A reply with no key for single-field schemas: the whole reply is one value ("40 hours",
    "Yes.") or an explicit answer line gives it ("ANSWER: 40"). A number in prose is not one."""
    fields = list(schema.ALIASES)
    if len(fields) != 1 or schema.KIND in ("persona", "delta"):
        return None
    line = _ANSWER_LINE.search(text)
    value = (line.group(1) if line else text).strip().strip("\"'`")
    return {fields[0]: value} if _BARE.match(value) else None


def parse_checked(text: str, schema: type[Reply]) -> tuple[Reply, list[str]]:
    """Parse a model's reply into ``schema`` (see the module docstring), with clipping notes.

    Keys are required: a JSON object, ``KEY: value`` pairs, or — for one-field schemas — a reply
    that is only the value or an explicit ``ANSWER: value`` line. Returns the reply and a list
    of values clipped or snapped to the schema's bounds (e.g. ``["LABOR 193.82 -> 100"]``).

    Raises
    ------
    ReplyError
        With a message suitable for a re-ask ("DELTA must have 3 entries ...").
    """
    try:
        data: dict[str, Any] | None = extract_object(text)
    except ReplyError:
        data = key_values(text, tuple(schema.ALIASES)) or _bare_value(text, schema)
        if not data:
            raise ReplyError(f"no JSON object found; expected keys {', '.join(schema.ALIASES)}"
                             ) from None
    notes: list[str] = []
    try:
        return schema.model_validate(data, context=notes), notes
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}"
                         for e in exc.errors())
        raise ReplyError(msgs) from None


def parse_reply(text: str, schema: type[Reply]) -> Reply:
    """:func:`parse_checked` without the clipping notes."""
    return parse_checked(text, schema)[0]
