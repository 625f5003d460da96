"""The object notebooks declare their outputs with (econsim.compendium.outputs): CSV bytes as
``to_csv`` writes them, figure sidecars reproducible at one commit, the manifest listing outputs."""

import hashlib
import json
import re
import subprocess
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from econsim.compendium.outputs import Outputs, parameters_hash
from econsim.compendium.provenance import code_state

PARAMETERS = ('n_agents: int = 3  # workers\nlabel: str = "a"  # a label\n'
              'results_dir: str = "results/99_demo"\nfigures_dir: str = "figures"\n')


def _git(root, *args):
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root,
                   check=True, capture_output=True)


@pytest.fixture
def project(tmp_path):
    """A tiny project: pyproject.toml, econsim/, one notebook, committed in a git repository."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "econsim").mkdir()
    (tmp_path / "econsim" / "model.py").write_text("X = 1\n")
    (tmp_path / "notebooks").mkdir()
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]},
                     "source": PARAMETERS, "outputs": [], "execution_count": None}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "notebooks" / "99_demo.ipynb").write_text(json.dumps(nb))
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "demo")
    return tmp_path


def _outputs(root, results="r", figures="f", **values):
    namespace = {"n_agents": 3, "label": "a", "results_dir": str(root / results),
                 "figures_dir": str(root / figures), "unrelated": object(), **values}
    return Outputs("99_demo", namespace, root=root)


def _figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [1, 0, 2])
    return fig


def test_table_writes_the_bytes_to_csv_writes(project):
    out = _outputs(project)
    frame = pd.DataFrame({"x": [1, 2], "y": [np.pi, 1e-9], "z": ["a,b", "c"]})
    assert out.table("t.csv", frame, float_format="%.8g") is None  # a cell shows no path
    path = out.results / "t.csv"
    assert path.read_bytes() == frame.to_csv(index=False, float_format="%.8g").encode()
    indexed = frame.set_index("x")
    out.table("u.csv", indexed, index=True)
    path = out.results / "u.csv"
    assert path.read_bytes() == indexed.to_csv().encode()
    assert out.written == ["t.csv", "u.csv"]


def test_bad_names_and_missing_parameters_are_refused(project):
    out = _outputs(project)
    with pytest.raises(ValueError, match="ending in .csv"):
        out.table("t.txt", pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="ending in .csv"):
        out.table("sub/t.csv", pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="does not exist"):
        out.record("nothing.parquet")
    with pytest.raises(ValueError, match=r"\['label'\]"):
        Outputs("99_demo", {"n_agents": 3, "results_dir": "r", "figures_dir": "f"}, root=project)
    with pytest.raises(ValueError, match="no .*98_none.ipynb"):
        Outputs("98_none", {}, root=project)


def test_parameters_are_read_from_the_namespace_without_locations(project):
    out = _outputs(project, n_agents=7)  # as papermill overrides a default
    assert out.config == {"n_agents": 7, "label": "a"}
    assert out.parameters["results_dir"] == str(project / "r")


def test_parameters_hash_is_sha256_of_canonical_json():
    assert parameters_hash({"b": [1, 2], "a": 0.5}) == hashlib.sha256(
        b'{"a":0.5,"b":[1,2]}').hexdigest()
    assert parameters_hash({"a": np.int64(1), "b": (1,)}) == parameters_hash({"a": 1, "b": [1]})


def test_figure_sidecar_names_notebook_commit_and_parameters(project):
    out = _outputs(project)
    assert out.figure(_figure(), "99_demo_plot") is None
    paths = out.written[-3:]
    assert [p.name for p in paths] == ["99_demo_plot.png", "99_demo_plot.pdf",
                                       "99_demo_plot.json"]
    sidecar = json.loads(paths[2].read_text())
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project, capture_output=True,
                          text=True, check=True).stdout.strip()
    assert sidecar == {"figure": "99_demo_plot", "notebook": "notebooks/99_demo.ipynb",
                       "commit": head, "code_dirty": False,
                       "parameters_sha256": parameters_hash({"n_agents": 3, "label": "a"}),
                       "files": ["99_demo_plot.pdf", "99_demo_plot.png"]}


def test_sidecar_is_identical_for_two_runs_at_one_commit(project):
    a, b = _outputs(project, results="r1", figures="f1"), _outputs(project, results="r2",
                                                                   figures="f2")
    a.figure(_figure(), "p")
    b.figure(_figure(), "p")
    first, second = a.written, b.written
    for a, b in zip(first, second, strict=True):
        assert a != b and a.read_bytes() == b.read_bytes(), a.name


def test_dirty_flag_looks_only_at_code(project):
    (project / "figures").mkdir()
    (project / "figures" / "old.png").write_bytes(b"png")  # outputs of an earlier notebook
    (project / "results").mkdir()
    (project / "results" / "t.csv").write_text("x\n")
    assert code_state(project)["code_dirty"] is False
    (project / "econsim" / "model.py").write_text("X = 2\n")
    assert code_state(project)["code_dirty"] is True
    _git(project, "checkout", "--", "econsim")
    (project / "notebooks" / "new.ipynb").write_text("{}")
    assert code_state(project)["code_dirty"] is True


def test_code_state_outside_git(tmp_path):
    assert code_state(tmp_path) == {"commit": None, "code_dirty": None}


def test_manifest_lists_every_output(project):
    out = _outputs(project)
    out.table("t.csv", pd.DataFrame({"x": [1]}))
    (out.results / "pop").mkdir()
    (out.results / "pop" / "a.parquet").write_bytes(b"")
    out.record("pop/a.parquet")
    out.figure(_figure(), "p")
    out.finish(backend="none")
    manifest = json.loads((out.results / "manifest.json").read_text())
    assert manifest["experiment"] == "99_demo"
    assert manifest["config"] == {"n_agents": 3, "label": "a"}
    assert manifest["backend"] == "none"
    assert manifest["parameters_sha256"] == parameters_hash(manifest["config"])
    figures = project / "f"
    assert manifest["outputs"] == sorted(["t.csv", "pop/a.parquet", str(figures / "p.png"),
                                          str(figures / "p.pdf"), str(figures / "p.json")])
    out.table("later.csv", pd.DataFrame({"x": [2]}))
    out.finish()
    assert "later.csv" in json.loads((out.results / "manifest.json").read_text())["outputs"]


def _committed_figures():
    from econsim.compendium.paths import project_root

    root = project_root()
    listed = subprocess.run(["git", "ls-files", "figures"], cwd=root, capture_output=True,
                            text=True, check=True).stdout.split()
    return root, [root / p for p in listed if p.endswith((".png", ".pdf"))]


def test_every_committed_figure_has_a_sidecar():
    """Every figure in git has ``figures/<stem>.json`` naming an existing notebook and a commit
    (written by ``make figures``, committed with the figure)."""
    root, figures = _committed_figures()
    assert figures, "no committed figures found"
    missing, bad = [], []
    for fig in figures:
        sidecar = fig.with_suffix(".json")
        if not sidecar.is_file():
            missing.append(fig.name)
            continue
        record = json.loads(sidecar.read_text())
        ok = (re.fullmatch(r"[0-9a-f]{40}", record.get("commit") or "")
              and (root / record.get("notebook", "")).is_file()
              and fig.stem.startswith(Path(record["notebook"]).stem[:3])
              and fig.name in record.get("files", []))
        if not ok:
            bad.append(fig.name)
    assert missing == [] and bad == [], (f"{len(missing)} committed figure(s) without a sidecar "
                                         f"(run `make figures`): {missing[:6]}…; bad: {bad}")
