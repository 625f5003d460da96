"""The claims table: every notebook's ``claims.csv`` gathered into one table for the README.

``python -m econsim.analysis.claims`` prints the markdown table; a test keeps the README's copy (between
``<!-- claims:start -->`` and ``<!-- claims:end -->``) equal to what the committed results say.
Rows come from :func:`econsim.analysis.claim_registry.evaluate_claim` (estimate, 95 % interval
over paired seeds, the registered rule, its verdict and the seeds needed) or
:func:`~econsim.analysis.claim_registry.exact_claim`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from econsim.analysis.claim_registry import ROW_COLUMNS
from econsim.compendium.paths import project_path

START, END = "<!-- claims:start -->", "<!-- claims:end -->"
COLUMNS = ROW_COLUMNS
#: README header of each shown column (``id`` stays in the csv files).
HEADERS = {"claim": "claim", "metric": "metric (per seed)", "estimate": "estimate",
           "ci": "95 % CI", "seeds": "seeds", "rule": "rule (supported if)",
           "verdict": "verdict", "seeds_needed": "seeds needed", "backend": "backend",
           "notebook": "notebook"}


def collect_claims(results_root: str | Path = "results") -> pd.DataFrame:
    """All ``results/<notebook>/claims.csv`` rows, in notebook order."""
    files = sorted(project_path(results_root).glob("*/claims.csv"))
    if not files:
        raise ValueError(f"no claims.csv under {results_root}; run `make figures` first")
    frames = [pd.read_csv(f, dtype=str).fillna("") for f in files]
    table = pd.concat(frames, ignore_index=True)
    missing = set(COLUMNS) - set(table.columns)
    if missing:
        raise ValueError(f"claims tables lack column(s) {sorted(missing)}: rerun their notebooks "
                         "(every row comes from the claims registry)")
    return table[list(COLUMNS)]


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


#: How the offline stand-in's verdicts read: what the stand-in shows is a mechanism check of the
#: game and of a learner of its kind, never a finding about language models.
STANDIN_WORDS = {"supported": "reproduced by the stand-in",
                 "contradicted": "not reproduced by the stand-in"}
#: The three tables, in order: (title, which rows, what their verdicts mean).
SECTIONS = (
    ("Exact results (no randomness, no learner)", "exact",
     "Computed without randomness (exact games, elasticity curves): the value is compared with "
     "the margin directly."),
    ("Mechanism checks with the offline stand-in", "stand-in",
     "The stand-in is a hand-written in-context learner (docs/llm.md), not a language model: "
     "these rows say whether the game and a learner of this kind produce the claimed pattern, "
     "in the stand-in's own words."),
    ("Real language models", "model",
     "Named by model. A 135M-parameter model over 40 steps is a smoke test of that model, not a "
     "test of the paper's GPT-4o-class results."),
)


#: What the interval labels of the tables mean (each claim declares its method in
#: ``notebooks/claims.yaml``; "seeds needed" is computed for the same method).
INTERVAL_LEGEND = (
    "*95 % CI* labels: `t` Student t interval of the mean (light tails); `BCa` seeded BCa "
    "bootstrap of the mean (shares, gaps; none below 8 seeds); `signed-rank` exact Wilcoxon "
    "signed-rank interval of the pseudo-median, whose estimate is the Hodges–Lehmann one (heavy "
    "tails such as the paper's SWF, where one seed can carry the mean; none below 6 seeds); "
    "`log t` t interval of log-ratios; `cut to [a, b]` a t interval clipped to the quantity's "
    "range. Each claim's method, comparator and the paper's words (quoted or paraphrased, with "
    "their place) are in `notebooks/claims.yaml`; `tests/test_claims_negative_controls.py` "
    "shows every rule failing on a null baseline or on data built against it.")


def _section(row: dict) -> str:
    if row["ci"] == "exact":
        return "exact"
    return "stand-in" if row["backend"] == "surrogate" else "model"


def claims_markdown(table: pd.DataFrame) -> str:
    """The claims as three markdown tables — exact results, mechanism checks with the offline
    stand-in (verdicts in its vocabulary, :data:`STANDIN_WORDS`) and real-model rows — with the
    columns of :data:`HEADERS` (decided verdicts in bold)."""
    out = [INTERVAL_LEGEND, ""]
    rows = table.to_dict("records")
    for title, kind, about in SECTIONS:
        chosen = [r for r in rows if _section(r) == kind]
        if not chosen:
            continue
        out += [f"**{title}.** {about}", "",
                "| " + " | ".join(HEADERS.values()) + " |", "|" + "---|" * len(HEADERS)]
        for row in chosen:
            verdict = row["verdict"]
            decided = verdict in ("supported", "contradicted")
            if kind == "stand-in":
                verdict = STANDIN_WORDS.get(verdict, verdict)
            cells = {**row, "verdict": f"**{verdict}**" if decided else verdict,
                     "notebook": f"`{row['notebook']}`"}
            out.append("| " + " | ".join(_cell(cells[c]) for c in HEADERS) + " |")
        out.append("")
    return "\n".join(out).rstrip("\n")


def readme_block(results_root: str | Path = "results") -> str:
    """The README section between the markers, generated from the results."""
    return f"{START}\n{claims_markdown(collect_claims(results_root))}\n{END}"


def update_readme(readme: str | Path = "README.md", results_root: str | Path = "results") -> bool:
    """Rewrite the README's claims block; returns whether it changed."""
    path = project_path(readme)
    text = path.read_text()
    if START not in text or END not in text:
        raise ValueError(f"{path} has no {START} ... {END} block")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = head + readme_block(results_root) + tail
    path.write_text(new)
    return new != text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m econsim.analysis.claims", description=__doc__)
    parser.add_argument("--update-readme", action="store_true",
                        help="rewrite the claims block of README.md")
    args = parser.parse_args(argv)
    if args.update_readme:
        print("README.md updated" if update_readme() else "README.md already up to date")
    else:
        print(claims_markdown(collect_claims()))


if __name__ == "__main__":
    main()
