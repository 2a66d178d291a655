"""The policymaker report: one offline HTML page (Chinese / English) from a results folder.

    python -m sim.report results/<experiment> [png=false] [lang=en]

reads the results contract (experiment.yaml, runs.parquet, comparison.parquet, manifest.json, runs/) and writes
results/<experiment>/report.html — plotly.js inline, no network, so it opens from a USB stick — plus the same
charts as PNG under results/<experiment>/png/ when a browser for static export (chromium) is present.

Bilingual: every figure is built twice (zh, en) and both are embedded as JSON; the toggle swaps them with
Plotly.react, and the page's text lives in <span lang=...> pairs switched by a class on <body>.
"""

from __future__ import annotations

import html
import json
import shutil
import sys
import warnings
from urllib.parse import quote
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import yaml
from omegaconf import OmegaConf
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from ..config import validate
from ..config.keyvalue import SettingsError, parse_bool, parse_key_values
from ..config.suggest import did_you_mean
from ..experiments.aggregate import comparison_table
from ..experiments.decompose import BESIDE, PARTS
from ..experiments.discovery import describe_box
from ..experiments.kinds.robustness import DEFAULT_BACKFIRE
from ..experiments.io import CONFIG_FILE, write_text
from ..model.model import GrassrootsModel
from ..model.workload import ACTIVITIES
from .labels import (ACTIVITY_LABELS, DECOMPOSITION_LABELS, SECTION_NAMES, SECTIONS, SERVICE_MEASURE_LABELS,
                     VARIANT_LABELS, WARMUP_LABEL, parameter_label)
from .palette import (ACTIVITY_COLOURS, ALL_REFORMS_COLOUR, BASELINE_COLOUR, DECOMPOSITION_COLOURS,
                      OTHER_VARIANT_COLOUR, SECTION_COLOURS)

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


SECTION_OF = {n: i for i, (_, _, names) in enumerate(SECTIONS) for n in names}
SECTION_KEYS = list(SECTION_NAMES)  # section index -> package name


class ReportError(ValueError):
    """The results folder cannot make a report; the message names what is missing."""


