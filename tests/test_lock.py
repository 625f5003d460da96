"""requirements/lock.txt: it satisfies pyproject.toml, environment.yml names the same versions, and
the running `make setup` venv holds exactly those versions (what `pip freeze` lists)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from econsim.compendium import lock
from econsim.compendium.paths import project_root

ROOT = project_root()
PINS = lock.read_lock(ROOT / lock.LOCK)
# what `make setup` installs, hence what the lock must cover
LOCKED_EXTRAS = ("dev", "classroom")


def _requirements(extras) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    return [Requirement(r) for r in reqs]


def test_lock_satisfies_pyproject():
    unmet = [f"{req} (locked {PINS.get(lock.normalise(req.name), 'nothing')})"
             for req in _requirements(LOCKED_EXTRAS)
             if not req.specifier.contains(PINS.get(lock.normalise(req.name), "0.dev0"),
                                           prereleases=True)
             or lock.normalise(req.name) not in PINS]
    assert unmet == []


def test_makefile_locks_and_installs_the_same_extras():
    makefile = (ROOT / "Makefile").read_text()
    assert "--extra dev --extra classroom --generate-hashes" in makefile
    assert "--require-hashes -r $(LOCK)" in makefile and "LOCK := requirements/lock.txt" in makefile


def test_environment_yml_is_generated_from_the_lock():
    text = (ROOT / lock.ENVIRONMENT).read_text()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    unpinned = [r for extra in lock.UNLOCKED_ENVIRONMENT_EXTRAS
                for r in project["optional-dependencies"][extra]]
    assert text == lock.environment_text(PINS, unpinned), "run `make lock`"
    pip = next(d["pip"] for d in yaml.safe_load(text)["dependencies"] if isinstance(d, dict))
    named = {}
    for spec in pip:
        if "==" in spec:
            name, version = spec.split("==")
            named[lock.normalise(name)] = version
    assert named == PINS


def test_read_lock_refuses_an_entry_without_hash(tmp_path):
    path = tmp_path / "lock.txt"
    path.write_text("numpy==2.4.6 \\\n    --hash=sha256:" + "a" * 64 + "\n    # via x\n"
                    "Jinja2==3.1.6\n    # via y\n")
    with pytest.raises(ValueError, match="jinja2==3.1.6 has no --hash"):
        lock.read_lock(path)
    path.write_text("numpy==2.4.6 \\\n    --hash=sha256:" + "a" * 64 + "\n")
    assert lock.read_lock(path) == {"numpy": "2.4.6"}
    assert lock.constraints_text({"numpy": "2.4.6", "b": "1"}) == "b==1\nnumpy==2.4.6\n"


def test_differences_name_missing_moved_and_extra_packages():
    pins = {"numpy": "2.4.6", "pandas": "3.1.1"}
    assert lock.differences({"numpy": "2.4.6", "pandas": "3.1.1"}, pins) == []
    assert lock.differences({"numpy": "2.4.5", "llm": "0.36"}, pins) == [
        "numpy: locked 2.4.6, installed 2.4.5", "pandas: locked 3.1.1, installed nothing",
        "llm: installed 0.36, not in the lock"]
    assert lock.differences({"numpy": "2.4.6", "pandas": "3.1.1", "llm": "0.36"}, pins,
                            allow_extra=True) == []


def _freeze() -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                         capture_output=True, text=True, check=True).stdout
    pairs = (line.split("==") for line in out.splitlines() if "==" in line)
    return {lock.normalise(name): version for name, version in pairs}


def test_setup_venv_holds_exactly_the_locked_versions():
    venv = ROOT / ".venv"
    if Path(sys.prefix).resolve() != venv.resolve() or not (venv / ".installed").exists():
        pytest.skip(f"not running from the `make setup` venv ({venv}): {sys.prefix}")
    # optional extras (make setup-local, mutate, hooks, lab) add packages on top of the lock,
    # constrained to its versions: then only the locked ones must match
    extras = sorted(p.name for p in venv.glob(".installed-*"))
    problems = lock.differences(_freeze(), PINS, allow_extra=bool(extras))
    assert problems == [], f"extras installed: {extras}"


def test_environment_yml_is_what_repo2docker_reads():
    """Binder builds with repo2docker: it reads environment.yml from binder/ or .binder/ when one
    exists, else from the root; takes the Python version from a `python=X.Y` entry (a range such
    as `python>=3.11` falls back to its default Python); and copies the repository in before the
    install when the pip section names a local path (`-e .`)."""
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    env = yaml.safe_load((ROOT / lock.ENVIRONMENT).read_text())
    pythons = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert pythons == ["python=3.11"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
