"""Ledger of LLM usage and an optional budget.

Prices are list prices in USD per million tokens (input, output), matched by the longest prefix of
the served or requested model name. They were copied from the providers' public price pages in
2025 and drift: pass ``prices=`` to :class:`Ledger` (or edit :data:`PRICES_USD_PER_MTOK`) for
current ones. A served model with no price is charged at the requested model's price; a call
with neither costs 0 and is counted in ``unpriced_calls``. A USD budget needs a price: with
``max_usd`` set, a client for a model with no price is refused (:meth:`Ledger.require_price`),
since its spend could not be counted (use a call budget, or pass a price).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from econsim.llm.types import BudgetExceeded

#: USD per 1M tokens (input, output), by model-name prefix.
PRICES_USD_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "claude-3-5-haiku": (0.80, 4.00),
    "claude-haiku-4-5": (1.00, 5.00),
    "claude-sonnet-4": (3.00, 15.00),
    "claude-opus-4": (15.00, 75.00),
    "econsim-surrogate": (0.0, 0.0),
    "surrogate": (0.0, 0.0),
}


def price_of(model: str, prices: dict[str, tuple[float, float]]) -> tuple[float, float] | None:
    """(input, output) USD per 1M tokens for the longest matching prefix, or None."""
    name = model.split("/")[-1]
    best = max((p for p in prices if name.startswith(p)), key=len, default=None)
    return prices[best] if best is not None else None


@dataclass
class Budget:
    """Stop when ``max_calls`` requests were sent or ``max_usd`` was spent (None = no limit)."""

    max_calls: int | None = None
    max_usd: float | None = None


@dataclass
class Ledger:
    """Running totals of one run's LLM usage (thread-safe counters).

    ``latency_s`` sums the requests actually sent; ``decision_latency_s`` sums whole calls
    (queueing under the concurrency limit and re-asks included); ``clipped`` counts replies with a
    value clipped or snapped to the schema's bounds.
    """

    prices: dict[str, tuple[float, float]] = field(
        default_factory=lambda: dict(PRICES_USD_PER_MTOK))
    budget: Budget = field(default_factory=Budget)
    calls: int = 0
    cache_hits: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency_s: float = 0.0
    decision_latency_s: float = 0.0
    retries: int = 0
    reasks: int = 0
    parse_failures: int = 0
    fallbacks: int = 0
    clipped: int = 0
    errors: int = 0
    unpriced_calls: int = 0
    cost_usd: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def price(self, model: str, requested: str | None = None) -> tuple[float, float] | None:
        """USD per 1M (input, output) tokens of a call: at least the ``requested`` model's price,
        whatever model the server says it served (a server answering as a cheaper model cannot
        lower the cost counted against a budget); the served ``model``'s when only it is
        priced; ``None`` when neither is."""
        served = price_of(model, self.prices)
        asked = price_of(requested, self.prices) if requested is not None else None
        if served is None or asked is None:
            return asked if asked is not None else served
        return max(served[0], asked[0]), max(served[1], asked[1])

    def add_call(self, model: str, input_tokens: int, output_tokens: int, latency_s: float,
                 retries: int = 0, requested: str | None = None) -> None:
        """Count one request actually sent to a backend, priced by :meth:`price`."""
        price = self.price(model, requested)
        with self._lock:
            self.calls += 1
            self.input_tokens += input_tokens
            self.output_tokens += output_tokens
            self.latency_s += latency_s
            self.retries += retries
            if price is None:
                self.unpriced_calls += 1
            else:
                self.cost_usd += (input_tokens * price[0] + output_tokens * price[1]) / 1e6

    def add_calls(self, model: str, input_tokens: Sequence[int], output_tokens: Sequence[int],
                  latency_s: float, requested: str | None = None) -> None:
        """:meth:`add_call` for each of several requests (``latency_s`` each), the price looked
        up once; the totals are those of the calls added one by one."""
        price = self.price(model, requested)
        if len(input_tokens) != len(output_tokens):
            raise ValueError(f"{len(input_tokens)} input counts for {len(output_tokens)} calls")
        if price == (0.0, 0.0):  # free (the offline stand-in): every cost term is 0.0
            with self._lock:
                n = len(input_tokens)
                self.calls += n
                self.input_tokens += sum(input_tokens)
                self.output_tokens += sum(output_tokens)
                self.latency_s += latency_s * n
            return
        with self._lock:
            for n_in, n_out in zip(input_tokens, output_tokens, strict=True):
                self.calls += 1
                self.input_tokens += n_in
                self.output_tokens += n_out
                self.latency_s += latency_s
                if price is None:
                    self.unpriced_calls += 1
                else:
                    self.cost_usd += (n_in * price[0] + n_out * price[1]) / 1e6

    def require_price(self, model: str) -> None:
        """Raise ``ValueError`` when a USD budget is set and ``model`` has no price."""
        if self.budget.max_usd is not None and price_of(model, self.prices) is None:
            known = ", ".join(sorted(self.prices))
            raise ValueError(
                f"budget_usd needs a price for model {model!r}, which has none (priced model "
                f"prefixes: {known}); use budget_calls instead, or pass prices={{{model!r}: "
                f"(usd_per_mtok_in, usd_per_mtok_out)}} to make_client")

    def bump(self, name: str, n: float = 1) -> None:
        """Increment a counter (``cache_hits``, ``reasks``, ``parse_failures``, ...)."""
        with self._lock:
            setattr(self, name, getattr(self, name) + n)

    @property
    def exceeded(self) -> str | None:
        """A description of the exceeded limit, or None."""
        b = self.budget
        if b.max_calls is not None and self.calls >= b.max_calls:
            return f"call budget used up: {self.calls} calls >= max_calls={b.max_calls}"
        if b.max_usd is not None and self.cost_usd >= b.max_usd:
            return f"USD budget used up: ${self.cost_usd:.4f} >= max_usd=${b.max_usd:.4f}"
        return None

    def check(self) -> None:
        """Raise :class:`BudgetExceeded` if the budget is used up (call at checkpoints)."""
        why = self.exceeded
        if why:
            raise BudgetExceeded(why)

    def summary(self) -> dict[str, float | int | None]:
        """Counters as a plain dict (for manifests and tables)."""
        skip = {"prices", "budget", "_lock"}
        d: dict[str, float | int | None] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
        d["budget_max_calls"] = self.budget.max_calls
        d["budget_max_usd"] = self.budget.max_usd
        return d
