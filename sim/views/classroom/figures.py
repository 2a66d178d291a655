"""What the classroom page shows: the numbers over the days simulated so far, and the plotly figures, in one
language at a time (``lang``: "zh" or "en"; the words are in ``texts`` and ``sim.views.labels``).

Every function takes a :class:`~sim.views.classroom.model.ClassroomModel` (or one of its two runs) and builds from
the model's records; nothing here changes the model.
"""

from __future__ import annotations

import re
import weakref
from html import escape

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim.experiments.decompose import PARTS, parts
from sim.model.model import GrassrootsModel
from sim.model.outputs import week_by_activity
from sim.model.workload import ACTIVITIES, ADMIN, A
from sim.views.labels import ACTIVITY_LABELS, DECOMPOSITION_LABELS, REFORM_LABELS
from sim.views.palette import ACTIVITY_COLOURS, BETTER_COLOUR, WITH_REFORMS_COLOUR, WITHOUT_REFORMS_COLOUR, WORSE_COLOUR

from .texts import pick, tr, weekday

HOUSEHOLDS_SHOWN_PER_CADRE = 5  # a sample of each grid, enough to show the service network without a hairball
# A fixed width: a FigureWidget does not follow its container's width by itself; two panels side by side fit
# beside the sidebar in a 1400 px window (checked in the real-browser test's screenshot).
FIGURE_WIDTH = 470

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


# what the "what changed" table shows, in order: (key of its label in texts.TEXTS, which way is better)
CHANGE_ROWS = (("admin_hours", "lower"), ("service_hours", "higher"), ("overtime", "lower"),
               ("service_days", "lower"), ("within_7", "higher"), ("within_15", "higher"), ("open_now", "lower"),
               ("gave_up", "lower"), ("called_12345", "lower"))


def _measures(m: GrassrootsModel) -> dict[str, float]:
    """The table's measures for one run, over the days simulated so far."""
    h = _per_cadre_week(m)
    return {
        "admin_hours": h[[A[x] for x in ADMIN]].sum(), "service_hours": h[A["service"]],
        "overtime": _per_week(m, "overtime_hours"), "service_days": _service_time_mean(m),
        "within_7": _resolved_within(m, 7), "within_15": _resolved_within(m, 15), "open_now": _backlog_now(m),
        "gave_up": m.tally.by_day("requests_abandoned").sum(),
        "called_12345": m.tally.by_day("requests_escalated").sum(),
    }


def what_changed(model) -> list[dict]:
    """Rows of (metric, with reforms, without, difference, which way is better) over the days simulated so far;
    `metric` names the row's label in ``texts.TEXTS``."""
    a, b = _measures(model.township), _measures(model.without)
    return [dict(metric=key, with_reforms=float(a[key]), without=float(b[key]), difference=float(a[key] - b[key]),
                 better=better) for key, better in CHANGE_ROWS]


def _so_far(m: GrassrootsModel) -> dict[str, float]:
    """The summary keys the decomposition reads (``decompose.NEEDED``), over the days simulated so far (the
    summary's own figures wait for the measured days; the class watches the first weeks)."""
    d, C = max(m.calendar.day, 1), m.structure.n_cadres
    weeks = d / 7.0
    out = week_by_activity(_per_cadre_week(m))
    for key in ("hours_removed_by_reforms", "service_hours_removed_by_reforms", "rebound_hours",
                "shadow_ledger_hours", "fatigue_hours"):
        out[f"{key}_per_cadre_week"] = float(m.tally.by_day(key)[:d].sum() / C / weeks)
    out["department_hours_per_county_week"] = float(m.department_hours[:d].sum() / weeks)
    out["n_cadres"] = C
    return out


def where_hours_went(model) -> dict[str, float]:
    """Where the hours the reforms removed went so far, per cadre-week: the decomposition's six parts (they add up
    to ``gross_removed``), ``net_saved`` and ``moved_up_to_county`` (``sim.experiments.decompose``)."""
    row = parts(pd.DataFrame([_so_far(model.without)]), pd.DataFrame([_so_far(model.township)]))
    return {k: float(v) for k, v in row.iloc[0].items()}


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

_LAYOUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def layout_of(m: GrassrootsModel) -> dict:
    """The run's network layout, computed once (seeded with the run's seed)."""
    if m not in _LAYOUTS:
        _LAYOUTS[m] = network_layout(m, m.seed)
    return _LAYOUTS[m]


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


