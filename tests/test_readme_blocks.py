"""The README's and docs/performance.md's numbers are generated: every block between
``<!-- begin generated: NAME -->`` markers equals what ``make readme`` builds from the committed
results, and the generator follows new rows, new timings and new values of its sources."""

from __future__ import annotations

import json
import sys

import pytest

from econsim.compendium import readme
from econsim.compendium.paths import project_root

ROOT = project_root()


def test_committed_blocks_equal_what_the_results_give():
    for name in readme.FILES:
        text = (ROOT / name).read_text()
        assert text == readme.render(text, ROOT), f"{name}: generated blocks are stale: make readme"
    assert readme.stale(ROOT) == []


def test_readme_and_performance_have_their_blocks():
    assert readme.blocks_in((ROOT / "README.md").read_text()) == ["timings", "bench-summary",
                                                                "claims-summary"]
    assert readme.blocks_in((ROOT / "docs/performance.md").read_text()) == ["bench"]
    assert (ROOT / readme.TIMINGS).is_file()
    # no typed wall time is left next to the generated one
    front = (ROOT / "README.md").read_text().split("<!-- end generated: timings -->")[1]
    assert " min" not in front.split("## ")[0]


def _bench(root, area, rows, date="2026-12-07"):
    folder = root / readme.BENCH
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{area}.json").write_text(json.dumps(
        {"machine": {"cpu": "Test CPU", "cores": "2", "python": "3.11", "date": date},
         "rows": rows}))


def test_blocks_follow_new_rows_and_values(tmp_path):
    page = tmp_path / "README.md"
    page.write_text("# T\n<!-- begin generated: bench-summary -->\nold typed 86 s\n"
                    "<!-- end generated: bench-summary -->\ntail\n")
    _bench(tmp_path, "simulation", [
        {"name": "run", "value": 10.71, "unit": "s", "target": "", "ok": None},
        {"name": "ratio", "value": 12.903, "unit": "x", "target": ">= 10 x", "ok": True}])
    first = readme.render(page.read_text(), tmp_path)
    assert "1 of 1 targets met." in first and "86 s" not in first and first.endswith("tail\n")
    _bench(tmp_path, "llm", [{"name": "rate | compact", "value": 16465.26, "unit": "1/s",
                              "target": ">= 20000", "ok": False}], date="2026-12-08")
    second = readme.render(first, tmp_path)
    assert "(llm, simulation; 2026-12-07, 2026-12-08): 1 of 2 targets met" in second
    assert "Missed: rate | compact: 16,465 /s (target >= 20000)." in second
    assert readme.render(second, tmp_path) == second  # idempotent
    table = readme.bench_block(tmp_path)
    assert "| llm | rate \\| compact | 16,465 /s | >= 20000 | **no** |" in table
    assert "| simulation | ratio | 12.9 × | >= 10 x | yes |" in table
    assert "| simulation | run | 10.7 s |  |  |" in table


def test_timings_are_recorded_and_listed_in_order(tmp_path, monkeypatch):
    assert "No wall times recorded yet" in readme.timings_block(tmp_path)
    readme.record_timing(tmp_path, "make book", 11.6)
    readme.record_timing(tmp_path, "make test", 438.0, note="fresh clone")
    readme.record_timing(tmp_path, "make test", 450.0, note="fresh clone")  # replaces
    text = readme.timings_block(tmp_path)
    assert text.index("`make test` took 7.5 min (") < text.index("`make book` took 12 s (")
    assert "fresh clone" in text and "7.3 min" not in text
    wall = readme.time_command(tmp_path, f"{sys.executable} -c 'pass'")
    assert readme.load_timings(tmp_path)[f"{sys.executable} -c 'pass'"]["wall_s"] == round(wall, 1)
    with pytest.raises(SystemExit, match="failed .exit 3.*nothing recorded"):
        readme.time_command(tmp_path, "exit 3")
    assert "exit 3" not in readme.load_timings(tmp_path)


def test_bad_sources_and_blocks_are_named(tmp_path):
    with pytest.raises(ValueError, match="unknown generated block.*'nope'.*known: .*timings"):
        readme.render("<!-- begin generated: nope -->\n<!-- end generated: nope -->", tmp_path)
    (tmp_path / "results").mkdir()
    (tmp_path / readme.TIMINGS).write_text('{"make test": {"date": "x"}}')
    with pytest.raises(ValueError, match="need a numeric 'wall_s'"):
        readme.timings_block(tmp_path)
    _bench(tmp_path, "broken", [])
    (tmp_path / readme.BENCH / "broken.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="broken.json: expected"):
        readme.bench_block(tmp_path)


def test_claims_summary_counts_every_row_by_kind(tmp_path):
    from econsim.analysis.claim_registry import ROW_COLUMNS

    def row(**kw):
        return {**{c: "" for c in ROW_COLUMNS}, "seeds": "8", "backend": "surrogate", **kw}

    rows = [row(verdict="supported", ci="exact", seeds="exact", backend="none (exact)"),
            row(verdict="supported"), row(verdict="inconclusive"), row(verdict="inconclusive",
            seeds="6"), row(verdict="contradicted", backend="openai/gpt-4o", seeds="4")]
    (tmp_path / "results" / "02_x").mkdir(parents=True)
    pd = pytest.importorskip("pandas")
    pd.DataFrame(rows).to_csv(tmp_path / "results" / "02_x" / "claims.csv", index=False)
    assert readme.claims_summary_block(tmp_path) == (
        "Verdicts in the tables below: exact results (1 row): 1 supported; offline stand-in "
        "(3 rows, 6 to 8 seeds per row): 2 inconclusive, 1 reproduced; real models (1 row, "
        "4 seeds per row): 1 contradicted.\n")


def test_claims_summary_groups_rows_as_the_claims_tables_do():
    from econsim.analysis import claims

    rows = claims.collect_claims(ROOT / "results").to_dict("records")
    assert [readme._claim_kind(r) for r in rows] == [claims._section(r) for r in rows]
    assert len(readme.load_claims(ROOT)) == len(rows)
