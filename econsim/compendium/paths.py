"""Locate the compendium's folders, whatever the working directory (repo root or notebooks/)."""

from __future__ import annotations

from pathlib import Path


def project_root(start: Path | None = None) -> Path:
    """The nearest ancestor of ``start`` (default: cwd) holding ``pyproject.toml``; else cwd."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "econsim").is_dir():
            return folder
    return here


def project_path(path: str | Path) -> Path:
    """Resolve a path given relative to the project root (absolute paths pass through)."""
    p = Path(path)
    return p if p.is_absolute() else project_root() / p


def output_dir(path: str | Path) -> Path:
    """:func:`project_path`, created if missing."""
    p = project_path(path)
    p.mkdir(parents=True, exist_ok=True)
    return p
