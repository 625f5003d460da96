"""The rendered book: a static HTML site of the README, the docs and the executed notebooks.

``python -m econsim.compendium.book [--out _build/book/html]`` (``make book``) runs Sphinx with
MyST-NB over the repository itself: the README is the front page, ``docs/*.md`` are the chapters,
and the notebooks that ``make figures`` executed into ``results/notebooks/`` are pages with their
outputs, read as they are (never executed again). Under each notebook page's title a line links to
the notebook's source, its ``results/<notebook>/manifest.json`` and names the commit that made it
(the manifest's, else the checkout's at build time), and so does a caption under every figure
of the page. Links from the pages to other files of the
repository (source files, ``CITATION.cff``, ...) become downloads inside the site, so no link of
the built site leaves it except the external ones.

Why Sphinx and not Jupyter Book 2 / mystmd: mystmd fetches its site theme from the network at
build time (it stops with ``request to https://api.mystmd.org/templates/site/myst/book-theme
failed`` on a machine that reaches only the package registries), so it cannot build offline in CI;
Sphinx, MyST-NB and sphinx-book-theme install from PyPI and build with no network at all.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from econsim.compendium.paths import project_root

EXECUTED = "results/notebooks"
OUT = "_build/book/html"
#: Chapter order of docs/*.md (files not listed follow, sorted); a reader's path through the book.
CHAPTERS = ("figures", "claims", "economics", "running", "simulation", "scale", "cost",
            "backends", "llm", "local_models", "population", "classroom", "performance",
            "quality", "testing", "hardening", "layout", "architecture", "book")
#: Pages outside docs/ that the README links to.
EXTRA_PAGES = ("CONTRIBUTING", "data/README")
#: Folders Sphinx must not walk into (it prunes excluded folders while looking for sources).
EXCLUDE = [".git", ".venv", ".venv-lock", "_build", ".mutate", "mutants", "student",
           "node_modules", "results/runs", "**/.ipynb_checkpoints", "**/*.failed.ipynb",
           "**/*.tmp.ipynb"]


def executed_notebooks(root: Path) -> list[str]:
    """Docnames (``results/notebooks/NN_name``) of the executed notebooks present, sorted."""
    return sorted(f"{EXECUTED}/{p.stem}" for p in (root / EXECUTED).glob("[0-9][0-9]_*.ipynb")
                  if not p.name.endswith((".failed.ipynb", ".tmp.ipynb")))


def chapters(root: Path) -> list[str]:
    """Docnames of the docs chapters in reading order."""
    present = {p.stem for p in (root / "docs").glob("*.md")}
    ordered = [c for c in CHAPTERS if c in present]
    return [f"docs/{c}" for c in ordered + sorted(present - set(ordered))]


def _head_commit(root: Path) -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                              text=True, timeout=10, check=True).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def provenance_markdown(root: Path, stem: str, head: str | None) -> str:
    """The line under a notebook page's title: source, manifest and commit of its results.

    Links are relative to ``results/notebooks/``, where the executed notebook lives.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> print(provenance_markdown(root, "02_x", "0123456789abcdef"))
    *Made by* [`notebooks/02_x.ipynb`](path:../../notebooks/02_x.ipynb) *at commit* `0123456789ab` (the checkout's at build time: no `results/02_x/manifest.json`; run `make figures`).
    """
    manifest = root / "results" / stem / "manifest.json"
    source = f"[`notebooks/{stem}.ipynb`](path:../../notebooks/{stem}.ipynb)"
    if not manifest.is_file():
        commit = f"`{head[:12]}`" if head else "unknown"
        return (f"*Made by* {source} *at commit* {commit} (the checkout's at build time: no "
                f"`results/{stem}/manifest.json`; run `make figures`).")
    record = json.loads(manifest.read_text())
    git = record.get("git") or {}
    commit = git.get("commit")
    made = f"`{commit[:12]}`" if commit else "unknown (not a git checkout)"
    if git.get("dirty"):
        made += " with uncommitted changes"
    wall = record.get("wall_time_s")
    took = f", {wall:,.0f} s of wall time" if isinstance(wall, int | float) else ""
    return (f"*Made by* {source} *at commit* {made}{took}; provenance: "
            f"[`results/{stem}/manifest.json`](path:../{stem}/manifest.json) (configuration, seeds, "
            f"package versions, machine).")


_WIDGET = "application/vnd.jupyter.widget-view+json"


def with_provenance(notebook_json: str, line: str) -> str:
    """The notebook with a markdown cell holding ``line`` right after its first (title) cell,
    without widget outputs (progress bars: frozen at 0 % in a saved notebook, and their scripts
    would come from a CDN)."""
    nb = json.loads(notebook_json)
    nb.get("metadata", {}).pop("widgets", None)
    cells = nb.get("cells", [])
    for cell in cells:
        if "outputs" in cell:
            cell["outputs"] = [o for o in cell["outputs"] if _WIDGET not in o.get("data", {})]
    at = next((i + 1 for i, c in enumerate(cells) if c.get("cell_type") == "markdown"), 0)
    cells.insert(at, {"cell_type": "markdown", "id": "econsim-provenance", "metadata": {},
                      "source": [line]})
    nb["cells"] = cells
    return json.dumps(nb)


#: a markdown link to a .md or .ipynb file (the kinds Sphinx would take for pages)
_PAGE_LINK = re.compile(r"(\]\()(?![a-z][a-z0-9+.-]*:)([^)\s#]+\.(?:md|ipynb))(#[^)\s]*)?\)")


def downloads_for_files_off_the_book(text: str, docname: str, pages: set[str],
                                     root: Path) -> str:
    """Links to .md / .ipynb files of the repository that are not pages of the book become
    MyST ``path:`` links (a download inside the site) instead of broken page references.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()); (root / "notebooks").mkdir()
    >>> _ = (root / "notebooks" / "a.ipynb").write_text("{}")
    >>> downloads_for_files_off_the_book("[a](../notebooks/a.ipynb) [b](claims.md#x)",
    ...                                  "docs/x", {"docs/claims"}, root)
    '[a](path:../notebooks/a.ipynb) [b](claims.md#x)'
    """
    folder = (root / docname).parent

    def swap(m: re.Match) -> str:
        target = (folder / m.group(2)).resolve()
        try:
            page = target.relative_to(root).with_suffix("").as_posix()
        except ValueError:
            return m.group(0)
        if page in pages or not target.is_file():
            return m.group(0)
        return f"{m.group(1)}path:{m.group(2)})"

    return _PAGE_LINK.sub(swap, text)


def toctree_markdown(root: Path) -> str:
    """The (hidden) tables of contents appended to the front page."""
    def tree(caption: str, docs: list[str]) -> str:
        if not docs:
            return ""
        return ("\n\n```{toctree}\n:hidden:\n:caption: " + caption + "\n\n"
                + "\n".join(f"/{d}" for d in docs) + "\n```\n")

    extra = [p for p in EXTRA_PAGES if (root / f"{p}.md").is_file()]
    return (tree("Chapters", chapters(root)) + tree("Notebooks (executed)",
            executed_notebooks(root)) + tree("More", extra))


def caption_figures(app, doctree, docname: str) -> None:
    """Under every figure of a notebook page, a caption with the links of its provenance line:
    the notebook's source, its manifest and the commit (copied from the line under the title,
    whose downloads Sphinx has already placed in the site)."""
    from docutils import nodes
    from sphinx import addnodes

    if not docname.startswith(f"{EXECUTED}/"):
        return
    line = next((p for p in doctree.findall(nodes.paragraph)
                 if p.astext().startswith("Made by")), None)
    if line is None:
        return
    links = list(line.findall(addnodes.download_reference))
    commit = next((n for n in line.findall(nodes.literal)
                   if re.fullmatch(r"[0-9a-f]{7,40}", n.astext())), None)
    for image in list(doctree.findall(nodes.image)):
        caption = nodes.paragraph(classes=["econsim-figure-source"])
        caption += nodes.emphasis(text="Made by ")
        for i, link in enumerate(links):
            caption += nodes.Text(", " if i else "")
            caption += link.deepcopy()
        if commit is not None:
            caption += nodes.Text(" at commit ")
            caption += commit.deepcopy()
        parent = image.parent
        parent.insert(parent.index(image) + 1, caption)


def sphinx_config(root: Path) -> dict[str, Any]:
    """Everything conf.py sets (the build writes a conf.py that loads this)."""
    head = _head_commit(root)

    pages = {"README", *chapters(root), *executed_notebooks(root),
             *(p for p in EXTRA_PAGES if (root / f"{p}.md").is_file())}

    def source_read(app, docname: str, source: list[str]) -> None:
        if not docname.startswith(f"{EXECUTED}/"):
            source[0] = downloads_for_files_off_the_book(source[0], docname, pages, root)
        if docname == "README":
            source[0] += toctree_markdown(root)
        elif docname.startswith(f"{EXECUTED}/"):
            stem = docname.rsplit("/", 1)[1]
            source[0] = with_provenance(source[0], provenance_markdown(root, stem, head))

    def setup(app) -> dict[str, Any]:
        app.connect("source-read", source_read)
        app.connect("doctree-resolved", caption_figures)
        return {"parallel_read_safe": True}

    include = ["README.md", "docs/*.md", f"{EXECUTED}/[0-9][0-9]_*.ipynb",
               *(f"{p}.md" for p in EXTRA_PAGES)]
    return {
        "project": "econsim",
        "author": "econsim developers",
        "copyright": "econsim developers (MIT licence)",
        "root_doc": "README",
        "extensions": ["myst_nb"],
        "include_patterns": include,
        "exclude_patterns": EXCLUDE,
        # the notebooks are shown as `make figures` executed them, never run again here
        "nb_execution_mode": "off",
        "nb_merge_streams": True,
        "myst_heading_anchors": 4,
        "myst_enable_extensions": ["dollarmath", "amsmath"],
        "suppress_warnings": ["myst.header", "misc.highlighting_failure"],
        "html_theme": "sphinx_book_theme",
        "html_title": "econsim: a reproducible compendium of LLM Economist",
        "html_theme_options": {"show_toc_level": 2, "home_page_in_toc": True},
        "html_last_updated_fmt": None,
        "setup": setup,
    }


CONF_PY = ('"""Generated by econsim.compendium.book: the book\'s Sphinx configuration."""\n'
           "from pathlib import Path\n\n"
           "from econsim.compendium.book import sphinx_config\n\n"
           "globals().update(sphinx_config(Path({root!r})))\n")