def T(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def label(name: str, lang: str) -> str:
    zh, en = VARIANT_LABELS.get(name, (name, name))
    return zh if lang == "zh" else en


def part_label(part: str, lang: str) -> str:
    """A part of the decomposition of the gross hours removed (or a figure beside them), as a reader sees it."""
    zh, en = DECOMPOSITION_LABELS[part]
    return zh if lang == "zh" else en


def colour(name: str) -> str:
    """A variant's colour: the baseline and all reforms their own, a single reform its section's."""
    if name == "all_reforms":
        return ALL_REFORMS_COLOUR
    if name == "baseline":
        return BASELINE_COLOUR
    return SECTION_COLOURS[SECTION_KEYS[SECTION_OF[name]]] if name in SECTION_OF else OTHER_VARIANT_COLOUR


# ---- reading the results folder ----------------------------------------------------------------------------------

DECOMPOSITION_COLUMNS = ("variant", "part", "hours_per_cadre_week", "ci_low", "ci_high", "n")


def _no_decomposition() -> pd.DataFrame:
    return pd.DataFrame(columns=list(DECOMPOSITION_COLUMNS))


@dataclass
class Experiment:
    path: Path
    spec: dict
    runs: pd.DataFrame
    comparison: pd.DataFrame
    manifest: dict
    warnings: list[str] = field(default_factory=list)
    # where each variant's gross hours removed went (decomposition.parquet); empty for folders without it
    decomposition: pd.DataFrame = field(default_factory=_no_decomposition)

    @property
    def kind(self) -> str:
        return str(self.spec.get("kind", "compare_reforms"))

    @cached_property
    def calibration(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """A calibrate experiment's target and history-matching tables, read once (see load_calibration)."""
        return load_calibration(self)

    @cached_property
    def robustness(self) -> dict[str, pd.DataFrame]:
        """A robustness experiment's tables (rank_stability, regret, backfire, prim_boxes) or a packages search's
        (packages, pareto); {} for other kinds or before they are written."""
        stems = {"robustness": ("rank_stability", "regret", "backfire", "prim_boxes"),
                 "packages": ("packages", "pareto", "cheapest")}.get(self.kind, ())
        found = {stem: self.path / f"{stem}.parquet" for stem in stems}
        return {stem: pd.read_parquet(f) for stem, f in found.items() if f.exists()}

    @property
    def variants(self) -> list[str]:
        """Variants in display order: baseline, all_reforms, then the rest in canonical section order."""
        present = list(dict.fromkeys(self.runs["variant"]))
        order = ["baseline", "all_reforms"] + [n for _, _, ns in SECTIONS for n in ns]
        return [v for v in order if v in present] + [v for v in present if v not in order]


def load_experiment(folder: str | Path) -> Experiment:
    """Read and check a results folder. Raises ReportError naming what is missing; partial sweeps only warn."""
    path = Path(folder)
    if not path.is_dir():
        raise ReportError(f"results folder not found: {path}")
    runs_file = path / "runs.parquet"
    if not runs_file.exists():
        n_dirs = len(list((path / "runs").glob("variant=*/seed=*/_summary.json"))) if (path / "runs").is_dir() else 0
        raise ReportError(f"no runs in {path}: runs.parquet is missing ({n_dirs} finished run folders under runs/); "
                          "run the sweep and its aggregation first")
    runs = pd.read_parquet(runs_file)
    if runs.empty:
        raise ReportError(f"no runs in {path}: runs.parquet has no rows")
    for col in ("variant", "seed"):
        if col not in runs.columns:
            raise ReportError(f"runs.parquet in {path} has no column '{col}' (the results contract needs it)")
    variants = sorted(runs["variant"].unique())
    if "baseline" not in variants:
        raise ReportError(f"missing baseline: no runs of variant 'baseline' in {runs_file}; "
                          f"variants found: {', '.join(variants)}")
    spec_file = path / "experiment.yaml"
    spec = yaml.safe_load(spec_file.read_text(encoding="utf-8")) if spec_file.exists() else {}
    spec = spec or {}
    manifest_file = path / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.exists() else {}
    comp_file = path / "comparison.parquet"
    if comp_file.exists():
        comparison = pd.read_parquet(comp_file)
    else:
        # the comparison is derived data: rebuild it from runs.parquet rather than refuse
        comparison = comparison_table(runs)
    points = set(spec.get("points") or {})  # a calibration wave's design points are not reforms to compare
    if points:
        runs, comparison = runs[~runs.variant.isin(points)], comparison[~comparison.variant.isin(points)]
    exp = Experiment(path, spec, runs, comparison, manifest, decomposition=load_decomposition(path))
    exp.warnings = sweep_warnings(exp)
    return exp


def load_decomposition(path: Path) -> pd.DataFrame:
    """decomposition.parquet, or an empty table: older folders and other kinds of experiment have none, and a report
    without the decomposition is still a report. Not rebuilt from runs.parquet: the kind decides whether it exists."""
    f = path / "decomposition.parquet"
    if not f.exists():
        return _no_decomposition()
    table = pd.read_parquet(f)
    if any(c not in table.columns for c in DECOMPOSITION_COLUMNS):
        return _no_decomposition()
    return table


def spec_seeds(spec: dict) -> set[int]:
    """The seeds experiment.yaml asks for: a list, a count n (seeds 0..n-1), or {start, n|stop}."""
    s = spec.get("seeds")
    try:
        if isinstance(s, int):
            return set(range(s))
        if isinstance(s, dict):
            start = int(s.get("start", 0))
            stop = int(s["stop"]) if "stop" in s else start + int(s.get("n", s.get("count", 0)))
            return set(range(start, stop))
        if isinstance(s, (list, tuple)):
            return {int(x) for x in s}
    except (TypeError, ValueError, KeyError):
        pass
    return set()


def command_text(spec: dict) -> str:
    c = spec.get("command", "?")
    return " ".join(map(str, c)) if isinstance(c, (list, tuple)) else str(c)


def sweep_warnings(exp: Experiment) -> list[str]:
    """What makes the sweep partial: runs the manifest lists as missing or failed, and variants with fewer seeds."""
    out = []
    missing = exp.manifest.get("missing_runs", exp.manifest.get("missing", [])) or []
    failed = exp.manifest.get("failed_runs", exp.manifest.get("failed", [])) or []
    if missing:
        out.append(f"missing runs ({len(missing)}): " + ", ".join(map(str, missing)))
    if failed:
        out.append(f"failed runs ({len(failed)}): " + ", ".join(map(str, failed)))
    seeds = exp.runs.groupby("variant")["seed"].apply(lambda s: set(s.astype(int)))
    all_seeds = set().union(*seeds.tolist())
    expected = spec_seeds(exp.spec) or all_seeds
    for v in exp.variants:
        lack = sorted(expected - seeds[v])
        if lack:
            out.append(f"variant {v} has {len(seeds[v])} of {len(expected)} seeds (missing seed "
                       + ", ".join(map(str, lack)) + ")")
    points = set(exp.spec.get("points") or {})  # a wave's design points are left out of the report (load_experiment)
    for v in exp.spec.get("variants", {}) or {}:
        if v not in seeds.index and v not in points:
            out.append(f"variant {v} has no runs")
    if "measured_days" in exp.runs and (exp.runs["measured_days"] % 7 != 0).any():
        days = sorted(set(exp.runs.loc[exp.runs["measured_days"] % 7 != 0, "measured_days"].astype(int)))
        out.append(f"runs of {', '.join(map(str, days))} days are not whole weeks: their per-week figures "
                   "extrapolate a partial week; run whole weeks (days=7k) to trust them")
    return out


# ---- the headline table ----------------------------------------------------------------------------------------

_NOISE = 1e-9  # a change this small is floating-point rounding (shares of 1.0 summed in another order), not a change


@dataclass(frozen=True)
class ServiceMeasure:
    """A residents' service outcome the report shows as its paired change against the baseline."""

    metric: str              # the summary key (a column of runs.parquet, a metric of comparison.parquet)
    key: str                 # its columns in the headline table: <key>_change, <key>_ci_low, <key>_ci_high
    scale: float             # shown = change x scale (shares in percentage points)
    unit: tuple[str, str]    # (Chinese, English) unit of what is shown
    worse_when_up: bool      # a rise is a cost to residents (abandoned, escalated), else a fall is

    def name(self, lang: str) -> str:
        zh, en = SERVICE_MEASURE_LABELS[self.metric]
        return zh if lang == "zh" else en

    def shown(self, table: pd.DataFrame | tuple, part: str):
        """A headline-table column of this measure as displayed: scaled, rounding noise shown as no change."""
        x = np.asarray(getattr(table, f"{self.key}_{part}"), dtype=float) * self.scale
        return np.where(np.abs(x) < _NOISE, 0.0, x)


_POINTS = ("百分点", "percentage points")
SERVICE_MEASURES = (
    ServiceMeasure("resolved_within_7d_share", "within_7d", 100.0, _POINTS, worse_when_up=False),
    ServiceMeasure("resolved_within_15d_share", "within_15d", 100.0, _POINTS, worse_when_up=False),
    ServiceMeasure("abandoned_share", "abandoned", 100.0, _POINTS, worse_when_up=True),
    ServiceMeasure("escalations_per_1000_households", "escalations", 1.0,
                   ("次/千户/年", "per 1,000 households a year"), worse_when_up=True),
)
# (summary key, column stem in the headline table) of every change against the baseline the table carries
CHANGES = (("service_time_mean_days", "service_time_mean"), ("service_time_p90_days", "service_time_p90"),
           ("department_hours_per_county_week", "department_hours"),
           *((m.metric, m.key) for m in SERVICE_MEASURES))


def _paired_change(c: pd.DataFrame, variant: str, metric: str, key: str) -> dict:
    """The comparison's paired change (reform - baseline) with its 95% CI, as headline-table columns; NaN when the
    results do not hold the metric (runs written before it existed)."""
    r = c.loc[(variant, metric)] if (variant, metric) in c.index else None
    return {f"{key}_{part}": float(getattr(r, col)) if r is not None else np.nan
            for part, col in (("change", "diff_mean"), ("ci_low", "diff_ci_low"), ("ci_high", "diff_ci_high"))}


# the figures of the decomposition the headline table carries beside the net hours saved
HEADLINE_PARTS = ("gross_removed", "net_saved", "absorbed_by_rebound")


def _decomposition_part(d: pd.DataFrame, variant: str, part: str) -> dict:
    """One part of a variant's decomposition with its 95% CI, as headline-table columns; NaN when the folder has
    no decomposition."""
    r = d.loc[(variant, part)] if (variant, part) in d.index else None
    return {f"{part}{suffix}": float(r[col]) if r is not None else np.nan
            for suffix, col in (("", "hours_per_cadre_week"), ("_ci_low", "ci_low"), ("_ci_high", "ci_high"))}


def headline_table(exp: Experiment) -> pd.DataFrame:
    """Per reform: hours saved per cadre-week (baseline - reform admin_hours_per_cadre_week, the net admin saving)
    with its 95% CI; the gross hours its reforms removed, the net saved and the part absorbed by rebound (from the
    decomposition, NaN without one); changes in service time (mean, p90), in department hours per county-week and in
    the residents' outcomes of ``SERVICE_MEASURES``, and a trade-off flag. Ranked by hours saved."""
    c = exp.comparison.set_index(["variant", "metric"])
    # compare_reforms writes one row per (variant, part); a table split `by` a further column would need its own view
    d = exp.decomposition.drop_duplicates(["variant", "part"]).set_index(["variant", "part"])
    rows = []
    for v in exp.variants:
        if v == "baseline" or (v, "admin_hours_per_cadre_week") not in c.index:
            continue
        a = c.loc[(v, "admin_hours_per_cadre_week")]
        row = {"variant": v, "hours_saved": -a.diff_mean, "hours_saved_ci_low": -a.diff_ci_high,
               "hours_saved_ci_high": -a.diff_ci_low, "n": int(a.n)}
        for part in HEADLINE_PARTS:
            row.update(_decomposition_part(d, v, part))
        for metric, key in CHANGES:
            row.update(_paired_change(c, v, metric, key))
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["flag_zh"], table["flag_en"] = zip(*(tradeoff_flag(r) for r in table.itertuples()))
    return table.sort_values("hours_saved", ascending=False, kind="stable").reset_index(drop=True)


def _clearly_up(mean, lo) -> bool:
    """An increase that the 95% CI supports (or, with one seed and no CI, any increase)."""
    if not np.isfinite(mean):
        return False
    return bool(lo > _NOISE) if np.isfinite(lo) else bool(mean > _NOISE)


def _clearly_worse(r, m: ServiceMeasure) -> bool:
    """The CI supports a change of residents' outcome `m` for the worse (NaN, for results without it: no)."""
    mean, lo, hi = (getattr(r, f"{m.key}_{part}", np.nan) for part in ("change", "ci_low", "ci_high"))
    return _clearly_up(mean, lo) if m.worse_when_up else _clearly_up(-mean, -hi)


def tradeoff_flag(r) -> tuple[str, str]:
    zh, en = [], []
    if _clearly_up(r.department_hours_change, r.department_hours_ci_low):
        zh.append(f"工作上移到县级部门（+{r.department_hours_change:.1f} 小时/周），不是真正减掉")
        en.append(f"work moved up to county departments (+{r.department_hours_change:.1f} h/week), not saved")
    if (_clearly_up(r.service_time_mean_change, r.service_time_mean_ci_low)
            or _clearly_up(r.service_time_p90_change, r.service_time_p90_ci_low)
            or any(_clearly_worse(r, m) for m in SERVICE_MEASURES if not m.worse_when_up)):
        zh.append("群众办事时间变长")
        en.append("residents wait longer for service")
    if any(_clearly_worse(r, m) for m in SERVICE_MEASURES if m.worse_when_up):
        zh.append("更多群众放弃或拨打 12345")
        en.append("more residents give up or call 12345")
    if _clearly_up(-r.hours_saved, -r.hours_saved_ci_high):
        zh.append("干部事务时间反而增加")
        en.append("cadres' admin hours go up")
    elif not (np.isfinite(r.hours_saved_ci_low) and (r.hours_saved_ci_low > 0)):
        zh.append("节省不确定（置信区间含 0）")
        en.append("saving uncertain (CI includes 0)")
    return ("；".join(zh) or "无明显代价（在置信区间内）", "; ".join(en) or "no clear trade-off")


# ---- figures ---------------------------------------------------------------------------------------------------

def _layout(fig: go.Figure, title: str, height: int = 480) -> go.Figure:
    fig.update_layout(title=title, height=height, template="plotly_white", margin=dict(l=60, r=30, t=70, b=60),
                      font=dict(family="WenQuanYi Zen Hei, Noto Sans CJK SC, Microsoft YaHei, sans-serif"))
    return fig


def section_name(name: str, lang: str) -> str:
    if name in SECTION_OF:
        zh, en, _ = SECTIONS[SECTION_OF[name]]
        return f"{SECTION_OF[name] + 1} {zh if lang == 'zh' else en}"
    return label(name, lang)


def fig_hours_saved(exp: Experiment, table: pd.DataFrame, lang: str) -> go.Figure:
    t = table.iloc[::-1]  # largest saving on top of a horizontal bar chart
    order = [label(v, lang) for v in t.variant]
    fig = go.Figure()
    # one trace per source section, so that the legend explains the colours
    groups = dict.fromkeys(section_name(v, lang) for v in
                           sorted(t.variant, key=lambda v: (SECTION_OF.get(v, -1), v)))
    for g in groups:
        s = t[[section_name(v, lang) == g for v in t.variant]]
        fig.add_trace(go.Bar(
            x=s.hours_saved, y=[label(v, lang) for v in s.variant], orientation="h", name=g,
            marker_color=colour(s.variant.iloc[0]),
            error_x=dict(type="data", array=(s.hours_saved_ci_high - s.hours_saved).fillna(0),
                         arrayminus=(s.hours_saved - s.hours_saved_ci_low).fillna(0), visible=True),
            hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(categoryorder="array", categoryarray=order)
    _layout(fig, T("每名干部每周节省的事务工作小时（95% 置信区间）",
                   "Admin hours saved per cadre per week (95% CI)")[lang], height=max(380, 26 * len(t) + 140))
    fig.update_xaxes(title=T("净节省的事务小时/干部/周（基线 − 改革）",
                             "net admin hours saved per cadre-week (baseline − reform)")[lang], zeroline=True)
    return fig


# the parts in the order they stack out from zero: the two that make the net saving first, so that (when both are
# positive) the net marker sits at their end, then the parts that ate into the gross
STACK_ORDER = ("given_back_as_rest", "reinvested_in_residents", "absorbed_by_rebound", "kept_as_paperwork",
               "lost_to_fatigue", "other_responses")
assert sorted(STACK_ORDER) == sorted(PARTS)


def _hours_with_ci(m: float, lo: float, hi: float, lang: str) -> str:
    """A decomposition figure for hover text: value, unit and 95% CI (none with a single seed)."""
    unit = T("小时/干部/周", "h per cadre-week")[lang]
    if np.isfinite(lo) and np.isfinite(hi):
        return T(f"{m:+.2f} {unit}（95% 置信区间 {lo:+.2f} 至 {hi:+.2f}）",
                 f"{m:+.2f} {unit} (95% CI {lo:+.2f} to {hi:+.2f})")[lang]
    return f"{m:+.2f} {unit}"


def fig_where_hours_went(exp: Experiment, lang: str, table: pd.DataFrame | None = None) -> go.Figure | None:
    """Per variant, where the gross hours its reforms removed went: the six parts of sim.experiments.decompose as a
    horizontal stacked bar (negative parts stack left of zero), the gross and the net saving as markers, and the
    hours moved up to county departments, which are not among the parts, in a panel of their own. Variants in the
    order of the hours-saved chart (`table`, the headline table; built when not given). None without a
    decomposition table."""
    d = exp.decomposition
    if d.empty or not set((*PARTS, *BESIDE)) <= set(d.part):
        return None
    table = headline_table(exp) if table is None else table
    present = set(d.variant)
    ranked = [v for v in table.variant if v in present] if not table.empty else []
    ranked += [v for v in dict.fromkeys(d.variant) if v not in ranked]
    variants = ranked[::-1]  # largest saving on top, as in the hours-saved chart
    names = [label(v, lang) for v in variants]
    by = d.drop_duplicates(["variant", "part"]).set_index(["variant", "part"])

    def column(part, col="hours_per_cadre_week"):
        return np.array([float(by.loc[(v, part), col]) if (v, part) in by.index else np.nan for v in variants])

    def hover(part):
        name = part_label(part, lang)
        return [f"{name}: {_hours_with_ci(m, lo, hi, lang)}"
                for m, lo, hi in zip(column(part), column(part, "ci_low"), column(part, "ci_high"))]

    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.78, 0.22], horizontal_spacing=0.03,
                        subplot_titles=(T("改革减掉的小时去了哪里", "where the hours removed went")[lang],
                                        T("上移到县级部门", "moved up to the county")[lang]))
    for part in STACK_ORDER:
        fig.add_trace(go.Bar(x=column(part), y=names, orientation="h", name=part_label(part, lang),
                             legendgroup=part, marker_color=DECOMPOSITION_COLOURS[part], hovertext=hover(part),
                             hovertemplate="%{hovertext}<extra></extra>"), row=1, col=1)
    gross = column("gross_removed")
    fig.add_trace(go.Scatter(
        x=gross, y=names, mode="markers", name=part_label("gross_removed", lang), legendgroup="gross_removed",
        marker=dict(symbol="diamond", size=12, color="black", line=dict(color="white", width=1)),
        error_x=dict(type="data", array=np.nan_to_num(column("gross_removed", "ci_high") - gross),
                     arrayminus=np.nan_to_num(gross - column("gross_removed", "ci_low")), color="black",
                     thickness=1.2, width=4),
        hovertext=hover("gross_removed"), hovertemplate="%{hovertext}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=column("net_saved"), y=names, mode="markers", name=part_label("net_saved", lang), legendgroup="net_saved",
        marker=dict(symbol="line-ns-open", size=22, color="black", line=dict(color="black", width=3)),
        hovertext=hover("net_saved"), hovertemplate="%{hovertext}<extra></extra>"), row=1, col=1)
    county = column("moved_up_to_county")
    fig.add_trace(go.Bar(
        x=county, y=names, orientation="h", name=part_label("moved_up_to_county", lang),
        legendgroup="moved_up_to_county", marker_color=DECOMPOSITION_COLOURS["moved_up_to_county"],
        error_x=dict(type="data", array=np.nan_to_num(column("moved_up_to_county", "ci_high") - county),
                     arrayminus=np.nan_to_num(county - column("moved_up_to_county", "ci_low")), visible=True),
        hovertext=hover("moved_up_to_county"), hovertemplate="%{hovertext}<extra></extra>"), row=1, col=2)
    fig.update_layout(barmode="relative", legend=dict(orientation="h", yanchor="top", y=-0.3, x=0),
                      hovermode="y unified")
    fig.update_yaxes(categoryorder="array", categoryarray=names)
    for col in (1, 2):
        fig.update_xaxes(zeroline=True, zerolinecolor="#444", title=T("小时/干部/周", "hours per cadre-week")[lang],
                         row=1, col=col)
    _layout(fig, T("每项改革减掉的小时去了哪里（各部分之和 = 减掉的总小时）",
                   "Where the hours each reform removed went (the parts add up to the gross removed)")[lang],
            height=max(480, 44 * len(variants) + 300))
    fig.update_layout(margin=dict(b=170))  # room for the legend under the panels
    return fig


def week_hours(exp: Experiment, c: pd.DataFrame, variant: str, metric: str) -> float:
    """Mean hours of one activity under a variant: from comparison.parquet (the paired seeds), else runs.parquet.
    The baseline's value is any row's baseline_mean, since the contract need not hold a baseline-vs-itself row."""
    sub = c[c.metric == metric]
    if variant == "baseline" and len(sub):
        return float(sub.baseline_mean.iloc[0])
    row = sub[sub.variant == variant]
    if len(row):
        return float(row.variant_mean.iloc[0])
    r = exp.runs.loc[exp.runs.variant == variant, metric] if metric in exp.runs else pd.Series(dtype=float)
    return float(r.mean()) if len(r) else np.nan


def fig_week(exp: Experiment, lang: str) -> go.Figure:
    c = exp.comparison
    vs = exp.variants
    fig = go.Figure()
    for a in ACTIVITIES:
        y = [week_hours(exp, c, v, f"{a}_hours_per_cadre_week") for v in vs]
        name = ACTIVITY_LABELS[a][0 if lang == "zh" else 1]
        fig.add_trace(go.Bar(x=[label(v, lang) for v in vs], y=y, name=name, marker_color=ACTIVITY_COLOURS[a],
                             hovertemplate=name + ": %{y:.1f}<extra>%{x}</extra>"))
    fig.update_layout(barmode="stack")
    _layout(fig, T("干部的一周：各项活动小时数（基线与各项改革）", "A cadre's week by activity: baseline vs each reform")[lang],
            height=560)
    fig.update_yaxes(title=T("小时/干部/周", "hours per cadre-week")[lang])
    fig.update_xaxes(tickangle=-45)
    return fig


def fig_service_time(exp: Experiment, lang: str) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, subplot_titles=(T("平均办事时间", "mean service time")[lang],
                                                        T("第 90 百分位办事时间", "90th percentile service time")[lang]))
    for col, metric in ((1, "service_time_mean_days"), (2, "service_time_p90_days")):
        for v in exp.variants:
            y = exp.runs.loc[exp.runs.variant == v, metric] if metric in exp.runs else []
            fig.add_trace(go.Box(y=y, name=label(v, lang), marker_color=colour(v), boxpoints="all", jitter=0.3,
                                 pointpos=0, showlegend=False, legendgroup=v), row=1, col=col)
        fig.update_yaxes(title=T("天（每个种子一个点）", "days (one point per seed)")[lang], row=1, col=col)
    _layout(fig, T("群众办事时间：基线与各项改革", "Service time for residents: baseline vs reforms")[lang], height=520)
    fig.update_xaxes(tickangle=-45)
    return fig


def has_service_measures(table: pd.DataFrame) -> bool:
    """Whether the results hold any residents' outcome of ``SERVICE_MEASURES`` (runs before them do not)."""
    return any(f"{m.key}_change" in table and table[f"{m.key}_change"].notna().any() for m in SERVICE_MEASURES)


def fig_service_outcomes(table: pd.DataFrame, lang: str) -> go.Figure:
    """One panel per residents' outcome: each reform's paired change against the baseline, with its 95% CI."""
    t = table.iloc[::-1]  # the headline table's order, first on top
    names = [label(v, lang) for v in t.variant]
    fig = make_subplots(rows=2, cols=2, shared_yaxes=True, horizontal_spacing=0.06, vertical_spacing=0.16,
                        subplot_titles=[f"{m.name(lang)}（{m.unit[0]}）" if lang == "zh"
                                        else f"{m.name(lang)} ({m.unit[1]})" for m in SERVICE_MEASURES])
    for i, m in enumerate(SERVICE_MEASURES):
        row, col = divmod(i, 2)
        change = m.shown(t, "change")
        fig.add_trace(go.Bar(
            x=change, y=names, orientation="h", marker_color=[colour(v) for v in t.variant], showlegend=False,
            error_x=dict(type="data", array=np.nan_to_num(m.shown(t, "ci_high") - change),
                         arrayminus=np.nan_to_num(change - m.shown(t, "ci_low")), visible=True),
            hovertemplate="%{y}: %{x:+.2f}<extra></extra>"), row=row + 1, col=col + 1)
        fig.update_xaxes(zeroline=True, zerolinecolor="#444", row=row + 1, col=col + 1)
    fig.update_yaxes(categoryorder="array", categoryarray=names)
    _layout(fig, T("群众办事结果：与基线相比的变化（改革 − 基线，95% 置信区间）",
                   "Residents' outcomes: change against the baseline (reform − baseline, 95% CI)")[lang],
            height=max(520, 2 * (26 * len(t) + 120)))
    return fig


def run_path(exp: Experiment, variant: str, seed, run_dir=None) -> Path:
    """A run's folder: run_dir as written (absolute, relative to the experiment or to the working directory),
    else the contract's runs/variant=<name>/seed=<k>."""
    if run_dir is not None and str(run_dir) not in ("", "nan", "None"):
        p = Path(str(run_dir))
        for cand in ((p,) if p.is_absolute() else (exp.path / p, Path.cwd() / p)):
            if cand.is_dir():
                return cand
    return exp.path / "runs" / f"variant={quote(str(variant), safe='')}" / f"seed={int(seed)}"


def load_timeseries(exp: Experiment, columns=("requests_open", "overtime_hours_per_cadre_day")) -> pd.DataFrame:
    """Per variant and day: backlog summed over townships, overtime averaged over townships, then mean over seeds."""
    frames = []
    cols = ["variant", "seed"] + (["run_dir"] if "run_dir" in exp.runs else [])
    for r in exp.runs[cols].itertuples():
        f = run_path(exp, r.variant, r.seed, getattr(r, "run_dir", None)) / "timeseries.parquet"
        if not f.exists():
            continue
        ts = pd.read_parquet(f, columns=["day", *columns])
        g = ts.groupby("day").agg({"requests_open": "sum", "overtime_hours_per_cadre_day": "mean"})
        g["variant"], g["seed"] = r.variant, r.seed
        frames.append(g.reset_index())
    if not frames:
        return pd.DataFrame(columns=["variant", "day", *columns])
    allts = pd.concat(frames, ignore_index=True)
    return allts.groupby(["variant", "day"], sort=False)[list(columns)].mean().reset_index()


def fig_timeseries(exp: Experiment, ts: pd.DataFrame, lang: str) -> go.Figure:
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1,
                        subplot_titles=(T("未办结的群众诉求（积压）", "open resident requests (backlog)")[lang],
                                        T("加班小时（每名干部每天）", "overtime hours per cadre-day")[lang]))
    for v in exp.variants:
        d = ts[ts.variant == v]
        if d.empty:
            continue
        # baseline and all reforms shown; single reforms one click away in the legend, so the year stays legible
        vis = True if v in ("baseline", "all_reforms") else "legendonly"
        width = 3 if v in ("baseline", "all_reforms") else 1.5
        for row, col in ((1, "requests_open"), (2, "overtime_hours_per_cadre_day")):
            fig.add_trace(go.Scatter(x=d.day, y=d[col], mode="lines", name=label(v, lang), legendgroup=v,
                                     showlegend=row == 1, visible=vis, line=dict(color=colour(v), width=width)),
                          row=row, col=1)
    _mark_warmup(fig, ts.day.min(), lang)
    _layout(fig, T("一年中的积压与加班（各种子平均；点击图例显示其他改革）",
                   "Backlog and overtime over the run (mean over seeds; click the legend for other reforms)")[lang],
            height=620)
    fig.update_xaxes(title=T("天（0 = 统计开始）", "day (0 = first measured day)")[lang], row=2, col=1)
    fig.update_yaxes(title=T("件", "requests")[lang], row=1, col=1)
    fig.update_yaxes(title=T("小时", "hours")[lang], row=2, col=1)
    return fig


