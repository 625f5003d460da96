"""Mutation testing of the code that decides results (``make mutate``; docs/testing.md).

A mutant is the package with one small change (an operator flipped, a constant moved, an argument
dropped); a test suite that still passes has not noticed it. Each module of :data:`MODULES` is
mutated by mutmut (https://github.com/boxed/mutmut) against only the test files that exercise it:
the module's copy of the project is laid out in ``.mutate/<name>/`` (never in the work tree), and
mutmut forks one process per mutant from a warmed-up pytest and runs the tests that reach the
mutated function. Results go to ``results/mutation/<name>.json`` (counts, score, every surviving
mutant with its diff) and the table of every module run so far to
``results/mutation/summary.md``.

Score: (killed + timed out) / every mutant generated — a mutant no test reaches counts as not
killed.

Usage::

    python -m econsim.compendium.mutation                 # every module (slow: hours on 2 cores)
    python -m econsim.compendium.mutation uncertainty tax # some modules
    python -m econsim.compendium.mutation --list
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from econsim.compendium.paths import project_root
from econsim.registry import Registry

#: Where the per-module copies live (ignored by git).
WORK_DIR = ".mutate"
#: Where the results are written, relative to the project root.
RESULTS_DIR = Path("results") / "mutation"
#: Project folders the tests read (claims registry, configs, data, docs, committed results).
DATA_DIRS = ("notebooks", "data", "configs", "docs", "results", "figures")
#: Statuses that count as caught.
CAUGHT = ("killed", "timeout")


@dataclass(frozen=True)
class Target:
    """One module under mutation: its path, the tests that exercise it and, optionally, the
    mutant-name globs to run (to mutate a few functions of a large module)."""

    path: str
    tests: tuple[str, ...]
    only: tuple[str, ...] = ()
    #: mutmut's process isolation: "fork" (from the process that ran the tests: fastest) or
    #: "forkserver" (from a clean process: for tests that leave threads behind, e.g. the LLM
    #: client's event-loop thread, which would hang a forked child and pass for a kill by
    #: timeout)
    isolation: str = "fork"
    #: a pytest ``-k`` expression narrowing the selected files (empty: every test in them)
    k: str = ""


_SIM_TESTS = "test_tax_year or every_combination or democratic_majority or budget_stops"
MODULES: Registry[Target] = Registry("mutation target")
for _name, _target in {
    "tax": Target("econsim/economy/tax.py", ("test_tax", "test_properties", "test_input_errors")),
    "best_response": Target("econsim/economy/best_response.py",
                            ("test_utility_best_response", "test_properties",
                             "test_input_errors")),
    "utility": Target("econsim/economy/utility.py",
                      ("test_utility_best_response", "test_input_errors")),
    "welfare": Target("econsim/economy/welfare.py",
                      ("test_welfare_outcomes", "test_economics_edge_cases", "test_properties",
                       "test_input_errors")),
    "outcomes": Target("econsim/economy/outcomes.py",
                       ("test_welfare_outcomes", "test_input_errors")),
    "skills": Target("econsim/economy/skills.py", ("test_skills",)),
    "saez": Target("econsim/baselines/saez.py", ("test_saez", "test_inverse_optimum")),
    "inverse_optimum": Target("econsim/baselines/inverse_optimum.py",
                              ("test_inverse_optimum", "test_properties")),
    "stackelberg": Target("econsim/baselines/stackelberg.py", ("test_stackelberg",)),
    "welfare_evaluator": Target("econsim/baselines/welfare_evaluator.py",
                                ("test_stackelberg", "test_economics_edge_cases")),
    "backward_induction": Target("econsim/baselines/backward_induction.py",
                                 ("test_stackelberg", "test_economics_edge_cases")),
    "elasticities": Target("econsim/baselines/elasticities.py", ("test_saez",)),
    "uncertainty": Target("econsim/analysis/uncertainty.py",
                          ("test_uncertainty", "test_claims", "test_claims_intervals",
                           "test_claims_negative_controls")),
    "claim_registry": Target("econsim/analysis/claim_registry.py",
                             ("test_uncertainty", "test_claims", "test_claims_registry_fields",
                              "test_claims_negative_controls")),
    "parsing": Target("econsim/llm/parsing.py", ("test_llm_parsing",), isolation="forkserver"),
    "schemas": Target("econsim/llm/schemas.py", ("test_llm_schemas", "test_llm_parsing"),
                      isolation="forkserver"),
    "store": Target("econsim/llm/store.py", ("test_llm_store", "test_llm_client"),
                    isolation="forkserver"),
    "ledger": Target("econsim/llm/ledger.py", ("test_llm_ledger", "test_llm_client"),
                     isolation="forkserver"),
    # all of test_simulation would run minutes of simulations for every mutant (its resume
    # test alone takes 30 s): the tax-year tests, every scenario x worker x planner, the
    # democratic majority and the budget stop
    "planners": Target("econsim/simulation/planners.py", ("test_tax_year", "test_simulation"),
                       isolation="forkserver", k=_SIM_TESTS),
    # the tax-year logic of the loop: when the planner acts and a year closes (not the whole
    # loop), and the calendar it asks
    "tax_year": Target("econsim/simulation/loop.py", ("test_tax_year", "test_simulation"),
                       ("*_set_rates__mutmut_*", "*_close_tax_year__mutmut_*"),
                       isolation="forkserver", k=_SIM_TESTS),
    "calendar": Target("econsim/simulation/calendar.py", ("test_calendar", "test_tax_year")),
    # the configuration: each section's bounds, types and names, then the cross-section rules
    "config_sections": Target("econsim/simulation/config_sections.py",
                              ("test_config_sections", "test_config_cli_errors",
                               "test_hardening_inputs", "test_hardening_llm")),
    "config": Target("econsim/simulation/config.py",
                     ("test_config_sections", "test_config_cli_errors", "test_hardening_inputs",
                      "test_hardening_llm", "test_input_errors", "test_renamed"),
                     # mutmut's trampoline adds frames: warnings' stack levels differ there
                     k="not warning_points_at_the_callers_line"),
}.items():
    MODULES.register(_name, _target)


def _mutmut_config(target: Target) -> str:
    tests = [f"tests/{t}.py" for t in target.tests] + (["-k", target.k] if target.k else [])
    return ("\n[tool.mutmut]\n"
            'source_paths = ["econsim/"]\n'
            f"only_mutate = {json.dumps([target.path])}\n"
            f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
            'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]\n'
            f'process_isolation = "{target.isolation}"\n'
            f"also_copy = {json.dumps([d + '/' for d in DATA_DIRS] + ['README.md'])}\n")


def prepare(name: str, root: Path, work: Path) -> Path:
    """A fresh copy of what the module's tests need, with mutmut configured for it."""
    target = MODULES.get(name)
    dest = work / name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    shutil.copytree(root / "econsim", dest / "econsim", ignore=ignore)
    for d in DATA_DIRS:
        if (root / d).exists():
            shutil.copytree(root / d, dest / d, ignore=ignore)
    shutil.copy2(root / "README.md", dest / "README.md")
    (dest / "tests").mkdir()
    for t in ("conftest", *target.tests):
        shutil.copy2(root / "tests" / f"{t}.py", dest / "tests" / f"{t}.py")
    pyproject = (root / "pyproject.toml").read_text()
    (dest / "pyproject.toml").write_text(pyproject + _mutmut_config(target))
    return dest


