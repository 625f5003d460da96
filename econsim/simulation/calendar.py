"""The tax-year calendar: when rates change, when elections are held, when a tax year closes.

One definition for every engine (MODEL.md §2, §6). Steps are numbered ``t = 0 … n_steps − 1``;
tax year ``y`` holds steps ``y·K … y·K + K − 1`` (the last one may be shorter):

* at ``t = 0`` the planner's starting rates are put in force;
* at a later step ``t`` the planner acts when ``t mod K = 0`` and ``t ≥ warmup`` (the first
  action is at the first tax-year start not before ``warmup``);
* in the democratic scenario an election precedes the leader's action at the starts of tax
  years ``y ≥ 1`` with ``(y − 1) mod election_every = 0``;
* a tax year closes after ``done`` steps have been played when ``done mod K = 0`` or
  ``done = n_steps``; it started at ``⌊(done − 1)/K⌋·K``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TaxCalendar:
    """The calendar of one run (see the module docstring).

    Examples
    --------
    >>> cal = TaxCalendar(K=25, warmup=30, n_steps=110)
    >>> [t for t in range(110) if cal.planner_acts(t)]
    [50, 75, 100]
    >>> [done for done in range(1, 111) if cal.closes_year(done)]
    [25, 50, 75, 100, 110]
    >>> cal.year_start(110)
    100
    """

    K: int
    warmup: int
    n_steps: int
    election_every: int = 1

    @classmethod
    def of(cls, cfg: Any) -> TaxCalendar:
        """The calendar of a :class:`~econsim.simulation.config.SimConfig`."""
        return cls(cfg.K, cfg.warmup, cfg.n_steps, cfg.election_every)

    def year_of(self, t: int) -> int:
        """Tax year of step ``t``: ``⌊t / K⌋``."""
        return t // self.K

    def starts_year(self, t: int) -> bool:
        """Step ``t`` is the first of a tax year: ``t mod K = 0``."""
        return t % self.K == 0

    def planner_acts(self, t: int) -> bool:
        """The planner (or the elected leader) updates the rates at step ``t > 0``:
        ``t mod K = 0`` and ``t ≥ warmup``."""
        return t > 0 and t % self.K == 0 and t >= self.warmup

    def holds_election(self, t: int) -> bool:
        """An election precedes the leader's update at step ``t``: the planner acts and
        ``(⌊t/K⌋ − 1) mod election_every = 0``."""
        return self.planner_acts(t) and (t // self.K - 1) % self.election_every == 0

    def acting_steps(self) -> list[int]:
        """Every step at which the planner (or leader) updates the rates."""
        return [t for t in range(self.K, self.n_steps, self.K) if self.planner_acts(t)]

    def closes_year(self, done: int) -> bool:
        """After ``done`` steps a tax year closes: ``done mod K = 0`` or ``done = n_steps``."""
        return done % self.K == 0 or done == self.n_steps

    def year_start(self, done: int) -> int:
        """First step of the tax year that the ``done``-th step belongs to:
        ``⌊(done − 1)/K⌋·K``."""
        return ((done - 1) // self.K) * self.K
