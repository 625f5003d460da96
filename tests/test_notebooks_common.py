"""Rules every notebook follows, and the quick run of notebook 01."""

import ast
import json
import time
from pathlib import Path

import pytest
import yaml

from econsim.compendium.notebook_runner import check_parameters, notebook_parameters, run_notebook
from econsim.compendium.paths import project_root

ROOT = project_root()
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_notebooks():
    assert any(nb.stem == "01_policy_landscape" for nb in NOTEBOOKS)


#: Calls a notebook leaves to :class:`econsim.compendium.outputs.Outputs`.
BOOKKEEPING = ("to_csv", "save_figure", "write_manifest", "output_dir")


def _called(call: ast.Call) -> str:
    """The name a call ends in: ``f`` for ``f(…)`` and ``x.y.f(…)``."""
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_clean_orchestration(nb):
    """The one hygiene rule of every notebook: one ``parameters`` cell naming its output folders
    (``results/<stem>`` and ``figures``), committed without outputs, no function, class or
    lambda anywhere in its code (parsed, not grepped: code that wants to be a function goes
    into econsim), and no file bookkeeping: outputs are declared through one
    ``Outputs("<stem>", globals())`` (no ``to_csv``, ``save_figure``, ``write_manifest`` or
    ``output_dir`` call, no ``outputs`` list)."""
    data = json.loads(nb.read_text())
    params = notebook_parameters(nb)  # exactly one cell tagged `parameters`
    assert {"results_dir", "figures_dir"} <= set(params)
    assert params["figures_dir"] == "figures"
    assert params["results_dir"] == f"results/{nb.stem}"
    assert data["metadata"]["kernelspec"]["name"] == "python3"
    declared = []
    for cell in data["cells"]:
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs", []) == [], f"{nb.name} is committed with outputs"
        assert cell.get("execution_count") is None
        tree = ast.parse("".join(cell["source"]))
        defined = [type(n).__name__ for n in ast.walk(tree)
                   if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                                 | ast.Lambda)]
        assert defined == [], f"{nb.name} defines {defined}; move it into econsim"
        bookkeeping = [_called(n) for n in ast.walk(tree)
                       if isinstance(n, ast.Call) and _called(n) in BOOKKEEPING]
        bookkeeping += ["outputs" for n in ast.walk(tree)
                        if isinstance(n, ast.Name) and n.id == "outputs"]
        assert bookkeeping == [], f"{nb.name} keeps its own books: {bookkeeping}; use Outputs"
        declared += [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                     and _called(n) == "Outputs" and ast.unparse(n) == f"Outputs({nb.stem!r}, globals())"]
    assert len(declared) == 1, f"{nb.name} should create Outputs({nb.stem!r}, globals()) once"


def test_profile_parameters_exist_in_notebooks():
    profiles = yaml.safe_load((ROOT / "notebooks" / "profiles.yaml").read_text())
    for stem, spec in profiles.items():
        nb = ROOT / "notebooks" / f"{stem}.ipynb"
        assert nb.exists(), f"profiles.yaml names a missing notebook {stem}"
        for overrides in (spec or {}).values():
            check_parameters(nb, overrides or {})


def test_policy_landscape_quick_profile(tmp_path):
    out = run_notebook(ROOT / "notebooks" / "01_policy_landscape.ipynb", tmp_path / "01.ipynb",
                       profile="quick", parameters={"results_dir": str(tmp_path / "r"),
                                                    "figures_dir": str(tmp_path / "f")})
    assert out.exists()
    for stem in ("01_flat_rate_curves", "01_paper_swf_pathology", "01_schedules",
                 "01_schedule_welfare"):
        for ext in ("png", "pdf"):
            assert (tmp_path / "f" / f"{stem}.{ext}").stat().st_size > 5000
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["config"]["n_agents"] == 400
    for name in ("flat_rate_curves.csv", "schedules.csv", "schedule_welfare.csv"):
        assert name in manifest["outputs"] and (tmp_path / "r" / name).stat().st_size > 100


def test_failed_notebook_leaves_no_complete_copy(tmp_path):
    with pytest.raises(Exception):  # noqa: B017 - papermill raises its own execution error
        run_notebook(ROOT / "notebooks" / "01_policy_landscape.ipynb", tmp_path / "01.ipynb",
                     profile="quick", parameters={"results_dir": str(tmp_path / "r"),
                                                  "figures_dir": str(tmp_path / "f"),
                                                  "utilities": ["no_such_preset"]})
    assert not (tmp_path / "01.ipynb").exists()
    assert (tmp_path / "01.failed.ipynb").exists()
    assert not Path(tmp_path / "01.tmp.ipynb").exists()


def test_a_cell_past_the_timeout_fails_the_run(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("seconds = 60")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import time\ntime.sleep(seconds)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    source = tmp_path / "slow.ipynb"
    nbformat.write(nb, source)
    started = time.perf_counter()
    with pytest.raises(Exception, match="(?i)timed? ?out"):
        run_notebook(source, tmp_path / "out.ipynb", timeout=3)
    assert time.perf_counter() - started < 50  # failed at the limit, not after the sleep
    assert not (tmp_path / "out.ipynb").exists() and (tmp_path / "out.failed.ipynb").exists()
