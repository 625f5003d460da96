"""The README names no results file that does not exist (issue 27): every result file in the
figure table is committed (or marked as not versioned), and every store a command replays is
committed or recorded by an earlier command of the README."""

from __future__ import annotations

import re

from econsim.compendium.paths import project_root

ROOT = project_root()
README = (ROOT / "README.md").read_text()


def _figure_rows() -> list[tuple[str, str]]:
    """(notebook, result-files cell) of each row of the figure table."""
    rows = []
    for line in README.splitlines():
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
    for m in re.finditer(r"replay:([\w./-]+)", README):
        path = m.group(1)
        recorded_before = re.search(rf"--store\s+{re.escape(path)}", README[:m.start()])
        assert (ROOT / path).exists() or recorded_before, f"README replays {path}, which " \
            "neither ships nor is recorded by an earlier command"
