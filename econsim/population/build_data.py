"""Regenerate the project's derived data files from the raw BLS copies in ``data/raw``.

``python -m econsim.population.build_data`` rewrites, deterministically (same bytes every run):

- ``census_margins_2023.csv`` — every published (or derived) CPS 2023 cell, in the project's labels;
- ``employed_occupation_sex_age_2023_modelled.csv`` — the three-way table, **modelled**: the 16–19
  band by sex is the BLS-derived difference Table 9 (16+) − Table 9 (20+); the 20+ bands are fitted
  by IPF (:func:`econsim.population.ipf.ipf`, uniform seed) to occupation × sex 20+ (Table 9),
  occupation × age (Table 11b) and sex × age (Table 3);
- ``occupation_wages_2023.csv`` — OEWS May 2023 annual wage percentiles per SOC major group;
- ``skill_prior_gb2.csv`` — the GB2 parameters of the paper's skill prior;
- ``SHA256SUMS`` — checksums of the raw and derived files.

``--check`` rebuilds in memory and fails if any file on disk differs.
"""

from __future__ import annotations

import argparse
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd

from econsim.economy.skills import ACS_2023_GB2
from econsim.population.census import (
    AGE_BANDS,
    BLS_SEX,
    CHECKSUM_FILE,
    DATA_DIR,
    GB2_FILE,
    MARGINS_FILE,
    OCCUPATION_SOC,
    OCCUPATIONS,
    SEXES,
    TABLE_FILE,
    WAGES_FILE,
)
from econsim.population.ipf import Margin, ipf

RAW_CPS = "raw/bls_cps_2023_occupation_sex_age.csv"
RAW_OEWS = "raw/bls_oews_may2023_occupation_wages.csv"
RAW_SOURCES = "raw/SOURCES.md"
_TOTAL_ROW = "Total, all occupations"
ALL = "All occupations"
ADULT_BANDS = AGE_BANDS[1:]
#: Source tables by the raw file's ``source_table`` text, shortened.
_TABLE_SHORT = {"cpsaat09": "CPS 2023 Table 9", "cpsaat11b": "CPS 2023 Table 11b",
                "cpsaat03": "CPS 2023 Table 3"}


def _short_source(text: str) -> str:
    for key, short in _TABLE_SHORT.items():
        if key in str(text):
            return short
    raise ValueError(f"unrecognised source table {text!r} in {RAW_CPS}")


def read_raw_cps(raw_dir: Path) -> pd.DataFrame:
    """Non-empty cells of the raw CPS file, relabelled to the project's vocabulary."""
    raw = pd.read_csv(raw_dir / Path(RAW_CPS).name)
    expected = {"occupation_group", "sex", "age_band", "employed_thousands", "value_status",
                "source_table", "note"}
    missing = expected - set(raw.columns)
    if missing:
        raise ValueError(f"{RAW_CPS} is missing columns {sorted(missing)}")
    raw = raw[raw["value_status"] != "not_published"].copy()
    unknown = set(raw["occupation_group"]) - set(OCCUPATIONS) - {_TOTAL_ROW}
    if unknown:
        raise ValueError(f"{RAW_CPS}: unknown occupation groups {sorted(unknown)}")
    sex_map = {v: k for k, v in BLS_SEX.items()} | {"both": "both"}
    out = pd.DataFrame({
        "occupation": raw["occupation_group"].replace({_TOTAL_ROW: ALL}),
        "sex": raw["sex"].map(sex_map),
        "age_band": raw["age_band"],
        "employed_thousands": raw["employed_thousands"].astype(float),
        "status": raw["value_status"],
        "source": raw["source_table"].map(_short_source),
    })
    out.loc[out["status"] == "derived", "source"] = "CPS 2023 Table 9 (16+ minus 20+)"
    kind = np.where(out["occupation"] == ALL, "sex_age",
                    np.where(out["sex"] == "both", "occupation_age", "occupation_sex"))
    out.insert(0, "margin", kind)
    return out.reset_index(drop=True)


def _cell(m: pd.DataFrame, occ: str, sex: str, band: str) -> float:
    hit = m[(m["occupation"] == occ) & (m["sex"] == sex) & (m["age_band"] == band)]
    if len(hit) != 1:
        raise ValueError(f"expected one published cell for ({occ}, {sex}, {band}); "
                         f"found {len(hit)}")
    return float(hit["employed_thousands"].iloc[0])


def published_margins(margins: pd.DataFrame) -> dict[str, np.ndarray]:
    """Arrays of the published margins used by the fit (thousands).

    Keys: ``occupation_sex_16plus`` (22, 2), ``occupation_sex_20plus`` (22, 2),
    ``occupation_sex_16_19`` (22, 2, derived), ``occupation_age`` (22, 7),
    ``sex_age`` (2, 7), ``occupation_16plus`` (22,).
    """
    c = lambda o, s, a: _cell(margins, o, s, a)  # noqa: E731
    return {
        "occupation_sex_16plus": np.array([[c(o, s, "16+") for s in SEXES] for o in OCCUPATIONS]),
        "occupation_sex_20plus": np.array([[c(o, s, "20+") for s in SEXES] for o in OCCUPATIONS]),
        "occupation_sex_16_19": np.array([[c(o, s, "16-19") for s in SEXES]
                                          for o in OCCUPATIONS]),
        "occupation_age": np.array([[c(o, "both", a) for a in AGE_BANDS] for o in OCCUPATIONS]),
        "sex_age": np.array([[c(ALL, s, a) for a in AGE_BANDS] for s in SEXES]),
        "occupation_16plus": np.array([c(o, "both", "16+") for o in OCCUPATIONS]),
    }


