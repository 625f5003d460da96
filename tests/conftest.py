"""Shared test settings.

Hypothesis runs derandomised (examples derived from each test's source, no example database), so
``make test`` explores the same cases on every machine and a failure always reproduces. Set
``HYPOTHESIS_PROFILE=explore`` to search with fresh random examples instead.
"""

import os

from hypothesis import settings

settings.register_profile("econsim", derandomize=True, database=None, deadline=None,
                          print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "econsim"))
