"""The README's claims table is the one the committed results produce."""

import pytest

from econsim.analysis.claim_registry import DOES_NOT_APPLY, claims_frame, load_registry
from econsim.analysis.claims import (
    END,
    STANDIN_WORDS,
    START,
    claims_markdown,
    collect_claims,
    readme_block,
)
from econsim.compendium.paths import project_root


def test_readme_claims_block_matches_committed_results():
    readme = (project_root() / "README.md").read_text()
    assert START in readme and END in readme
    current = readme[readme.index(START): readme.index(END) + len(END)]
    assert current == readme_block(), (
        "README claims table is stale: run `python -m econsim.analysis.claims --update-readme`")


def test_every_paper_claim_has_a_verdict():
    table = collect_claims()
    for claim in ("C1", "C2", "C3", "C4", "Fig. 5a"):
        rows = table[table.claim.str.startswith(claim)]
        assert len(rows), f"no result for {claim}"
        assert set(rows.verdict) <= {"supported", "contradicted", "inconclusive", DOES_NOT_APPLY}
    assert (table.backend != "").all()


def test_registered_rows_carry_the_registered_rule_and_their_statistics():
    """Rows with an id come from the registry: same claim, notebook and rule text; an interval
    (or "exact") and a seed count; random rows use >= 2 seeds."""
    registry = load_registry()
    table = collect_claims()
    assert (table.id != "").all(), "a row not from the registry (one comparison of means?)"
    rows = table
    for row in rows.itertuples(index=False):
        spec = registry[row.id]
        assert (row.claim, row.notebook, row.rule) == (spec.claim, spec.notebook, spec.rule)
        assert row.verdict in ("supported", "contradicted", "inconclusive", DOES_NOT_APPLY)
        assert row.verdict != DOES_NOT_APPLY or spec.min_share is not None
        if spec.statistic == "exact":
            assert (row.ci, row.seeds) == ("exact", "exact")
        else:
            assert row.ci.startswith("[") and int(row.seeds) >= 2, row
    assert not rows.id.duplicated().any()


def test_readme_rows_are_the_csv_rows():
    """Every claims.csv row appears in the README table with its estimate, CI and verdict."""
    readme = (project_root() / "README.md").read_text()
    block = readme[readme.index(START): readme.index(END)]
    for row in collect_claims().itertuples(index=False):
        shown = STANDIN_WORDS.get(row.verdict, row.verdict) \
            if row.backend == "surrogate" and row.ci != "exact" else row.verdict
        verdict = f"**{shown}**" if row.verdict in ("supported", "contradicted") else shown
        line = " | ".join(str(x).replace("|", "\\|") for x in (
            row.claim, row.metric, row.estimate, row.ci, row.seeds, row.rule, verdict))
        assert line in block, line


def test_three_tables_and_the_stand_ins_words():
    readme = (project_root() / "README.md").read_text()
    block = readme[readme.index(START): readme.index(END)]
    exact, standin, model = (block.index(t) for t in (
        "**Exact results", "**Mechanism checks with the offline stand-in", "**Real language models"))
    assert exact < standin < model
    stand_in_part = block[standin:model]
    assert "| **supported** |" not in stand_in_part and "| **contradicted** |" not in stand_in_part
    assert "reproduced by the stand-in" in stand_in_part
    assert "llamacpp/smollm2" in block[model:] and "surrogate |" not in block[model:]


def test_markdown_escapes_pipes(tmp_path):
    (tmp_path / "x").mkdir()
    claims_frame([{"id": "i", "claim": "a|b", "metric": "m", "estimate": "1", "ci": "exact",
                   "seeds": "exact", "rule": "|x| < 1", "verdict": "contradicted",
                   "seeds_needed": "n/a", "backend": "surrogate", "notebook": "x"}]).to_csv(
        tmp_path / "x" / "claims.csv", index=False)
    text = claims_markdown(collect_claims(tmp_path))
    assert "a\\|b" in text and "**contradicted**" in text and "\\|x\\| < 1" in text
    assert "**Exact results" in text and "Mechanism checks" not in text
    with pytest.raises(ValueError, match="no claims.csv"):
        collect_claims(tmp_path / "empty")
