"""Run every benchmark module in ``bench/`` and write ``results/bench/<area>.json``.

Each module defines ``run(quick: bool = False) -> list[dict]``; a row has ``name``, ``value``,
``unit`` and optionally ``target`` (text such as "<= 0.2 s"), ``ok`` (bool) and ``note``.
Usage: ``python -m bench [--quick] [area ...]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import pkgutil
import platform
from pathlib import Path

import bench

OUT = Path("results/bench")


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": str(os.cpu_count()), "python": platform.python_version(),
            "date": dt.date.today().isoformat()}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("areas", nargs="*", help="benchmark modules to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for smoke tests")
    args = parser.parse_args()
    available = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name[0] != "_")
    areas = args.areas or available
    unknown = sorted(set(areas) - set(available))
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}; valid: {', '.join(available)}")
    OUT.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(f"machine: {info['cpu']} ({info['cores']} cores), Python {info['python']}, {info['date']}")
    for area in areas:
        rows = importlib.import_module(f"bench.{area}").run(quick=args.quick)
        (OUT / f"{area}.json").write_text(json.dumps({"machine": info, "rows": rows}, indent=2))
        print(f"\n[{area}]")
        for r in rows:
            ok = {True: "ok", False: "MISSED", None: ""}[r.get("ok")]
            print(f"  {r['name']:<60} {r['value']:>12.4g} {r['unit']:<10} "
                  f"{r.get('target', ''):<14} {ok}")


if __name__ == "__main__":
    main()
