"""The offline surrogate: a seeded, deterministic in-context learner that reads only prompt text.

It answers every agent call with the JSON an LLM would give, using nothing but the messages it is
sent (history, outcomes, persona text); decision rules are in :mod:`econsim.llm.surrogate.agents`.
Given ``(seed, call_id)`` the answer is fully determined: its random draws are a counter-based
stream keyed by ``blake2b(f"{seed}:{call_id}")`` (:mod:`econsim.llm.surrogate.draws`), which the
array stand-in computes for a whole phase at once, bit for bit.

It is a stand-in for an LLM, not a model of one: figures made with it must say so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from econsim.llm.surrogate import agents
from econsim.llm.surrogate.draws import Draws, call_key
from econsim.registry import Registry

#: Decision rule per reply-schema kind.
SURROGATE_RULES: Registry[Callable[[str, Draws], dict]] = Registry("surrogate rule")
SURROGATE_RULES.register("labor", agents.labour)
SURROGATE_RULES.register("delta", agents.delta)
SURROGATE_RULES.register("satisfaction", agents.satisfaction)
SURROGATE_RULES.register("vote", agents.vote)
SURROGATE_RULES.register("run", agents.run)
SURROGATE_RULES.register("persona", agents.persona)

_KEY_TO_KIND = (('{"LABOR"', "labor"), ('{"DELTA"', "delta"), ('{"SATISFIED"', "satisfaction"),
                ('{"VOTE"', "vote"), ('{"RUN"', "run"), ('{"PERSONA"', "persona"))
SERVED_MODEL = "econsim-surrogate-1"


def infer_kind(text: str) -> str:
    """The call kind from the answer template in the prompt (used when no schema is sent)."""
    for key, kind in _KEY_TO_KIND:
        if key in text:
            return kind
    raise ValueError("cannot tell the call kind from the prompt: no answer template with one of "
                     "LABOR, DELTA, SATISFIED, VOTE, RUN, PERSONA")


def prompt_text(messages: Sequence[dict[str, Any]]) -> str:
    """All message contents joined (string contents or lists of text blocks)."""
    parts = []
    for m in messages:
        content = m.get("content", "")
        if isinstance(content, str):
            parts.append(content)
        else:
            parts.extend(b.get("text", "") for b in content if isinstance(b, dict))
    return "\n".join(parts)


class Surrogate:
    """Seeded in-context learner.

    Parameters
    ----------
    seed
        Any integer; answers are a pure function of ``(seed, call_id, messages)``.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = int(seed)

    def seed_of(self, call_id: str) -> int:
        """The key of one call's draws: ``blake2b(f"{seed}:{call_id}")`` (8 bytes)."""
        return call_key(self.seed, call_id)

    def rng(self, call_id: str) -> Draws:
        """One call's draws, keyed by :meth:`seed_of`."""
        return Draws(self.seed_of(call_id))

    def decide(self, messages: Sequence[dict[str, Any]], call_id: str,
               kind: str | None = None) -> dict:
        """The reply as a dict, e.g. ``{"LABOR": 40}``; ``kind`` inferred from the prompt if None."""
        text = prompt_text(messages)
        rule = SURROGATE_RULES.get(kind or infer_kind(text))
        return rule(text, self.rng(call_id))

    def reply(self, messages: Sequence[dict[str, Any]], call_id: str,
              kind: str | None = None) -> str:
        """The reply as JSON text."""
        return json.dumps(self.decide(messages, call_id, kind))


__all__ = ["SERVED_MODEL", "SURROGATE_RULES", "Surrogate", "infer_kind", "prompt_text"]
