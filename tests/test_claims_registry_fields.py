"""Every registered claim says where it comes from and how it is decided (issue 27): the paper's
words (a quote, or a paraphrase said to be one) with their place, the comparator, an interval
method declared for the quantity; one id per metric, one name per notebook."""

from __future__ import annotations

import pytest
import yaml

from econsim.analysis.claim_registry import REGISTRY_FILE, WORDINGS, load_registry
from econsim.analysis.claims import collect_claims
from econsim.analysis.uncertainty import INTERVAL_METHODS
from econsim.compendium.paths import project_path

REG = load_registry()
RAW = yaml.safe_load(project_path(REGISTRY_FILE).read_text())
#: How each declared method names itself in a committed interval cell.
CI_NAMES = {"t": ("(t)", "(t, cut"), "bca": ("(BCa", "(none: BCa"), "log": ("(log t",),
            "wilcoxon": ("(signed-rank", "(none: signed-rank")}


@pytest.mark.parametrize("claim_id", sorted(RAW))
def test_claim_states_its_source_comparator_and_interval(claim_id):
    spec, raw = REG[claim_id], RAW[claim_id]
    assert spec.paper and spec.place and spec.comparator, claim_id
    assert spec.wording in WORDINGS, claim_id
    if spec.wording == "quote":  # the abstract is the part of the paper available offline
        assert "2507.15815" in spec.place and "abstract" in spec.place, claim_id
    elif spec.wording == "paraphrase":
        assert "2507.15815" in spec.place, claim_id
    else:
        assert spec.claim.endswith("(beyond the paper)") or "assumption" in spec.claim
    if spec.statistic != "exact":
        assert raw.get("interval") in INTERVAL_METHODS, f"{claim_id}: no interval declared"


def test_one_id_per_metric_and_one_name_per_notebook():
    names: dict[str, set[str]] = {}
    for spec in REG.values():
        names.setdefault(spec.claim, set()).add(spec.notebook)
    shared = {n: sorted(nbs) for n, nbs in names.items() if len(nbs) > 1}
    assert shared == {}, "one label, several metrics: give each its own name"
    c2 = {s.claim for s in REG.values() if s.claim.startswith("C2 LLM planner beats Saez")}
    assert len(c2) >= 5  # simulated (02), share of objectives (08), final rates (10)


def test_a_duplicated_id_is_refused(tmp_path):
    entry = ("  claim: c\n  notebook: n\n  metric: m\n  statistic: exact\n  direction: less\n"
             "  margin: 1\n")
    path = tmp_path / "claims.yaml"
    path.write_text(f"a:\n{entry}b:\n{entry}a:\n{entry}")
    with pytest.raises(ValueError, match=r"duplicate id\(s\) \['a'\].*one id per metric"):
        load_registry(path)
    path.write_text(f"a:\n{entry}  wording: quoted\n")
    with pytest.raises(ValueError, match="wording must be one of quote, paraphrase"):
        load_registry(path)


def test_committed_intervals_use_the_declared_method():
    for row in collect_claims().itertuples(index=False):
        spec = REG[row.id]
        if spec.statistic == "exact":
            continue
        names = (*CI_NAMES[spec.interval], "(no spread")
        assert row.ci.endswith(")") and any(m in row.ci for m in names), \
            (row.id, spec.interval, row.ci)