def _mark_warmup(fig: go.Figure, first_day, lang: str) -> None:
    """Shade the warm-up (days before 0, simulated so that queues fill, left out of every summary figure)."""
    if not (np.isfinite(first_day) and first_day < 0):
        return
    fig.add_vrect(x0=first_day, x1=0, row="all", col=1, fillcolor="#999", opacity=0.15, line_width=0, layer="below")
    zh, en = WARMUP_LABEL
    fig.add_annotation(x=first_day, y=0.98, xref="x", yref="y domain", xanchor="left", yanchor="top",
                       showarrow=False, text=zh if lang == "zh" else en, font=dict(size=12, color="#555"))


@dataclass
class TownshipPicture:
    nodes: list  # (node, kind, x, y, load, text_zh, text_en)
    edges: list  # ((x0, y0), (x1, y1), kind)


def township_picture(exp: Experiment, short_days: int = 28, township: int = 0) -> TownshipPicture | None:
    """Rebuild the model from the baseline seed's config, run a few weeks, and lay out one township:
    departments -> township -> villages -> cadres, with each cadre's weekly working hours as its load."""
    base = exp.runs[exp.runs.variant == "baseline"].sort_values("seed")
    if base.empty:
        return None
    p = run_path(exp, "baseline", base.iloc[0].seed, base.iloc[0].get("run_dir"))
    if not (p / CONFIG_FILE).exists():
        return None
    cfg = OmegaConf.load(p / CONFIG_FILE)
    cfg.scenario.days = int(min(int(cfg.scenario.days), short_days))
    cfg = validate(cfg)
    model = GrassrootsModel(cfg)
    model.run_for(model.warmup_days)  # the warm-up, left out as every figure leaves it out
    before = model.cadres.hours_total.sum(axis=1)
    model.run()
    cadre_load = (model.cadres.hours_total.sum(axis=1) - before) / (cfg.scenario.days / 7.0)  # hours a week
    G = model.structure.hierarchy
    deps = sorted(n for n in G if n[0] == "department")
    villages = sorted(n for n in G.successors(("township", township)) if n[0] == "village")
    town_cadres = sorted(n for n in G.successors(("township", township)) if n[0] == "cadre")
    cadres = town_cadres + [c for v in villages for c in sorted(G.successors(v)) if c[0] == "cadre"]
    pos = {}
    for i, n in enumerate(deps):
        pos[n] = (i / max(1, len(deps) - 1), 3.0)
    pos[("township", township)] = (0.5, 2.0)
    for i, n in enumerate(villages):
        pos[n] = ((i + 0.5) / len(villages), 1.0)
    for i, n in enumerate(cadres):
        pos[n] = ((i + 0.5) / len(cadres), 0.0)
    line_count = {d: sum(1 for c in G.successors(d) if c in pos and c[0] == "cadre") for d in deps}
    nodes = []
    for n in deps:
        a = G.nodes[n]
        nodes.append((n, "department", *pos[n], float(line_count[n]), f"{a.get('zh', '')}：条线覆盖 {line_count[n]} 名干部",
                      f"{a.get('name', '')}: line reaches {line_count[n]} cadres"))
    tl = float(np.mean([cadre_load[c[1]] for c in cadres])) if cadres else 0.0
    nodes.append((("township", township), "township", *pos[("township", township)], tl,
                  f"乡镇 {township}：干部平均 {tl:.1f} 小时/周", f"township {township}: cadres average {tl:.1f} h/week"))
    for v in villages:
        cs = [c for c in G.successors(v) if c[0] == "cadre"]
        vl = float(np.mean([cadre_load[c[1]] for c in cs])) if cs else 0.0
        nodes.append((v, "village", *pos[v], vl, f"村 {v[1]}：干部平均 {vl:.1f} 小时/周",
                      f"village {v[1]}: cadres average {vl:.1f} h/week"))
    for c in cadres:
        load = float(cadre_load[c[1]])
        where_zh = "村干部" if G.nodes[c].get("village_cadre") else "乡镇干部"
        where_en = "village cadre" if G.nodes[c].get("village_cadre") else "township cadre"
        nodes.append((c, "cadre", *pos[c], load, f"{where_zh} {c[1]}：{load:.1f} 小时/周",
                      f"{where_en} {c[1]}: {load:.1f} h/week"))
    edges = [(pos[u], pos[v], k) for u, v, k in G.edges(data="kind") if u in pos and v in pos]
    return TownshipPicture(nodes, edges)


