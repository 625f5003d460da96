"""Population data files: checksums, rebuild determinism, IPF margins, table validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from econsim.economy.skills import ACS_2023_GB2
from econsim.population import build_data
from econsim.population.census import (
    AGE_BANDS,
    DATA_DIR,
    OCCUPATIONS,
    SEXES,
    TABLE_FILE,
    CensusTable,
    load_census_table,
    read_checksums,
    sha256_of,
    verify_checksums,
)
from econsim.population.ipf import Margin, ipf, margin_of
from econsim.population.wages import load_occupation_wages

#: Fitted margins (the three IPF targets) must match the published cells within 1 thousand: BLS
#: rounds every cell to the nearest thousand on its own, and its own sums disagree by up to 2.
FIT_TOL = 1.0
#: Margins that were not IPF targets (both-sexes 16+ per occupation, 16-19 both sexes) combine
#: several independently rounded cells; BLS's own sums differ from its totals by up to 2.
OTHER_TOL = 2.5


@pytest.fixture(scope="module")
def published():
    return build_data.published_margins(build_data.read_raw_cps(DATA_DIR / "raw"))


@pytest.fixture(scope="module")
def table():
    return load_census_table()


def test_checksums_match_files():
    listed = verify_checksums()
    assert {"raw/bls_cps_2023_occupation_sex_age.csv", TABLE_FILE} <= set(listed)
    for name, digest in listed.items():
        assert sha256_of(DATA_DIR / name) == digest


def test_checksum_mismatch_is_reported(tmp_path):
    for name in read_checksums():
        dest = tmp_path / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes((DATA_DIR / name).read_bytes())
    (tmp_path / "SHA256SUMS").write_bytes((DATA_DIR / "SHA256SUMS").read_bytes())
    verify_checksums(tmp_path)
    (tmp_path / TABLE_FILE).write_text("tampered\n")
    with pytest.raises(ValueError, match="checksum mismatch"):
        verify_checksums(tmp_path)


def test_derived_files_are_reproducible_from_raw():
    assert build_data.stale_files() == []


def test_ipf_table_reproduces_fitted_margins(table, published):
    c = table.counts
    assert np.abs(c[:, :, 1:].sum(axis=2) - published["occupation_sex_20plus"]).max() <= FIT_TOL
    assert np.abs(c.sum(axis=2) - published["occupation_sex_16plus"]).max() <= FIT_TOL
    assert np.abs(c[:, :, 1:].sum(axis=1) - published["occupation_age"][:, 1:]).max() <= FIT_TOL
    assert np.abs(c[:, :, 1:].sum(axis=0) - published["sex_age"][:, 1:]).max() <= FIT_TOL
    # the 16-19 cells by sex are the BLS-derived values, exactly
    np.testing.assert_allclose(c[:, :, 0], published["occupation_sex_16_19"])


def test_ipf_table_reproduces_every_other_published_margin(table, published):
    c = table.counts
    assert np.abs(c.sum(axis=1) - published["occupation_age"]).max() <= OTHER_TOL
    assert np.abs(c.sum(axis=0) - published["sex_age"]).max() <= OTHER_TOL
    assert np.abs(c.sum(axis=(1, 2)) - published["occupation_16plus"]).max() <= OTHER_TOL
    assert abs(table.total - 161_037) <= OTHER_TOL


def test_ipf_recovers_a_no_three_way_interaction_table():
    rng = np.random.default_rng(3)
    a, b, c = rng.uniform(1, 5, (4, 3)), rng.uniform(1, 5, (4, 5)), rng.uniform(1, 5, (3, 5))
    truth = a[:, :, None] * b[:, None, :] * c[None, :, :]
    margins = [Margin(ax, margin_of(truth, ax), str(ax)) for ax in ((0, 1), (0, 2), (1, 2))]
    fit = ipf(np.ones_like(truth), margins, tol=1e-13)
    assert fit.converged
    np.testing.assert_allclose(fit.table, truth, rtol=1e-8)
    assert max(fit.max_abs_deviation.values()) < 1e-8


def test_ipf_rejects_bad_margins():
    with pytest.raises(ValueError, match="expected shape"):
        ipf(np.ones((2, 3)), [Margin((0,), np.ones(3))])
    with pytest.raises(ValueError, match="disagree on the grand total"):
        ipf(np.ones((2, 3)), [Margin((0,), np.ones(2)), Margin((1,), np.full(3, 5.0))])
    with pytest.raises(ValueError, match=">= 0"):
        ipf(np.ones((2, 3)), [Margin((0,), np.array([1.0, -1.0]))])
    with pytest.raises(ValueError, match="at least one margin"):
        ipf(np.ones(2), [])


def test_table_frame_round_trip(table):
    again = CensusTable.from_frame(table.to_frame())
    np.testing.assert_array_equal(again.counts, table.counts)
    assert table.modelled


def test_table_validation_errors(table):
    frame = table.to_frame()
    with pytest.raises(ValueError, match="missing column"):
        CensusTable.from_frame(frame.drop(columns="sex"))
    bad = frame.copy()
    bad.loc[0, "occupation"] = "Astronauts"
    with pytest.raises(ValueError, match="unknown occupation label.*Astronauts.*valid"):
        CensusTable.from_frame(bad)
    bad = frame.copy()
    bad["sex"] = bad["sex"].replace({"female": "f"})
    with pytest.raises(ValueError, match="unknown sex label"):
        CensusTable.from_frame(bad)
    bad = frame.copy()
    bad.loc[0, "age_band"] = "15-19"
    with pytest.raises(ValueError, match="unknown age band label"):
        CensusTable.from_frame(bad)
    bad = frame.copy()
    bad["employed_thousands"] *= 1.01
    with pytest.raises(ValueError, match="total"):
        CensusTable.from_frame(bad)
    with pytest.raises(ValueError, match="one row per cell"):
        CensusTable.from_frame(frame.iloc[:-1])
    with pytest.raises(ValueError, match="duplicate"):
        CensusTable.from_frame(pd.concat([frame.iloc[:-1], frame.iloc[:1]]))
    with pytest.raises(ValueError, match="shape"):
        CensusTable(np.ones((3, 2, 7)))


def test_table_labels_and_margins(table):
    assert table.counts.shape == (len(OCCUPATIONS), len(SEXES), len(AGE_BANDS))
    oa = table.margin("occupation", "age_band")
    assert list(oa.index) == list(OCCUPATIONS) and list(oa.columns) == list(AGE_BANDS)
    with pytest.raises(ValueError, match="valid"):
        table.margin("race")


def test_gb2_data_file_matches_skill_prior():
    gb2 = pd.read_csv(DATA_DIR / "skill_prior_gb2.csv").set_index("parameter")["value"]
    assert gb2.to_dict() == {"mu": ACS_2023_GB2.mu, "sigma": ACS_2023_GB2.sigma,
                             "nu": ACS_2023_GB2.nu, "tau": ACS_2023_GB2.tau}


def test_wage_model_reproduces_published_percentiles():
    wages = load_occupation_wages()
    raw = pd.read_csv(DATA_DIR / "occupation_wages_2023.csv").set_index("occupation")
    occ = np.arange(len(OCCUPATIONS))
    for col, p in zip(("p10", "p25", "p50", "p75", "p90"), (0.1, 0.25, 0.5, 0.75, 0.9),
                      strict=True):
        got = wages.quantile(occ, np.full(occ.size, p))
        want = raw.loc[list(OCCUPATIONS), col].to_numpy(float)
        ok = ~np.isnan(want)
        np.testing.assert_allclose(got[ok], want[ok], rtol=1e-9)
    legal = OCCUPATIONS.index("Legal occupations")
    assert wages.imputed[legal] and wages.quantile([legal], [0.9])[0] >= 239_200
