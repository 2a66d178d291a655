"""The classroom app in a real (headless Debian) chromium: served by `solara run`, offline, without errors.

Starts `solara run sim/app.py` on a free port, opens it with Python playwright driving /usr/bin/chromium (never a
downloaded browser), presses Step, switches a reform on and presses Reset, and saves a screenshot in results/.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
SHOT_DIR = ROOT / "results" / "app"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} missing: install Debian chromium (apt-get install -y chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"solara exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"solara did not answer on {url} within {timeout} s")


@pytest.fixture
def server():
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = SHOT_DIR / "solara.log"
    SHOT_DIR.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "solara", "run", "sim/app.py", "--host", "127.0.0.1", "--port", str(port),
             "--production", "--no-open"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}/"
            _wait_until_serving(url, proc)
            yield url
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)  # its own session: stops solara and nothing else
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def _day(page) -> int:
    text = page.get_by_text(re.compile(r"^Day 第 \d+ 天")).first.inner_text()
    return int(re.match(r"Day 第 (\d+) 天", text).group(1))


def _admin_hours(page) -> str:
    """The admin hours of the last 7 days, from the line above the cadre's-week chart."""
    title = page.get_by_text(re.compile(r"admin [0-9.]+ h, service")).first.inner_text()
    return re.search(r"admin ([0-9.]+) h", title).group(1)


def test_page_steps_and_resets_offline_without_errors(server):
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1100})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url} {r.failure}"))
            page.goto(server, wait_until="networkidle", timeout=60_000)
            page.get_by_text(re.compile(r"^Day 第 0 天")).first.wait_for(timeout=60_000)
            assert page.get_by_text("合并文件 merge documents").count() >= 1

            for expected in range(1, 6):  # Monday to Friday of the first week
                page.get_by_role("button", name="Step", exact=True).click()
                page.get_by_text(re.compile(rf"^Day 第 {expected} 天")).first.wait_for(timeout=15_000)
            assert _day(page) == 5
            before = _admin_hours(page)

            page.get_by_text("无台账考核 no-ledger assessment").click()
            page.get_by_text("基层一张表 one form").click()
            page.get_by_role("button", name="Reset", exact=True).click()
            page.get_by_text(re.compile(r"^Day 第 0 天 .* 2 of 20 reforms")).first.wait_for(timeout=30_000)
            for expected in range(1, 6):
                page.get_by_role("button", name="Step", exact=True).click()
                page.get_by_text(re.compile(rf"^Day 第 {expected} 天")).first.wait_for(timeout=15_000)
            page.get_by_text("What changed 改革带来的变化").first.wait_for(timeout=15_000)
            after = _admin_hours(page)
            assert float(after) < float(before), (before, after)  # the two reforms cut the cadre's admin hours

            page.wait_for_timeout(500)  # let plotly finish drawing before the picture
            SHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOT_DIR / "classroom_app.png"), full_page=True)
        finally:
            browser.close()
    assert not problems, "\n".join(problems)
