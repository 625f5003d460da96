"""Notebooks are their own source: committed in normal form, and a JupyterLab save normalises."""

import json
import shutil

from econsim.compendium.notebook_format import committed_notebooks, main, normalise_file


def test_committed_notebooks_are_in_normal_form():
    notebooks = committed_notebooks()
    assert notebooks
    assert main(["--check", *map(str, notebooks)]) == 0


def test_a_jupyterlab_save_is_normalised(tmp_path):
    source = committed_notebooks()[0]
    saved = tmp_path / source.name
    shutil.copy(source, saved)
    nb = json.loads(saved.read_text())
    # what JupyterLab adds when a reader runs and saves the notebook
    nb["metadata"]["kernelspec"] = {"display_name": "Python (econsim)", "language": "python",
                                    "name": "econsim"}
    nb["metadata"]["widgets"] = {"state": {}}
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hello\n"]}]
    code["execution_count"] = 7
    code["metadata"]["scrolled"] = True
    nb["cells"].insert(1, {"cell_type": "markdown", "id": "3f2a9c1e-0b1d", "metadata": {},
                           "source": "A note a reader added.\nSecond line."})
    saved.write_text(json.dumps(nb, indent=2))

    assert main(["--check", str(saved)]) == 1
    assert saved.read_text() == json.dumps(nb, indent=2)  # --check writes nothing
    assert main([str(saved)]) == 0
    assert normalise_file(saved, check=True)
    fixed = json.loads(saved.read_text())
    assert [c["id"] for c in fixed["cells"]] == [f"{source.name[:2]}-{i:02d}"
                                                  for i in range(len(fixed["cells"]))]
    assert fixed["cells"][1]["source"] == ["A note a reader added.\n", "Second line."]
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None
               for c in fixed["cells"])
    assert "widgets" not in fixed["metadata"]
    assert all(set(c["metadata"]) <= {"tags", "jupyter"} for c in fixed["cells"])
