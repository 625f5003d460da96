"""Fixtures shared by the test files."""

from __future__ import annotations

import pytest

from econsim.llm.serve import Faults, serve


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
