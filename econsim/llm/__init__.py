"""The LLM layer: one async interface over OpenAI, Anthropic, OpenAI-compatible servers, the
offline surrogate and recorded replays, with a call store, a ledger and a local test server.

Typical use::

    from econsim.llm import make_client, Request, LabourChoice
    client = make_client("surrogate", seed=0)                 # or "openai/gpt-4o-mini", ...
    done = client.complete_many_sync([Request(msgs, LabourChoice, "run1/t0/w0"), ...])

See ``docs/llm.md``.
"""

from econsim.llm.backends import ACCEPTED_FORMS, BACKENDS, Backend, make_backend
from econsim.llm.client import LLMClient, Request, make_client, run_sync
from econsim.llm.ledger import PRICES_USD_PER_MTOK, Budget, Ledger
from econsim.llm.schemas import (
    SCHEMAS,
    LabourChoice,
    Persona,
    Reply,
    RunDecision,
    Satisfaction,
    TaxDelta,
    Vote,
    delta_schema,
    labour_schema,
    parse_checked,
    parse_reply,
    run_schema,
    vote_schema,
)
from econsim.llm.store import STORE_MODES, CallStore
from econsim.llm.structured import STRUCTURED_OUTPUT, Negotiator
from econsim.llm.surrogate import Surrogate
from econsim.llm.types import (
    BudgetExceeded,
    Completion,
    LLMError,
    LocalCompletions,
    ParseFailure,
    ReplayMissError,
    RequestRejected,
    TransportError,
    parsed_replies,
)

__all__ = [
    "ACCEPTED_FORMS", "BACKENDS", "PRICES_USD_PER_MTOK", "SCHEMAS", "STORE_MODES",
    "STRUCTURED_OUTPUT", "Backend", "Negotiator", "RequestRejected", "labour_schema",
    "parse_checked",
    "Budget", "BudgetExceeded", "CallStore", "Completion", "LLMClient", "LLMError",
    "LabourChoice", "Ledger", "LocalCompletions", "ParseFailure", "Persona", "ReplayMissError", "Reply", "Request",
    "RunDecision", "Satisfaction", "Surrogate", "TaxDelta", "TransportError", "Vote",
    "delta_schema", "make_backend", "make_client", "parse_reply", "parsed_replies", "run_schema", "run_sync",
    "vote_schema",
]