def fig_network(pic: TownshipPicture, lang: str) -> go.Figure:
    fig = go.Figure()
    for kind, col, w, name in (("command", "#999", 1.2, T("领导关系", "command")),
                               ("member", "#bbb", 1.0, T("所属", "membership")),
                               ("line", "rgba(214,39,40,0.18)", 0.8, T("条线任务", "line duties (条线)"))):
        xs, ys = [], []
        for (x0, y0), (x1, y1), k in pic.edges:
            if k == kind:
                xs += [x0, x1, None]
                ys += [y0, y1, None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=col, width=w), name=name[lang],
                                 hoverinfo="skip"))
    cadre_loads = [n[4] for n in pic.nodes if n[1] != "department"]
    lo, hi = (min(cadre_loads), max(cadre_loads)) if cadre_loads else (0, 1)
    names = {"department": T("县级部门（大小 = 条线覆盖干部数）", "county departments (size = cadres on its line)"),
             "township": T("乡镇", "township"), "village": T("村", "villages"),
             "cadre": T("干部（颜色 = 每周工作小时）", "cadres (colour = hours worked per week)")}
    for kind, symbol in (("department", "square"), ("township", "diamond"), ("village", "circle"),
                         ("cadre", "circle")):
        ns = [n for n in pic.nodes if n[1] == kind]
        if not ns:
            continue
        loads = np.array([n[4] for n in ns])
        # marker sizes shrink with the number of nodes in a row so that a 50-cadre township still fits
        biggest = min(28.0, 900.0 / max(1, len(ns)))
        if kind == "department":
            size = 8 + (biggest - 8) * loads / max(1.0, loads.max())
            marker = dict(size=size, color="#555", symbol=symbol)
            short = [n[5].split("：")[0] if lang == "zh" else n[6].split(":")[0].replace("_", " ") for n in ns]
        else:
            size = 0.4 * biggest + 0.6 * biggest * (loads - lo) / (hi - lo + 1e-9)
            marker = dict(size=size, color=loads, cmin=lo, cmax=hi, colorscale="YlOrRd", symbol=symbol,
                          line=dict(color="#333", width=0.5),
                          showscale=kind == "cadre",
                          colorbar=dict(title=T("小时/周", "h/week")[lang]) if kind == "cadre" else None)
        fig.add_trace(go.Scatter(x=[n[2] for n in ns], y=[n[3] for n in ns],
                                 mode="markers+text" if kind == "department" else "markers", marker=marker,
                                 name=names[kind][lang], hovertext=[n[5] if lang == "zh" else n[6] for n in ns],
                                 text=short if kind == "department" else None,
                                 # alternate above/below so that long department names do not overprint
                                 textposition=["top center" if i % 2 == 0 else "bottom center"
                                               for i in range(len(ns))],
                                 textfont=dict(size=10), hovertemplate="%{hovertext}<extra></extra>"))
    _layout(fig, T("一个乡镇的结构：部门 → 乡镇 → 村 → 干部（基线，种子 0，预热期后 4 周的负荷）",
                   "One township: departments → township → villages → cadres (baseline, seed 0, load over the 4 "
                   "weeks after the warm-up)")[lang],
            height=560)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, range=[-0.4, 3.4])
    fig.update_layout(legend=dict(orientation="h", y=-0.05))
    return fig


# ---- other kinds of experiment -----------------------------------------------------------------------------------

def fig_dose_response(exp: Experiment, lang: str, metric: str = "admin_hours_per_cadre_week") -> go.Figure | None:
    """dose_response: experiment.yaml gives `parameter` and per-variant `values` ({variant: value})."""
    param = str(exp.spec.get("parameter", ""))
    values = exp.spec.get("values") or {}
    if values:
        r = exp.runs[exp.runs.variant.isin(values)].copy()
        r["x"] = r.variant.map(values).astype(float)
    elif param and param in exp.runs:  # the swept value kept as a config column of runs.parquet
        r = exp.runs.copy()
        r["x"] = pd.to_numeric(r[param], errors="coerce")
        r = r[r.x.notna()]
    else:
        return None
    g = r.groupby("x")[metric].agg(["mean", "std", "count"]).reset_index().sort_values("x")
    half = 1.96 * g["std"].fillna(0) / np.sqrt(g["count"])
    fig = go.Figure([
        go.Scatter(x=list(g.x) + list(g.x[::-1]), y=list(g["mean"] + half) + list((g["mean"] - half)[::-1]),
                   fill="toself", line=dict(width=0), fillcolor="rgba(31,119,180,0.2)",
                   name=T("95% 区间", "95% band")[lang]),
        go.Scatter(x=g.x, y=g["mean"], mode="lines+markers", name=T("平均值", "mean")[lang])])
    swept = parameter_label(param, lang)
    _layout(fig, T(f"剂量—反应：{swept}", f"Dose-response: {swept}")[lang])
    fig.update_xaxes(title=swept)
    fig.update_yaxes(title=T("事务小时/干部/周", "admin hours per cadre-week")[lang])
    return fig


def fig_interactions(exp: Experiment, table: pd.DataFrame, lang: str) -> go.Figure | None:
    """interactions: variants named 'a+b' (pairs); heatmap of the pair's saving minus the two singles' savings."""
    saved = dict(zip(table.variant, table.hours_saved))
    pairs = [v for v in saved if "+" in v]
    if not pairs:
        return None
    names = sorted({p for v in pairs for p in v.split("+")})
    z = np.full((len(names), len(names)), np.nan)
    for v in pairs:
        a, b = v.split("+")[:2]
        if a in saved and b in saved:
            i, j = names.index(a), names.index(b)
            z[i, j] = z[j, i] = saved[v] - saved[a] - saved[b]
    lab = [label(n, lang) for n in names]
    fig = go.Figure(go.Heatmap(z=z, x=lab, y=lab, colorscale="RdBu", zmid=0,
                               colorbar=dict(title=T("小时", "hours")[lang])))
    _layout(fig, T("改革两两组合的交互作用（组合节省 − 单项节省之和）",
                   "Interaction of reform pairs (pair's saving − sum of single savings)")[lang], height=600)
    fig.update_xaxes(title=T("改革", "reform")[lang])
    fig.update_yaxes(title=T("与之组合的改革", "combined with")[lang])
    return fig


def fig_sensitivity(exp: Experiment, lang: str) -> go.Figure | None:
    """sensitivity: a sobol.csv / sensitivity.csv next to runs.parquet with columns parameter, S1, ST."""
    for name in ("sobol.csv", "sensitivity.csv"):
        f = exp.path / name
        if f.exists():
            s = pd.read_csv(f).sort_values("ST")
            names = [parameter_label(p, lang) for p in s.parameter]
            fig = go.Figure([go.Bar(y=names, x=s.S1, orientation="h", name=T("一阶 S1", "first-order S1")[lang]),
                             go.Bar(y=names, x=s.ST, orientation="h", name=T("总效应 ST", "total ST")[lang])])
            fig.update_layout(barmode="group")
            _layout(fig, T("敏感性（Sobol 指数）", "Sensitivity (Sobol indices)")[lang], height=max(400, 30 * len(s)))
            fig.update_xaxes(title=T("指数（方差份额）", "index (share of the variance)")[lang])
            fig.update_yaxes(automargin=True)
            return fig
    return None


