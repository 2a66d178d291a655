"""The report in a real headless browser, offline: every chart renders, no errors, the language toggle works."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim.views.report import build_report
from tests.report_fixture import experiment_copy, fixture_experiment  # noqa: F401  (pytest fixtures)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT_DIR = Path(__file__).resolve().parent.parent / "results" / "screenshots"  # git-ignored

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"{CHROMIUM} missing: apt-get install -y chromium (CI installs it)"),
]


def _visible_text(page) -> str:
    return page.evaluate("() => document.body.innerText")


def _svg_text(page) -> str:
    return page.evaluate("() => Array.from(document.querySelectorAll('.main-svg text')).map(t => t.textContent)"
                         ".join(' ')")


def test_report_renders_offline_and_toggles_language(experiment_copy):
    playwright = pytest.importorskip("playwright.sync_api")
    res = build_report(experiment_copy, png=False)
    figures = res["figures"]
    url = res["html"].resolve().as_uri()
    errors, failed, blocked = [], [], []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            ctx = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
            page = ctx.new_page()

            def route(r):  # the page must need nothing but itself
                if r.request.url.startswith("file://"):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto(url, wait_until="load")
            page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length === {len(figures)}")

            # every chart rendered: each plotly figure draws its main-svg layers with drawn marks in them
            per_fig = page.evaluate("""(ids) => ids.map(id => {
                const el = document.getElementById(id);
                return [el.querySelectorAll('.main-svg').length,
                        el.querySelectorAll('.main-svg path, .main-svg rect').length];})""", figures)
            for fid, (svgs, marks) in zip(figures, per_fig):
                assert svgs >= 2, f"{fid}: {svgs} .main-svg layers"
                assert marks > 10, f"{fid}: only {marks} drawn marks"
            assert page.locator(".main-svg").count() >= 2 * len(figures)

            # starts in Chinese: Chinese chart titles and reform names visible, English ones hidden
            text, svg = _visible_text(page), _svg_text(page)
            assert "基层一张表" in text and "one form" not in text
            assert "每名干部每周节省" in svg and "Admin hours saved" not in svg
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT_DIR / "report_zh.png"), full_page=True)

            page.click("#lang-toggle")
            page.wait_for_function("window.reportLang === 'en'")
            text, svg = _visible_text(page), _svg_text(page)
            assert "one form" in text and "基层一张表" not in text and "Method notes" in text
            assert "Admin hours saved" in svg and "每名干部每周节省" not in svg and "rest rights" in svg
            assert page.locator(".main-svg").count() >= 2 * len(figures)
            page.screenshot(path=str(SCREENSHOT_DIR / "report_en.png"), full_page=True)

            page.click("#lang-toggle")
            page.wait_for_function("window.reportLang === 'zh'")
            text, svg = _visible_text(page), _svg_text(page)
            assert "基层一张表" in text and "每名干部每周节省" in svg and "Admin hours saved" not in svg
        finally:
            browser.close()
    assert errors == [], errors
    assert failed == [] and blocked == [], (failed, blocked)