def fit_three_way(pub: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, float]]:
    """The modelled (22, 2, 7) table: derived 16–19 cells plus the IPF fit of the 20+ bands."""
    margins = [
        Margin((0, 1), pub["occupation_sex_20plus"], "occupation x sex (20+, Table 9)"),
        Margin((0, 2), pub["occupation_age"][:, 1:], "occupation x age (Table 11b)"),
        Margin((1, 2), pub["sex_age"][:, 1:], "sex x age (Table 3)"),
    ]
    seed = np.ones((len(OCCUPATIONS), len(SEXES), len(ADULT_BANDS)))
    fit = ipf(seed, margins, tol=1e-12, max_iter=20_000)
    if not fit.converged:
        raise RuntimeError(f"IPF did not converge in {fit.iterations} cycles")
    table = np.concatenate([pub["occupation_sex_16_19"][:, :, None], fit.table], axis=2)
    return table, fit.max_abs_deviation


def _csv_bytes(frame: pd.DataFrame, float_format: str | None = None) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n", float_format=float_format)
    return buf.getvalue().encode()


def table_frame(table: np.ndarray) -> pd.DataFrame:
    idx = pd.MultiIndex.from_product([OCCUPATIONS, SEXES, AGE_BANDS],
                                     names=["occupation", "sex", "age_band"])
    frame = pd.DataFrame({"employed_thousands": table.ravel()}, index=idx).reset_index()
    frame.insert(1, "soc_code", frame["occupation"].map(OCCUPATION_SOC))
    frame["method"] = np.where(frame["age_band"] == "16-19",
                               "derived: Table 9 16+ minus 20+ (by sex)",
                               "IPF to Tables 9 (occupation x sex 20+), 11b, 3")
    frame["status"] = "modelled"
    return frame


def wages_frame(raw_dir: Path) -> pd.DataFrame:
    raw = pd.read_csv(raw_dir / Path(RAW_OEWS).name, dtype={"soc_code": str})
    need = ["soc_code", "soc_title", "employment", "mean_annual_wage", "p10", "p25", "p50",
            "p75", "p90", "cps_occupation_group"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise ValueError(f"{RAW_OEWS} is missing columns {missing}")
    out = pd.DataFrame({
        "occupation": raw["cps_occupation_group"].replace({_TOTAL_ROW: ALL}),
        "soc_code": raw["soc_code"],
        "soc_title": raw["soc_title"],
        "oews_employment": raw["employment"].astype("int64"),
        "mean_annual_wage": raw["mean_annual_wage"].astype("int64"),
    })
    for col in ("p10", "p25", "p50", "p75", "p90"):
        out[col] = raw[col].astype("Int64")
    # BLS publishes '#' (>= $239,200/yr) for Legal p90: kept empty, the lower bound recorded.
    out["p90_lower_bound"] = np.where(raw["p90"].isna(), 239_200, pd.NA)
    out["p90_lower_bound"] = out["p90_lower_bound"].astype("Int64")
    unknown = set(out["occupation"]) - set(OCCUPATIONS) - {ALL}
    if unknown:
        raise ValueError(f"{RAW_OEWS}: unknown occupation groups {sorted(unknown)}")
    return out


def gb2_frame() -> pd.DataFrame:
    note = ("GB2 (GAMLSS parameterisation) fitted to ACS 2023 US incomes; Karten et al. 2025, "
            "LLM Economist, arXiv 2507.15815")
    g = ACS_2023_GB2
    return pd.DataFrame({"parameter": ["mu", "sigma", "nu", "tau"],
                         "value": [repr(g.mu), repr(g.sigma), repr(g.nu), repr(g.tau)],
                         "source": note})


def build_files(data_dir: Path = DATA_DIR) -> dict[str, bytes]:
    """Every derived file's bytes, keyed by path relative to ``data_dir``."""
    raw_dir = data_dir / "raw"
    margins = read_raw_cps(raw_dir)
    table, _ = fit_three_way(published_margins(margins))
    files = {
        MARGINS_FILE: _csv_bytes(margins, "%.0f"),
        TABLE_FILE: _csv_bytes(table_frame(table), "%.4f"),
        WAGES_FILE: _csv_bytes(wages_frame(raw_dir)),
        GB2_FILE: _csv_bytes(gb2_frame()),
    }
    listed = sorted([RAW_CPS, RAW_OEWS, RAW_SOURCES, *files])
    sums = []
    for name in listed:
        content = files[name] if name in files else (data_dir / name).read_bytes()
        sums.append(f"{hashlib.sha256(content).hexdigest()}  {name}\n")
    files[CHECKSUM_FILE] = "".join(sums).encode()
    return files


def write_files(data_dir: Path = DATA_DIR) -> list[Path]:
    out = []
    for name, content in build_files(data_dir).items():
        path = data_dir / name
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
        out.append(path)
    return out


def stale_files(data_dir: Path = DATA_DIR) -> list[str]:
    """Derived files whose bytes on disk differ from a fresh build (empty when up to date)."""
    return [name for name, content in build_files(data_dir).items()
            if not (data_dir / name).is_file() or (data_dir / name).read_bytes() != content]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m econsim.population.build_data",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--check", action="store_true",
                        help="fail if the files on disk differ from a fresh build")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.data_dir)
        if stale:
            raise SystemExit(f"out of date: {', '.join(stale)}")
        print("data files are up to date")
        return
    for path in write_files(args.data_dir):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
