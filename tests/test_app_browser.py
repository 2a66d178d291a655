"""The classroom app in a real (headless Debian) chromium: served by `solara run`, offline, without errors.

Starts `solara run sim/app.py` on a free port, opens it with Python playwright driving /usr/bin/chromium (never a
downloaded browser), goes through a lesson's first exercise in Chinese and English, and saves screenshots in
results/app/.
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

from sim.views.classroom.participatory import MAX_BUDGET
from sim.views.classroom.texts import tr
from sim.views.labels import ACTIVITY_LABELS, REFORM_LABELS

from .test_classroom_lesson import ex

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


def _day(page, lang="zh") -> int:
    pattern = r"^第 (\d+) 天" if lang == "zh" else r"^Day (\d+) "
    text = page.get_by_text(re.compile(pattern)).first.inner_text()
    return int(re.match(pattern, text).group(1))


def _step_to(page, day: int, lang="zh") -> None:
    """Press Step until the status line shows `day`, one day at a time."""
    step = page.get_by_role("button", name=tr("step", lang), exact=True)
    for d in range(_day(page, lang) + 1, day + 1):
        step.click()
        page.get_by_text(re.compile(_day_pattern(d, lang))).first.wait_for(timeout=15_000)


def _day_pattern(day: int, lang: str) -> str:
    return rf"^第 {day} 天 · " if lang == "zh" else rf"^Day {day} · "


def _admin_change(page, lang="zh") -> float:
    """The what-changed table's change in admin hours per cadre-week."""
    row = page.get_by_role("row").filter(has_text=tr("admin_hours", lang)).first
    return float(row.get_by_role("cell").nth(3).inner_text())


