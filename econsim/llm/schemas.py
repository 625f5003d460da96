"""Pydantic reply schemas for every agent call, lenient about how real models write values.

Each schema has a ``KIND`` (the surrogate and the server dispatch on it), an ``ALIASES`` map of
accepted key spellings, and ``fallback()`` where a default action exists. Factories build the
variants that depend on the call: :func:`delta_schema` (number of brackets), :func:`vote_schema`
(candidate ids) and :func:`run_schema`.

Value rules
-----------
* ``LABOR``: any number ("40", "40 hours", "40.0"), clipped to [0, 100] (MODEL.md §2).
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
from functools import lru_cache
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

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


def snap_delta(value: Any) -> int:
    """Clip a DELTA to [-20, 20] pp and snap to the nearest menu value (halves away from zero)."""
    x = max(-20.0, min(20.0, first_number(value)))
    q = abs(x) / 10.0
    snapped = int(q + 0.5) * 10
    return snapped if x >= 0 else -snapped


def _delta_list(v: Any) -> list[int]:
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
        raise ValueError("DELTA must be a list with one change per bracket")
    return [snap_delta(x) for x in v]


def _yes_no(v: Any) -> str:
    if isinstance(v, bool):
        return "YES" if v else "NO"
    s = str(v).strip().strip(".!").upper()
    if s in _YES:
        return "YES"
    if s in _NO:
        return "NO"
    raise ValueError(f"expected YES or NO, got {v!r}")


class LabourChoice(Reply):
    """``{"LABOR": hours}``: weekly labour, clipped to [0, 100]."""

    KIND: ClassVar[str] = "labor"
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "LABOR": ("LABOUR", "HOURS", "LABOR_HOURS", "LABOUR_HOURS")}
    LABOR: float

    @field_validator("LABOR", mode="before")
    @classmethod
    def _hours(cls, v: Any) -> float:
        return min(100.0, max(0.0, first_number(v)))


class TaxDelta(Reply):
    """``{"DELTA": [d1, ..., dn]}``: percentage-point change per bracket (see module rules)."""

    KIND: ClassVar[str] = "delta"
    ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {"DELTA": ("DELTAS", "CHANGES", "CHANGE")}
    N_BRACKETS: ClassVar[int | None] = None
    DELTA: list[int]

    @field_validator("DELTA", mode="before")
    @classmethod
    def _deltas(cls, v: Any) -> list[int]:
        d = _delta_list(v)
        if cls.N_BRACKETS is not None and len(d) != cls.N_BRACKETS:
            raise ValueError(f"DELTA must have {cls.N_BRACKETS} entries (one per bracket); "
                             f"got {len(d)}")
        return d

    @classmethod
    def fallback(cls) -> Reply | None:
        return cls(DELTA=[0] * cls.N_BRACKETS) if cls.N_BRACKETS else None

    @classmethod
    def json_schema_for_llm(cls) -> dict[str, Any]:
        item = {"type": "integer", "enum": list(DELTA_MENU)}
        arr: dict[str, Any] = {"type": "array", "items": item}
        if cls.N_BRACKETS:
            arr |= {"minItems": cls.N_BRACKETS, "maxItems": cls.N_BRACKETS}
        return {"type": "object", "properties": {"DELTA": arr}, "required": ["DELTA"],
                "additionalProperties": False}


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
    def _platform(cls, v: Any) -> list[int] | None:
        if v is None or (isinstance(v, str) and v.strip().lower() in ("null", "none", "")):
            return None
        d = _delta_list(v)
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


#: Base schema per kind (the surrogate and server dispatch on ``KIND``).
SCHEMAS: Registry[type[Reply]] = Registry("reply schema")
for _cls in (LabourChoice, TaxDelta, Satisfaction, Vote, RunDecision, Persona):
    SCHEMAS.register(_cls.KIND, _cls)


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


def _bare_value(text: str, schema: type[Reply]) -> dict[str, Any] | None:
    """A reply with no key at all ("40 hours", "Yes.") for single-field schemas."""
    fields = list(schema.ALIASES)
    if len(fields) != 1 or schema.KIND in ("persona", "delta"):
        return None
    return {fields[0]: text.strip()}


def parse_reply(text: str, schema: type[Reply]) -> Reply:
    """Parse a model's reply into ``schema``, leniently (see the module docstring).

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
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}"
                         for e in exc.errors())
        raise ReplyError(msgs) from None