def network_figure(model, colour_by: str = "hours", lang: str = "zh", validate: bool = True) -> go.Figure:
    m = model.township
    lay = layout_of(m)
    st = m.structure
    vals = _node_values(m, lay, colour_by)
    what = tr("colour_hours" if colour_by == "hours" else "colour_backlog", lang)
    cmax = 12.0 if colour_by == "hours" else max(5.0, float(np.nanmax(vals["cadre"], initial=0.0)))
    edges = (("lines", "edge_lines", 0.4, "rgba(70,110,180,0.25)"),
             ("tree", "edge_tree", 1.0, "rgba(90,90,90,0.6)"),
             ("grid", "edge_grid", 0.5, "rgba(60,160,90,0.35)"))
    traces = [dict(type="scatter", x=lay[k][0], y=lay[k][1], mode="lines", hoverinfo="skip", name=tr(label, lang),
                   line=dict(width=width, color=colour)) for k, label, width, colour in edges]
    deps = lay["nodes"]["department"]
    xy = lay["xy"]
    dept_names = [st.hierarchy.nodes[n]["zh"] if lang == "zh" else st.hierarchy.nodes[n]["name"].replace("_", " ")
                  for n in deps]
    traces.append(dict(
        type="scatter", x=xy["department"][:, 0], y=xy["department"][:, 1], mode="markers+text",
        name=tr("node_departments", lang), text=dept_names, textposition="top center", textfont=dict(size=9),
        hovertext=dept_names, hoverinfo="text", marker=dict(symbol="square", size=11, color="#4a6fa5")))
    marker = dict(colorscale="YlOrRd", cmin=0.0, cmax=cmax, line=dict(width=0.5, color="#333"))
    for kind, size, symbol, label in (("township", 22, "diamond", "node_township"),
                                      ("village", 16, "triangle-up", "node_villages"),
                                      ("cadre", 12, "circle", "node_cadres")):
        v = vals[kind]
        ids = [n[1] for n in lay["nodes"][kind]]
        if kind == "cadre":
            hover = [tr("hover_cadre", lang, c=c, hours=m.cadres.hours_today[c].sum(), queue=vals["queue"][c],
                        fatigue=m.cadres.fatigue[c],
                        where=tr("village_n", lang, v=st.cadre_village[c]) if st.cadre_village[c] >= 0
                        else tr("township_cadre", lang)) for c in ids]
        else:
            hover = [tr("hover_node", lang, kind=tr(label, lang), i=i, what=what, value=v[i]) for i in ids]
        traces.append(dict(
            type="scatter", x=xy[kind][:, 0], y=xy[kind][:, 1], mode="markers", name=tr(label, lang),
            hovertext=hover, hoverinfo="text",
            marker=dict(marker, size=size, symbol=symbol, color=v[ids], showscale=(kind == "cadre"),
                        colorbar=dict(title=dict(text=what, side="right"), thickness=10, len=0.8))))
    hh_v = vals["household"]
    hh_colour = np.where(np.isnan(hh_v), 0.0, hh_v) if colour_by != "hours" else None
    traces.append(dict(
        type="scatter", x=xy["household"][:, 0], y=xy["household"][:, 1], mode="markers",
        name=tr("node_households", lang), hoverinfo="skip",
        marker=dict(marker, size=5, color=hh_colour if hh_colour is not None else "#9ab",
                    line=dict(width=0.5, color="#888"))))
    fig = go.Figure(traces, _validate=validate)
    fig.update_layout(
        height=420, width=FIGURE_WIDTH, margin=dict(l=5, r=5, t=30, b=5), showlegend=True, hovermode="closest",
        title=dict(text=tr("network_title", lang, what=what), font=dict(size=13)),
        legend=dict(orientation="h", y=-0.02, font=dict(size=10)),
        xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"), plot_bgcolor="white",
        uirevision="network",  # keep the user's zoom while the days tick
    )
    return fig


def week_figure(model, lang: str = "zh", validate: bool = True) -> go.Figure:
    """The average cadre's last 7 days, hours by activity (records are per-cadre means per township)."""
    m = model.township
    d = m.calendar.day
    lo = max(d - 7, 0)
    x = [f"{weekday(m.calendar.weekday(k), lang)}<br>{tr('day_n', lang, k=k + 1)}" for k in range(lo, d)]
    traces = []
    for a in ACTIVITIES:
        y = m.series(f"{a}_hours_per_cadre_day")[lo:d].mean(axis=1)
        name = pick(ACTIVITY_LABELS[a], lang)
        traces.append(dict(type="bar", x=x, y=y, name=name, marker_color=ACTIVITY_COLOURS[a],
                           hovertemplate=tr("hover_hours", lang, what=name) + "<extra></extra>"))
    fig = go.Figure(traces, _validate=validate)
    # the layout stays the same from day to day (only the bars move), so the page need not resend it; the legend
    # sits under the bars in rows, where its names have the figure's whole width
    fig.update_layout(
        barmode="stack", height=400, width=FIGURE_WIDTH, margin=dict(l=45, r=5, t=10, b=5),
        yaxis=dict(title=dict(text=tr("hours", lang)), range=[0, 16]), uirevision="week",
        legend=dict(orientation="h", y=-0.15, yanchor="top", font=dict(size=10), traceorder="normal"),
    )
    return fig


