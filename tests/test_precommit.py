"""The pre-commit hooks (.pre-commit-config.yaml) select the right files and catch what they should.

The hooks are `repo: local` entries that run commands of the project's .venv; this test runs each
entry the way pre-commit does (entry + the staged file names), with this interpreter in place of
``.venv/bin/python``, so it needs neither pre-commit nor a git hook.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys

import pytest
import yaml

from econsim.compendium.notebook_format import committed_notebooks
from econsim.compendium.paths import project_root

ROOT = project_root()


def _hooks() -> dict[str, dict]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    return {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}


def _run(hook: dict, *files) -> subprocess.CompletedProcess:
    argv = shlex.split(hook["entry"])
    assert argv[0] == ".venv/bin/python"  # the project's own, locked tools
    return subprocess.run([sys.executable, *argv[1:], *map(str, files)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_both_hooks_are_local_and_select_their_files():
    hooks = _hooks()
    assert set(hooks) == {"ruff", "notebook-normal-form"}
    assert all(h["language"] == "system" for h in hooks.values())
    ruff_files = re.compile(hooks["ruff"]["files"])
    assert ruff_files.search("econsim/economy/tax.py") and ruff_files.search("bench/__main__.py")
    assert not ruff_files.search("notebooks/00_population.ipynb")
    nb_files = re.compile(hooks["notebook-normal-form"]["files"])
    committed = [p.relative_to(ROOT).as_posix() for p in committed_notebooks()]
    assert committed and all(nb_files.search(p) for p in committed)
    assert not nb_files.search("results/notebooks/00_population.ipynb")


def test_ruff_hook_fails_on_a_lint_error_and_passes_clean_code(tmp_path):
    hook = _hooks()["ruff"]
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")  # F401: unused import
    failed = _run(hook, bad)
    assert failed.returncode == 1 and "F401" in failed.stdout
    assert _run(hook, ROOT / "econsim" / "compendium" / "notebook_format.py").returncode == 0


@pytest.mark.parametrize("dirty", [False, True])
def test_notebook_hook_normalises_a_saved_notebook(tmp_path, dirty):
    hook = _hooks()["notebook-normal-form"]
    source = committed_notebooks()[0]
    copy = tmp_path / source.name
    shutil.copy(source, copy)
    if dirty:  # a JupyterLab save with an output
        nb = json.loads(copy.read_text())
        code = next(c for c in nb["cells"] if c["cell_type"] == "code")
        code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
        code["execution_count"] = 3
        copy.write_text(json.dumps(nb, indent=2))
    before = copy.read_bytes()
    assert _run(hook, copy).returncode == 0
    # pre-commit stops a commit whose files a hook changed: exactly the ones not in normal form
    assert (copy.read_bytes() != before) is dirty
    assert copy.read_bytes() == source.read_bytes()