def fig_scale(exp: Experiment, lang: str, metric: str = "admin_hours_per_cadre_week") -> go.Figure | None:
    """scale: runs.parquet carries n_cadres; one line per variant of the metric against scenario size."""
    if "n_cadres" not in exp.runs or exp.runs.n_cadres.nunique() < 2:
        return None
    fig = go.Figure()
    for v in exp.variants:
        g = exp.runs[exp.runs.variant == v].groupby("n_cadres")[metric].mean().reset_index()
        fig.add_trace(go.Scatter(x=g.n_cadres, y=g[metric], mode="lines+markers", name=label(v, lang),
                                 line=dict(color=colour(v))))
    _layout(fig, T("规模：干部人数与事务小时", "Scale: cadres vs admin hours")[lang])
    fig.update_xaxes(title=T("干部人数", "cadres")[lang], type="log")
    fig.update_yaxes(title=T("事务小时/干部/周", "admin hours per cadre-week")[lang])
    return fig


# ---- robustness under uncertainty -------------------------------------------------------------------------------

RANKED_OUTCOMES = {"hours_saved": T("节省的事务小时", "admin hours saved"),
                   "service_time_mean_days": T("群众办事天数", "service time")}


def backfire_words(spec: dict) -> dict[str, dict[str, str]]:
    """What each kind of backfire means, with the experiment's thresholds (experiment.yaml's backfire, else the
    defaults of sim.experiments.kinds.robustness)."""
    limits = {**DEFAULT_BACKFIRE, **(spec.get("backfire") or {})}
    days, hours = f"{limits['service_worse_days']:g}", f"{limits['saving_below_hours']:g}"
    return {"service_worse": T(f"群众办事时间比基线长 {days} 天以上", f"service time over {days} days longer than the "
                                                               "baseline's"),
            "saving_short": T(f"每名干部每周节省不到 {hours} 小时", f"it saves under {hours} hours a cadre-week")}


def fig_rank_stability(rob: dict, lang: str) -> go.Figure | None:
    """Each policy's rank among all of them across the scenarios, on hours saved and on service time: the dot its
    median rank, the whisker its 90% interval; policies in the order of their median rank on hours saved."""
    ranks = rob.get("rank_stability")
    if ranks is None or ranks.empty:
        return None
    order = (ranks[ranks.outcome == "hours_saved"].sort_values(["median_rank", "rank_p95"]).variant.tolist())
    names = [label(v, lang) for v in order]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=[RANKED_OUTCOMES[o][lang] for o in RANKED_OUTCOMES])
    for col, outcome in enumerate(RANKED_OUTCOMES, start=1):
        r = ranks[ranks.outcome == outcome].set_index("variant").reindex(order)
        hover = [f"{n}<br>{T('中位名次', 'median rank')[lang]} {m:g} [{lo:g}, {hi:g}]<br>"
                 f"{T('进入前 3 的概率', 'probability of the top 3')[lang]} {p:.0%}"
                 for n, m, lo, hi, p in zip(names, r.median_rank, r.rank_p05, r.rank_p95, r.p_top3)]
        fig.add_trace(go.Scatter(
            x=r.median_rank, y=names, mode="markers", showlegend=False, hovertext=hover, hoverinfo="text",
            marker=dict(color=[colour(v) for v in order], size=10),
            error_x=dict(type="data", symmetric=False, array=r.rank_p95 - r.median_rank,
                         arrayminus=r.median_rank - r.rank_p05)), row=1, col=col)
        fig.update_xaxes(title=T("名次（1 为最好）", "rank (1 is best)")[lang], autorange="reversed", row=1, col=col)
    _layout(fig, T("各情景下的名次：点为中位数，误差线为 90% 区间", "Rank across the scenarios: median, and "
                   "90% interval")[lang], height=max(420, 26 * len(order) + 160))
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=names, automargin=True)
    return fig


def fig_pareto(rob: dict, lang: str) -> go.Figure | None:
    """A packages search: every package evaluated, hours saved against the change in service time, coloured by the
    number of reforms; the Pareto-optimal ones ringed."""
    table = rob.get("packages")
    if table is None or table.empty:
        return None
    front = table[table.pareto]
    hover = [f"{n} {T('项改革', 'reforms')[lang]}: {html.escape(_package_words(p, lang))}<br>"
             f"{T('节省', 'saved')[lang]} {h:.2f} h, {T('办事时间变化', 'service time')[lang]} {d:+.2f} d, "
             f"{T('上移', 'moved up')[lang]} {u:+.1f} h"
             for n, p, h, d, u in zip(table.n_reforms, table.package, table.hours_saved, table.service_time_change,
                                      table.moved_up_hours)]
    fig = go.Figure(go.Scatter(
        x=table.service_time_change, y=table.hours_saved, mode="markers", hovertext=hover, hoverinfo="text",
        name=T("评估过的组合", "packages evaluated")[lang],
        marker=dict(color=table.n_reforms, colorscale="Viridis", size=8, opacity=0.6,
                    colorbar=dict(title=T("改革数", "reforms")[lang]))))
    fig.add_trace(go.Scatter(x=front.service_time_change, y=front.hours_saved, mode="markers",
                             name=T("帕累托最优", "Pareto-optimal")[lang], hoverinfo="skip",
                             marker=dict(symbol="circle-open", size=14, color="#d62728", line=dict(width=2))))
    _layout(fig, T("改革组合：节省的小时与群众办事时间", "Reform packages: hours saved and service time")[lang])
    fig.update_xaxes(title=T("群众办事时间的变化（天，越左越好）", "change in service time (days; left is better)")[lang])
    fig.update_yaxes(title=T("节省的事务小时/干部/周", "admin hours saved per cadre-week")[lang])
    return fig


def _package_words(package: str, lang: str) -> str:
    names = [n for n in str(package).split(",") if n]
    if not names:
        return T("不改革", "no reform")[lang]
    return ("、" if lang == "zh" else ", ").join(label(n, lang) for n in names)


