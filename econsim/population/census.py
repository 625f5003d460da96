"""The census table of employed persons by occupation group × sex × age band (CPS 2023).

Labels follow the BLS Current Population Survey: the 22 occupation groups of CPS Table 9 (one per
SOC 2018 major group, spelled as BLS spells them), two sexes, and the seven age bands of CPS
Tables 3 and 11b. The three-way counts are *modelled* by iterative proportional fitting from the
published two-way margins (see ``data/README.md`` and :mod:`econsim.population.build_data`).

References
----------
BLS, Current Population Survey 2023 annual averages, Tables 3, 9 and 11b,
https://www.bls.gov/cps/aa2023/cpsaat09.htm (and cpsaat03.htm, cpsaat11b.htm).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

#: Folder of the project's data files (``<repo>/data``).
DATA_DIR = Path(__file__).resolve().parents[2] / "data"
#: The modelled three-way table, as written by :mod:`econsim.population.build_data`.
TABLE_FILE = "employed_occupation_sex_age_2023_modelled.csv"
MARGINS_FILE = "census_margins_2023.csv"
WAGES_FILE = "occupation_wages_2023.csv"
GB2_FILE = "skill_prior_gb2.csv"
CHECKSUM_FILE = "SHA256SUMS"

#: CPS occupation groups (Table 9), in SOC major-group order, with their SOC 2018 codes.
OCCUPATION_SOC: dict[str, str] = {
    "Management occupations": "11-0000",
    "Business and financial operations occupations": "13-0000",
    "Computer and mathematical occupations": "15-0000",
    "Architecture and engineering occupations": "17-0000",
    "Life, physical, and social science occupations": "19-0000",
    "Community and social service occupations": "21-0000",
    "Legal occupations": "23-0000",
    "Education, training, and library occupations": "25-0000",
    "Arts, design, entertainment, sports, and media occupations": "27-0000",
    "Healthcare practitioners and technical occupations": "29-0000",
    "Healthcare support occupations": "31-0000",
    "Protective service occupations": "33-0000",
    "Food preparation and serving related occupations": "35-0000",
    "Building and grounds cleaning and maintenance occupations": "37-0000",
    "Personal care and service occupations": "39-0000",
    "Sales and related occupations": "41-0000",
    "Office and administrative support occupations": "43-0000",
    "Farming, fishing, and forestry occupations": "45-0000",
    "Construction and extraction occupations": "47-0000",
    "Installation, maintenance, and repair occupations": "49-0000",
    "Production occupations": "51-0000",
    "Transportation and material moving occupations": "53-0000",
}
OCCUPATIONS: tuple[str, ...] = tuple(OCCUPATION_SOC)
SEXES: tuple[str, ...] = ("female", "male")
#: BLS's words for the sexes in the raw tables.
BLS_SEX = {"female": "women", "male": "men"}
AGE_BANDS: tuple[str, ...] = ("16-19", "20-24", "25-34", "35-44", "45-54", "55-64", "65+")
#: Inclusive integer ages drawn uniformly within each band; 65+ is capped at 75 (most employed
#: people aged 65+ are 65–74; the cap is a documented simplification).
AGE_RANGES: dict[str, tuple[int, int]] = {
    "16-19": (16, 19), "20-24": (20, 24), "25-34": (25, 34), "35-44": (35, 44),
    "45-54": (45, 54), "55-64": (55, 64), "65+": (65, 75),
}
#: CPS 2023 total employed, thousands (Tables 3, 9 and 11b agree).
PUBLISHED_TOTAL_THOUSANDS = 161_037.0
TABLE_COLUMNS = ("occupation", "sex", "age_band", "employed_thousands")


def check_labels(values: pd.Series | NDArray, valid: tuple[str, ...], what: str) -> None:
    """Raise ``ValueError`` naming unknown ``what`` labels and listing the valid ones."""
    unknown = sorted(set(pd.unique(np.asarray(values, dtype=object))) - set(valid))
    if unknown:
        raise ValueError(f"unknown {what} label(s) {unknown}; valid: {list(valid)}")


@dataclass(frozen=True, eq=False)
class CensusTable:
    """Employed persons (thousands) by occupation × sex × age band.

    Attributes
    ----------
    counts
        Array of shape ``(len(OCCUPATIONS), len(SEXES), len(AGE_BANDS))``.
    modelled
        True when the three-way cells are estimated (IPF), not published.
    """

    counts: NDArray[np.float64]
    modelled: bool = True

    def __post_init__(self) -> None:
        shape = (len(OCCUPATIONS), len(SEXES), len(AGE_BANDS))
        c = np.asarray(self.counts, dtype=float)
        if c.shape != shape:
            raise ValueError(f"census counts must have shape {shape} (occupation, sex, age band); "
                             f"got {c.shape}")
        if not (np.isfinite(c).all() and (c >= 0).all()) or c.sum() <= 0:
            raise ValueError("census counts must be finite, >= 0 and not all zero")
        object.__setattr__(self, "counts", c)

    @property
    def total(self) -> float:
        return float(self.counts.sum())

    def probabilities(self) -> NDArray[np.float64]:
        """Cell probabilities (sum to 1), same shape as ``counts``."""
        return self.counts / self.counts.sum()

    def margin(self, *dims: str) -> pd.DataFrame:
        """Two-way or one-way margin as a labelled frame, e.g. ``margin("occupation", "age_band")``."""
        names = ("occupation", "sex", "age_band")
        labels = (OCCUPATIONS, SEXES, AGE_BANDS)
        bad = [d for d in dims if d not in names]
        if bad or not dims:
            raise ValueError(f"unknown margin dimension(s) {bad}; valid: {list(names)}")
        keep = tuple(sorted(names.index(d) for d in dims))
        drop = tuple(ax for ax in range(3) if ax not in keep)
        arr = self.counts.sum(axis=drop)
        if len(keep) == 1:
            return pd.DataFrame({names[keep[0]]: labels[keep[0]], "employed_thousands": arr})
        return pd.DataFrame(arr, index=pd.Index(labels[keep[0]], name=names[keep[0]]),
                            columns=pd.Index(labels[keep[1]], name=names[keep[1]]))

    def to_frame(self) -> pd.DataFrame:
        """Tidy long frame with one row per cell (columns :data:`TABLE_COLUMNS`)."""
        idx = pd.MultiIndex.from_product([OCCUPATIONS, SEXES, AGE_BANDS],
                                         names=list(TABLE_COLUMNS[:3]))
        return pd.DataFrame({"employed_thousands": self.counts.ravel()}, index=idx).reset_index()

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, expected_total: float | None =
                   PUBLISHED_TOTAL_THOUSANDS, rtol: float = 1e-3,
                   modelled: bool = True) -> CensusTable:
        """Validate a tidy frame and build the table.

        Parameters
        ----------
        frame
            Columns ``occupation``, ``sex``, ``age_band``, ``employed_thousands``; one row per cell.
        expected_total
            Grand total the table must reproduce (default: the CPS 2023 total employed); ``None``
            skips the check (for custom tables).
        rtol
            Relative tolerance on the grand total.
        """
        missing = [c for c in TABLE_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"census table is missing column(s) {missing}; required: "
                             f"{list(TABLE_COLUMNS)}; got {list(frame.columns)}")
        check_labels(frame["occupation"], OCCUPATIONS, "occupation")
        check_labels(frame["sex"], SEXES, "sex")
        check_labels(frame["age_band"], AGE_BANDS, "age band")
        keys = list(TABLE_COLUMNS[:3])
        dup = frame.duplicated(keys)
        if dup.any():
            raise ValueError(f"census table has duplicate cells, e.g. {frame.loc[dup, keys].iloc[0].tolist()}")
        n_cells = len(OCCUPATIONS) * len(SEXES) * len(AGE_BANDS)
        if len(frame) != n_cells:
            raise ValueError(f"census table must have one row per cell ({n_cells} rows); "
                             f"got {len(frame)}")
        values = pd.to_numeric(frame["employed_thousands"], errors="coerce")
        if values.isna().any() or (values < 0).any():
            raise ValueError("employed_thousands must be numbers >= 0 in every cell")
        occ = pd.Categorical(frame["occupation"], categories=OCCUPATIONS).codes
        sex = pd.Categorical(frame["sex"], categories=SEXES).codes
        age = pd.Categorical(frame["age_band"], categories=AGE_BANDS).codes
        counts = np.zeros((len(OCCUPATIONS), len(SEXES), len(AGE_BANDS)))
        counts[occ, sex, age] = values.to_numpy(float)
        total = counts.sum()
        if expected_total is not None and abs(total - expected_total) > rtol * expected_total:
            raise ValueError(f"census table total {total:,.1f} thousand differs from the expected "
                             f"{expected_total:,.1f} thousand by more than {rtol:.2%}")
        return cls(counts, modelled=modelled)


def load_census_table(path: str | Path | None = None, *, verify: bool = True) -> CensusTable:
    """Read the modelled three-way table (default: the project's ``data/`` copy).

    With ``verify`` the project's data checksums are checked first (only for the default path).
    """
    if path is None:
        if verify:
            verify_checksums()
        path = DATA_DIR / TABLE_FILE
    frame = pd.read_csv(path)
    return CensusTable.from_frame(frame)


def sha256_of(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_checksums(data_dir: str | Path = DATA_DIR) -> dict[str, str]:
    """Parse ``SHA256SUMS`` (``sha256sum`` format: ``<hex>  <relative path>``)."""
    out = {}
    for line in (Path(data_dir) / CHECKSUM_FILE).read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            out[name.strip().lstrip("*")] = digest
    return out


def verify_checksums(data_dir: str | Path = DATA_DIR) -> dict[str, str]:
    """Check every file listed in ``SHA256SUMS``; raise ``ValueError`` naming mismatches."""
    data_dir = Path(data_dir)
    expected = read_checksums(data_dir)
    bad = []
    for name, digest in expected.items():
        path = data_dir / name
        if not path.is_file():
            bad.append(f"{name} (missing)")
        elif sha256_of(path) != digest:
            bad.append(f"{name} (checksum mismatch)")
    if bad:
        raise ValueError(f"data files in {data_dir} do not match {CHECKSUM_FILE}: {', '.join(bad)}; "
                         f"rebuild with `python -m econsim.population.build_data`")
    return expected
