"""Headless tests of the classroom page (sim/views/classroom/): it renders, the switches are there, Step moves the
day, one language at a time, the cue that changes wait for Reset, sliders that cannot build a bad township, the
residents' measures and where the saved hours went, and bad input as a message instead of a traceback."""

from __future__ import annotations

import contextlib
import html
import io
import json
import re

import ipyvuetify as vw
import ipywidgets
import numpy as np
import pytest
import solara

from sim.config import REFORM_NAMES
from sim.experiments.decompose import PARTS
from sim.model.model import GrassrootsModel
from sim.model.workload import ACTIVITIES
from sim.views import report
from sim.views.classroom import app, figures
from sim.views.classroom.model import ClassroomModel, classroom_defaults, load, slider_ranges
from sim.views.classroom.texts import TEXTS, tr
from sim.views.labels import ACTIVITY_LABELS, REFORM_LABELS, SECTION_NAMES, SECTIONS

CJK = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


@solara.component
def _InAppLayout():
    # `solara run` wraps Page in an AppLayout; without one the sidebar (where the controls live) is not rendered
    with solara.AppLayout():
        app.Page()


def _widgets(root) -> list:
    """Every widget under `root`, depth first in page order."""
    out, seen, todo = [], set(), [root]
    while todo:
        w = todo.pop()
        if id(w) in seen:
            continue
        seen.add(id(w))
        out.append(w)
        kids = []
        for key in w.keys:
            v = getattr(w, key, None)
            kids += [c for c in (v if isinstance(v, (list, tuple)) else [v]) if isinstance(c, ipywidgets.Widget)]
        todo.extend(reversed(kids))
    return out


def _texts(root) -> list[str]:
    """Every string a reader sees: widget children and labels, Markdown, and the figures' words (titles, axis
    titles, legend names, hover texts, annotations)."""
    out = []
    for w in _widgets(root):
        ch = getattr(w, "children", None)
        if isinstance(ch, (list, tuple)):
            out += [c for c in ch if isinstance(c, str)]
        for attr in ("label", "summary"):
            if isinstance(getattr(w, attr, None), str):
                out.append(getattr(w, attr))
        if hasattr(w, "to_plotly_json"):  # a plotly FigureWidget
            out += [re.sub(r"<[^>]*>", " ", t) for t in _figure_words(w.to_plotly_json())]  # tags are not words
        inner = getattr(w, "unsafe_innerHTML", None)  # the page's own HTML (tables, the explainer)
        if isinstance(inner, str):
            out += [html.unescape(t).strip() for t in re.split(r"<[^>]+>", inner) if t.strip()]
    return [t for t in out if t]


def _figure_words(fig: dict):
    """The words in a figure's JSON a reader sees (not colours, not data)."""
    keys = {"text", "name", "hovertemplate", "hovertext"}

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                yield from walk(v, k)
        elif isinstance(node, (list, tuple)) and key in keys:
            for v in node:
                if isinstance(v, str):
                    yield v
        elif isinstance(node, (list, tuple)):
            for v in node:
                yield from walk(v, key)
        elif isinstance(node, str) and key in keys:
            yield node

    yield from walk(json.loads(json.dumps(fig, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))))


@pytest.fixture
def page():
    with contextlib.redirect_stdout(io.StringIO()):  # solara.render prints the app bar's title outside a server
        box, rc = solara.render(_InAppLayout(), handle_error=False)
    app.language.set("zh")
    yield box, rc
    rc.close()
    app.language.set("zh")


def _button(rc, label):
    return rc.find(vw.Btn, children=[label]).widget


def _slider(rc, name):
    """The slider whose label is `name` and its value ("households: 800")."""
    found = [w for w in rc.find(vw.Slider).widgets if w.label.startswith(f"{name}: ")]
    assert len(found) == 1, [w.label for w in rc.find(vw.Slider).widgets]
    return found[0]


def _checkbox(rc, label):
    return rc.find(vw.Checkbox, label=label).widget


