"""Benchmarks run by ``make bench``; each module ``bench/<area>.py`` exposes ``run(quick)``."""
