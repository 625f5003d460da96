"""The ledger: prices by longest prefix, every counter, the budget's limits and messages."""

import pytest

from econsim.llm.ledger import PRICES_USD_PER_MTOK, Budget, Ledger, price_of
from econsim.llm.types import BudgetExceeded


def test_price_by_longest_prefix_of_the_name_after_the_provider():
    assert price_of("openai/gpt-4o-mini-2024-07-18", PRICES_USD_PER_MTOK) == (0.15, 0.60)
    assert price_of("gpt-4o-2024-08-06", PRICES_USD_PER_MTOK) == (2.50, 10.00)
    assert price_of("gpt-4.1-mini", PRICES_USD_PER_MTOK) == (0.40, 1.60)
    assert price_of("a/b/claude-haiku-4-5", PRICES_USD_PER_MTOK) == (1.00, 5.00)
    assert price_of("llama-3", PRICES_USD_PER_MTOK) is None


def test_every_counter_and_the_cost():
    led = Ledger()
    led.add_call("gpt-4o-mini", 2_000_000, 1_000_000, 0.5, retries=2)
    led.add_call("unknown-model", 10, 20, 0.25, requested="gpt-4o")  # priced as requested
    led.add_call("unknown-model", 1, 1, 0.25)  # no price at all
    for name in ("cache_hits", "reasks", "parse_failures", "fallbacks", "clipped", "errors"):
        led.bump(name)
    led.bump("decision_latency_s", 1.5)
    assert led.summary() == {
        "calls": 3, "cache_hits": 1, "input_tokens": 2_000_011, "output_tokens": 1_000_021,
        "latency_s": 1.0, "decision_latency_s": 1.5, "retries": 2, "reasks": 1,
        "parse_failures": 1, "fallbacks": 1, "clipped": 1, "errors": 1, "unpriced_calls": 1,
        "cost_usd": pytest.approx(0.3 + 0.6 + (10 * 2.5 + 20 * 10.0) / 1e6),
        "budget_max_calls": None, "budget_max_usd": None}
    led.add_call("other-unknown", 1, 1, 0.0)
    assert led.unpriced_calls == 2
    capped = Ledger(budget=Budget(max_calls=9, max_usd=2.5)).summary()
    assert (capped["budget_max_calls"], capped["budget_max_usd"]) == (9, 2.5)
    assert Ledger(prices={"m": (1.0, 2.0)}).prices == {"m": (1.0, 2.0)}
    assert Ledger().prices == PRICES_USD_PER_MTOK and Ledger().prices is not PRICES_USD_PER_MTOK


def test_budget_limits_are_reached_at_equality_and_named():
    led = Ledger(budget=Budget(max_calls=2))
    led.add_call("surrogate", 1, 1, 0.0)
    assert led.exceeded is None
    led.check()
    led.add_call("surrogate", 1, 1, 0.0)
    assert led.exceeded == "call budget used up: 2 calls >= max_calls=2"
    with pytest.raises(BudgetExceeded, match="^call budget used up: 2 calls >= max_calls=2$"):
        led.check()
    usd = Ledger(budget=Budget(max_usd=0.75))
    usd.add_call("gpt-4o-mini", 1_000_000, 1_000_000, 0.1)  # exactly 0.75 USD
    assert usd.exceeded == "USD budget used up: $0.7500 >= max_usd=$0.7500"
    assert Ledger(budget=Budget(max_usd=1.0)).exceeded is None


def test_a_usd_budget_needs_a_price():
    Ledger().require_price("no-price-model")  # no USD budget: fine
    led = Ledger(prices={"a": (1.0, 1.0), "b": (2.0, 2.0)}, budget=Budget(max_usd=1.0))
    led.require_price("a-1")
    with pytest.raises(ValueError, match=r"^budget_usd needs a price for model 'x', which has "
                                         r"none \(priced model prefixes: a, b\); use "
                                         r"budget_calls instead, or pass prices=\{'x': "
                                         r"\(usd_per_mtok_in, usd_per_mtok_out\)\} to "
                                         r"make_client$"):
        led.require_price("x")
