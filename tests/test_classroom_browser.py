"""The served classroom app in a real browser: ``econsim classroom`` (Voilà + class board) on
loopback, headless Chromium driven by Selenium. A student moves sliders, plays three rounds, sees
the inverse-optimum plot update every round and the scoreboard at the end, and submits; the
teacher's page shows the submission. Screenshots go to results/classroom/.

Skipped with a reason when Chromium, chromedriver, Selenium or Voilà is missing (``.ci/run``
installs the Debian packages; ``make setup`` installs Selenium and Voilà).
"""

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "results" / "classroom"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
MISSING = [name for name, ok in (
    ("chromium", CHROMIUM), ("chromedriver", DRIVER),
    ("selenium", importlib.util.find_spec("selenium")),
    ("voila", importlib.util.find_spec("voila"))) if not ok]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    bool(MISSING), reason=f"browser test needs {', '.join(MISSING)} (apt-get install chromium "
                          "chromium-driver; make setup installs selenium and voila)")]
STARTUP_S = 120
STEP_S = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float) -> None:
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def _wait_port(port: int, timeout: float) -> None:
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"port {port} did not open within {timeout:.0f} s")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    port, board_port = _free_port(), _free_port()
    db = tmp_path_factory.mktemp("class") / "class.sqlite"
    log = open(tmp_path_factory.mktemp("log") / "classroom.log", "w+")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "econsim.cli", "classroom", "--port", str(port), "--board-port",
         str(board_port), "--class-code", "test-code", "--teacher-key", "tkey", "--db",
         str(db), "--n-agents", "600", "--brackets", "3", "--n-rounds", "3"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_http(f"http://127.0.0.1:{board_port}/health", STARTUP_S)
        _wait_port(port, STARTUP_S)  # a GET of the page would start a kernel of its own
        yield port, board_port, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.seek(0)
        print(log.read()[-3000:])
        log.close()


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
    driver.set_page_load_timeout(STARTUP_S)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _img_src(driver, css):
    return driver.find_element("css selector", f"{css} img, img{css}").get_attribute("src")


def test_student_plays_three_rounds_and_the_teacher_sees_the_board(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    port, board_port, _ = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver = browser
    wait = WebDriverWait(driver, STEP_S)
    driver.get(f"http://127.0.0.1:{port}/?token=test-code")
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, ".econsim-play button, "
                                                           "button.econsim-play")))
    play = driver.find_element(By.CSS_SELECTOR, "button.econsim-play")
    driver.find_element(By.CSS_SELECTOR, ".econsim-name input").send_keys("Ada L.")
    status = driver.find_element(By.CSS_SELECTOR, ".econsim-status")
    inverse_before = _img_src(driver, ".econsim-inverse-plot")
    seen_inverse = {inverse_before}
    for round_no, moves in ((1, (5, 0, 10)), (2, (0, 20, 0)), (3, (10, 10, 30))):
        for k, n in enumerate(moves):
            if not n:
                continue
            handle = driver.find_element(By.CSS_SELECTOR, f".econsim-rate-{k} .noUi-handle")
            readout = driver.find_element(By.CSS_SELECTOR, f".econsim-rate-{k} .widget-readout")
            before = int(readout.text)
            handle.click()
            handle.send_keys(*[Keys.ARROW_RIGHT] * n)
            wait.until(lambda d, r=readout, b=before, n=n: int(r.text) == b + n)
        rates = [int(e.text) for e in driver.find_elements(
            By.CSS_SELECTOR, ".econsim-rate .widget-readout")]
        text = " / ".join(map(str, rates)) + " %"
        # the kernel echoes the rates it holds: play only once it has every slider move
        wait.until(lambda d, t=text: t in d.find_element(By.CSS_SELECTOR,
                                                          ".econsim-pending").text)
        play.click()
        wait.until(lambda d, r=round_no, t=text: f"round {r} (rates {t})" in status.text)
        wait.until(lambda d: _img_src(d, ".econsim-inverse-plot") not in seen_inverse)
        seen_inverse.add(_img_src(driver, ".econsim-inverse-plot"))
        if round_no == 1:
            driver.save_screenshot(str(SHOTS / "browser_round.png"))
    board = driver.find_element(By.CSS_SELECTOR, ".econsim-scoreboard")
    wait.until(lambda d: "Stackelberg optimum" in board.text and "LLM planner" in board.text)
    assert "US federal 2024" in board.text and "you" in board.text
    assert _img_src(driver, ".econsim-scoreboard-plot").startswith(("blob:", "data:image/png"))
    assert "rationalise" in driver.find_element(By.CSS_SELECTOR, ".econsim-inverse-text").text
    assert len(seen_inverse) == 4  # the start preview and one per round
    submit = driver.find_element(By.CSS_SELECTOR, "button.econsim-submit")
    driver.execute_script("arguments[0].scrollIntoView();", board)
    driver.save_screenshot(str(SHOTS / "browser_scoreboard.png"))
    submit.click()
    wait.until(lambda d: "Submitted to the class board" in status.text)
    with urllib.request.urlopen(f"http://127.0.0.1:{board_port}/teacher?key=tkey",
                                timeout=60) as resp:
        page = resp.read().decode()
    assert "Ada L." in page and "1 submissions" in page
    driver.get(f"http://127.0.0.1:{board_port}/teacher?key=tkey")
    driver.save_screenshot(str(SHOTS / "browser_teacher.png"))
    assert os.path.getsize(SHOTS / "browser_scoreboard.png") > 10_000


def test_closing_the_page_shuts_its_kernel_down(served, browser):
    """Voilà's page sends a shutdown beacon when it closes; without an XSRF token Voilà used to
    refuse it (403) and the kernel lived on until culled."""
    from selenium.webdriver.support.ui import WebDriverWait

    port, _, log = served
    browser.get(f"http://127.0.0.1:{port}/?token=test-code")
    WebDriverWait(browser, STEP_S).until(
        lambda d: d.find_elements("css selector", "button.econsim-play"))
    browser.get("about:blank")  # leaving the page fires the beacon
    deadline = time.time() + 30
    text = ""
    while time.time() < deadline:
        log.seek(0)
        text = log.read()
        if "Kernel shutdown" in text or "_xsrf" in text:
            break
        time.sleep(0.5)
    assert "_xsrf' argument missing" not in text
    assert "Kernel shutdown" in text
