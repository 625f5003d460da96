"""The surrogate's random draws: a counter-based stream per call, the same one by one or in bulk.

Each call has a 64-bit key, ``blake2b(f"{seed}:{call_id}")`` (8 bytes, little-endian). Its k-th
uniform draw (k = 0, 1, 2, …) is SplitMix64 (Steele, Lea & Flood, *Fast splittable pseudorandom
number generators*, OOPSLA 2014) applied to the counter ``key + (k + 1)·γ mod 2⁶⁴``:

    z ← (z ⊕ (z ≫ 30)) · 0xBF58476D1CE4E5B9;  z ← (z ⊕ (z ≫ 27)) · 0x94D049BB133111EB;
    z ← z ⊕ (z ≫ 31);  u_k = ⌊z / 2¹¹⌋ · 2⁻⁵³ ∈ [0, 1),

with γ = 0x9E3779B97F4A7C15. A rule consumes draws in order: ``random()`` is the next u,
``choice(seq)`` is ``seq[⌊u · len(seq)⌋]``, ``gauss(μ, σ)`` is Box–Muller on the next two.

Why not :class:`random.Random` seeded per call: seeding a Mersenne Twister costs ~8 µs, several
times the decision it serves, and cannot be done for a whole phase at once. Here :class:`Draws`
(one call, pure Python) and :func:`uniforms` (many calls, numpy ``uint64`` arithmetic, which wraps
modulo 2⁶⁴) give bit-identical numbers, so the prompt-reading surrogate and the array stand-in
decide identically (``tests/test_standin.py``; the two are compared draw by draw in
``tests/test_llm_surrogate.py``).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

T = TypeVar("T")

_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_UNIT = 2.0 ** -53


def call_key(seed: int, call_id: str) -> int:
    """The 64-bit key of one call: ``blake2b(f"{seed}:{call_id}")``, 8 bytes, little-endian."""
    digest = hashlib.blake2b(f"{seed}:{call_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def call_keys(seed: int, call_ids: Sequence[str]) -> NDArray[np.uint64]:
    """:func:`call_key` of every call id, as one array (the digests joined and read at once)."""
    prefix = f"{seed}:"
    digests = b"".join([hashlib.blake2b((prefix + cid).encode(), digest_size=8).digest()
                        for cid in call_ids])
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


class Draws:
    """The draws of one call, consumed in order (module docstring)."""

    __slots__ = ("key", "k")

    def __init__(self, key: int) -> None:
        self.key = int(key) & _MASK
        self.k = 0

    def random(self) -> float:
        """The next uniform draw in [0, 1)."""
        self.k += 1
        return (_mix((self.key + self.k * _GAMMA) & _MASK) >> 11) * _UNIT

    def choice(self, seq: Sequence[T]) -> T:
        """``seq[⌊u · len(seq)⌋]`` with the next draw ``u``."""
        if not seq:
            raise IndexError("cannot choose from an empty sequence")
        return seq[int(self.random() * len(seq))]

    def gauss(self, mu: float = 0.0, sigma: float = 1.0) -> float:
        """A normal draw, Box–Muller on the next two uniforms:
        ``μ + σ·√(−2 ln(1 − u₁))·cos(2π u₂)``."""
        u1, u2 = self.random(), self.random()
        return mu + sigma * math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


def uniforms(keys: Sequence[int] | NDArray[np.uint64], n: int) -> NDArray[np.float64]:
    """The first ``n`` uniform draws of each key, shape ``(len(keys), n)``: row i, column k is
    the (k+1)-th ``Draws(keys[i]).random()``, bit for bit."""
    key = np.asarray(keys, dtype=np.uint64).reshape(-1, 1)
    k = np.arange(1, n + 1, dtype=np.uint64).reshape(1, -1)
    z = key + k * np.uint64(_GAMMA)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * _UNIT


__all__ = ["Draws", "call_key", "call_keys", "uniforms"]