def _day_line(root, lang="zh") -> str:
    start = "第 " if lang == "zh" else "Day "
    lines = [t for t in _texts(root) if t.startswith(start) and ("改革" in t or "reforms" in t)]
    assert len(lines) == 1, lines
    return lines[0]


def _step(rc, times=1, lang="zh"):
    for _ in range(times):
        _button(rc, tr("step", lang)).click()


def test_labels_cover_every_reform_once_in_canonical_order():
    assert set(REFORM_LABELS) == set(REFORM_NAMES)
    assert [n for _zh, _en, names in SECTIONS for n in names] == list(REFORM_NAMES)
    assert len(SECTIONS) == 6


def test_reform_switches_exist_grouped_by_section(page):
    box, rc = page
    labels = [w.label for w in rc.find(vw.Checkbox).widgets]
    wanted = [REFORM_LABELS[n][0] for n in REFORM_NAMES]
    assert [lab for lab in labels if lab in wanted] == wanted  # all 20, in the source's order
    texts = _texts(box)
    headings = [texts.index(f"{i + 1} {zh}") for i, (zh, _en) in enumerate(SECTION_NAMES.values())]
    assert headings == sorted(headings)  # the six section headings, in the source's order
    for arg in slider_ranges():
        assert _slider(rc, tr(arg, "zh")) is not None


def test_step_advances_the_day(page):
    box, rc = page
    assert _day_line(box).startswith("第 0 天")
    _step(rc)
    assert _day_line(box).startswith("第 1 天")
    _step(rc)
    assert _day_line(box).startswith("第 2 天")


def test_one_language_at_a_time_both_ways(page):
    """Every label, legend, tooltip and message in one language: no Chinese on the English page, no English words
    on the Chinese page (with a reform on, so the what-changed table and where-the-hours-went are shown)."""
    box, rc = page
    _checkbox(rc, REFORM_LABELS["one_form"][0]).v_model = True
    _button(rc, tr("reset", "zh")).click()
    _step(rc, 8)

    def english_words(texts):  # the language switch names the language it switches to
        return sorted({w for t in texts if t != "English" for w in ENGLISH_WORD.findall(t)})

    zh_texts = _texts(box)
    assert any("改革带来的变化" in t for t in zh_texts) and any("去了哪里" in t for t in zh_texts)
    assert english_words(zh_texts) == [], english_words(zh_texts)

    _button(rc, "English").click()
    en_texts = _texts(box)
    assert [t for t in en_texts if CJK.search(t) and t != "中文"] == []
    assert _day_line(box, "en").startswith("Day 8 ")
    assert any("What changed" in t for t in en_texts) and any("Where the hours" in t for t in en_texts)
    assert any(t == ACTIVITY_LABELS["service"][1] for t in en_texts)  # a legend entry of the week chart

    _button(rc, "中文").click()
    assert english_words(_texts(box)) == []
    assert _day_line(box).startswith("第 8 天")


def test_every_text_has_both_languages():
    for key, pair in TEXTS.items():
        assert len(pair) == 2 and all(pair), key
        placeholders = [set(re.findall(r"(?<!\{)\{(\w+)", p)) for p in pair]
        assert placeholders[0] == placeholders[1], key


def test_changed_settings_show_that_they_wait_for_reset(page):
    box, rc = page
    pending = tr("pending", "zh")
    assert pending not in _texts(box)
    _slider(rc, tr("households", "zh")).v_model = 1200
    assert pending in _texts(box)
    _slider(rc, tr("households", "zh")).v_model = classroom_defaults()["households"]
    assert pending not in _texts(box)  # back to what the township was built with: nothing waits
    _checkbox(rc, REFORM_LABELS["rest_rights"][0]).v_model = True
    assert pending in _texts(box)
    _button(rc, tr("reset", "zh")).click()
    assert pending not in _texts(box)
    assert _day_line(box).endswith("已实施 1/20 项改革")


