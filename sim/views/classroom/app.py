"""The classroom page: one township, day by day, with the 20 reforms as switches, in Chinese or English.

    solara run sim/app.py                      # http://localhost:8765 (127.0.0.1), works offline (solara-assets)
    solara run sim/app.py --host 0.0.0.0       # to reach it from the students' machines
Run it from the repository root with the package importable (installed, or PYTHONPATH=$PWD).

The page steps a :class:`~sim.views.classroom.model.ClassroomModel` (the township with the chosen reforms and its
twin without them). Its controls are the page's own rather than SolaraViz's: SolaraViz's are in English only and
carry developer settings (threads, render interval) a lesson does not need. One language at a time: the switch in
the app bar turns every label, legend, tooltip and message to the other language (``texts.py``). Settings and
switches take effect on Reset, and the page says so while any of them waits. One model, one set of controls and
one language per browser tab: nothing is shared between students' tabs.
"""

from __future__ import annotations

import time

import solara

from sim.config import REFORM_NAMES

from .checklist import ReformChecklist
from .class_page import ClassPage
from .figures import (
    changes_figure,
    changes_table,
    network_figure,
    reform_names,
    rich,
    service_figure,
    week_figure,
    where_table,
)
from .model import ClassroomModel, chosen_reforms, classroom_defaults, slider_ranges
from .texts import tr, weekday

# the page's language, one per browser tab (solara keeps a reactive variable per session)
language = solara.reactive("zh")

TABLE_STYLE = "font-size: 0.9em"
# the page's own tables (what changed, where the hours went, the class board): ruled rows, numbers to the right
TABLE_CSS = """
.classroom-table, .class-board { border-collapse: collapse; margin: 4px 0 8px 0; }
.classroom-table th, .classroom-table td, .class-board th, .class-board td {
    padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left; }
.classroom-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
"""
PLAY_INTERVAL_S = 0.15  # between days while playing: a week passes in about 2 s, slow enough to read the week chart


@solara.component
def LiveFigure(build, dependencies: list):
    """A plotly figure that follows the simulation: like solara.FigurePlotly, but cheaper per day.

    ``build()`` makes the figure once per change of ``dependencies`` (the model, its day, the language), never to
    compare figures (solara.FigurePlotly compares the old and new figure by value on every render, which costs
    more than building it); the layout is sent to the browser only when it differs from the last one, since
    re-assigning a layout is the most expensive part of a FigureWidget update (~20 ms) and ours stays the same from
    day to day.
    """
    from plotly.graph_objs import FigureWidget

    element = FigureWidget.element()
    last_layout = solara.use_ref(None)

    def update():
        fig = build()
        widget = solara.get_widget(element)
        layout = fig.layout.to_plotly_json()
        if layout != last_layout.current:
            widget.layout = fig.layout
            last_layout.current = layout
        n_old = len(widget.data)
        widget.add_traces(fig.data)
        widget.data = list(widget.data)[n_old:]

    solara.use_effect(update, dependencies)
    return element


# ---- the sidebar: running, the township's settings, the reforms ------------------------------------------------

def waiting_for_reset(model: ClassroomModel, settings: dict, choice: dict) -> bool:
    """Whether the controls differ from what the township on the page was built with."""
    return settings != model.settings or chosen_reforms(choice) != model.reforms


