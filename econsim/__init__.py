"""econsim — a reproducible compendium of *LLM Economist* (Karten et al., 2025, arXiv 2507.15815).

Economics lives in small pure modules (``tax``, ``utility``, ``best_response``, ``skills``,
``welfare``, ``saez``, ``stackelberg``); rates are fractions in [0, 1] everywhere inside the package.
"""

__version__ = "0.1.0"
