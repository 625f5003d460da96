"""Prompt builders for every agent call, in two interchangeable styles.

``PROMPT_STYLES.get("paper")`` follows the paper's v1 prompts; ``"compact"`` carries the same
information as labelled fixed-precision lines. A style has one method per call kind
(:data:`CALL_KINDS`), each taking a view from :mod:`econsim.prompts.views` and returning chat
messages ``[{"role": "system", ...}, {"role": "user", ...}]``.

Examples
--------
>>> from econsim.prompts import build, WorkerView
>>> msgs = build("compact", "worker", WorkerView("worker_0", 950.0, 0, 100, (0.0,), (0.5,)))
>>> msgs[1]["content"].splitlines()[-1]
'ANSWER {"LABOR": <hours from MENU>}'
"""

from __future__ import annotations

from typing import Any, Protocol

from econsim.prompts.compact import CompactStyle
from econsim.prompts.paper import PaperStyle
from econsim.prompts.views import (
    UTILITY_TYPES,
    Candidate,
    LeaderView,
    PersonaRequest,
    PlannerView,
    PolicyRecord,
    RunView,
    SatisfactionBatch,
    SatisfactionView,
    StepRecord,
    VoteView,
    WorkerBatch,
    WorkerView,
)
from econsim.registry import Registry

#: Call kinds every style implements (method names).
CALL_KINDS: tuple[str, ...] = ("worker", "satisfaction", "planner", "leader", "vote", "run",
                               "persona")


class PromptStyle(Protocol):
    name: str

    def worker(self, v: WorkerView) -> list[dict[str, str]]: ...
    def satisfaction(self, v: SatisfactionView) -> list[dict[str, str]]: ...
    def planner(self, v: PlannerView) -> list[dict[str, str]]: ...
    def leader(self, v: LeaderView) -> list[dict[str, str]]: ...
    def vote(self, v: VoteView) -> list[dict[str, str]]: ...
    def run(self, v: RunView) -> list[dict[str, str]]: ...
    def persona(self, v: PersonaRequest) -> list[dict[str, str]]: ...


PROMPT_STYLES: Registry[PromptStyle] = Registry("prompt style")
PROMPT_STYLES.register("paper", PaperStyle())
PROMPT_STYLES.register("compact", CompactStyle())


def build(style: str, kind: str, view: Any) -> list[dict[str, str]]:
    """Messages for one call: ``style`` in :data:`PROMPT_STYLES`, ``kind`` in :data:`CALL_KINDS`."""
    if kind not in CALL_KINDS:
        raise ValueError(f"unknown call kind {kind!r}; valid kinds: {', '.join(CALL_KINDS)}")
    return getattr(PROMPT_STYLES.get(style), kind)(view)


__all__ = [
    "CALL_KINDS", "PROMPT_STYLES", "UTILITY_TYPES", "Candidate", "LeaderView", "PersonaRequest",
    "PlannerView", "PolicyRecord", "PromptStyle", "RunView", "SatisfactionBatch",
    "SatisfactionView", "StepRecord", "VoteView", "WorkerBatch", "WorkerView", "build",
]