@solara.component
def RunControls(model: solara.Reactive, settings: solara.Reactive, choice: solara.Reactive,
                tick: solara.Reactive, lang: str):
    """Reset, play/pause and step, and the cue that changed settings wait for Reset."""
    playing = solara.use_reactive(False)

    def advance():
        model.value.step()
        tick.value += 1

    def play():
        while playing.value and model.value.running:
            start = time.perf_counter()
            advance()
            # a pause for the browser to draw the day: longer on a machine where a day took long to step and
            # render (on a busy machine a fixed pace floods the page, and a click on Pause waits behind the flood)
            time.sleep(max(PLAY_INTERVAL_S, 2.0 * (time.perf_counter() - start)))
        playing.value = False

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def reset():
        playing.value = False
        model.value = ClassroomModel(**settings.value, reforms=choice.value)
        tick.value += 1

    pending = waiting_for_reset(model.value, settings.value, choice.value)
    with solara.Card(tr("run", lang)):
        with solara.Row(justify="space-between"):
            solara.Button(tr("reset", lang), on_click=reset, color="warning" if pending else "primary")
            solara.Button(tr("pause" if playing.value else "play", lang), color="primary",
                          on_click=lambda: playing.set(not playing.value), disabled=not model.value.running)
            solara.Button(tr("step", lang), color="primary", on_click=advance,
                          disabled=playing.value or not model.value.running)
        if pending:
            solara.Warning(tr("pending", lang), dense=True)
        elif model.value.township is not None and not model.value.running and model.value.error is None:
            solara.Info(tr("finished", lang), dense=True)


@solara.component
def TownshipSettings(settings: solara.Reactive, lang: str):
    """The township's size and pressures, and the seed. Every value a slider allows builds a township."""
    ranges = slider_ranges()
    with solara.Card(tr("township_settings", lang)):
        for arg, (lo, hi, step) in ranges.items():
            def set_value(v, arg=arg):
                settings.value = {**settings.value, arg: v}

            slider = solara.SliderInt if isinstance(step, int) else solara.SliderFloat
            value = settings.value[arg]
            slider(label=f"{tr(arg, lang)}: {value:g}", value=value, on_value=set_value, min=lo, max=hi, step=step)


@solara.component
def ReformSwitches(choice: solara.Reactive, lang: str):
    """The 20 reforms grouped by the source's six sections; they take effect on Reset."""
    def set_all(on: bool):
        choice.value = {name: on for name in REFORM_NAMES}

    with solara.Card(tr("reforms", lang)):
        with solara.Row():
            solara.Button(tr("all", lang), on_click=lambda: set_all(True), small=True, text=True)
            solara.Button(tr("none", lang), on_click=lambda: set_all(False), small=True, text=True)
        ReformChecklist({name for name, on in choice.value.items() if on},
                        lambda name, on: choice.set({**choice.value, name: on}), lang)


# ---- the main panels ---------------------------------------------------------------------------------------------

def status_line(model: ClassroomModel, lang: str) -> str:
    m, d = model.township, model.day
    if d:
        date = m.calendar.start.fromordinal(m.calendar.start.toordinal() + d - 1)
        when = f"{weekday(m.calendar.weekday(d - 1), lang)} {date.isoformat()}"
        if d <= m.warmup_days:
            when += f" ({tr('warmup', lang)})"
    else:
        when = tr("not_started", lang)
    return tr("status", lang, day=d, when=when, n=len(model.reforms))


@solara.component
def TownshipPanel(model: ClassroomModel, day: int, lang: str):
    colour_by, set_colour_by = solara.use_state("hours")
    if model.township is None:
        solara.Error(tr("cannot_build", lang, detail=model.error))
        return
    with solara.Column(gap="4px"):
        solara.Text(status_line(model, lang), style="font-weight: bold")
        if model.failed_on_day is not None:
            solara.Error(tr("stopped", lang, day=model.failed_on_day, detail=model.error))
        with solara.ToggleButtonsSingle(value=colour_by, on_value=set_colour_by, dense=True):
            solara.Button(tr("colour_hours", lang), value="hours")
            solara.Button(tr("colour_backlog", lang), value="backlog")
        LiveFigure(lambda: network_figure(model, colour_by, lang, validate=False), [model, day, colour_by, lang])


@solara.component
def WeekPanel(model: ClassroomModel, day: int, lang: str):
    if model.township is None:
        solara.Text(tr("no_model", lang))
        return
    m, lo = model.township, max(day - 7, 0)
    admin, service = (float(m.series(k)[lo:day].mean(axis=1).sum()) if day else 0.0
                      for k in ("admin_hours_per_cadre_day", "service_hours_per_cadre_day"))
    with solara.Column(gap="0px"):
        solara.Text(tr("week_line", lang, admin=admin, service=service), style="font-weight: bold; font-size: 0.9em")
        LiveFigure(lambda: week_figure(model, lang, validate=False), [model, day, lang])


