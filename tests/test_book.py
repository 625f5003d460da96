"""The rendered book (``make book``) in a real browser: the site is built from this checkout (the
README, docs/ and whatever executed notebooks ``make figures`` left in results/notebooks/), served
on loopback and opened page by page in headless Chromium (the classroom browser test's set-up).
Every page loads, every image renders (naturalWidth > 0), every link to a file of the site names
an existing file (and an existing id when it has a #fragment), the build warns about nothing, and
every notebook page and every figure on it names its source, its manifest and the commit that
made it.

Skipped with a reason when the ``book`` extra (``make setup-book``), Chromium or chromedriver is
missing (``.ci/run`` installs all three); the notebook-page checks skip when no executed notebook
is present (a clone before ``make figures``).
"""

from __future__ import annotations

import functools
import importlib.util
import io
import json
import shutil
import tempfile
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from econsim.compendium import book
from econsim.compendium.paths import project_root

ROOT = project_root()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
BOOK_MISSING = [m for m in ("sphinx", "myst_nb", "sphinx_book_theme")
                if importlib.util.find_spec(m) is None]
BROWSER_MISSING = [name for name, ok in (
    ("chromium", CHROMIUM), ("chromedriver", DRIVER),
    ("selenium", importlib.util.find_spec("selenium"))) if not ok]
NOTEBOOKS = book.executed_notebooks(ROOT)
# Sphinx 9 announces API changes of version 11 that the theme and MyST still use: not ours
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]

needs_book = pytest.mark.skipif(bool(BOOK_MISSING), reason=(
    f"the book extra is not installed ({', '.join(BOOK_MISSING)}): make setup-book"))
needs_browser = pytest.mark.skipif(bool(BROWSER_MISSING), reason=(
    f"browser test needs {', '.join(BROWSER_MISSING)} (apt-get install chromium "
    "chromium-driver; make setup installs selenium)"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("book") / "html"
    warnings = io.StringIO()
    book.build(out, root=ROOT, warnings=warnings)
    return out, warnings.getvalue()


@pytest.fixture(scope="module")
def served(site):
    out, _ = site
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", out
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    #: paths the browser asked for that the site does not have (a broken image, script, style)
    missing: list[str] = []

    def send_error(self, code, message=None, explain=None) -> None:
        if code == 404 and self.path != "/favicon.ico":  # asked for by the browser itself
            self.missing.append(self.path)
        super().send_error(code, message, explain)

    def log_message(self, *args) -> None:  # the test reports what fails, not every request
        pass


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="econsim-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,1800",
                 f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs) -> None:
        self.ids.update(v for k, v in attrs if k in ("id", "name") and v)


@functools.cache
def _ids(path: Path) -> frozenset[str]:
    parser = _Ids()
    parser.feed(path.read_text(errors="replace"))
    return frozenset(parser.ids)


def _pages(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")
                  if not p.relative_to(out).as_posix().startswith(("_static/", "_sources/")))


# the page's images that did not render, and every link of the page (resolved by the browser)
_IMAGES_JS = ("return Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
              ".map(i => i.currentSrc || i.src);")
_LINKS_JS = "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href);"


@needs_book
def test_the_build_warns_about_nothing(site):
    out, warnings = site
    assert warnings == ""
    assert (out / "README.html").is_file() and (out / "index.html").is_file()
    assert {f"docs/{p.stem}.html" for p in (ROOT / "docs").glob("*.md")} <= set(_pages(out))


@needs_book
@needs_browser
def test_every_page_loads_every_image_renders_no_internal_link_is_broken(served, browser):
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    base, out = served
    pages = _pages(out)
    assert "README.html" in pages and len(pages) >= 3 + len(NOTEBOOKS)
    failures: list[str] = []
    images = 0
    for page in pages:
        browser.get(f"{base}/{page}")
        try:
            WebDriverWait(browser, 20).until(lambda b: b.execute_script(
                "return document.readyState === 'complete' && "
                "document.querySelector('main#main-content') !== null"))
        except TimeoutException:
            failures.append(f"{page}: did not load ({browser.current_url})")
            continue
        images += browser.execute_script("return document.images.length;")
        failures += [f"{page}: image {src} did not render"
                     for src in browser.execute_script(_IMAGES_JS)]
        for href in browser.execute_script(_LINKS_JS):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != base:
                continue  # external (https:, mailto:): not the site's to keep
            target = out / unquote(parts.path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                failures.append(f"{page}: link {href} names no file of the site")
            elif parts.fragment and target.suffix == ".html" and \
                    unquote(parts.fragment) not in _ids(target):
                failures.append(f"{page}: link {href} names no id of its page")
    assert failures == []
    assert _QuietHandler.missing == []
    assert images > 0  # the docs' screenshots at least


@needs_book
@pytest.mark.skipif(not NOTEBOOKS, reason="no executed notebooks in results/notebooks/: "
                    "run `make figures` first")
def test_every_notebook_page_links_its_source_manifest_and_commit(site):
    out, _ = site
    for docname in NOTEBOOKS:
        stem = docname.rsplit("/", 1)[1]
        html = (out / f"{docname}.html").read_text()
        made = html.split("Made by", 1)
        assert len(made) == 2, f"{stem}: no provenance line"
        line = made[1].split("</p>", 1)[0]
        assert f"{stem}.ipynb" in line and "at commit" in line
        if (ROOT / "results" / stem / "manifest.json").is_file():
            assert "manifest.json" in line and 'href="../../_downloads/' in line
        # the provenance line comes before the first output of the page
        assert html.index("Made by") < html.find("cell_output") or "cell_output" not in html
        # every figure the notebook drew has a caption with the same links
        nb = json.loads((ROOT / f"{docname}.ipynb").read_text())
        figures = sum(any(k.startswith("image/") for k in out.get("data", {}))
                      for cell in nb["cells"] for out in cell.get("outputs", []))
        captions = html.split('class="econsim-figure-source"')[1:]
        assert len(captions) == figures, stem
        for caption in captions:
            caption = caption.split("</p>", 1)[0]
            assert f"{stem}.ipynb" in caption and "at commit" in caption


def test_provenance_line_names_the_manifest_commit(tmp_path):
    (tmp_path / "results" / "02_x").mkdir(parents=True)
    (tmp_path / "results" / "02_x" / "manifest.json").write_text(
        '{"git": {"commit": "abcdef0123456789", "dirty": false}, "wall_time_s": 12.4}')
    line = book.provenance_markdown(tmp_path, "02_x", "ffffffffffff0000")
    assert "`abcdef012345`" in line and "ffffffff" not in line and "12 s of wall time" in line
    assert "(path:../02_x/manifest.json)" in line and "(path:../../notebooks/02_x.ipynb)" in line
    widget = {"output_type": "display_data", "data": {
        "application/vnd.jupyter.widget-view+json": {}, "text/plain": ["runs: 0%"]}}
    shown = {"output_type": "display_data", "data": {"text/plain": ["kept"]}}
    nb = book.with_provenance(json.dumps({"metadata": {"widgets": {}}, "cells": [
        {"cell_type": "markdown", "source": ["# T"]},
        {"cell_type": "code", "source": [], "outputs": [widget, shown]}]}), line)
    assert '"# T"' in nb.split(line)[0] and '"code"' in nb.split(line)[1]
    assert "runs: 0%" not in nb and "kept" in nb and "widgets" not in nb
