"""The dated price table of the cost estimate (``prices.yaml`` beside this module).

Each model-name prefix has USD per 1M tokens for input, cached input and output, an assumed
per-request latency range and an optional ``reasoning`` flag; a name matches its longest prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

PRICES_FILE = Path(__file__).with_name("prices.yaml")


@dataclass(frozen=True)
class Price:
    """USD per 1M tokens and an assumed request latency range (s)."""

    input: float
    cached_input: float
    output: float
    latency_s: tuple[float, float]
    reasoning: bool = False

    def cost(self, input_tokens: float, output_tokens: float, cached: bool = False) -> float:
        """USD = input × (cached) input price + output × output price, per 1M tokens."""
        rate = self.cached_input if cached else self.input
        return (input_tokens * rate + output_tokens * self.output) / 1e6


@dataclass(frozen=True)
class LocalSpeed:
    """Tokens per second of one local model instance and the prefix-reuse speed-up."""

    prompt_tokens_per_s: float
    completion_tokens_per_s: float
    prefix_reuse: float

    def seconds(self, prompt_tokens: float, completion_tokens: float, reuse: bool) -> float:
        """Model time of these tokens on one instance (prompt evaluation sped up by reuse)."""
        rate = self.prompt_tokens_per_s * (self.prefix_reuse if reuse else 1.0)
        return prompt_tokens / rate + completion_tokens / self.completion_tokens_per_s


@dataclass(frozen=True)
class PriceTable:
    date: str
    source: str
    models: dict[str, Price]
    local: dict[str, LocalSpeed] = field(default_factory=dict)

    def lookup(self, model: str) -> Price | None:
        """The price of the longest prefix of ``model`` (its last ``/`` part), or None."""
        name = model.split("/")[-1].lower()
        best = max((p for p in self.models if name.startswith(p)), key=len, default=None)
        return self.models[best] if best is not None else None


def load_prices(path: str | Path = PRICES_FILE) -> PriceTable:
    """Read a price table; a missing key names the model and the keys needed."""
    data = yaml.safe_load(Path(path).read_text())
    models = {}
    for name, row in data["models"].items():
        missing = {"input", "cached_input", "output", "latency_s"} - set(row)
        if missing:
            raise ValueError(f"{path}: model {name!r} lacks {sorted(missing)}")
        models[name.lower()] = Price(float(row["input"]), float(row["cached_input"]),
                                     float(row["output"]), tuple(row["latency_s"]),
                                     bool(row.get("reasoning", False)))
    local = {name.lower(): LocalSpeed(float(row["prompt_tokens_per_s"]),
                                      float(row["completion_tokens_per_s"]),
                                      float(row.get("prefix_reuse", 1.0)))
             for name, row in (data.get("local") or {}).items()}
    return PriceTable(str(data["date"]), str(data["source"]), models, local)