@solara.component
def ServicePanel(model: ClassroomModel, day: int, lang: str):
    if model.township is not None:
        LiveFigure(lambda: service_figure(model, lang, validate=False), [model, day, lang])


@solara.component
def ChangesPanel(model: ClassroomModel, day: int, lang: str):
    if model.township is None:
        return
    with solara.Column(gap="4px"):
        if not model.reforms:
            solara.Info(tr("no_reform", lang))
            return
        solara.HTML(tag="div", unsafe_innerHTML=rich(tr("what_changed", lang, seed=model.seed, day=day,
                                                        names=reform_names(model, lang))) + changes_table(model, lang),
                    style=TABLE_STYLE)
        LiveFigure(lambda: changes_figure(model, lang, validate=False), [model, day, lang])
        solara.HTML(tag="div", unsafe_innerHTML=rich(tr("where_title", lang, day=day)) + "<br>"
                    + rich(tr("where_note", lang)) + where_table(model, lang), style=TABLE_STYLE)


@solara.component
def LanguageSwitch(lang: str):
    """One button, named in the language it switches to: the whole page turns to that language."""
    solara.Button(tr("switch_language", lang), outlined=True, color="primary",
                  on_click=lambda: language.set("en" if lang == "zh" else "zh"))


@solara.component
def ModeSwitch(mode: solara.Reactive, lang: str):
    """Explore alone (this page) or a class session (everyone heads a township: class_page.py)."""
    other = "class" if mode.value == "explore" else "explore"
    solara.Button(tr(f"mode_{other}", lang), outlined=True, color="primary", on_click=lambda: mode.set(other))


@solara.component
def HowToRead(lang: str):
    solara.Details(summary=tr("how_to_read", lang),
                   children=[solara.HTML(tag="div", unsafe_innerHTML=rich(tr("how_to_read_text", lang)))],
                   expand=False)


@solara.component
def Page():
    lang = language.value
    # one model, one set of controls per browser tab (never shared between students' tabs)
    settings = solara.use_reactive(dict(classroom_defaults()))
    choice = solara.use_reactive({name: False for name in REFORM_NAMES})
    initial = solara.use_memo(lambda: ClassroomModel(**classroom_defaults()), [])
    model = solara.use_reactive(initial)
    tick = solara.use_reactive(0)  # bumped by every step and reset: the panels follow it
    mode = solara.use_reactive("explore")  # or "class": the participatory mode
    _ = tick.value  # read here, so the page renders again after every step and reset
    m = model.value
    day = m.day

    solara.Title(tr("title", lang))
    solara.Style(TABLE_CSS)
    with solara.AppBar():
        solara.AppBarTitle(tr("title", lang))
    exploring = mode.value == "explore"
    with solara.Sidebar(), solara.Column():  # always there (its going would rebuild the page), empty in a session
        if exploring:
            RunControls(model, settings, choice, tick, lang)
            TownshipSettings(settings, lang)
            ReformSwitches(choice, lang)
    with solara.Column(gap="8px"):
        with solara.Row(style="align-items: center"):
            LanguageSwitch(lang)
            ModeSwitch(mode, lang)
            if exploring:
                HowToRead(lang)
        # the class session and the explorer's panels each keep their place on the page: the explorer's stay,
        # hidden, while a session is shown (closing a plotly FigureWidget leaves the browser sending it messages,
        # an error on the page), and a slot that appeared before them would make the page rebuild them
        with solara.Column():
            if not exploring:
                ClassPage(lang)
        with solara.Columns([1, 1], style=None if exploring else {"display": "none"}):
            with solara.Column():
                TownshipPanel(m, day, lang)
                ServicePanel(m, day, lang)
            with solara.Column():
                WeekPanel(m, day, lang)
                ChangesPanel(m, day, lang)