def test_a_lesson_in_both_languages_offline_without_errors(server):
    """As a class would use it, in a 1400 px window: the explainer; exercise 1 of the lesson (docs/classroom.md)
    step by step, its figure read off the what-changed table and held to the guide's range; where the hours went;
    the page turned to English and back, every panel following."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url} {r.failure}"))
            page.goto(server, wait_until="networkidle", timeout=60_000)
            page.get_by_text(re.compile(r"^第 0 天")).first.wait_for(timeout=60_000)
            body = page.locator("body")
            for absent in ("Use Threads", "Render Interval", "PAGE 0", "Page 0"):  # no developer controls, no tab
                assert absent not in body.inner_text()

            # the explainer opens
            page.get_by_text(tr("how_to_read", "zh")).click()
            page.get_by_text("乡镇网络", exact=False).first.wait_for(timeout=10_000)

            # exercise 1 of docs/classroom.md, as a group does it: the class's seed, the guide's winning reform,
            # Reset (after the cue that it waits), Play, pause near the day the guide names, step to it, and read
            # the table: the figure must be in the guide's range
            lesson = ex(1)
            page.locator(".v-slider").first.click()  # the seed's slider (0 to 99, starting at 0)
            page.keyboard.press("Home")
            for _ in range(lesson["seed"]):
                page.keyboard.press("ArrowRight")
            page.get_by_text(f"{tr('seed', 'zh')}: {lesson['seed']}").wait_for(timeout=10_000)
            page.get_by_text(REFORM_LABELS[lesson["most"]][0], exact=True).click()
            page.get_by_text(tr("pending", "zh")).wait_for(timeout=10_000)
            page.get_by_role("button", name=tr("reset", "zh"), exact=True).click()
            page.get_by_text(re.compile(r"^第 0 天 .* 1/20")).first.wait_for(timeout=30_000)
            assert page.get_by_text(tr("pending", "zh")).count() == 0
            # Play for a few days and Pause (playing, the page draws only some of the days), then Step to the day
            page.get_by_role("button", name=tr("play", "zh"), exact=True).click()
            page.wait_for_function("(m => m && +m[1] >= 5)(document.body.innerText.match(/第 (\\d+) 天 · /))",
                                   timeout=60_000)
            page.get_by_role("button", name=tr("pause", "zh"), exact=True).click()
            page.get_by_role("button", name=tr("play", "zh"), exact=True).wait_for(timeout=60_000)
            paused = _day(page)
            page.wait_for_timeout(1_000)
            assert 5 <= _day(page) == paused < lesson["days"]  # paused: the days stand still
            _step_to(page, lesson["days"])
            page.get_by_text("改革带来的变化").first.wait_for(timeout=15_000)
            lo, hi = lesson["most_frees_hours"]
            assert lo <= -_admin_change(page) <= hi, (-_admin_change(page), lesson["most_frees_hours"])
            page.get_by_text("去了哪里").first.wait_for(timeout=15_000)

            # English, every panel with it, and back
            page.get_by_role("button", name="English", exact=True).click()
            page.get_by_text(re.compile(_day_pattern(lesson["days"], "en"))).first.wait_for(timeout=15_000)
            # the panels follow one after another: wait (up to 30 s) until no Chinese is left on the page, charts
            # included; a label the switch missed would stay and fail here
            page.wait_for_function(
                "!/[\\u4e00-\\u9fff]/.test(document.body.innerText.replace('中文', '') + "
                "[...document.querySelectorAll('.js-plotly-plot')].map(e => e.textContent).join(' '))",
                timeout=30_000)
            text = body.inner_text()
            assert "What changed" in text and "Where the hours" in text and "cadre" in text
            assert not re.search(r"[\u4e00-\u9fff]", text.replace("中文", "")), "Chinese left on the English page"
            svg = page.locator(".js-plotly-plot").all_inner_texts()
            assert not any(re.search(r"[\u4e00-\u9fff]", t) for t in svg), "Chinese left in a chart"
            assert any(ACTIVITY_LABELS["service"][1] in t for t in svg)  # the week chart's legend, in English
            _step_to(page, lesson["days"] + 2, "en")
            assert _admin_change(page, "en") < 0
            page.wait_for_timeout(500)
            SHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOT_DIR / "classroom_app_en.png"), full_page=True)
            page.get_by_role("button", name="中文", exact=True).click()
            page.get_by_text(re.compile(_day_pattern(lesson["days"] + 2, "zh"))).first.wait_for(timeout=15_000)
            page.wait_for_function("!/\\b(hours|reforms|cadres?|service)\\b/.test("
                                   "document.body.innerText.replace('English', ''))", timeout=30_000)
            page.screenshot(path=str(SHOT_DIR / "classroom_app.png"), full_page=True)
        finally:
            browser.close()
    assert not problems, "\n".join(problems)


def test_a_class_session_with_a_teacher_and_three_students(server):
    """The participatory mode in four browser pages: the teacher starts a session (budget 1), three students join
    with its code and each submits a reform, the teacher's board ranks all three by hours saved as their results
    come in, and the best package the model found is revealed on every page."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            def open_page():
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
                page.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url} {r.failure}"))
                page.goto(server, wait_until="networkidle", timeout=60_000)
                page.get_by_role("button", name=tr("mode_class", "zh"), exact=True).click()
                return page

            teacher = open_page()
            # the lobby's budget slider, once the lobby is there: right after the switch to class mode the
            # explorer's sliders can still be on the page (under load they were, and took the key presses)
            label = teacher.get_by_text(f"{tr('budget', 'zh')}: 3")
            label.wait_for(timeout=30_000)
            teacher.locator(".v-input", has=label).locator(".v-slider").click()
            for _ in range(MAX_BUDGET):
                teacher.keyboard.press("ArrowLeft")  # down to a budget of 1 (the search is 20 runs)
            teacher.get_by_text(f"{tr('budget', 'zh')}: 1").wait_for(timeout=10_000)
            teacher.get_by_role("button", name=tr("start", "zh"), exact=True).click()
            header = teacher.get_by_text(re.compile(r"^课堂代码 [A-Z2-9]{4} ")).first
            header.wait_for(timeout=15_000)
            code = re.match(r"^课堂代码 ([A-Z2-9]{4}) ", header.inner_text()).group(1)

            picks = {"小李": "one_form", "小王": "rest_rights", "小张": "no_ledger_assessment"}
            students = {}
            for name, reform in picks.items():
                page = open_page()
                page.get_by_label(tr("code_label", "zh")).fill(code.lower())  # the code is not case-sensitive
                page.get_by_label(tr("name_label", "zh")).fill(name)
                page.get_by_role("button", name=tr("join", "zh"), exact=True).click()
                page.get_by_text(re.compile("你是 " + name)).wait_for(timeout=15_000)
                page.get_by_text(REFORM_LABELS[reform][0], exact=True).click()
                page.get_by_role("button", name=tr("submit", "zh"), exact=True).click()
                students[name] = page

            # the teacher's board: all three ranked, by hours saved
            teacher.wait_for_function("document.querySelectorAll('table.class-board tbody tr td:first-child')"
                                      ".length == 3 && [...document.querySelectorAll('table.class-board tbody tr "
                                      "td:first-child')].every(td => td.innerText.trim() != '')", timeout=120_000)
            rows = teacher.locator("table.class-board tbody tr").all()
            table = [[c.inner_text() for c in r.locator("td").all()] for r in rows]
            assert sorted(r[1] for r in table) == sorted(picks)
            assert [int(r[0]) for r in table] == [1, 2, 3]
            saved = [float(r[3]) for r in table]
            assert saved == sorted(saved, reverse=True)
            # every student sees the same board, their own row in bold
            for name, page in students.items():
                page.wait_for_function("[...document.querySelectorAll('table.class-board tbody tr td:first-child')]"
                                       ".filter(td => td.innerText.trim() != '').length == 3", timeout=60_000)
                bold = page.locator("table.class-board tbody tr[style*='bold'] td").nth(1).inner_text()
                assert bold == name

            teacher.get_by_role("button", name=tr("reveal", "zh"), exact=True).click(timeout=180_000)
            for page in (teacher, *students.values()):
                page.get_by_text(re.compile("^模型找到的最佳组合")).wait_for(timeout=30_000)
            teacher.screenshot(path=str(SHOT_DIR / "class_session_teacher.png"), full_page=True)
        finally:
            browser.close()
    assert not problems, "\n".join(problems)