_RESULT_LINE = re.compile(r"^\s*(\S+__mutmut_\d+): (.+?)\s*$")


def _mutmut(args: list[str], cwd: Path, log: Path | None = None) -> str:
    cmd = [sys.executable, "-m", "mutmut", *args]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    if log is None:
        return subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True,
                              text=True).stdout
    with log.open("w") as fh:
        subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=fh, stderr=subprocess.STDOUT)
    return ""


def run_module(name: str, root: Path, work: Path, max_children: int) -> dict[str, object]:
    """Mutate one module, run its tests against every mutant, and summarise."""
    target = MODULES.get(name)
    dest = prepare(name, root, work)
    t0 = time.perf_counter()
    _mutmut(["run", "--max-children", str(max_children), *target.only], dest,
            log=dest / "mutmut-run.log")
    wall = time.perf_counter() - t0
    status: dict[str, str] = {}
    for line in _mutmut(["results", "--all", "true"], dest).splitlines():
        m = _RESULT_LINE.match(line)
        if m and (not target.only or any(_glob(m.group(1), g) for g in target.only)):
            status[m.group(1)] = m.group(2)
    counts: dict[str, int] = {}
    for s in status.values():
        counts[s] = counts.get(s, 0) + 1
    alive = [k for k, s in status.items() if s not in CAUGHT]
    diffs = _diffs(alive, dest)
    survivors = [{"mutant": k, "status": status[k], "diff": diffs[k]} for k in alive]
    total = len(status)
    caught = sum(counts.get(s, 0) for s in CAUGHT)
    return {"module": target.path, "tests": [f"tests/{t}.py" for t in target.tests],
            "only": list(target.only), "mutants": total, "caught": caught,
            "score": caught / total if total else float("nan"), "counts": counts,
            "wall_time_s": round(wall, 1), "survivors": survivors}


def _glob(name: str, pattern: str) -> bool:
    import fnmatch

    return fnmatch.fnmatch(name, pattern)


# One process for every diff (``mutmut show`` per mutant would start Python each time).
_DIFFS_SCRIPT = """
import json, sys
from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant
names = json.load(sys.stdin)
json.dump({n: get_diff_for_mutant(n, path=find_mutant(n).path) for n in names}, sys.stdout)
"""


