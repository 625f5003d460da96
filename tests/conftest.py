"""Shared test settings and fixtures.

Hypothesis runs derandomised (examples derived from each test's source, no example database), so
``make test`` explores the same cases on every machine and a failure always reproduces. Set
``HYPOTHESIS_PROFILE=explore`` to search with fresh random examples instead.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from econsim.llm.serve import Faults, serve

settings.register_profile("econsim", derandomize=True, database=None, deadline=None,
                          print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "econsim"))


@pytest.fixture
def server_factory():
    """Start ``econsim serve`` stand-ins on loopback (any free port) with the given faults:
    ``make(reject=(...), **faults)`` returns a started server; all are stopped afterwards."""
    servers = []

    def make(reject=(), **faults):
        srv = serve(port=0, seed=0, faults=Faults(**faults), reject_formats=reject).start()
        servers.append(srv)
        return srv

    yield make
    for s in servers:
        s.stop()
