"""The README and its docs/ chapters name no results file that does not exist (issue 27): every
result file in the figure table is committed (or marked as not versioned), and every store a
command replays is committed or recorded by an earlier command of the same page."""

from __future__ import annotations

import re

from econsim.compendium.paths import project_root

ROOT = project_root()
README = (ROOT / "README.md").read_text()
# the README's chapters (the figure table and the run commands live in docs/)
CHAPTERS = {p.relative_to(ROOT).as_posix(): p.read_text()
            for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]}


def _figure_rows() -> list[tuple[str, str]]:
    """(notebook, result-files cell) of each row of the figure table."""
    rows = []
    for line in "\n".join(CHAPTERS.values()).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`\d\d_\w+`", cells[1]):
            rows.append((cells[1].strip("`"), cells[2]))
    return rows


def test_figure_table_names_committed_result_files():
    rows = _figure_rows()
    assert len(rows) > 20
    missing = []
    for notebook, cell in rows:
        for part in cell.split(","):
            if "not versioned" in part or "replay pack" in part:
                continue
            for name in re.findall(r"`([^`]+\.(?:csv|json|sqlite|parquet))`", part):
                path = ROOT / name if name.startswith("results/") \
                    else ROOT / "results" / notebook / name
                if not path.exists():
                    missing.append(f"{notebook}: {name}")
    assert missing == []


def test_replayed_stores_exist_or_are_recorded_first():
    for name, text in CHAPTERS.items():
        for m in re.finditer(r"replay:([\w./-]+)", text):
            path = m.group(1)
            recorded_before = re.search(rf"--(?:store|pack)\s+{re.escape(path)}",
                                        text[:m.start()])
            assert (ROOT / path).exists() or recorded_before, f"{name} replays {path}, which " \
                "neither ships nor is recorded by an earlier command"
