"""CLI entry point, registries, notebook runner checks, deterministic figures, manifests."""

import json
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from econsim import __version__
from econsim.cli.main import main
from econsim.compendium.notebook_runner import check_parameters, notebook_parameters
from econsim.compendium.provenance import write_manifest
from econsim.figures.style import new_figure, provenance_note, save_figure
from econsim.registry import Registry


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_console_script_installed():
    script = Path(sys.executable).with_name("econsim")
    assert script.exists(), "pip install -e . should install the econsim console script"
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"econsim {__version__}"


def test_unknown_command_lists_valid(capsys):
    with pytest.raises(SystemExit):
        main(["frobnicate"])
    assert "valid: baselines" in capsys.readouterr().err


def test_registry_errors_list_names():
    reg: Registry[int] = Registry("widget")
    reg.register("a", 1)
    reg.register("b", 2)
    with pytest.raises(ValueError, match="unknown widget 'c'; valid names: a, b"):
        reg.get("c")
    with pytest.raises(ValueError, match="already registered"):
        reg.register("a", 3)


def _notebook(tmp_path, source):
    nb = {"cells": [{"cell_type": "code", "metadata": {"tags": ["parameters"]}, "source": source,
                     "outputs": [], "execution_count": None}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    return path


def test_notebook_parameters_are_parsed_and_checked(tmp_path):
    path = _notebook(tmp_path, "n_agents: int = 100  # workers\nseed = 42\nname = 'x'\n")
    assert notebook_parameters(path) == {"n_agents": 100, "seed": 42, "name": "x"}
    check_parameters(path, {"seed": 1})
    with pytest.raises(ValueError, match="has no parameter\\(s\\) \\['n_agent'\\]"):
        check_parameters(path, {"n_agent": 5})


def test_figures_are_byte_identical(tmp_path):
    paths = []
    for run in ("a", "b"):
        fig, axes = new_figure()
        axes[0][0].plot([0, 1], [1, 0], label="line")
        axes[0][0].legend()
        provenance_note(fig, "surrogate")
        paths.append(save_figure(fig, "f", tmp_path / run))
        plt.close(fig)
    for first, second in zip(*paths, strict=True):
        assert first.read_bytes() == second.read_bytes()
        assert first.stat().st_size > 1000


def test_manifest_records_config_and_versions(tmp_path):
    path = write_manifest(tmp_path, experiment="x", config={"seed": 42, "rates": (0.1, 0.2)},
                          outputs=[tmp_path / "a.csv"], started=0.0)
    record = json.loads(path.read_text())
    assert record["config"] == {"seed": 42, "rates": [0.1, 0.2]}
    assert record["packages"]["econsim"] == __version__
    assert "commit" in record["git"]
