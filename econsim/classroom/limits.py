"""Request limits of the class board: token buckets per client, so one page (or script) cannot
flood the board while a whole class behind one address still gets through.

A bucket holds up to ``capacity`` requests and refills at ``rate`` per second; a request takes
one token or is refused with the seconds until the next one. :class:`RateLimiter` keeps one
bucket per key (a client address, or an address and a student name) and forgets the least
recently used keys beyond ``max_keys``, so its memory is bounded too.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """``capacity`` requests at once, refilled at ``rate`` per second."""

    capacity: float
    rate: float

    def __post_init__(self) -> None:
        if not (self.capacity >= 1 and self.rate > 0):
            raise ValueError(f"a limit needs capacity >= 1 and rate > 0; got {self!r}")


class RateLimiter:
    """Token buckets keyed by client (thread-safe).

    Parameters
    ----------
    limit
        Burst size and refill rate of every bucket.
    max_keys
        Buckets kept; the least recently used beyond this are dropped (a dropped key starts
        again with a full bucket).
    clock
        Seconds, monotonic (a parameter so tests need not sleep).
    """

    def __init__(self, limit: Limit, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.max_keys = int(max_keys)
        self._clock = clock
        self._buckets: OrderedDict[object, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: object) -> float:
        """Take one token for ``key``: 0.0 if allowed, else the seconds until one is free."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.limit.capacity, now))
            tokens = min(self.limit.capacity, tokens + (now - last) * self.limit.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.limit.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait
