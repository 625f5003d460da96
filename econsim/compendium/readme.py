"""Numbers in the README and the docs are generated from committed result files, never typed.

A generated block sits between ``<!-- begin generated: NAME -->`` and ``<!-- end generated:
NAME -->``; ``python -m econsim.compendium.readme`` (``make readme``) rewrites every block from its
source, and ``tests/test_readme_blocks.py`` fails when a committed block differs from what the
sources give. The README's claims tables (between ``<!-- claims:start -->`` and ``<!--
claims:end -->``) come from ``results/*/claims.csv`` through ``python -m econsim.analysis.claims
--update-readme``, which ``make readme`` runs first: this module is in the lowest layer and needs
only the standard library, so ``python3 -m econsim.compendium.readme --time ...`` runs in a clone
before any ``make``.

Blocks (registry :data:`BLOCKS`):

``claims-summary``
    how many claim rows of each kind (exact, offline stand-in, real models) got each verdict,
    and over how many seeds, from ``results/*/claims.csv``.
``timings``
    wall times of ``make test``, ``make figures`` and ``make book`` from ``results/timings.json``,
    which ``python -m econsim.compendium.readme --time "make figures"`` writes (it runs the command
    and records its wall time, the machine and the date; the command must succeed).
``bench-summary``
    how many of the performance targets the last ``make bench`` run met, and which not, from
    ``results/bench/*.json``.
``bench``
    every row of those files, by area, with its target and whether it was met.

Every block is rebuilt from whatever rows and entries the files hold, so new benchmarks, new
timings and new values need no change here.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from econsim.compendium.paths import project_root

TIMINGS = "results/timings.json"
BENCH = "results/bench"
#: Files that hold generated blocks.
FILES = ("README.md", "docs/performance.md")
_BLOCK = re.compile(r"(<!-- begin generated: ([\w-]+) -->\n)(.*?)(<!-- end generated: \2 -->)",
                    re.S)
#: The order in which timed commands are listed (others follow, sorted).
_TIMED_ORDER = ("make test", "make figures", "make book")


def _significant(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits with thousands separators.

    >>> [_significant(v) for v in (16465.26, 0.36821, 12.903, 0.0, 138.22, 4899)]
    ['16,465', '0.368', '12.9', '0', '138', '4,899']
    """
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:,.{decimals}f}"


#: How a benchmark value reads, by its unit.
_UNITS: dict[str, Callable[[float], str]] = {
    "s": lambda v: f"{_significant(v)} s",
    "1/s": lambda v: f"{_significant(v)} /s",
    "x": lambda v: f"{_significant(v)} ×",
    "chars": lambda v: f"{_significant(v)} characters",
    "calls": lambda v: f"{_significant(v)} calls",
}


def format_value(value: Any, unit: str) -> str:
    """A benchmark row's value with its unit (unknown units are appended as they are).

    >>> format_value(12.903, "x"), format_value(0.0, "calls"), format_value(3.5, "MiB")
    ('12.9 ×', '0 calls', '3.50 MiB')
    """
    if not isinstance(value, int | float) or isinstance(value, bool):
        return f"{value} {unit}".strip()
    if unit in _UNITS:
        return _UNITS[unit](float(value))
    return f"{_significant(float(value))} {unit}".strip()


def duration(seconds: float) -> str:
    """Seconds as a reader says them: ``42 s``, ``7.3 min``, ``1.2 h``.

    >>> duration(11.6), duration(438), duration(9000)
    ('12 s', '7.3 min', '2.5 h')
    """
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def machine() -> str:
    """CPU model and core count of this machine, e.g. ``AMD EPYC 9B14, 2 cores``."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores"


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} ({what}) is not valid JSON: {exc}") from exc


def load_timings(root: Path) -> dict[str, dict[str, Any]]:
    """``results/timings.json``: command -> {wall_s, date, machine, note}; {} when absent."""
    path = root / TIMINGS
    if not path.is_file():
        return {}
    data = _read_json(path, "timings")
    bad = [k for k, v in data.items()
           if not isinstance(v, dict) or not isinstance(v.get("wall_s"), int | float)]
    if bad:
        raise ValueError(f"{path}: entries {bad} need a numeric 'wall_s'")
    return data


def timings_block(root: Path) -> str:
    """One sentence with each recorded command's wall time, date and machine."""
    timings = load_timings(root)
    if not timings:
        return (f"No wall times recorded yet (`python -m econsim.compendium.readme --time "
                f"\"make figures\"` writes `{TIMINGS}`).\n")
    order = [c for c in _TIMED_ORDER if c in timings] + sorted(set(timings) - set(_TIMED_ORDER))
    parts = []
    for command in order:
        entry = timings[command]
        where = ", ".join(str(x) for x in (entry.get("date"), entry.get("machine"),
                                           entry.get("note")) if x)
        parts.append(f"`{command}` took {duration(entry['wall_s'])}"
                     + (f" ({where})" if where else ""))
    return "Measured wall times: " + "; ".join(parts) + f". Source: `{TIMINGS}`.\n"


def load_bench(root: Path) -> dict[str, dict[str, Any]]:
    """``results/bench/<area>.json`` by area (sorted); {} when none."""
    folder = root / BENCH
    out = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        data = _read_json(path, "benchmark results")
        if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
            raise ValueError(f"{path}: expected {{'machine': ..., 'rows': [...]}}")
        out[path.stem] = data
    return out


def _when(data: dict[str, Any]) -> str:
    m = data.get("machine") or {}
    cores = f"{m['cores']} cores" if m.get("cores") else None
    return ", ".join(str(x) for x in (m.get("date"), m.get("cpu"), cores) if x)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def bench_block(root: Path) -> str:
    """Every benchmark row by area: result, target and whether it was met."""
    areas = load_bench(root)
    if not areas:
        return f"No benchmark results yet: `make bench` writes `{BENCH}/*.json`.\n"
    lines = ["| area | benchmark | result | target | met |", "|---|---|---|---|---|"]
    for area, data in areas.items():
        for row in data["rows"]:
            met = {True: "yes", False: "**no**"}.get(row.get("ok"), "")
            note = f" ({row['note']})" if row.get("note") else ""
            lines.append(f"| {area} | {_cell(row.get('name', '?'))}{_cell(note)} | "
                         f"{format_value(row.get('value'), row.get('unit', ''))} | "
                         f"{_cell(row.get('target') or '')} | {met} |")
    runs = "; ".join(f"{area}: {_when(data)}" for area, data in areas.items())
    return "\n".join(lines) + f"\n\nRuns ({BENCH}/*.json): {runs}.\n"


def bench_summary_block(root: Path) -> str:
    """How many targets the last benchmark runs met, naming those they missed."""
    areas = load_bench(root)
    if not areas:
        return f"No benchmark results yet: `make bench` writes `{BENCH}/*.json`.\n"
    judged = [(area, row) for area, data in areas.items() for row in data["rows"]
              if row.get("ok") in (True, False)]
    missed = [f"{row.get('name', '?')}: {format_value(row.get('value'), row.get('unit', ''))}"
              f" (target {row.get('target')})" for _, row in judged if row.get("ok") is False]
    dates = sorted({(data.get("machine") or {}).get("date") or "undated"
                    for data in areas.values()})
    text = (f"`make bench` ({', '.join(areas)}; {', '.join(dates)}): {len(judged) - len(missed)}"
            f" of {len(judged)} targets met")
    text += (". Missed: " + "; ".join(missed) + ".") if missed else "."
    return text + " Every row: [docs/performance.md](docs/performance.md).\n"


#: How each kind of claims row is named in the summary, and how its verdicts read.
_CLAIM_KINDS = (("exact", "exact results", {}),
                ("stand-in", "offline stand-in", {"supported": "reproduced",
                                                  "contradicted": "not reproduced"}),
                ("model", "real models", {}))


def _claim_kind(row: dict[str, str]) -> str:
    """Which table a claims row belongs to (the rule of ``econsim.analysis.claims``, which this
    layer may not import; tests/test_readme_blocks.py checks that the two agree)."""
    if row.get("ci") == "exact":
        return "exact"
    return "stand-in" if row.get("backend") == "surrogate" else "model"


def load_claims(root: Path) -> list[dict[str, str]]:
    """Every row of ``results/*/claims.csv``, in notebook order (the standard library reads them,
    so the generator runs without the project's environment)."""
    files = sorted((root / "results").glob("*/claims.csv"))
    if not files:
        raise ValueError(f"no claims.csv under {root / 'results'}; run `make figures` first")
    rows = []
    for path in files:
        with path.open(newline="") as f:
            rows += list(csv.DictReader(f))
    return rows


