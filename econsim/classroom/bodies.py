"""The class board's JSON request bodies as typed models (pydantic), one per ``POST /api/...``.

A body is checked field by field before anything is stored or computed; a bad one is refused
with one line naming the field (:func:`parse`). The models check types and shapes; the store
(:func:`econsim.classroom.store.validate_submission`) and the exercises keep the game's own rules
(rates per bracket, rounds of the setup, the replayed welfare). Fields a page sends besides
these (a ``welfare`` of its own, for one) are ignored.
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
)

from econsim.classroom.game import GameSetup
from econsim.classroom.store import check_name


def _setup(value: object) -> GameSetup:
    """A game setting from its JSON object (:class:`GameSetup` checks the values)."""
    if isinstance(value, GameSetup):
        return value
    if not isinstance(value, dict):
        raise ValueError("setup must be a JSON object of game settings")
    try:
        return GameSetup(**value)
    except TypeError as err:  # an unknown key: pydantic only turns ValueError into a refusal
        raise ValueError(f"setup: {str(err).splitlines()[0]}") from None


def _named(what: str, *, allow_empty: bool = False) -> BeforeValidator:
    return BeforeValidator(lambda v: check_name(v, what, allow_empty=allow_empty))


Setup = Annotated[GameSetup, BeforeValidator(_setup)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, arbitrary_types_allowed=True)


class Submission(_Body):
    """``POST /api/submit``: a finished game; the board replays ``rates`` for the welfare."""

    student: Annotated[str, _named("student")]
    setup: Setup
    rates: list[list[float]]

    def payload(self) -> dict:
        """The submission as :meth:`econsim.classroom.store.ClassStore.submit` takes it."""
        return {"student": self.student, "setup": self.setup.to_dict(), "rates": self.rates}


class Attempt(_Body):
    """``POST /api/attempt``: one try at an exercise (``answer`` in the exercise's unit)."""

    student: Annotated[str, _named("student")]
    setup: Setup
    exercise: str
    answer: Annotated[float, Field(allow_inf_nan=False)]

    @field_validator("exercise")
    @classmethod
    def _known(cls, name: str) -> str:
        from econsim.classroom.exercises import EXERCISES

        EXERCISES.get(name)  # an unknown name: ValueError listing the valid ones
        return name


class Progress(_Body):
    """``POST /api/progress``: a student's page is alive (``rounds`` played so far)."""

    player: Annotated[str, _named("player")]
    student: Annotated[str, _named("student", allow_empty=True)] = ""
    rounds: Annotated[StrictInt, Field(ge=0, le=50)] = 0


Model = TypeVar("Model", bound=BaseModel)


def parse(model: type[Model], payload: dict) -> Model:
    """``payload`` as ``model``, or ``ValueError`` with one line naming the first bad field.

    >>> parse(Progress, {"player": "p1", "rounds": 2}).rounds
    2
    >>> parse(Progress, {"player": "p1", "rounds": 51})
    Traceback (most recent call last):
    ...
    ValueError: rounds: Input should be less than or equal to 50
    """
    try:
        return model.model_validate(payload)
    except ValidationError as err:
        raise ValueError(reason(err)) from None


def reason(err: ValidationError) -> str:
    """One line for the first error: our own validators' messages name their field already;
    pydantic's get the field's path in front (``rates.0.1: Input should be a valid number``)."""
    first = err.errors(include_url=False)[0]
    own = (first.get("ctx") or {}).get("error")
    if first["type"] == "value_error" and isinstance(own, ValueError):
        return str(own).splitlines()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"
