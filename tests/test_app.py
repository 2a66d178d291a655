"""Headless tests of the classroom app (sim/views/classroom/app.py): the page renders, the switches are there, Step moves the day,
a reform changes the numbers, and bad input shows a message instead of a traceback."""

from __future__ import annotations

import ipyvuetify as vw
import ipywidgets
import numpy as np
import pytest
import solara

from sim.config import REFORM_NAMES
from sim.model.workload import ACTIVITIES
from sim.views import report
from sim.views.classroom import app
from sim.views.labels import ACTIVITY_LABELS, REFORM_LABELS, SECTIONS, reform_label, section_label


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
    """Every string child of every widget on the page (labels, solara.Text, alerts)."""
    out = []
    for w in _widgets(root):
        ch = getattr(w, "children", None)
        if isinstance(ch, (list, tuple)):
            out += [c for c in ch if isinstance(c, str)]
    return out


def _day_line(root) -> str:
    lines = [t for t in _texts(root) if t.startswith("Day 第")]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def page():
    box, rc = solara.render(_InAppLayout(), handle_error=False)
    yield box, rc
    rc.close()


def _button(rc, label):
    return rc.find(vw.Btn, children=[label]).widget


def _slider(rc, label):
    return rc.find(vw.Slider, label=label).widget


def _checkbox(rc, label):
    return rc.find(vw.Checkbox, label=label).widget


def test_labels_cover_every_reform_once_in_canonical_order():
    assert set(REFORM_LABELS) == set(REFORM_NAMES)
    assert [n for _zh, _en, names in SECTIONS for n in names] == list(REFORM_NAMES)
    assert len(SECTIONS) == 6


def test_reform_switches_exist_grouped_by_section(page):
    box, rc = page
    labels = [w.label for w in rc.find(vw.Checkbox).widgets]
    wanted = [reform_label(n) for n in REFORM_NAMES]
    assert [lab for lab in labels if lab in wanted] == wanted  # all 20, in the source's order
    texts = _texts(box)
    headings = [texts.index(section_label(i)) for i in range(len(SECTIONS))]
    assert headings == sorted(headings)  # the six section headings, in the source's order
    for label in ("seed 随机种子", "villages 村/社区", "cadres per village 每村干部", "township cadres 乡镇干部",
                  "households 户数", "messages per group per day 工作群消息",
                  "inspections per department per year 检查频次"):
        assert _slider(rc, label) is not None


def test_step_advances_the_day(page):
    box, rc = page
    assert _day_line(box).startswith("Day 第 0 天")
    _button(rc, "Step").click()
    assert _day_line(box).startswith("Day 第 1 天")
    _button(rc, "Step").click()
    assert _day_line(box).startswith("Day 第 2 天")


def test_reform_and_reset_show_what_changed(page):
    box, rc = page
    assert any("No reform switched on" in t for t in _texts(box))
    for name in ("no_ledger_assessment", "one_form"):
        _checkbox(rc, reform_label(name)).v_model = True
    _button(rc, "Reset").click()
    assert _day_line(box).startswith("Day 第 0 天 · not started 未开始 · 2 of 20 reforms")
    for _ in range(5):
        _button(rc, "Step").click()
    assert _day_line(box).startswith("Day 第 5 天")
    assert not any("No reform switched on" in t for t in _texts(box))


def test_zero_cadres_shows_a_message_not_a_traceback(page):
    box, rc = page
    _slider(rc, "cadres per village 每村干部").v_model = 0
    _button(rc, "Reset").click()  # would raise here if the model let the ConfigError out
    alerts = [w for w in _widgets(box) if isinstance(w, vw.Alert) and w.type == "error"]
    messages = [t for a in alerts for t in a.children if isinstance(t, str)]
    assert any("scenario.village_cadres_per_village" in m and ">= 1" in m for m in messages), messages
    _button(rc, "Step").click()  # stepping a township that could not be built is harmless
    assert not any(isinstance(w, vw.Alert) and "stopped" in str(w.children) for w in _widgets(box))
    assert any("scenario.village_cadres_per_village" in t for t in _texts(box))
    # a good value again brings the township back
    _slider(rc, "cadres per village 每村干部").v_model = 3
    _button(rc, "Reset").click()
    assert _day_line(box).startswith("Day 第 0 天")


def test_model_same_seed_same_numbers_and_reforms_share_draws():
    a = app.ClassroomModel(seed=3, reforms=["one_form", "no_ledger_assessment"])
    b = app.ClassroomModel(seed=3, reforms={"one_form": True, "no_ledger_assessment": True, "rest_rights": False})
    for _ in range(14):
        a.step()
        b.step()
    assert a.reforms == b.reforms == ("no_ledger_assessment", "one_form")
    np.testing.assert_array_equal(a.township.cadres.hours_total, b.township.cadres.hours_total)
    rows = {r["metric"].split(" per")[0]: r for r in app.what_changed(a)}
    # the no-ledger pilot and the one form cut admin hours against the same township without them
    assert rows["admin hours"]["difference"] < -1.0
    # the twin without reforms is exactly the township built with no reforms at all
    c = app.ClassroomModel(seed=3)
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
    m = app.ClassroomModel(**kwargs)
    assert m.error is not None and key in m.error
    assert m.township is None and not m.running
    m.step()  # harmless
    assert m.day == 0


def test_figures_build_on_day_zero_and_later():
    m = app.ClassroomModel(seed=1, reforms=["rest_rights"])
    for _ in range(3):
        for fig in (app.network_figure(m, "hours"), app.network_figure(m, "backlog"), app.week_figure(m),
                    app.service_figure(m), app.changes_figure(m)):
            assert fig.data
        m.step()
    # the week chart holds the last 7 days, one bar per activity per day
    for _ in range(10):
        m.step()
    week = app.week_figure(m)
    assert len(week.data) == 12 and all(len(t.x) == 7 for t in week.data)


def test_activities_have_the_report_colours():
    # the app's week and the report's cadre-week chart stack the same activities: one colour each, in both
    m = app.ClassroomModel(seed=0)
    m.step()
    app_colours = {t.name: t.marker.color for t in app.week_figure(m).data}
    assert app_colours == {f"{ACTIVITY_LABELS[a][0]} {ACTIVITY_LABELS[a][1]}": report.ACTIVITY_COLOURS[a]
                           for a in ACTIVITIES}
    assert len(set(app_colours.values())) == len(ACTIVITIES)


def test_what_changed_shows_residents_outcomes_counted_from_the_request_book():
    """The service measures of issue 12 in the page: shares resolved within 7 and 15 days, residents who gave up,
    calls to 12345 - here in a township short of time (more households, busier work groups) so all of them occur."""
    a = app.ClassroomModel(seed=2, reforms=["rest_rights"], households=3000, messages_per_group_per_day=4.0)
    for _ in range(150):
        a.step()
    rows = {" ".join(r["metric"].split(" ")[:3]): r for r in app.what_changed(a)}
    book = a.township.service.book
    n, today = book.n, a.township.calendar.day - 1
    old = book.arrival[:n] <= today - 7
    within = (book.resolved[:n] >= 0) & (book.resolved[:n] - book.arrival[:n] <= 7) & old
    assert rows["resolved within 7"]["with_reforms"] == pytest.approx(within.sum() / old.sum())
    assert rows["resolved within 15"]["with_reforms"] > rows["resolved within 7"]["with_reforms"]
    assert rows["residents who gave"]["with_reforms"] == (book.abandoned[:n] >= 0).sum() > 0
    assert rows["calls to 12345"]["with_reforms"] == (book.escalated[:n] >= 0).sum() > 0
