"""The classroom demo: one township, day by day, with the 20 reforms as switches.

    solara run sim/app.py                      # http://localhost:8765 (127.0.0.1), works offline (solara-assets)
    solara run sim/app.py --host 127.0.0.1     # the same, explicit (solara takes $HOST/$SOLARA_HOST if set)
    solara run sim/app.py --host 0.0.0.0       # to reach it from the students' machines
Run it from the repository root with the package importable (installed, or PYTHONPATH=$PWD).

A Mesa SolaraViz page. :class:`ClassroomModel` is a thin mesa.Model around two ``GrassrootsModel`` runs built
from ``scenario=classroom`` with the page's overrides: the township *with* the switched-on reforms, and the same
township and seed *without* them, stepped in lockstep. Both share their random draws (common random numbers), so
the "what changed" panel shows the reforms' effect, not noise. SolaraViz rebuilds the model on Reset with
``type(model)(**params)``, so every control is a keyword argument of ``ClassroomModel``.

Bad input never raises out of ``ClassroomModel``: a config the model refuses leaves ``model.error`` set and the
panels show that message instead of a traceback.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable, Mapping

import mesa
import networkx as nx
import numpy as np
import plotly.graph_objects as go
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim.config import REFORM_NAMES, ConfigError, load_config
from sim.views.labels import ACTIVITY_LABELS, REFORM_LABELS, SECTIONS, reform_label, section_label
from sim.views.palette import (ACTIVITY_COLOURS, BETTER_COLOUR, WITH_REFORMS_COLOUR, WITHOUT_REFORMS_COLOUR,
                               WORSE_COLOUR)
from sim.model.model import GrassrootsModel
from sim.model.workload import ACTIVITIES, ADMIN, A

log = logging.getLogger(__name__)

# The page's scenario controls: keyword argument -> config key it overrides.
SCENARIO_KEYS: dict[str, str] = {
    "villages": "scenario.villages_per_township",
    "cadres_per_village": "scenario.village_cadres_per_village",
    "township_cadres": "scenario.township_cadres",
    "households": "scenario.households_per_township",
    "messages_per_group_per_day": "chat.messages_per_group_per_day",
    "inspections_per_department_per_year": "inspections.per_department_per_year",
}
HOUSEHOLDS_SHOWN_PER_CADRE = 5  # a sample of each grid, enough to show the service network without a hairball
# A fixed width: a FigureWidget in SolaraViz's grid cells does not follow the cell's width by itself, and the
# cells are about this wide on a 1600-1920 px projector screen.
FIGURE_WIDTH = 560
WEEKDAYS = ("Mon 一", "Tue 二", "Wed 三", "Thu 四", "Fri 五", "Sat 六", "Sun 日")

# Hydra's compose API keeps one global state; two sessions pressing Reset at once must not interleave in it.
_CONFIG_LOCK = threading.Lock()


def _load(overrides: list[str]):
    with _CONFIG_LOCK:
        return load_config(overrides)


@functools.lru_cache(maxsize=1)
def classroom_defaults() -> dict[str, float]:
    """The classroom scenario's own values of the page's controls (the sliders start there)."""
    cfg = _load(["scenario=classroom"])
    out = {}
    for arg, key in SCENARIO_KEYS.items():
        node = cfg
        for part in key.split("."):
            node = getattr(node, part)
        out[arg] = node
    out["seed"] = int(cfg.seed)
    return out


def _chosen_reforms(reforms) -> tuple[str, ...]:
    """Reforms from a list of names or a {name: on} mapping (the switches' state), in canonical order."""
    if reforms is None:
        return ()
    if isinstance(reforms, str):
        reforms = [r for r in reforms.replace(" ", "").split(",") if r]
    on = {k for k, v in reforms.items() if v} if isinstance(reforms, Mapping) else set(reforms)
    unknown = sorted(on - set(REFORM_NAMES))
    if unknown:
        raise ConfigError(f"reforms: unknown reform {unknown[0]!r}; allowed: {', '.join(REFORM_NAMES)}")
    return tuple(name for name in REFORM_NAMES if name in on)


class ClassroomModel(mesa.Model):
    """One classroom township with the chosen reforms, and its twin without them (same seed), in lockstep."""

    def __init__(
        self,
        seed: int = 0,
        villages: int | None = None,
        cadres_per_village: int | None = None,
        township_cadres: int | None = None,
        households: int | None = None,
        messages_per_group_per_day: float | None = None,
        inspections_per_department_per_year: float | None = None,
        reforms: Mapping[str, bool] | Iterable[str] | None = None,
    ):
        self.error: str | None = None
        self.township: GrassrootsModel | None = None
        self.baseline: GrassrootsModel | None = None
        self.reforms: tuple[str, ...] = ()
        self.layout: dict | None = None
        values = dict(villages=villages, cadres_per_village=cadres_per_village, township_cadres=township_cadres,
                      households=households, messages_per_group_per_day=messages_per_group_per_day,
                      inspections_per_department_per_year=inspections_per_department_per_year)
        try:
            seed = int(str(seed).strip())  # a seed typed into a text box arrives as a string
            if seed < 0:
                raise ConfigError(f"seed = {seed}: out of range, expected a whole number >= 0")
        except ValueError as exc:
            super().__init__(rng=0)
            self._fail(exc if isinstance(exc, ConfigError) else ConfigError(f"seed = {seed!r}: expected a whole "
                                                                            "number >= 0"))
            return
        super().__init__(rng=seed)
        self.seed = seed
        try:
            self.reforms = _chosen_reforms(reforms)
            overrides = ["scenario=classroom", f"seed={seed}"]
            overrides += [f"{SCENARIO_KEYS[k]}={v}" for k, v in values.items() if v is not None]
            with_reforms = overrides + ([f"reform=[{','.join(self.reforms)}]"] if self.reforms else [])
            self.township = GrassrootsModel(_load(with_reforms))
            # the twin without the reforms; with none chosen the township is its own baseline
            self.baseline = GrassrootsModel(_load(overrides)) if self.reforms else None
        except ValueError as exc:  # ConfigError is a ValueError; the model raises ValueError on impossible shapes
            self._fail(exc)
            return
        self.layout = network_layout(self.township, seed)

    def _fail(self, exc: Exception) -> None:
        self.error = f"The township could not be built 无法建立模型: {exc}"
        self.township = self.baseline = None
        self.running = False

    @property
    def without(self) -> GrassrootsModel | None:
        """The run without the chosen reforms (the township itself when none is chosen)."""
        return self.baseline if self.baseline is not None else self.township

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return 0 if self.township is None else self.township.calendar.day

    def step(self) -> None:
        if self.township is None or not self.township.running:
            self.running = False
            return
        try:
            self.township.step()
            if self.baseline is not None:
                self.baseline.step()
        except Exception as exc:  # keep the classroom page alive: the message goes on the page, the trace to the log
            log.exception("the simulation failed on day %s", self.day)
            self.error = f"The simulation stopped on day {self.day}: {type(exc).__name__}: {exc}"
            self.running = False
            return
        self.running = self.township.running


# ---- numbers the panels show ------------------------------------------------------------------------------------

def _per_cadre_week(m: GrassrootsModel) -> np.ndarray:
    """Hours per cadre per week by activity, over the days simulated so far."""
    d = max(m.calendar.day, 1)
    return m.cadres.hours_total.sum(axis=0) / m.structure.n_cadres / (d / 7.0)


def _service_time_mean(m: GrassrootsModel) -> float:
    """Mean days from arrival to resolution of the requests resolved so far (the live view: open ones wait on)."""
    book, today = m.service.book, m.calendar.day - 1
    res, arr = book.resolved[: book.n], book.arrival[: book.n]
    done = (res >= 0) & (res <= today)
    return float((res[done] - arr[done]).mean()) if done.any() else float("nan")


def _resolved_within(m: GrassrootsModel, days: int) -> float:
    """Of the requests at least `days` old, the share resolved within `days` days (12345: 7 general, 15 complex)."""
    book, today = m.service.book, m.calendar.day - 1
    arr, res = book.arrival[: book.n], book.resolved[: book.n]
    old = arr <= today - days
    return float(((res >= 0) & (res - arr <= days) & old).sum() / old.sum()) if old.any() else float("nan")


def _per_week(m: GrassrootsModel, name: str) -> float:
    """A tallied count or sum so far, per cadre-week."""
    d = m.calendar.day
    return float(m.tally.by_day(name)[:d].sum() / m.structure.n_cadres / max(d / 7.0, 1 / 7))


def _backlog_now(m: GrassrootsModel) -> float:
    d = m.calendar.day
    return float(m.series("requests_open")[d - 1].sum()) if d else 0.0


def what_changed(model: ClassroomModel) -> list[dict]:
    """Rows of (metric, with reforms, without, difference) over the days simulated so far."""
    a, b = model.township, model.without
    ha, hb = _per_cadre_week(a), _per_cadre_week(b)
    admin = [A[x] for x in ADMIN]
    rows = [
        ("admin hours per cadre-week 事务工时(小时/人·周)", ha[admin].sum(), hb[admin].sum(), "lower"),
        ("service hours per cadre-week 服务群众工时", ha[A["service"]], hb[A["service"]], "higher"),
        ("overtime per cadre-week 加班(小时/人·周)", _per_week(a, "overtime_hours"), _per_week(b, "overtime_hours"),
         "lower"),
        ("service time, mean days 办结天数", _service_time_mean(a), _service_time_mean(b), "lower"),
        ("resolved within 7 days 7日办结率", _resolved_within(a, 7), _resolved_within(b, 7), "higher"),
        ("resolved within 15 days 15日办结率", _resolved_within(a, 15), _resolved_within(b, 15), "higher"),
        ("open requests now 待办请求", _backlog_now(a), _backlog_now(b), "lower"),
        ("residents who gave up 放弃的诉求", a.tally.by_day("requests_abandoned").sum(),
         b.tally.by_day("requests_abandoned").sum(), "lower"),
        ("calls to 12345 拨打12345", a.tally.by_day("requests_escalated").sum(),
         b.tally.by_day("requests_escalated").sum(), "lower"),
    ]
    return [dict(metric=m, with_reforms=float(x), without=float(y), difference=float(x - y), better=better)
            for (m, x, y, better) in rows]


def _daily_service_time(m: GrassrootsModel, window: int = 7) -> np.ndarray:
    """Mean days from arrival to resolution of the requests resolved in the last `window` days, for each day."""
    d = m.calendar.day
    book = m.service.book
    res, arr = book.resolved[: book.n], book.arrival[: book.n]
    done = (res >= 0) & (res < d)
    day = res[done].astype(np.int64)  # the model resolves requests on whole days
    total = np.bincount(day, weights=res[done] - arr[done], minlength=d)[:d]
    count = np.bincount(day, minlength=d)[:d].astype(float)
    ct, cc = np.cumsum(np.r_[0.0, total]), np.cumsum(np.r_[0.0, count])
    lo = np.maximum(np.arange(1, d + 1) - window, 0)
    t, c = ct[1:] - ct[lo], cc[1:] - cc[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, t / np.maximum(c, 1), np.nan)


# ---- figures ------------------------------------------------------------------------------------------------------

def network_layout(m: GrassrootsModel, seed: int) -> dict:
    """Fixed positions for the drawn nodes, computed once per model with a seeded spring layout."""
    st = m.structure
    g = nx.Graph()
    for u, v, kind in st.hierarchy.edges(data="kind"):
        if kind != "line":  # the tree (command, member) gives the layout; line edges are drawn on top
            g.add_edge(u, v)
    rng = np.random.default_rng(seed)
    shown = []
    for c in range(st.n_cadres):
        grid = np.flatnonzero(st.household_cadre == c)
        if len(grid):
            pick = np.sort(rng.choice(grid, size=min(HOUSEHOLDS_SHOWN_PER_CADRE, len(grid)), replace=False))
            shown.extend(int(h) for h in pick)
            g.add_edges_from((("cadre", c), ("household", int(h))) for h in pick)
    # departments on an outer ring (their labels stay readable); the rest by a seeded spring layout
    deps = sorted((n for n in g.nodes if n[0] == "department"), key=lambda n: n[1])
    inner = g.subgraph(n for n in g.nodes if n[0] != "department")
    pos = nx.spring_layout(inner, seed=seed, iterations=80, center=(0.0, 0.0))
    radius = 1.35 * max(float(np.abs(np.array(list(pos.values()))).max()), 1e-9)
    pos.update(nx.circular_layout(deps, scale=radius, center=(0.0, 0.0)))
    kinds = {k: [n for n in g.nodes if n[0] == k] for k in ("department", "township", "village", "cadre", "household")}
    kinds = {k: sorted(v, key=lambda n: n[1]) for k, v in kinds.items()}
    xy = {k: np.array([pos[n] for n in v]).reshape(-1, 2) for k, v in kinds.items()}

    def segments(edges):
        # one line trace per edge kind, NaN between edges (a numpy array validates and ships much faster than a
        # list with None gaps; plotly breaks the line at NaN the same way)
        xy_ = np.full((len(edges), 3, 2), np.nan)
        for i, (u, v) in enumerate(edges):
            xy_[i, 0], xy_[i, 1] = pos[u], pos[v]
        return xy_[:, :, 0].ravel(), xy_[:, :, 1].ravel()

    tree = [(u, v) for u, v in g.edges if "household" not in (u[0], v[0])]
    grid = [(u, v) for u, v in g.edges if "household" in (u[0], v[0])]
    lines = [(u, v) for u, v, kind in st.hierarchy.edges(data="kind") if kind == "line"]
    return dict(nodes=kinds, xy=xy, tree=segments(tree), grid=segments(grid), lines=segments(lines),
                households=np.array(shown, dtype=np.int64))


def _node_values(m: GrassrootsModel, lay: dict, colour_by: str) -> dict[str, np.ndarray]:
    """Colour values per kind of node: hours worked today, or open resident requests."""
    st = m.structure
    book = m.service.book
    open_ids = book.open_ids
    # requests waiting in each village's queues, shown on every cadre who serves the village
    waiting = np.bincount(book.queue[open_ids] % st.n_villages, minlength=st.n_villages).astype(float)
    queue = waiting[st.cadre_liaison_village]
    if colour_by == "hours":
        cad = m.cadres.hours_today.sum(axis=1)
        vill = np.array([cad[st.cadre_liaison_village == v].mean() if (st.cadre_liaison_village == v).any() else 0.0
                         for v in range(st.n_villages)])
        town = np.array([cad[st.cadre_township == t].mean() for t in range(st.n_townships)])
        hh = np.full(len(lay["households"]), np.nan)
    else:
        cad = queue
        by_hh = np.bincount(book.household[open_ids], minlength=st.n_households).astype(float)
        vill = np.bincount(st.household_village, weights=by_hh, minlength=st.n_villages)
        town = np.bincount(st.household_township, weights=by_hh, minlength=st.n_townships)
        hh = by_hh[lay["households"]]
    return dict(cadre=cad, village=vill, township=town, household=hh, queue=queue)


def network_figure(model: ClassroomModel, colour_by: str = "hours", validate: bool = True) -> go.Figure:
    m, lay = model.township, model.layout
    st = m.structure
    vals = _node_values(m, lay, colour_by)
    title = "hours worked today 今日工时" if colour_by == "hours" else "open requests 待办请求"
    cmax = 12.0 if colour_by == "hours" else max(5.0, float(np.nanmax(vals["cadre"], initial=0.0)))
    scale = "YlOrRd"
    edges = (("lines", "department lines 条线", 0.4, "rgba(70,110,180,0.25)"),
             ("tree", "hierarchy 层级", 1.0, "rgba(90,90,90,0.6)"),
             ("grid", "service grid 网格", 0.5, "rgba(60,160,90,0.35)"))
    traces = [dict(type="scatter", x=lay[k][0], y=lay[k][1], mode="lines", hoverinfo="skip", name=label,
                   line=dict(width=width, color=colour)) for k, label, width, colour in edges]
    deps = lay["nodes"]["department"]
    xy = lay["xy"]
    traces.append(dict(
        type="scatter", x=xy["department"][:, 0], y=xy["department"][:, 1], mode="markers+text",
        name="departments 县级部门",
        text=[st.hierarchy.nodes[n]["zh"] for n in deps], textposition="top center", textfont=dict(size=9),
        hovertext=[st.hierarchy.nodes[n]["name"] for n in deps], hoverinfo="text",
        marker=dict(symbol="square", size=11, color="#4a6fa5")))
    marker = dict(colorscale=scale, cmin=0.0, cmax=cmax, line=dict(width=0.5, color="#333"))
    for kind, size, symbol, label in (("township", 22, "diamond", "township 乡镇"),
                                      ("village", 16, "triangle-up", "villages 村/社区"),
                                      ("cadre", 12, "circle", "cadres 干部")):
        v = vals[kind]
        ids = [n[1] for n in lay["nodes"][kind]]
        if kind == "cadre":
            hover = [f"cadre {c} ({'village ' + str(st.cadre_village[c]) if st.cadre_village[c] >= 0 else 'township'})"
                     f"<br>hours today {m.cadres.hours_today[c].sum():.1f}<br>requests waiting {vals['queue'][c]:.0f}"
                     f"<br>fatigue {m.cadres.fatigue[c]:.2f}" for c in ids]
        else:
            hover = [f"{kind} {i}<br>{title}: {v[i]:.1f}" for i in ids]
        traces.append(dict(
            type="scatter", x=xy[kind][:, 0], y=xy[kind][:, 1], mode="markers", name=label, hovertext=hover,
            hoverinfo="text",
            marker=dict(marker, size=size, symbol=symbol, color=v[ids],
                        showscale=(kind == "cadre"),
                        colorbar=dict(title=dict(text=title, side="right"), thickness=10, len=0.8))))
    hh_v = vals["household"]
    hh_colour = np.where(np.isnan(hh_v), 0.0, hh_v) if colour_by != "hours" else None
    traces.append(dict(
        type="scatter", x=xy["household"][:, 0], y=xy["household"][:, 1], mode="markers",
        name="households (sample) 群众",
        hoverinfo="skip",
        marker=dict(marker, size=5, color=hh_colour if hh_colour is not None else "#9ab",
                    line=dict(width=0.5, color="#888"))))
    fig = go.Figure(traces, _validate=validate)
    fig.update_layout(
        height=400, width=FIGURE_WIDTH, margin=dict(l=5, r=5, t=30, b=5), showlegend=True, hovermode="closest",
        title=dict(text=f"Township network 乡镇网络 · colour: {title}", font=dict(size=13)),
        legend=dict(orientation="h", y=-0.02, font=dict(size=9)),
        xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"), plot_bgcolor="white",
        uirevision="network",  # keep the user's zoom while the days tick
    )
    return fig


def week_figure(model: ClassroomModel, validate: bool = True) -> go.Figure:
    """The average cadre's last 7 days, hours by activity (records are per-cadre means per township)."""
    m = model.township
    d = m.calendar.day
    lo = max(d - 7, 0)
    days = list(range(lo, d))
    x = [f"{WEEKDAYS[m.calendar.weekday(k)]}<br>day {k + 1}" for k in days]
    traces = []
    for a in ACTIVITIES:
        y = m.series(f"{a}_hours_per_cadre_day")[lo:d].mean(axis=1)
        zh, en = ACTIVITY_LABELS[a]
        traces.append(dict(type="bar", x=x, y=y, name=f"{zh} {en}", marker_color=ACTIVITY_COLOURS[a],
                             hovertemplate=f"{en}: %{{y:.2f}} h<extra></extra>"))
    fig = go.Figure(traces, _validate=validate)
    # the layout stays the same from day to day (only the bars move), so the page need not resend it
    fig.update_layout(
        barmode="stack", height=340, width=FIGURE_WIDTH, margin=dict(l=40, r=5, t=10, b=5),
        yaxis=dict(title="hours 小时", range=[0, 16]), uirevision="week",
        legend=dict(font=dict(size=9), traceorder="reversed"),  # top to bottom as the bars stack
    )
    return fig


def service_figure(model: ClassroomModel, validate: bool = True) -> go.Figure:
    """Service time (7-day mean of requests resolved) and open requests, with and without the reforms."""
    m, base = model.township, model.without
    d = m.calendar.day
    x = np.arange(1, d + 1)
    runs = [(m, "with reforms 改革后", WITH_REFORMS_COLOUR, "solid")]
    if model.baseline is not None:
        runs.append((base, "without 未改革", WITHOUT_REFORMS_COLOUR, "dash"))
    traces = []
    for run, name, colour, dash in runs:
        line = dict(color=colour, dash=dash)
        traces.append(dict(type="scatter", x=x, y=_daily_service_time(run), name=name, legendgroup=name,
                           line=line, xaxis="x", yaxis="y"))
        traces.append(dict(type="scatter", x=x, y=run.series("requests_open")[:d].sum(axis=1), name=name,
                           legendgroup=name, showlegend=False, line=line, xaxis="x2", yaxis="y2"))
    # two panels sharing the day axis, laid out by hand (make_subplots costs ~10 ms a day)
    title = dict(xref="paper", yref="paper", x=0.5, xanchor="center", yanchor="bottom", showarrow=False,
                 font=dict(size=11))
    layout = dict(
        height=380, width=FIGURE_WIDTH, margin=dict(l=40, r=5, t=30, b=5), uirevision="service",
        legend=dict(orientation="h", y=1.12, font=dict(size=9)),
        xaxis=dict(anchor="y", matches="x2", showticklabels=False), yaxis=dict(domain=[0.56, 1.0]),
        xaxis2=dict(anchor="y2", title=dict(text="day")), yaxis2=dict(domain=[0.0, 0.44]),
        annotations=[dict(title, text="service time, days 办结天数 (7-day mean)", y=1.0),
                     dict(title, text="open requests 待办请求", y=0.44)],
    )
    return go.Figure(data=traces, layout=layout, _validate=validate)


def changes_figure(model: ClassroomModel, validate: bool = True) -> go.Figure:
    """Hours per cadre-week by activity: with the reforms minus without (negative = hours saved)."""
    diff = _per_cadre_week(model.township) - _per_cadre_week(model.without)
    names = [f"{ACTIVITY_LABELS[a][0]} {ACTIVITY_LABELS[a][1]}" for a in ACTIVITIES]
    colours = [BETTER_COLOUR if (v < 0) != (a == "service") else WORSE_COLOUR
               for a, v in zip(ACTIVITIES, diff, strict=True)]
    fig = go.Figure([dict(type="bar", x=diff, y=names, orientation="h", marker_color=colours,
                          hovertemplate="%{y}: %{x:+.2f} h per cadre-week<extra></extra>")], _validate=validate)
    fig.update_layout(height=240, width=FIGURE_WIDTH, margin=dict(l=5, r=5, t=30, b=5), uirevision="changes",
                      title=dict(text="hours per cadre-week: with − without 工时变化", font=dict(size=12)),
                      xaxis=dict(zeroline=True, zerolinewidth=2), yaxis=dict(autorange="reversed",
                                                                             tickfont=dict(size=9)))
    return fig


# ---- the page's panels -------------------------------------------------------------------------------------------

@solara.component
def LiveFigure(build, dependencies: list):
    """A plotly figure that follows the simulation: like solara.FigurePlotly, but cheaper per day.

    ``build()`` makes the figure once per change of ``dependencies`` (the model and its day), never to compare
    figures (solara.FigurePlotly compares the old and new figure by value on every render, which costs more than
    building it); the layout is sent to the browser only when it differs from the last one, since re-assigning a
    layout is the most expensive part of a FigureWidget update (~20 ms) and ours stays the same from day to day.
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


def _status_line(model: ClassroomModel) -> str:
    m = model.township
    d = model.day
    date = m.calendar.start.fromordinal(m.calendar.start.toordinal() + max(d - 1, 0))
    when = f"{WEEKDAYS[m.calendar.weekday(d - 1)]} {date.isoformat()}" if d else "not started 未开始"
    n = len(model.reforms)
    return f"Day 第 {d} 天 · {when} · {n} of 20 reforms in force 项改革"


@solara.component
def TownshipPanel(model: ClassroomModel):
    update_counter.get()  # re-render after every step
    colour_by, set_colour_by = solara.use_state("hours")
    if model.error:
        solara.Error(model.error)
        return
    with solara.Column(gap="4px"):
        solara.Text(_status_line(model), style="font-weight: bold")
        solara.ToggleButtonsSingle(value=colour_by, on_value=set_colour_by, values=["hours", "backlog"], dense=True)
        LiveFigure(lambda: network_figure(model, colour_by, validate=False), [model, model.day, colour_by])


def _no_model(model: ClassroomModel) -> bool:
    if model.township is None:
        solara.Text("No simulation to show: see the message in the township panel.")
        return True
    return False


@solara.component
def WeekPanel(model: ClassroomModel):
    update_counter.get()
    if not _no_model(model):
        m, d = model.township, model.day
        lo = max(d - 7, 0)
        admin, service = (float(m.series(k)[lo:d].mean(axis=1).sum())
                          for k in ("admin_hours_per_cadre_day", "service_hours_per_cadre_day"))
        with solara.Column(gap="0px"):
            solara.Text(f"A cadre's week 干部的一周 (average cadre): admin {admin:.1f} h, service {service:.1f} h "
                        "in the last 7 days", style="font-weight: bold; font-size: 0.9em")
            LiveFigure(lambda: week_figure(model, validate=False), [model, d])


@solara.component
def ServicePanel(model: ClassroomModel):
    update_counter.get()
    if not _no_model(model):
        LiveFigure(lambda: service_figure(model, validate=False), [model, model.day])


def _fmt(x: float) -> str:
    return "–" if not np.isfinite(x) else f"{x:.2f}"


@solara.component
def ChangesPanel(model: ClassroomModel):
    update_counter.get()
    if _no_model(model):
        return
    with solara.Column(gap="4px"):
        if not model.reforms:
            solara.Info("No reform switched on: turn some on in the sidebar and press Reset. "
                        "未选择改革：在左侧选择后按 Reset。")
            return
        names = ", ".join(REFORM_LABELS[r][0] for r in model.reforms)
        lines = [f"**What changed 改革带来的变化** (same seed {model.seed}, days 1–{model.day}; reforms: {names})", "",
                 "| | with 改革后 | without 未改革 | change 变化 |", "|---|---:|---:|---:|"]
        for row in what_changed(model):
            lines.append(f"| {row['metric']} | {_fmt(row['with_reforms'])} | {_fmt(row['without'])} | "
                         f"{'–' if not np.isfinite(row['difference']) else format(row['difference'], '+.2f')} |")
        solara.Markdown("\n".join(lines))
        LiveFigure(lambda: changes_figure(model, validate=False), [model, model.day])


@solara.component
def ReformSwitches(choice: dict):
    """The 20 reforms grouped by the source's six sections. They write into `choice`, which SolaraViz passes to
    ``ClassroomModel(reforms=choice)`` on Reset (a fixed model parameter), so a switch takes effect on Reset."""
    values, set_values = solara.use_state(dict(choice))

    def set_all(on: bool):
        for name in REFORM_NAMES:
            choice[name] = on
        set_values(dict(choice))

    with solara.Sidebar(), solara.Card("Reforms 改革 (press Reset to apply 按 Reset 生效)"):
        with solara.Row():
            solara.Button("all 全选", on_click=lambda: set_all(True), small=True, text=True)
            solara.Button("none 全不选", on_click=lambda: set_all(False), small=True, text=True)
        for i, (_zh, _en, names) in enumerate(SECTIONS):
            solara.Text(section_label(i), style="display: block; margin-top: 6px; font-weight: bold; font-size: 0.9em")
            for name in names:
                def toggle(on, name=name):
                    choice[name] = bool(on)
                    set_values(dict(choice))

                solara.v.Checkbox(label=reform_label(name), v_model=values.get(name, False), on_v_model=toggle,
                                  dense=True, hide_details=True, class_="ma-0 pa-0")


def model_params(choice: dict) -> dict:
    """SolaraViz's controls: the scenario sliders and the seed; `choice` (the switches' state) is a fixed param."""
    d = classroom_defaults()
    return {
        "seed": {"type": "SliderInt", "value": d["seed"], "min": 0, "max": 99, "step": 1, "label": "seed 随机种子"},
        "villages": {"type": "SliderInt", "value": d["villages"], "min": 0, "max": 12, "step": 1,
                     "label": "villages 村/社区"},
        "cadres_per_village": {"type": "SliderInt", "value": d["cadres_per_village"], "min": 0, "max": 8, "step": 1,
                               "label": "cadres per village 每村干部"},
        "township_cadres": {"type": "SliderInt", "value": d["township_cadres"], "min": 0, "max": 30, "step": 1,
                            "label": "township cadres 乡镇干部"},
        "households": {"type": "SliderInt", "value": d["households"], "min": 0, "max": 4000, "step": 100,
                       "label": "households 户数"},
        "messages_per_group_per_day": {"type": "SliderFloat", "value": d["messages_per_group_per_day"], "min": 0.0,
                                       "max": 5.0, "step": 0.1, "label": "messages per group per day 工作群消息"},
        "inspections_per_department_per_year": {"type": "SliderFloat",
                                                "value": d["inspections_per_department_per_year"], "min": 0.0,
                                                "max": 12.0, "step": 0.5,
                                                "label": "inspections per department per year 检查频次"},
        "reforms": choice,
    }


COMPONENTS = [(TownshipPanel, 0), (WeekPanel, 0), (ServicePanel, 0), (ChangesPanel, 0)]


@solara.component
def Page():
    # one model and one set of switches per browser session (never shared between students' tabs)
    choice = solara.use_memo(lambda: {name: False for name in REFORM_NAMES}, [])
    params = solara.use_memo(lambda: model_params(choice), [])
    initial = solara.use_memo(lambda: ClassroomModel(reforms=choice), [])
    ReformSwitches(choice)
    SolaraViz(initial, components=COMPONENTS, model_params=params, name="Grassroots burden 基层减负 · classroom")
