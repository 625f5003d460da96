"""The README's claims table is the one the committed results produce."""

import pandas as pd
import pytest

from econsim.analysis.claims import END, START, claims_markdown, collect_claims, readme_block
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
        assert set(rows.verdict) <= {"supported", "not supported", "inconclusive"}
    assert (table.backend != "").all()


def test_markdown_escapes_pipes(tmp_path):
    (tmp_path / "x").mkdir()
    pd.DataFrame([{"claim": "a|b", "test": "t", "finding": "f", "verdict": "supported",
                   "backend": "surrogate", "notebook": "x"}]).to_csv(tmp_path / "x" / "claims.csv",
                                                                       index=False)
    text = claims_markdown(collect_claims(tmp_path))
    assert "a\\|b" in text and "**supported**" in text
    with pytest.raises(ValueError, match="no claims.csv"):
        collect_claims(tmp_path / "empty")
