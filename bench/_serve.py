"""Start ``econsim serve`` in another process for benchmarks (loopback only)."""

from __future__ import annotations

import re
import subprocess
import sys


def start_server(*args: str) -> tuple[subprocess.Popen, str]:
    """Launch ``python -m econsim.llm.serve --port 0 ARGS``; return the process and its base URL."""
    proc = subprocess.Popen([sys.executable, "-m", "econsim.llm.serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.search(r"(http://127\.0\.0\.1:\d+/v1)", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"econsim serve did not start: {line!r}")
    return proc, m.group(1)