def _diffs(names: list[str], cwd: Path) -> dict[str, list[str]]:
    """The changed lines of each mutant (as ``mutmut show`` prints them, without headers)."""
    if not names:
        return {}
    out = subprocess.run([sys.executable, "-c", _DIFFS_SCRIPT], cwd=cwd, input=json.dumps(names),
                         check=True, capture_output=True, text=True).stdout
    return {n: [ln for ln in d.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
            for n, d in json.loads(out).items()}


#: Survivors whose kind is recognised from the diff alone, with why they survive. Anything else
#: is reported as "not caught" and explained (or killed) by hand: docs/testing.md.
KINDS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("equivalent: warnings", re.compile(r"np\.errstate\("),
     "only changes which floating-point warnings numpy silences; results are the same"),
    ("equivalent: dtype", re.compile(r"dtype=(float|np\.float64)"),
     "dropping a float dtype changes nothing for the numeric input the function accepts"),
    ("message text", re.compile(r"raise \w+\(|\b(as_float_array|check_\w+|_people|"
                                r"_check_choice)\((?:[^()]*, )?(None|\"XX|\"[A-Z_ ]+\")"),
     "only the wording of an error message (or the parameter it names) changes"),
)


_SQL = re.compile(r"\b(SELECT|INSERT|PRAGMA|CREATE)\b", re.IGNORECASE)


def kind_of(diff: list[str]) -> tuple[str, str]:
    """(kind, why) of a surviving mutant, from its diff lines."""
    removed = " ".join(ln[1:] for ln in diff if ln.startswith("-"))
    added = " ".join(ln[1:] for ln in diff if ln.startswith("+"))
    if _SQL.search(removed) and removed.lower() == added.lower():
        return ("equivalent: SQL case", "SQL keywords, table and column names are "
                "case-insensitive in SQLite")
    for kind, pattern, why in KINDS:
        if pattern.search(removed) or pattern.search(added):
            return kind, why
    return "not caught", "no test notices the change"


def write_survivors(out: Path) -> Path:
    """``survivors.md``: every surviving mutant of every module, its diff and its kind."""
    lines = ["# Surviving mutants", "",
             "Generated by `make mutate` (econsim/compendium/mutation.py) from "
             "results/mutation/*.json; the kinds are read from the diff (docs/testing.md "
             "explains the rest).", ""]
    for f in sorted(out.glob("*.json")):
        r = json.loads(f.read_text())
        by_kind: dict[str, list[dict[str, object]]] = {}
        for sv in r["survivors"]:
            by_kind.setdefault(kind_of(sv["diff"])[0], []).append(sv)
        lines += [f"## {f.stem} (`{r['module']}`): {len(r['survivors'])} of {r['mutants']}", ""]
        for kind, group in sorted(by_kind.items()):
            lines.append(f"**{kind}** ({len(group)}): {kind_of(group[0]['diff'])[1]}")
            lines.append("")
            for sv in group:
                short = str(sv["mutant"]).rsplit(".", 1)[-1]
                change = " / ".join(str(d)[:1] + " " + str(d)[1:].strip()[:120]
                                    for d in sv["diff"])
                lines.append(f"- `{short}` ({sv['status']}): `{change}`")
            lines.append("")
    path = out / "survivors.md"
    path.write_text("\n".join(lines))
    return path


def write_summary(out: Path) -> Path:
    """``summary.md``: one row per module result in ``out`` and the total."""
    rows, total, caught = [], 0, 0
    for f in sorted(out.glob("*.json")):
        r = json.loads(f.read_text())
        total += r["mutants"]
        caught += r["caught"]
        rows.append(f"| {f.stem} | `{r['module']}` | {r['mutants']} | {r['caught']} | "
                    f"{len(r['survivors'])} | {100 * r['score']:.1f} % |")
    lines = ["| name | module | mutants | killed | survived | score |",
             "|---|---|---:|---:|---:|---:|", *rows]
    if total:
        lines.append(f"| **all** | | {total} | {caught} | {total - caught} | "
                     f"**{100 * caught / total:.1f} %** |")
    path = out / "summary.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m econsim.compendium.mutation",
                                 description="Mutation testing of the deciding modules.")
    ap.add_argument("modules", nargs="*", help=f"modules to mutate (default all: "
                    f"{', '.join(MODULES)})")
    ap.add_argument("--list", action="store_true", help="list the modules and their tests")
    ap.add_argument("--max-children", type=int, default=2, help="parallel mutants (default 2)")
    ap.add_argument("--out", type=Path, default=None, help=f"results folder (default "
                    f"{RESULTS_DIR})")
    args = ap.parse_args(argv)
    if args.list:
        for name in MODULES:
            t = MODULES.get(name)
            print(f"{name:18} {t.path}  <- {', '.join(t.tests)}"
                  + (f"  (only {', '.join(t.only)})" if t.only else ""))
        return 0
    for name in args.modules:
        MODULES.get(name)  # unknown names fail before anything runs, listing the valid ones
    if args.max_children < 1:
        raise SystemExit(f"--max-children must be >= 1; got {args.max_children}")
    root = project_root()
    out = args.out or root / RESULTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    for name in args.modules or list(MODULES):
        print(f"mutating {name} ({MODULES.get(name).path}) ...", flush=True)
        res = run_module(name, root, root / WORK_DIR, args.max_children)
        (out / f"{name}.json").write_text(json.dumps(res, indent=1) + "\n")
        print(f"  {res['caught']}/{res['mutants']} killed ({100 * res['score']:.1f} %), "
              f"{len(res['survivors'])} survived, {res['wall_time_s']} s", flush=True)
    write_survivors(out)
    print(write_summary(out).read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