def build(out: str | Path = OUT, *, root: Path | None = None, quiet: bool = True,
          warnings: Any = None) -> Path:
    """Build the site into ``out`` (relative to the project root); returns its index page.

    Sphinx's warnings go to ``warnings`` (a text stream; default stderr). Raises
    ``RuntimeError`` naming the missing extra when the ``book`` extra is absent.
    """
    try:
        from sphinx.application import Sphinx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("the book needs the `book` extra: make setup-book "
                           "(pip install -e '.[book]')") from exc
    if warnings is not None and not getattr(warnings, "isatty", lambda: False)():
        from sphinx.util.console import nocolor

        nocolor()  # plain text for a file or a test's buffer
    root = (root or project_root()).resolve()
    out = Path(out) if Path(out).is_absolute() else root / out
    work = out.parent / (out.name + ".sphinx")
    conf = work / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "conf.py").write_text(CONF_PY.format(root=str(root)))
    app = Sphinx(srcdir=str(root), confdir=str(conf), outdir=str(out),
                 doctreedir=str(work / "doctrees"), buildername="html",
                 status=None if quiet else sys.stdout, warning=warnings or sys.stderr, freshenv=True,
                 parallel=1)
    app.build()
    if app.statuscode:
        raise RuntimeError(f"sphinx-build failed with status {app.statuscode}")
    index = out / "index.html"
    if not index.exists():  # the front page is README.html: index.html sends a browser there
        index.write_text('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
                         '<meta http-equiv="refresh" content="0; url=README.html">'
                         '<title>econsim</title></head>\n<body><a href="README.html">econsim'
                         '</a></body></html>\n')
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=OUT, help=f"output folder (default {OUT})")
    args = parser.parse_args(argv)
    root = project_root()
    missing = [n for n in ("README.md", "docs") if not (root / n).exists()]
    if missing:
        parser.error(f"not an econsim checkout (no {', '.join(missing)} in {root})")
    notebooks = executed_notebooks(root)
    if not notebooks:
        print(f"no executed notebooks in {EXECUTED}/ (run `make figures`): the book has the "
              "README and the docs only", file=sys.stderr)
    started = time.time()
    index = build(args.out, root=root)
    print(f"built {index} ({len(notebooks)} notebook pages) in {time.time() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