def test_every_value_the_sliders_allow_builds_a_township(page):
    """The sliders' ranges are the model's: the corners of the box (each setting at its lowest and highest, and all
    at once) build a township that steps."""
    _box, rc = page
    ranges = slider_ranges()
    for arg, (lo, hi, _step_size) in ranges.items():
        w = _slider(rc, tr(arg, "zh"))
        assert (w.min, w.max) == (lo, hi), arg
    defaults = classroom_defaults()
    corners = [{**defaults, arg: v} for arg, (lo, hi, _s) in ranges.items() for v in (lo, hi)]
    corners += [{arg: r[0] for arg, r in ranges.items()}, {arg: r[1] for arg, r in ranges.items()}]
    for settings in corners:
        m = ClassroomModel(**settings, reforms=["rest_rights"])
        assert m.error is None, (settings, m.error)
        m.step()
        assert m.day == 1


def test_the_sliders_start_on_one_of_their_steps():
    """A slider snaps to its steps: a default between two would change the moment a student touched it."""
    defaults = classroom_defaults()
    for arg, (lo, hi, step) in slider_ranges().items():
        value = defaults[arg]
        assert lo <= value <= hi and abs(lo + round((value - lo) / step) * step - value) < 1e-9, (arg, value, step)


def test_reform_and_reset_show_what_changed(page):
    box, rc = page
    assert tr("no_reform", "zh") in _texts(box)
    for name in ("no_ledger_assessment", "one_form"):
        _checkbox(rc, REFORM_LABELS[name][0]).v_model = True
    _button(rc, tr("reset", "zh")).click()
    assert _day_line(box) == "第 0 天 · 未开始 · 已实施 2/20 项改革"
    _step(rc, 5)
    assert _day_line(box).startswith("第 5 天")
    assert tr("no_reform", "zh") not in _texts(box)


def test_a_value_out_of_range_is_a_message_in_the_page_language(page):
    box, rc = page
    _slider(rc, tr("cadres_per_village", "zh")).v_model = 0  # past the slider's own minimum, as a hand edit could
    _button(rc, tr("reset", "zh")).click()  # would raise here if the model let the ConfigError out
    alerts = [w for w in _widgets(box) if isinstance(w, vw.Alert) and w.type == "error"]
    messages = [t for a in alerts for t in a.children if isinstance(t, str)]
    assert any(m.startswith("无法建立这个乡镇") and "scenario.village_cadres_per_village" in m and ">= 1" in m
               for m in messages), messages
    _step(rc)  # stepping a township that could not be built is harmless
    _button(rc, "English").click()
    assert any(t.startswith("The township could not be built") for t in _texts(box))
    _slider(rc, tr("cadres_per_village", "en")).v_model = 3  # a good value again brings the township back
    _button(rc, tr("reset", "en")).click()
    assert _day_line(box, "en").startswith("Day 0 ")


def test_model_same_seed_same_numbers_and_reforms_share_draws():
    a = ClassroomModel(seed=3, reforms=["one_form", "no_ledger_assessment"])
    b = ClassroomModel(seed=3, reforms={"one_form": True, "no_ledger_assessment": True, "rest_rights": False})
    for _ in range(14):
        a.step()
        b.step()
    assert a.reforms == b.reforms == ("no_ledger_assessment", "one_form")
    np.testing.assert_array_equal(a.township.cadres.hours_total, b.township.cadres.hours_total)
    rows = {r["metric"]: r for r in figures.what_changed(a)}
    # the no-ledger pilot and the one form cut admin hours against the same township without them
    assert rows["admin_hours"]["difference"] < -1.0
    # the twin without reforms is exactly the township built with no reforms at all
    c = ClassroomModel(seed=3)
    for _ in range(14):
        c.step()
    np.testing.assert_array_equal(a.baseline.cadres.hours_total, c.township.cadres.hours_total)


