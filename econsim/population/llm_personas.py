"""Personas written by a language model (any backend of :mod:`econsim.llm`), concurrently.

For every agent the prompt style's ``persona`` prompt (:mod:`econsim.prompts`) shows the agent's
age, sex, occupation group and annual income at 40 h/week and asks for a 2–3 sentence
second-person persona covering work, income level, attitude to taxes and redistribution, risk
tolerance and circumstances (the paper's content). All requests go out together through
:meth:`econsim.llm.LLMClient.complete_many` (concurrent under the client's limit); with a call
store every reply is cached under a call id ``persona/<seed>/<agent_id>``, so rerunning with the
same population replays the same personas without new calls.

Unlike offline personas, the attitudes in an LLM persona are whatever the model wrote; they are
not copied into the agent's attitude fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from econsim.economy.skills import HOURS_AT_REFERENCE
from econsim.llm import LLMClient, Persona, Request, make_client
from econsim.population.population import Population
from econsim.prompts import PersonaRequest, build


def persona_requests(pop: Population, rows: NDArray[np.integer] | Sequence[int] | None = None,
                     *, style: str = "paper") -> list[Request]:
    """One persona request per selected agent (default: every agent)."""
    sub = pop.agents if rows is None else pop.agents.iloc[np.asarray(rows)]
    seed = pop.config.get("seed")
    out = []
    for row in sub.itertuples():
        view = PersonaRequest(age=int(row.age), sex=str(row.sex), occupation=str(row.occupation),
                              income=float(row.skill) * HOURS_AT_REFERENCE)
        out.append(Request(build(style, "persona", view), Persona,
                           f"persona/{seed}/{int(row.agent_id)}"))
    return out


def write_llm_personas(pop: Population, backend: str | LLMClient = "surrogate", *,
                       style: str = "paper", store: str | Path | None = None,
                       concurrency: int = 32, **client_options: Any) -> Population:
    """A copy of ``pop`` whose personas were written by ``backend`` (blocking; notebook-safe).

    Parameters
    ----------
    backend
        A backend string (``"surrogate"``, ``"openai/gpt-4o-mini"``, ...) or a ready client.
    style
        Prompt style (``"paper"`` or ``"compact"``).
    store
        Call-store file for caching (``None``: no cache). Ignored when ``backend`` is a client.
    concurrency
        Requests in flight at once.
    """
    own = not isinstance(backend, LLMClient)
    client = (make_client(backend, store=store, concurrency=concurrency, **client_options)
              if own else backend)
    try:
        texts = client.complete_many_sync(persona_requests(pop, style=style))
    finally:
        if own:
            client.close()
    return pop.with_personas([c.parsed.PERSONA for c in texts], f"llm:{client.spec}")
