"""CITATION.cff is valid Citation File Format 1.2.0 and agrees with .zenodo.json, pyproject and LICENSE.

The schema is the published CFF 1.2.0 JSON schema (tests/data/cff_schema_1.2.0.json, copied from
tag 1.2.0 of github.com/citation-file-format/citation-file-format, CC-BY-4.0), so the check runs
offline.
"""

from __future__ import annotations

import datetime
import json
import tomllib

import jsonschema
import pytest
import yaml

from econsim.compendium.paths import project_root

ROOT = project_root()


def _schema() -> dict:
    return json.loads((ROOT / "tests" / "data" / "cff_schema_1.2.0.json").read_text())


def _cff() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text())


def _as_strings(value):
    """YAML reads ``2025-07-21`` as a date; the CFF schema wants dates as strings."""
    if isinstance(value, dict):
        return {k: _as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_strings(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _errors(cff: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(_schema(), format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(_as_strings(cff))]


def test_citation_cff_is_valid_cff_1_2_0():
    assert _schema()["$id"].startswith("https://citation-file-format.github.io/1.2.0/")
    assert _errors(_cff()) == []


@pytest.mark.parametrize("breakage", ["no authors", "bad doi", "unknown key"])
def test_validation_rejects_a_broken_file(breakage):
    cff = _cff()
    if breakage == "no authors":
        del cff["authors"]
    elif breakage == "bad doi":
        cff["references"][0]["identifiers"][0]["value"] = "arXiv:2507.15815"
    else:
        cff["repository-url"] = "https://example.org"
    assert _errors(cff)


def test_the_paper_is_a_reference_not_the_preferred_citation():
    cff = _cff()
    assert "preferred-citation" not in cff
    paper = cff["references"][0]
    assert paper["title"].startswith("LLM Economist")
    assert paper["authors"][0]["family-names"] == "Karten"
    assert {"type": "doi", "value": "10.48550/arXiv.2507.15815"} in paper["identifiers"]


def test_zenodo_pyproject_and_licence_agree_with_the_cff():
    cff = _cff()
    zenodo = json.loads((ROOT / ".zenodo.json").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert zenodo["title"] == cff["title"]
    assert zenodo["version"] == cff["version"] == project["version"]
    assert zenodo["license"] == cff["license"] == project["license"]["text"] == "MIT"
    assert [c["name"] for c in zenodo["creators"]] == [a["name"] for a in cff["authors"]]
    assert zenodo["upload_type"] == "software"
    cff_dois = {i["value"] for r in cff["references"] for i in r.get("identifiers", [])
                if i["type"] == "doi"} | {r["doi"] for r in cff["references"] if "doi" in r}
    assert {r["identifier"] for r in zenodo["related_identifiers"]} == cff_dois
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License") and "the econsim authors" in licence