@pytest.mark.parametrize("kwargs, key", [
    ({"cadres_per_village": 0}, "scenario.village_cadres_per_village"),
    ({"villages": 0}, "scenario.villages_per_township"),
    ({"township_cadres": 1}, "hierarchy.township_liaisons_per_department"),
    ({"households": 0}, "scenario.households_per_township"),
    ({"messages_per_group_per_day": -1.0}, "chat.messages_per_group_per_day"),
    ({"seed": "abc"}, "seed"),
    ({"seed": -2}, "seed"),
    ({"reforms": ["no_such_reform"]}, "reforms"),
])
def test_bad_input_is_a_message(kwargs, key):
    m = ClassroomModel(**kwargs)
    assert m.error is not None and key in m.error
    assert m.township is None and not m.running
    m.step()  # harmless
    assert m.day == 0


def test_figures_build_on_day_zero_and_later():
    m = ClassroomModel(seed=1, reforms=["rest_rights"])
    for _ in range(3):
        for lang in ("zh", "en"):
            for fig in (figures.network_figure(m, "hours", lang), figures.network_figure(m, "backlog", lang),
                        figures.week_figure(m, lang), figures.service_figure(m, lang),
                        figures.changes_figure(m, lang)):
                assert fig.data
        m.step()
    # the week chart holds the last 7 days, one bar per activity per day
    for _ in range(10):
        m.step()
    week = figures.week_figure(m)
    assert len(week.data) == 12 and all(len(t.x) == 7 for t in week.data)


def test_activities_have_the_report_colours():
    # the app's week and the report's cadre-week chart stack the same activities: one colour each, in both
    m = ClassroomModel(seed=0)
    m.step()
    for lang, i in (("zh", 0), ("en", 1)):
        colours = {t.name: t.marker.color for t in figures.week_figure(m, lang).data}
        assert colours == {ACTIVITY_LABELS[a][i]: report.ACTIVITY_COLOURS[a] for a in ACTIVITIES}
    assert len(set(colours.values())) == len(ACTIVITIES)


def test_what_changed_shows_residents_outcomes_counted_from_the_request_book():
    """The service measures of issue 12 in the page: shares resolved within 7 and 15 days, residents who gave up,
    calls to 12345 - here in a township short of time (more households, busier work groups) so all of them occur."""
    a = ClassroomModel(seed=2, reforms=["rest_rights"], households=3000, messages_per_group_per_day=4.0)
    for _ in range(150):
        a.step()
    rows = {r["metric"]: r for r in figures.what_changed(a)}
    book = a.township.service.book
    n, today = book.n, a.township.calendar.day - 1
    old = book.arrival[:n] <= today - 7
    within = (book.resolved[:n] >= 0) & (book.resolved[:n] - book.arrival[:n] <= 7) & old
    assert rows["within_7"]["with_reforms"] == pytest.approx(within.sum() / old.sum())
    assert rows["within_15"]["with_reforms"] > rows["within_7"]["with_reforms"]
    assert rows["gave_up"]["with_reforms"] == (book.abandoned[:n] >= 0).sum() > 0
    assert rows["called_12345"]["with_reforms"] == (book.escalated[:n] >= 0).sum() > 0


def test_where_the_saved_hours_went_adds_up_and_follows_rebound():
    """The page's decomposition: its six parts add up to the hours the reforms removed; with departments' rebound
    off nothing is absorbed by it, and with it on some is (the same township, seed and days)."""
    runs = {}
    for rebound in ("on", "off"):
        m = ClassroomModel(seed=0, reforms=["one_form", "merge_workgroups"])
        if rebound == "off":  # the page has no rebound setting: the same two runs built with it off
            off = ["scenario=classroom", "seed=0", "rebound.elasticity=0"]
            m.township = GrassrootsModel(load(off + ["reform=[merge_workgroups,one_form]"]))
            m.baseline = GrassrootsModel(load(off))
        for _ in range(120):
            m.step()
        runs[rebound] = figures.where_hours_went(m)
    for w in runs.values():
        assert w["gross_removed"] > 1.0
        assert sum(w[p] for p in PARTS) == pytest.approx(w["gross_removed"])
    assert runs["off"]["absorbed_by_rebound"] == 0.0
    assert runs["on"]["absorbed_by_rebound"] > 0.0
    assert runs["on"]["net_saved"] < runs["off"]["net_saved"]