def robustness_table_html(rob: dict, spec: dict) -> str:
    """Per policy: how often it ranks in the top 3, its regret, and how often it backfires."""
    ranks, regret, backfire = (rob.get(k) for k in ("rank_stability", "regret", "backfire"))
    if ranks is None or regret is None:
        return ""
    r = ranks.pivot(index="variant", columns="outcome")
    g = regret.pivot(index="variant", columns="outcome")
    b = backfire.pivot(index="variant", columns="backfire", values="share") if backfire is not None \
        and not backfire.empty else pd.DataFrame()
    order = ranks[ranks.outcome == "hours_saved"].sort_values(["median_rank", "rank_p95"]).variant
    head = [("方案", "policy"), ("节省小时：进入前 3 的概率", "hours saved: P(top 3)"),
            ("节省小时：最大遗憾（小时）", "hours saved: max regret (h)"),
            ("节省小时：90% 遗憾（小时）", "hours saved: 90th-percentile regret (h)"),
            ("办事时间：进入前 3 的概率", "service time: P(top 3)"),
            ("办事时间：最大遗憾（天）", "service time: max regret (days)"),
            *((f"情景比例：{w['zh']}", f"share of scenarios: {w['en']}")
              for w in backfire_words(spec).values())]
    out = ['<table class="robustness"><thead><tr>' + "".join(f"<th>{_bi(z, e)}</th>" for z, e in head)
           + "</tr></thead><tbody>"]
    for v in order:
        zh, en = VARIANT_LABELS.get(v, (v, v))
        shares = [f"{b.loc[v, k]:.0%}" if v in b.index and k in b else "–" for k in ("service_worse", "saving_short")]
        cells = [_bi(html.escape(zh), html.escape(en)), f"{r.loc[v, ('p_top3', 'hours_saved')]:.0%}",
                 f"{g.loc[v, ('max_regret', 'hours_saved')]:.2f}", f"{g.loc[v, ('p90_regret', 'hours_saved')]:.2f}",
                 f"{r.loc[v, ('p_top3', 'service_time_mean_days')]:.0%}",
                 f"{g.loc[v, ('max_regret', 'service_time_mean_days')]:.2f}", *shares]
        out.append(f'<tr data-variant="{html.escape(v)}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def prim_sentences(rob: dict, spec: dict) -> list[dict[str, str]]:
    """PRIM's boxes in words, one sentence per box in each language (sim.experiments.discovery.describe_box)."""
    boxes = rob.get("prim_boxes")
    if boxes is None or boxes.empty:
        return []
    out, words = [], backfire_words(spec)
    for (variant, outcome, number), rows in boxes.groupby(["variant", "outcome", "box"], sort=False):
        first = rows.iloc[0]
        limits = {u: (lo, hi) for u, lo, hi in zip(rows.uncertainty, rows.low, rows.high) if isinstance(u, str)}
        box = {"limits": limits, "density": first.density, "coverage": first.coverage}
        out.append({lang: describe_box(label(variant, lang), box, words[outcome][lang],
                                       lambda k, lang=lang: parameter_label(k, lang), lang) for lang in LANGS})
    return out


def prim_html(rob: dict, spec: dict) -> str:
    sentences = prim_sentences(rob, spec)
    if not sentences:
        return "<p>" + _bi("在所探索的不确定范围内，没有找到某项政策在其中多半适得其反、且每个条件都起作用的区域"
                           "（各政策适得其反的情景比例见上表）。",
                           "PRIM found no region of the uncertainties explored in which a policy mostly backfires "
                           "and every condition matters (how often each backfires is in the table above).") + "</p>"
    items = "".join(f"<li>{_bi(html.escape(s['zh']), html.escape(s['en']))}</li>" for s in sentences)
    return f'<ul class="prim-boxes">{items}</ul>'


def packages_html(rob: dict) -> str:
    """The Pareto-optimal packages, and the cheapest ones that reach 80% of the full package's saving."""
    front, cheapest = rob.get("pareto"), rob.get("cheapest")
    if front is None:
        return ""
    head = [("改革数", "reforms"), ("组合", "package"), ("节省的小时", "hours saved"),
            ("办事时间变化（天）", "service time change (days)"), ("上移到县级的小时", "hours moved up")]

    def rows(table):
        return "".join(
            f"<tr><td>{r.n_reforms}</td><td>{_bi(*(html.escape(_package_words(r.package, lang)) for lang in LANGS))}"
            f"</td><td>{r.hours_saved:.2f}</td><td>{r.service_time_change:+.2f}</td><td>{r.moved_up_hours:+.1f}</td>"
            "</tr>" for r in table.itertuples())
    thead = "<thead><tr>" + "".join(f"<th>{_bi(z, e)}</th>" for z, e in head) + "</tr></thead>"
    front = front.sort_values(["n_reforms", "hours_saved"])
    out = [f'<table class="pareto">{thead}<tbody>{rows(front)}</tbody></table>']
    if cheapest is not None and not cheapest.empty:
        out.append("<p>" + _bi("达到全部改革节省量 80% 的最少改革组合：", "The fewest reforms that reach 80% of all "
                               "reforms' saving:") + "</p>")
        out.append(f'<table class="cheapest">{thead}<tbody>{rows(cheapest)}</tbody></table>')
    return "\n".join(out)


RANK_CAPTION = T(
    "每项政策在每个情景（未公开默认值和部门反弹的一组取值）中与同一情景、同一种子的基线配对，再在所有政策中排名。"
    "误差线越短，名次越不受不确定性影响；“遗憾”是某情景下最好的政策比它多省的小时（或少用的天数）。",
    "Each policy is paired with the baseline of the same scenario (a set of values of the unpublished defaults and "
    "departments' rebound) and seed, then ranked among all the policies. A short whisker: a rank the uncertainty "
    "hardly moves. Regret is how many more hours the best policy of a scenario saves (or days it spares).")
PARETO_CAPTION = T(
    "多目标搜索（NSGA-II）评估过的每个改革组合：多省小时、少用办事天数、少上移小时、少用改革，圈出的是没有别的组合"
    "在这几方面同时更好的组合。",
    "Every reform package the multi-objective search (NSGA-II) evaluated: more hours saved, fewer days of service, "
    "fewer hours moved up, fewer reforms; the ringed ones are those no other package beats on all of these at once.")


# ---- the page --------------------------------------------------------------------------------------------------

def _bi(zh: str, en: str, tag: str = "span") -> str:
    return f'<{tag} lang="zh">{zh}</{tag}><{tag} lang="en">{en}</{tag}>'


def _fmt_ci(m, lo, hi, digits=2) -> str:
    if not np.isfinite(m):
        return "–"
    if np.isfinite(lo) and np.isfinite(hi):
        return f"{m:+.{digits}f} <small>[{lo:+.{digits}f}, {hi:+.{digits}f}]</small>"
    return f"{m:+.{digits}f}"


def has_decomposition(table: pd.DataFrame) -> bool:
    """Whether the headline table carries the decomposition's figures (folders without one do not)."""
    return "gross_removed" in table and bool(table["gross_removed"].notna().any())


def _part_cell(r, part: str) -> str:
    return _fmt_ci(getattr(r, part), getattr(r, f"{part}_ci_low"), getattr(r, f"{part}_ci_high"))


HEADLINE_PART_HEADS = {
    "gross_removed": ("改革减掉的小时（毛）/干部/周 [95% CI]", "gross hours removed per cadre-week [95% CI]"),
    "absorbed_by_rebound": ("其中被部门反弹吸收 [95% CI]", "of which absorbed by departments' rebound [95% CI]"),
}


def table_html(table: pd.DataFrame) -> str:
    # the hours saved are the net admin saving (baseline − reform admin hours): the decomposition's net_saved, so it
    # is shown once, under a heading that says net, beside the gross removed and what rebound absorbed of it
    parts = ("gross_removed", "absorbed_by_rebound") if has_decomposition(table) else ()
    head = [("改革", "reform"),
            ("净节省的事务小时/干部/周 [95% CI]", "net admin hours saved per cadre-week [95% CI]"),
            *(HEADLINE_PART_HEADS[p] for p in parts),
            ("平均办事时间变化（天）", "change in mean service time (days)"),
            ("P90 办事时间变化（天）", "change in p90 service time (days)"),
            ("县级部门小时变化（/周）", "change in department hours (/week)"), ("代价提示", "trade-off"), ("n", "n")]
    out = ['<table class="headline"><thead><tr>' + "".join(f"<th>{_bi(z, e)}</th>" for z, e in head)
           + "</tr></thead><tbody>"]
    for r in table.itertuples():
        zh, en = VARIANT_LABELS.get(r.variant, (r.variant, r.variant))
        warn = "" if r.flag_en == "no clear trade-off" else ' class="flag"'
        numbers = [_fmt_ci(r.hours_saved, r.hours_saved_ci_low, r.hours_saved_ci_high),
                   *(_part_cell(r, p) for p in parts),
                   _fmt_ci(r.service_time_mean_change, r.service_time_mean_ci_low, r.service_time_mean_ci_high),
                   _fmt_ci(r.service_time_p90_change, r.service_time_p90_ci_low, r.service_time_p90_ci_high),
                   _fmt_ci(r.department_hours_change, r.department_hours_ci_low, r.department_hours_ci_high, 1)]
        out.append(
            f'<tr data-variant="{html.escape(r.variant)}"><td>{_bi(html.escape(zh), html.escape(en))}</td>'
            + "".join(f'<td class="num">{x}</td>' for x in numbers)
            + f"<td{warn}>{_bi(html.escape(r.flag_zh), html.escape(r.flag_en))}</td><td>{r.n}</td></tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def service_cell(r, m: ServiceMeasure) -> str:
    """One residents' outcome of a headline row, scaled for display (shares in percentage points), with its CI."""
    return _fmt_ci(*(float(m.shown(r, part)) for part in ("change", "ci_low", "ci_high")), 1)


def service_table_html(table: pd.DataFrame) -> str:
    """The residents' outcomes of each reform as changes against the baseline, in the headline table's order."""
    head = [("改革", "reform"),
            *((f"{m.name('zh')}变化（{m.unit[0]}）", f"change in {m.name('en')} ({m.unit[1]})")
              for m in SERVICE_MEASURES), ("n", "n")]
    out = ['<table class="service"><thead><tr>' + "".join(f"<th>{_bi(z, e)}</th>" for z, e in head)
           + "</tr></thead><tbody>"]
    for r in table.itertuples():
        zh, en = VARIANT_LABELS.get(r.variant, (r.variant, r.variant))
        cells = "".join(f"<td>{service_cell(r, m)}</td>" for m in SERVICE_MEASURES)
        out.append(f'<tr data-variant="{html.escape(r.variant)}"><td>{_bi(html.escape(zh), html.escape(en))}</td>'
                   f"{cells}<td>{r.n}</td></tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


CALIBRATION_USES = {"calibration": T("校准", "calibration"), "structure": T("结构与输入", "structure"),
                    "held_out": T("留出验证", "held out")}


def load_calibration(exp: Experiment) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A calibrate experiment's target table and, after a wave, its history-matching table (empty otherwise)."""
    def read(name):
        f = exp.path / f"{name}.parquet"
        return pd.read_parquet(f) if exp.kind == "calibrate" and f.exists() else pd.DataFrame()
    cal = read("calibration")
    if not cal.empty and "zh" not in cal:  # folders from before the targets gave the figure in Chinese
        cal["zh"] = ""
    return cal, read("history_matching")


def _target_label(r, lang: str) -> str:
    return (r.zh or r.figure) if lang == "zh" else r.figure


def fig_calibration(cal: pd.DataFrame, lang: str) -> go.Figure:
    """Every target on one scale: its interval runs from 0 to 1, and the model's median (with its 90% interval over
    the seeds) is placed on it, so a level, a share and a reform's change can be read side by side."""
    width = (cal.interval_high - cal.interval_low).where(lambda w: w > 0, 1.0)

    def place(col):
        return (cal[col] - cal.interval_low) / width

    mid, lo, hi = place("model_median"), place("model_p05"), place("model_p95")
    names = [f"{CALIBRATION_USES[r.use][lang]} · {(r.zh or r.target) if lang == 'zh' else r.target.replace('_', ' ')}"
             for r in cal.itertuples()]
    hover = [f"{html.escape(_target_label(r, lang))}<br>{T('区间', 'interval')[lang]} [{r.interval_low:g}, "
             f"{r.interval_high:g}]<br>{T('模型中位数', 'model median')[lang]} {r.model_median:.3g} "
             f"[{r.model_p05:.3g}, {r.model_p95:.3g}]" for r in cal.itertuples()]
    fig = go.Figure()
    fig.add_vrect(x0=0, x1=1, fillcolor="rgba(44,160,44,0.12)", line_width=0)
    for inside, name, colour in ((True, T("落在区间内", "inside the interval"), "#2ca02c"),
                                 (False, T("落在区间外", "outside the interval"), "#d62728")):
        keep = (cal.within == inside).to_numpy()
        fig.add_trace(go.Scatter(
            x=mid[keep], y=[n for n, k in zip(names, keep) if k], mode="markers", name=name[lang],
            marker=dict(color=colour, size=10),
            error_x=dict(type="data", symmetric=False, array=(hi - mid)[keep], arrayminus=(mid - lo)[keep]),
            hovertext=[h for h, k in zip(hover, keep) if k], hoverinfo="text"))
    title = T("模型与公开数据：每个目标的区间记为 0 到 1",
              "The model against the published figures: each target's interval as 0 to 1")
    _layout(fig, title[lang], height=max(420, 28 * len(cal) + 140))
    fig.update_xaxes(title=T("在目标区间中的位置（0 为下限，1 为上限；误差线为种子间 90% 区间）",
                             "position in the target's interval (0 its low end, 1 its high end; whiskers: 90% over "
                             "the seeds)")[lang], zeroline=False)
    fig.update_yaxes(title=T("目标", "target")[lang], autorange="reversed", categoryorder="array",
                     categoryarray=names, automargin=True)
    return fig


def _miss(r) -> str:
    """How far the median lies outside the interval (in the quantity's units), or a tick."""
    if r.within:
        return "✓"
    if not np.isfinite(r.model_median):
        return "–"
    gap = r.model_median - r.interval_high if r.model_median > r.interval_high else r.model_median - r.interval_low
    return f"✗ {gap:+.3g}"


def calibration_table_html(cal: pd.DataFrame) -> str:
    head = [("目标", "target"), ("用途", "use"), ("公开数字", "published figure"), ("来源", "source"),
            ("方案", "variant"), ("区间", "interval"), ("模型中位数 [5%, 95%]", "model median [5%, 95%]"),
            ("是否落入（差多少）", "inside (miss by)")]
    out = ['<table class="calibration"><thead><tr>' + "".join(f"<th>{_bi(z, e)}</th>" for z, e in head)
           + "</tr></thead><tbody>"]
    for r in cal.itertuples():
        zh, en = VARIANT_LABELS.get(r.variant, (r.variant, r.variant))
        change = {"relative": f" ({_bi('相对变化', 'relative change')})",
                  "absolute": f" ({_bi('绝对变化', 'absolute change')})"}.get(r.change, "")
        cells = [html.escape(r.target), _bi(*(CALIBRATION_USES[r.use][lang] for lang in ("zh", "en"))),
                 _bi(html.escape(r.zh or r.figure), html.escape(r.figure)), html.escape(r.source),
                 _bi(html.escape(zh), html.escape(en)) + change, f"[{r.interval_low:g}, {r.interval_high:g}]",
                 f"{r.model_median:.3g} <small>[{r.model_p05:.3g}, {r.model_p95:.3g}]</small>", _miss(r)]
        cls = "" if r.within else ' class="flag"'
        out.append(f'<tr data-target="{html.escape(r.target)}"{cls}>' + "".join(f"<td>{c}</td>" for c in cells)
                   + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def history_matching_html(hm: pd.DataFrame) -> str:
    """The wave's verdict per uncertainty: its range, the part no target rules out, and the calibrated value."""
    if hm.empty:
        return ""
    u = hm[hm.kind == "uncertainty"]
    share = float(u.nroy_share.iloc[0]) if len(u) else float("nan")
    head = [("未公开的默认值", "unpublished default"), ("范围", "range"), ("未被排除的范围", "range not ruled out"),
            ("校准值", "calibrated value")]
    kept = _bi(f"这一轮历史匹配中，{share:.2%} 的候选点未被任何目标排除。",
               f"In this wave of history matching, {share:.2%} of the candidate points are ruled out by no target.")
    out = [f"<p>{kept}</p>",
           '<table class="history-matching"><thead><tr>' + "".join(f"<th>{_bi(z, e)}</th>" for z, e in head)
           + "</tr></thead><tbody>"]
    for r in u.itertuples():
        kept = "–" if not np.isfinite(r.nroy_low) else f"[{r.nroy_low:.3g}, {r.nroy_high:.3g}]"
        out.append(f"<tr><td><code>{html.escape(r.name)}</code></td><td>[{r.low:g}, {r.high:g}]</td>"
                   f"<td>{kept}</td><td>{r.calibrated:.3g}</td></tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def method_html(exp: Experiment) -> str:
    m, s = exp.manifest, exp.spec
    seeds = sorted(exp.runs.seed.astype(int).unique())
    per_variant = exp.runs.groupby("variant").size()
    rows = [
        (("实验", "experiment"), html.escape(str(s.get("name", exp.path.name)))),
        (("类型", "kind"), html.escape(exp.kind)),
        (("情景", "scenario"), html.escape(str(s.get("scenario", exp.runs.get("scenario", pd.Series([""])).iloc[0])))),
        (("方案数", "variants"), str(len(exp.variants))),
        (("随机种子", "seeds"), f"{len(seeds)}: {', '.join(map(str, seeds[:30]))}{' …' if len(seeds) > 30 else ''}"),
        (("每个方案的重复次数", "replications per variant"),
         f"{per_variant.min()}–{per_variant.max()}" if per_variant.min() != per_variant.max() else str(per_variant.min())),
        (("模型版本", "model version"), html.escape(str(m.get("model_version", "?")))),
        (("数据格式版本", "schema version"), html.escape(str(m.get("schema_version", "?")))),
        (("配置哈希", "config hash"), html.escape(str(m.get("config_hash", m.get("config_sha256", "?"))))),
        (("生成时间", "created"), html.escape(str(m.get("created", "?")))),
        (("复现命令", "command to reproduce"), f"<code>{html.escape(command_text(s))}</code>"),
        *measured_days_rows(exp.runs),
    ]
    body = "".join(f"<tr><th>{_bi(z, e)}</th><td>{v}</td></tr>" for (z, e), v in rows)
    crn = _bi("同一种子下，改革方案与基线共用随机数（共同随机数），差异按种子配对计算：差值 = 改革 − 基线，"
              "置信区间为配对 t 区间（95%）。“节省小时”（净节省） = 基线 − 改革的事务小时（文件、会议、报表、台账、检查考核、"
              "工作群、证明、属地管理、额外值守、摊派、留痕材料；不含服务群众）。县级部门小时为全县合计，"
              "其增加表示工作被上移而非减少。所有结果只统计预热期之后的天数；办事时间和办结比例覆盖这期间提出的全部诉求，"
              "到结束时仍未办结的按删失处理（Aalen-Johansen 估计），不被剔除。",
              "A reform run and the baseline run with the same seed share their random draws (common random "
              "numbers); differences are paired by seed: diff = reform − baseline, with a paired t interval (95%). "
              "“Hours saved” (net) = baseline − reform admin hours (documents, meetings, data reports, ledgers, "
              "inspections, chats, certificates, pushed-down duties, extra duties, forced assignments, defensive "
              "paperwork; serving residents not included). Department hours are a county total: a rise means work "
              "moved up, not saved. Every result covers the days after the warm-up; service times and shares cover "
              "every request raised in them, those still open at the end counted as censored (Aalen-Johansen "
              "estimator), not dropped.", "p")
    return f'<table class="method">{body}</table>{crn}'


def measured_days_rows(runs: pd.DataFrame) -> list:
    """The method notes' rows on what the figures cover: the days simulated, the warm-up they leave out and the
    measured days."""
    rows = []
    if {"warmup_days", "measured_days"} <= set(runs):
        simulated = ", ".join(map(str, sorted(set((runs.warmup_days + runs.measured_days).dropna().astype(int)))))
        rows.append((("模拟天数", "days simulated"), _bi(f"{simulated} 天", f"{simulated} days")))
    for col, zh, en in (("warmup_days", "预热期（不计入结果）", "warm-up (not measured)"),
                        ("measured_days", "统计天数", "measured days")):
        if col in runs:
            days = ", ".join(map(str, sorted(set(runs[col].dropna().astype(int)))))
            rows.append(((zh, en), _bi(f"{days} 天", f"{days} days")))
    return rows


PAGE_CSS = """
body{font-family:"WenQuanYi Zen Hei","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0 auto;max-width:1200px;
padding:0 16px 40px;color:#222}
body.lang-zh [lang=en], body.lang-en [lang=zh]{display:none}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:2px solid #c00;padding:8px 0}
#lang-toggle{font-size:16px;padding:6px 14px;cursor:pointer}
.banner{background:#fff3cd;border:2px solid #d39e00;padding:10px 14px;margin:12px 0}
.chart{margin:18px 0;min-height:300px}
table{border-collapse:collapse;margin:10px 0;font-size:14px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
td.flag{background:#fde8e8}
table.headline td.num{text-align:right;white-space:nowrap}
table.service td:nth-child(n+2){text-align:right;white-space:nowrap}
code{background:#f4f4f4;padding:2px 4px}
@media (max-width:700px){body{padding:0 8px 24px}table{display:block;overflow-x:auto;font-size:13px}
header h1{font-size:20px}.chart{min-height:260px}}
"""

PAGE_JS = """
const FIGS = %(figs)s;
function setLang(lang){
  document.body.className = 'lang-' + lang;
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const [id, f] of Object.entries(FIGS)) {
    const fig = f[lang];
    Plotly.react(id, fig.data, fig.layout, {responsive: true, displaylogo: false});
  }
  window.reportLang = lang;
}
document.getElementById('lang-toggle').addEventListener('click',
  () => setLang(window.reportLang === 'zh' ? 'en' : 'zh'));
setLang('%(lang)s');
"""


# the shortest measured span tests/test_service.py holds service times to be independent of run length over
# (182, 364 and 728 days): below it, a figure may be the run's start rather than the model's answer
TRUSTED_MEASURED_DAYS = 182


def short_run_note(runs: pd.DataFrame) -> str:
    """A banner when runs measure fewer days than the service figures are known to settle over; '' otherwise."""
    if "measured_days" not in runs or not (runs.measured_days < TRUSTED_MEASURED_DAYS).any():
        return ""
    days = ", ".join(map(str, sorted(set(runs.measured_days[runs.measured_days < TRUSTED_MEASURED_DAYS].astype(int)))))
    n = TRUSTED_MEASURED_DAYS
    zh = (f"运行只统计了 {days} 天，短于 {n} 天：群众办事时间和办结比例"
          f"只在 {n} 天以上的统计期内检验过与运行长度无关，"
          "这里的数字可能反映的是运行的开头而不是模型的结论。"
          f"用 days={n} 或更长重新运行后再引用。")
    en = (f"Runs measure {days} days, fewer than {TRUSTED_MEASURED_DAYS}: residents' service times and shares are "
          f"checked to be independent of run length only over {TRUSTED_MEASURED_DAYS} measured days or more, so these "
          f"may show the run's start rather than the model's answer. Re-run with days={TRUSTED_MEASURED_DAYS} or "
          "more before quoting them.")
    return (f'<div class="banner" id="short-run-warning"><strong>{_bi("运行太短，结果不宜引用", "Too short to quote")}'
            f"</strong><p>{_bi(html.escape(zh), html.escape(en))}</p></div>")


def section(zh: str, en: str, inner: str) -> str:
    return f"<section><h2>{_bi(zh, en)}</h2>{inner}</section>"


WHERE_HOURS_WENT_CAPTION = T(
    "每根柱把改革取消的事务本应花掉的小时（毛，◆，带 95% 置信区间）拆成去向，各部分加起来正好等于毛小时："
    "还给干部休息（工作时间缩短、加班减少）和用于服务群众，两者之和就是净节省的事务小时（|）；"
    "被部门反弹吸收（部门因减负而新增的要求）；转成留痕材料和隐形台账；因疲劳损耗（负值表示休息好的干部做事更快，"
    "省出了比取消的更多的时间）；其他变化（补做积压的工作、挪到其他日子的工作）。零线左侧的部分是额外省出的时间。"
    "上移到县级部门的小时不属于这些部分，按每名干部每周折算，单独显示在右侧。把鼠标移到柱上可看各部分的数值和 95% 置信区间。",
    "Each bar splits the hours that the obligations a reform removed would have cost a cadre every week (the gross, "
    "◆, with its 95% CI) into where they went; the parts add up to the gross. Given back as rest (shorter weeks, "
    "less overtime) and reinvested in serving residents together make the net admin hours saved (|); absorbed by "
    "departments' rebound (new demands made in response); kept as defensive paperwork and shadow ledgers; lost to "
    "fatigue (negative: rested cadres work faster, freeing more than was removed); other responses (overdue work "
    "caught up, work moved to other days). Parts left of zero free hours beyond those removed. Hours moved up to "
    "county departments are not among the parts: they are shown apart, per cadre-week, on the right. Hover over a "
    "bar for each part's value and 95% CI.")


CALIBRATION_CAPTION = T(
    "每一行是一个公开数字：绿色带是模型必须落入的区间（记为 0 到 1），点是模型在各种子上的中位数，误差线是 90% 区间。"
    "“校准”目标用来确定未公开的默认值；“留出验证”目标是改革的效果，从不用来调参，模型只能预测，落在区间外的如实标出；"
    "“结构与输入”是模型直接取用的数字，列出来以便发现偏移。",
    "Each row is a published figure: the green band is the interval the model must land in (drawn as 0 to 1), the "
    "dot the model's median over the seeds, the whiskers its 90% interval. Calibration targets set the unpublished "
    "defaults; held-out targets are reforms' effects, never tuned on: the model predicts them, and a miss is shown "
    "as one. Structure targets are figures the model takes as inputs, listed so that a drift shows.")


def build_figures(exp: Experiment, table: pd.DataFrame, network: bool = True) -> list[tuple[str, dict, dict]]:
    """[(figure id, {lang: go.Figure}, caption {lang: str})] in page order."""
    figs = []

    def add(fid, maker, caption):
        built = {lang: maker(lang) for lang in LANGS}
        if all(f is not None for f in built.values()):
            figs.append((fid, built, caption))

    if exp.kind == "packages":
        add("pareto", lambda l: fig_pareto(exp.robustness, l), PARETO_CAPTION)
        return figs
    if not table.empty:
        add("hours_saved", lambda l: fig_hours_saved(exp, table, l),
            T("净节省：基线与改革的事务小时之差，即改革减掉的小时扣除被反弹、留痕和疲劳吃掉的部分之后，真正省下来的时间。"
              "柱越长，干部每周省下的事务时间越多；误差线为 95% 置信区间。",
              "Net saving: baseline minus reform admin hours, what is left of the hours the reforms removed once "
              "rebound, paperwork and fatigue have taken their share. Longer bars: more admin time given back to "
              "each cadre every week; whiskers are 95% CIs."))
    if not exp.decomposition.empty:
        add("where_hours_went", lambda l: fig_where_hours_went(exp, l, table), WHERE_HOURS_WENT_CAPTION)
    add("cadre_week", lambda l: fig_week(exp, l),
        T("各方案下一名干部一周的时间分配（各种子平均）。", "How a cadre's week is spent under each variant (mean over seeds)."))
    if "service_time_mean_days" in exp.runs:
        add("service_time", lambda l: fig_service_time(exp, l),
            T("群众从提出诉求到办结的天数；每个点是一个随机种子。",
              "Days from a resident's request to its resolution; each point is one seed."))
    if not table.empty and has_service_measures(table):
        add("service_outcomes", lambda l: fig_service_outcomes(table, l),
            T("与基线按种子配对的变化（改革 − 基线），误差线为 95% 置信区间；比例以百分点计。7 天、15 天是 12345 "
              "对一般和复杂诉求的办理时限；放弃的诉求不算办结。",
              "Change against the baseline, paired by seed (reform − baseline); whiskers are 95% CIs; shares in "
              "percentage points. 7 and 15 days are the 12345 limits for general and complex requests; an abandoned "
              "request is not a resolved one."))
    ts = load_timeseries(exp)
    if not ts.empty:
        add("timeseries", lambda l: fig_timeseries(exp, ts, l),
            T("基线与全部改革默认显示，单项改革可在图例中打开。",
              "Baseline and all reforms are shown; single reforms can be switched on in the legend."))
    if network:
        pic = township_picture(exp)
        if pic is not None:
            add("network", lambda l: fig_network(pic, l),
                T("红色细线是县级部门直达干部的条线任务；干部颜色越深，工作时间越长。",
                  "Faint red lines are departments' direct line duties to cadres; darker cadres work longer hours."))
    if exp.kind == "dose_response":
        add("dose_response", lambda l: fig_dose_response(exp, l),
            T("横轴是被调节的改革设置，每个点是该取值下各种子的平均事务小时，"
              "阴影为 95% 区间：看改革力度加大时节省是否递减。",
              "The x-axis is the reform setting swept; each point is the mean admin hours over the seeds at that "
              "value, the band its 95% interval: whether a stronger reform keeps paying off."))
    elif exp.kind == "interactions":
        add("interactions", lambda l: fig_interactions(exp, table, l),
            T("每格是两项改革一起实行时的节省减去各自单独节省之和：正值（互补）表示合起来省得更多，"
              "负值（替代）表示两者省的是同一批小时。",
              "Each cell is what two reforms save together less the sum of what each saves alone: positive "
              "(complements) they save more together, negative (substitutes) they remove the same hours."))
    elif exp.kind == "sensitivity":
        add("sensitivity", lambda l: fig_sensitivity(exp, l),
            T("一阶指数 S1 是某个未公开默认值单独解释的结果方差份额，总效应 ST 还包括它与其他默认值的交互；"
              "ST 小的默认值不值得多花力气去测。",
              "The first-order index S1 is the share of the outcome's variance one unpublished default explains "
              "alone, the total index ST includes its interactions with the others; a default with a small ST is "
              "not worth measuring better."))
    elif exp.kind == "scale":
        add("scale", lambda l: fig_scale(exp, l),
            T("同一方案在教室、乡镇、县三种规模下每名干部的事务小时："
              "每名干部的负担不应随规模改变。",
              "The same variants at classroom, township and county scale, admin hours per cadre: a cadre's "
              "burden should not change with the size of the model."))
    elif exp.kind == "calibrate":
        cal, _ = exp.calibration
        if not cal.empty:
            add("calibration", lambda l: fig_calibration(cal, l), CALIBRATION_CAPTION)
    elif exp.kind == "robustness":
        add("rank_stability", lambda l: fig_rank_stability(exp.robustness, l), RANK_CAPTION)
    return figs


def render_html(exp: Experiment, table: pd.DataFrame, figs, lang: str = DEFAULT_LANG) -> str:
    title = _bi("基层减负改革：模拟结果报告", "Grassroots burden-reduction reforms: simulation report", "span")
    banner = ""
    if exp.warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in exp.warnings)
        banner = (f'<div class="banner" id="partial-warning"><strong>'
                  f'{_bi("警告：实验不完整，结果基于已完成的运行。", "Warning: partial sweep; results use the runs that finished.")}'
                  f"</strong><ul>{items}</ul></div>")
    banner += short_run_note(exp.runs)
    parts = []
    if not table.empty:
        parts.append(section("要点：每项改革省下多少时间，代价是什么", "Headline: hours saved by each reform, and at what cost",
                             table_html(table)))
    heads = {"hours_saved": ("节省的时间", "Hours saved"),
             "where_hours_went": ("减掉的小时去了哪里", "Where the removed hours went"),
             "cadre_week": ("干部的一周", "A cadre's week"),
             "service_time": ("群众办事时间", "Service time for residents"),
             "service_outcomes": ("群众办事结果", "Residents' outcomes"),
             "timeseries": ("积压与加班", "Backlog and overtime"), "network": ("一个乡镇", "One township"),
             "dose_response": ("剂量—反应", "Dose-response"), "interactions": ("交互作用", "Interactions"),
             "sensitivity": ("敏感性", "Sensitivity"), "scale": ("规模", "Scale"),
             "calibration": ("校准与留出验证", "Calibration and held-out validation"),
             "rank_stability": ("不确定性下的稳健性", "Robustness under uncertainty"),
             "pareto": ("最佳改革组合", "The best reform packages")}
    tables = {"service_outcomes": service_table_html(table)} if not table.empty else {}
    if exp.kind == "calibrate":
        cal, hm = exp.calibration
        if not cal.empty:
            tables["calibration"] = calibration_table_html(cal) + history_matching_html(hm)
    if exp.kind == "robustness":
        tables["rank_stability"] = (robustness_table_html(exp.robustness, exp.spec) + "<h3>"
                                    + _bi("改革在什么条件下适得其反（PRIM 情景发现）",
                                          "When a policy backfires (PRIM scenario discovery)") + "</h3>"
                                    + prim_html(exp.robustness, exp.spec))
    if exp.kind == "packages":
        tables["pareto"] = packages_html(exp.robustness)
    for fid, _, cap in figs:
        z, e = heads[fid]
        parts.append(section(z, e, f'<p>{_bi(html.escape(cap["zh"]), html.escape(cap["en"]))}</p>'
                                   f'<div class="chart" id="{fid}"></div>{tables.get(fid, "")}'))
    parts.append(section("方法说明", "Method notes", method_html(exp)))
    fig_json = "{" + ",".join(
        f'"{fid}": {{' + ",".join(f'"{lang}": {pio.to_json(f[lang], validate=False)}' for lang in LANGS) + "}"
        for fid, f, _ in figs) + "}"
    js = PAGE_JS % {"figs": fig_json.replace("</", "<\\/"), "lang": lang}
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(str(exp.spec.get('name', exp.path.name)))} — report</title>"
            f"<style>{PAGE_CSS}</style><script>{get_plotlyjs()}</script></head>"
            f'<body class="lang-{lang}"><header><h1>{title}</h1>'
            f'<button id="lang-toggle" type="button">{_bi("English", "中文")}</button></header>'
            f"{banner}{''.join(parts)}<script>{js}</script></body></html>")


def chrome_available() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        p = shutil.which(name)
        if p:
            return p
    return None


def write_pngs(figs, out: Path) -> tuple[list[Path], str | None]:
    """The charts as PNG (both languages) via kaleido; returns (files, reason skipped or None)."""
    if chrome_available() is None:
        return [], ("PNG export skipped: no chromium/chrome on PATH for kaleido "
                    "(apt-get install -y chromium); the HTML report is complete without it")
    try:
        import kaleido  # optional and heavy (it drives a browser): imported only when PNGs are asked for
    except ImportError:
        return [], "PNG export skipped: kaleido is not installed"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        kaleido.start_sync_server(silence_warnings=True)
        try:
            for fid, f, _ in figs:
                for lang in LANGS:
                    p = out / f"{fid}_{lang}.png"
                    f[lang].write_image(p, width=1200, height=f[lang].layout.height or 500)
                    written.append(p)
        finally:
            kaleido.stop_sync_server(silence_warnings=True)
    except Exception as exc:  # a broken browser must not cost the HTML report
        return written, f"PNG export stopped: {type(exc).__name__}: {exc}"
    return written, None


def build_report(folder: str | Path, png: bool = True, network: bool = True, lang: str = DEFAULT_LANG) -> dict:
    """Write report.html (and png/) into the results folder. Returns paths, warnings and PNG status."""
    exp = load_experiment(folder)
    # a packages search's variants are hundreds of packages: its page is the front and the cheapest packages
    table = pd.DataFrame() if exp.kind == "packages" else headline_table(exp)
    figs = build_figures(exp, table, network=network)
    out = exp.path / "report.html"
    write_text(out, render_html(exp, table, figs, lang))  # atomic: a failure (a full disk) leaves no half file
    pngs, png_msg = (write_pngs(figs, exp.path / "png") if png else ([], "PNG export skipped (png=false)"))
    return {"html": out, "figures": [f[0] for f in figs], "warnings": exp.warnings, "table": table,
            "pngs": pngs, "png_message": png_msg}


def main(argv=None) -> int:
    """``python -m sim.report folder=results/<experiment> [png=false] [lang=en]`` (the folder may come first, bare)."""
    usage = ("usage: python -m sim.report folder=results/<experiment> [png=true|false] [lang=zh|en]\n"
             "  writes report.html (and png/ when chromium is installed) into the folder; "
             "lang is the language shown first")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-h", "--help"):
        print(usage)
        return 0
    try:
        settings = parse_key_values(argv, ("folder", "png", "lang"), first="folder")
        if "folder" not in settings:
            raise SettingsError("folder: no value given (e.g. folder=results/compare_reforms)")
        png = parse_bool("png", settings.get("png", True))
        lang = str(settings.get("lang", DEFAULT_LANG))
        if lang not in LANGS:
            raise SettingsError(f"lang = {lang!r}:{did_you_mean(lang, LANGS)} allowed: {', '.join(LANGS)}")
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        res = build_report(settings["folder"], png=png, lang=lang)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for w in res["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {res['html']} ({len(res['figures'])} charts: {', '.join(res['figures'])})")
    if res["pngs"]:
        print(f"wrote {len(res['pngs'])} PNG files to {res['pngs'][0].parent}")
    if res["png_message"]:
        print(res["png_message"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