def claims_summary_block(root: Path) -> str:
    """How many claim rows of each kind got each verdict, and over how many seeds."""
    rows = load_claims(root)
    parts = []
    for kind, title, words in _CLAIM_KINDS:
        chosen = [r for r in rows if _claim_kind(r) == kind]
        if not chosen:
            continue
        counts: dict[str, int] = {}
        for r in chosen:
            verdict = words.get(r["verdict"], r["verdict"])
            counts[verdict] = counts.get(verdict, 0) + 1
        seeds = sorted({int(r["seeds"]) for r in chosen if str(r["seeds"]).isdigit()})
        over = ("" if not seeds else f", {seeds[0]} seeds per row" if len(seeds) == 1
                else f", {seeds[0]} to {seeds[-1]} seeds per row")
        verdicts = ", ".join(f"{n} {v}" for v, n in sorted(counts.items(),
                                                          key=lambda kv: (-kv[1], kv[0])))
        plural = "s" if len(chosen) != 1 else ""
        parts.append(f"{title} ({len(chosen)} row{plural}{over}): {verdicts}")
    return "Verdicts in the tables below: " + "; ".join(parts) + ".\n"


#: Block name -> generator (project root -> the block's text).
BLOCKS: dict[str, Callable[[Path], str]] = {
    "claims-summary": claims_summary_block,
    "timings": timings_block,
    "bench-summary": bench_summary_block,
    "bench": bench_block,
}


def blocks_in(text: str) -> list[str]:
    """Names of the generated blocks in ``text``, in order."""
    return [m.group(2) for m in _BLOCK.finditer(text)]


def render(text: str, root: Path) -> str:
    """``text`` with every generated block rebuilt from its source.

    Raises ``ValueError`` naming an unknown block (and the known ones).
    """
    unknown = sorted(set(blocks_in(text)) - set(BLOCKS))
    if unknown:
        raise ValueError(f"unknown generated block(s) {unknown}; known: {', '.join(BLOCKS)}")
    return _BLOCK.sub(lambda m: m.group(1) + BLOCKS[m.group(2)](root) + m.group(4), text)


def stale(root: Path) -> list[str]:
    """The files whose blocks differ from what their sources give."""
    return [name for name in FILES if (root / name).is_file()
            and render((root / name).read_text(), root) != (root / name).read_text()]


def update(root: Path) -> list[str]:
    """Rewrite every file's generated blocks; returns the files that changed."""
    changed = []
    for name in FILES:
        path = root / name
        if not path.is_file():
            continue
        old = path.read_text()
        new = render(old, root)
        if new != old:
            path.write_text(new)
            changed.append(name)
    return changed


def record_timing(root: Path, command: str, wall_s: float, note: str | None = None) -> None:
    """Store ``command``'s wall time with today's date and this machine in the timings file."""
    path = root / TIMINGS
    timings = load_timings(root)
    timings[command] = {"wall_s": round(wall_s, 1), "date": dt.date.today().isoformat(),
                        "machine": machine(), **({"note": note} if note else {})}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(timings, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def time_command(root: Path, command: str, note: str | None = None) -> float:
    """Run ``command`` (bash, in the project root); record its wall time when it succeeds."""
    started = time.monotonic()
    code = subprocess.run(["bash", "-c", command], cwd=root).returncode
    wall = time.monotonic() - started
    if code:
        raise SystemExit(f"`{command}` failed (exit {code}) after {wall:.0f} s: nothing recorded")
    record_timing(root, command, wall, note)
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m econsim.compendium.readme",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only report files whose generated blocks are stale (exit 1)")
    parser.add_argument("--time", metavar="COMMAND",
                        help="run COMMAND (e.g. \"make figures\") and record its wall time")
    parser.add_argument("--note", help="with --time: a note kept with the timing "
                                       "(e.g. 'fresh clone, venv build included')")
    args = parser.parse_args(argv)
    if args.note and not args.time:
        parser.error("--note goes with --time")
    root = project_root()
    if args.time:
        wall = time_command(root, args.time, args.note)
        print(f"`{args.time}` took {duration(wall)}: recorded in {TIMINGS}; run `make readme`")
        return 0
    if args.check:
        out = stale(root)
        for name in out:
            print(f"{name}: generated blocks are stale: run `make readme`", file=sys.stderr)
        return 1 if out else 0
    changed = update(root)
    print("updated: " + ", ".join(changed) if changed else "every generated block is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