def service_figure(model, lang: str = "zh", validate: bool = True) -> go.Figure:
    """Service time (7-day mean of requests resolved) and open requests, with and without the reforms."""
    m, base = model.township, model.without
    d = m.calendar.day
    x = np.arange(1, d + 1)
    runs = [(m, tr("with_reforms", lang), WITH_REFORMS_COLOUR, "solid")]
    if model.baseline is not None:
        runs.append((base, tr("without_reforms", lang), WITHOUT_REFORMS_COLOUR, "dash"))
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
        legend=dict(orientation="h", y=1.12, font=dict(size=10)),
        xaxis=dict(anchor="y", matches="x2", showticklabels=False), yaxis=dict(domain=[0.56, 1.0]),
        xaxis2=dict(anchor="y2", title=dict(text=tr("day", lang))), yaxis2=dict(domain=[0.0, 0.44]),
        annotations=[dict(title, text=tr("service_time_7d", lang), y=1.0),
                     dict(title, text=tr("open_requests", lang), y=0.44)],
    )
    return go.Figure(data=traces, layout=layout, _validate=validate)


def changes_figure(model, lang: str = "zh", validate: bool = True) -> go.Figure:
    """Hours per cadre-week by activity: with the reforms minus without (negative = hours saved)."""
    diff = _per_cadre_week(model.township) - _per_cadre_week(model.without)
    names = [pick(ACTIVITY_LABELS[a], lang) for a in ACTIVITIES]
    colours = [BETTER_COLOUR if (v < 0) != (a == "service") else WORSE_COLOUR
               for a, v in zip(ACTIVITIES, diff, strict=True)]
    fig = go.Figure([dict(type="bar", x=diff, y=names, orientation="h", marker_color=colours,
                          hovertemplate=tr("hover_change", lang) + "<extra></extra>")], _validate=validate)
    fig.update_layout(height=260, width=FIGURE_WIDTH, margin=dict(l=5, r=5, t=30, b=5), uirevision="changes",
                      title=dict(text=tr("changes_title", lang), font=dict(size=12)),
                      xaxis=dict(zeroline=True, zerolinewidth=2), yaxis=dict(autorange="reversed",
                                                                             tickfont=dict(size=10)))
    return fig


def _table(head: list[str], rows: list[list[str]]) -> str:
    """An HTML table (the page's tables are HTML it writes itself: solara's Markdown would fetch a math library
    from a CDN, which a classroom without internet does not have)."""
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td{' class=num' if i else ''}>{escape(c)}</td>" for i, c in enumerate(r))
                   + "</tr>" for r in rows)
    return f"<table class='classroom-table'><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def rich(text: str) -> str:
    """The page's texts as HTML: **bold**, and lines starting with "- " as a list."""
    def inline(t: str) -> str:
        return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escape(t))

    lines = text.split("\n")
    if all(line.startswith("- ") for line in lines):
        return "<ul>" + "".join(f"<li>{inline(line[2:])}</li>" for line in lines) + "</ul>"
    return "<br>".join(inline(line) for line in lines)


def where_table(model, lang: str = "zh") -> str:
    """The decomposition so far as an HTML table: each part, then the hours removed and the net saving."""
    w = where_hours_went(model)
    keys = (*PARTS, "gross_removed", "net_saved", "moved_up_to_county")
    return _table(["", tr("hours", lang)], [[pick(DECOMPOSITION_LABELS[k], lang), _fmt(w[k], "+.2f")] for k in keys])


def reform_names(model, lang: str = "zh") -> str:
    return ("、" if lang == "zh" else ", ").join(pick(REFORM_LABELS[r], lang) for r in model.reforms)


def _fmt(x: float, spec: str = ".2f") -> str:
    return "–" if not np.isfinite(x) else format(x, spec)


def changes_table(model, lang: str = "zh") -> str:
    """The what-changed rows as an HTML table."""
    head = ["", *(tr(k, lang) for k in ("with_reforms", "without_reforms", "change"))]
    return _table(head, [[tr(r["metric"], lang), _fmt(r["with_reforms"]), _fmt(r["without"]),
                          _fmt(r["difference"], "+.2f")] for r in what_changed(model)])
