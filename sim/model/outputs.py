"""What a run writes, and what every name means: the contract that sweeps, reports and the classroom app read.

A run folder holds ``config.yaml`` (the fully resolved config), ``summary.json`` (``summarise``: one value per
key, over the run) and ``timeseries.parquet`` (``timeseries``: one row per simulated day and township); the county's
own figures, one row per simulated day, are ``county_timeseries`` (``county_timeseries.parquet`` when a run writes
it). ``CODEBOOK`` below declares every key and column once, with its unit and meaning; ``codebook()`` gives it as a
table.

Naming scheme. Names are plain snake_case (no dots), so they serve as column names in pandas, SQL or polars. A rate
names its denominator at the end: ``_per_cadre_week`` and ``_per_county_week`` in the summary (averaged over the
run), ``_per_cadre_day`` and ``_per_county_day`` in the time series, ``_per_township_year`` where a township is
the unit; a stem that appears at two time scales therefore never shares a name (``admin_hours_per_cadre_week``
in the summary, ``admin_hours_per_cadre_day`` in the time series). The hours by activity are
``<activity>_hours_per_cadre_<week|day>``. A count in the time series is per township and day
(``requests_arrived``); the run's counts end in ``_total`` (``requests_arrived_total``) or say when they are
taken (``requests_open_at_end``). Scores and shares (``satisfaction_mean``, ``burnout_share``, 0-1) have no time
denominator: the same name is the same quantity, averaged to the grain of its table; a county figure in the
county table says so (``satisfaction_county_mean``). Names that already carry their unit stay as they are
(``service_time_mean_days``, ``inspections_per_township_year``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib.metadata import version

import numpy as np
import pandas as pd

from .reporters import COUNTY_REPORTERS, TOWNSHIP_REPORTERS
from .workload import ACTIVITIES, ADMIN, A

PACKAGE_VERSION = version("grassroots-sim")
SCHEMA_VERSION = 2  # bump when the meaning of a summary key or a time-series column changes


@dataclass(frozen=True)
class Output:
    """One key of summary.json or one column of a time-series table."""

    table: str    # summary | timeseries | county_timeseries
    column: str
    unit: str
    meaning: str


TABLES = ("summary", "timeseries", "county_timeseries")

_OVER_RUN = "averaged over the run"
_SUMMARY = [
    *[("summary", f"{a}_hours_per_cadre_week", "hours per cadre-week", f"hours spent on {a.replace('_', ' ')}, "
       + _OVER_RUN) for a in ACTIVITIES],
    ("summary", "admin_hours_per_cadre_week", "hours per cadre-week",
     "every activity but service (documents ... defensive paperwork), " + _OVER_RUN),
    ("summary", "working_hours_per_cadre_week", "hours per cadre-week", "admin + service, " + _OVER_RUN),
    ("summary", "service_share", "share 0-1", "share of a cadre's working hours spent serving residents"),
    ("summary", "overtime_hours_per_cadre_week", "hours per cadre-week",
     "hours beyond the regular day (all hours worked on a weekend day), " + _OVER_RUN),
    ("summary", "after_hours_messages_per_cadre_week", "messages per cadre-week",
     "work messages handled after 21:00 or at the weekend, " + _OVER_RUN),
    ("summary", "after_hours_messages_non_urgent_per_cadre_week", "messages per cadre-week",
     "of the after-hours messages, those not declared urgent"),
    ("summary", "days_off_per_cadre_week", "days per cadre-week",
     "days with at most calendar.day_off_tolerance_hours of work, " + _OVER_RUN),
    ("summary", "messages_per_cadre_day", "messages per cadre-day", "work-group message copies a cadre sees"),
    ("summary", "groups_per_cadre", "groups per cadre", "work groups a cadre belongs to (mid-run)"),
    ("summary", "meetings_per_cadre_week", "meetings per cadre-week", "meetings attended"),
    ("summary", "meetings_max_per_cadre_day", "meetings per cadre-day", "most meetings any cadre had on one day"),
    ("summary", "inspections_per_township_year", "inspections per township-year",
     "routine inspections/assessments hosted"),
    ("summary", "emergency_inspections_per_township_year", "inspections per township-year",
     "emergency inspections (exempt from caps)"),
    ("summary", "certificate_kinds", "kinds", "certificate kinds a village/community still issues"),
    ("summary", "certificates_avoided_total", "requests (county, over the run)",
     "certificate requests that no longer reach a cadre"),
    ("summary", "data_entries_per_county_week", "entries per county-week", "household data fields typed by cadres"),
    ("summary", "duplicate_data_entries_per_county_week", "entries per county-week",
     "of the data entries, those already current in another system"),
    ("summary", "requests_arrived_total", "requests (county, over the run)", "resident requests raised"),
    ("summary", "requests_resolved_total", "requests (county, over the run)",
     "requests resolved by the end, by cadres or by residents' own organisations"),
    ("summary", "requests_open_at_end", "requests (county, end of the run)",
     "requests still open at the end; arrived_total = resolved_total + open_at_end"),
    ("summary", "requests_self_settled_total", "requests (county, over the run)",
     "requests settled by residents' organisations without a cadre"),
    ("summary", "service_time_mean_days", "days",
     "calendar days from a request's arrival to its resolution, mean over resolved requests"),
    ("summary", "service_time_p90_days", "days", "90th percentile of the same"),
    ("summary", "wait_time_mean_days", "days",
     "calendar days from arrival to the first hour a cadre spent on it, mean over resolved requests"),
    ("summary", "requests_open_county_mean", "requests (county)",
     "open requests in the county at the end of a day, mean over days"),
    ("summary", "satisfaction_mean", "score 0-1", "residents' satisfaction, mean over households and days"),
    ("summary", "proactive_visits_per_elderly_household_year", "visits per household-year",
     "visits to elderly people living alone"),
    ("summary", "fatigue_mean", "score 0-1", "cadres' fatigue, mean over cadres and days"),
    ("summary", "burnout_share", "share 0-1",
     "share of cadre-days with fatigue above fatigue.burnout_threshold"),
    ("summary", "blame_mean", "score 0-1", "cadres' blame risk, mean over cadres and days"),
    ("summary", "overdue_hours_per_cadre", "hours per cadre",
     "work past its deadline a cadre still owes, mean over days"),
    ("summary", "department_hours_per_county_week", "hours per county-week",
     "hours county departments spend on what the model tracks (all departments together): drafting, meetings, "
     "inspections, surveys, returned duties, seconded staff, the data pool; " + _OVER_RUN),
    ("summary", "appointments_missed_hours_total", "hours (county, over the run)",
     "appointment hours that did not fit in a cadre's day"),
    ("summary", "n_cadres", "cadres", "cadres in the scenario"),
    ("summary", "n_households", "households", "households in the scenario"),
    ("summary", "n_townships", "townships", "townships in the scenario"),
    ("summary", "days", "days", "simulated days"),
    ("summary", "weekly_figures_extrapolated", "true/false",
     "true when the run is not a whole number of weeks: its per-week figures scale a partial week (one Monday, "
     "say) to seven days and mix weekdays unevenly; trust them only from whole weeks"),
    ("summary", "seed", "integer", "the run's seed"),
    ("summary", "scenario", "name", "the scenario's name"),
    ("summary", "reforms", "list of names", "the reforms switched on"),
    ("summary", "schema_version", "integer", "SCHEMA_VERSION of the code that wrote the run"),
    ("summary", "model_version", "version", "package version + hash of the model's code and configs"),
]

_PER_DAY = "on the day, mean over the township's cadres"
_INDEX = [
    ("day", "day index", "simulated day, 0 = calendar.start_date"),
    ("date", "date", "calendar date of the day"),
    ("weekday", "weekday 0-6", "day of the week, 0 = Monday"),
]
_TIMESERIES = [
    *[("timeseries", c, u, m) for c, u, m in _INDEX],
    ("timeseries", "township", "township index", "township, 0 .. n_townships - 1"),
    *[("timeseries", f"{a}_hours_per_cadre_day", "hours per cadre-day",
       f"hours spent on {a.replace('_', ' ')} " + _PER_DAY) for a in ACTIVITIES],
    ("timeseries", "admin_hours_per_cadre_day", "hours per cadre-day", "every activity but service " + _PER_DAY),
    ("timeseries", "overtime_hours_per_cadre_day", "hours per cadre-day", "hours beyond the regular day " + _PER_DAY),
    ("timeseries", "after_hours_messages_per_cadre_day", "messages per cadre-day",
     "work messages handled after 21:00 or at the weekend " + _PER_DAY),
    ("timeseries", "days_off_share", "share 0-1", "share of the township's cadres who had the day off"),
    ("timeseries", "requests_arrived", "requests per township-day", "resident requests raised on the day"),
    ("timeseries", "requests_resolved", "requests per township-day", "resident requests resolved on the day"),
    ("timeseries", "requests_open", "requests (township)", "open requests at the end of the day"),
    ("timeseries", "satisfaction_mean", "score 0-1", "residents' satisfaction, mean over the township's households"),
    ("timeseries", "fatigue_mean", "score 0-1", "cadres' fatigue, mean over the township's cadres"),
    ("timeseries", "blame_mean", "score 0-1", "cadres' blame risk, mean over the township's cadres"),
    ("timeseries", "burnout_share", "share 0-1",
     "share of the township's cadres with fatigue above fatigue.burnout_threshold"),
]
_COUNTY = [
    *[("county_timeseries", c, u, m) for c, u, m in _INDEX],
    ("county_timeseries", "department_hours_per_county_day", "hours per county-day",
     "hours county departments spent on the day (all departments together; inspections book theirs ahead)"),
    ("county_timeseries", "satisfaction_county_mean", "score 0-1", "residents' satisfaction, mean over all households"),
]

CODEBOOK: tuple[Output, ...] = tuple(Output(*row) for row in (*_SUMMARY, *_TIMESERIES, *_COUNTY))
SUMMARY_KEYS: dict[str, str] = {o.column: o.meaning for o in CODEBOOK if o.table == "summary"}
INDEX_COLUMNS = {"timeseries": ("day", "date", "weekday", "township"), "county_timeseries": ("day", "date", "weekday")}


def columns(table: str) -> list[str]:
    """The names of one table, in the codebook's order."""
    return [o.column for o in CODEBOOK if o.table == table]


def codebook() -> pd.DataFrame:
    """Every output as a row: table (summary, timeseries, county_timeseries), column, unit, meaning."""
    return pd.DataFrame([vars(o) for o in CODEBOOK], columns=["table", "column", "unit", "meaning"])


def summarise(model) -> dict:
    st, cfg = model.structure, model.cfg
    C, days = st.n_cadres, model.days
    weeks = days / 7.0
    cadres = model.cadres
    per_cw = cadres.hours_total.sum(axis=0) / C / weeks
    out: dict = {f"{a}_hours_per_cadre_week": float(per_cw[A[a]]) for a in ACTIVITIES}
    admin = float(sum(per_cw[A[a]] for a in ADMIN))
    service = float(per_cw[A["service"]])
    out["admin_hours_per_cadre_week"] = admin
    out["working_hours_per_cadre_week"] = admin + service
    out["service_share"] = service / (admin + service) if admin + service > 0 else 0.0
    out["overtime_hours_per_cadre_week"] = float(cadres.overtime_total.sum() / C / weeks)
    out["after_hours_messages_per_cadre_week"] = float(model.chat.after_hours_total.sum() / C / weeks)
    out["after_hours_messages_non_urgent_per_cadre_week"] = float(
        model.chat.after_hours_non_urgent_total.sum() / C / weeks)
    out["days_off_per_cadre_week"] = float(cadres.days_off_total.sum() / C / weeks)
    out["messages_per_cadre_day"] = float(model.chat.messages_total / C / days)
    out["groups_per_cadre"] = model.chat.groups_per_cadre()
    out["meetings_per_cadre_week"] = float(model.ledger.meeting_count[:days].sum() / C / weeks)
    out["meetings_max_per_cadre_day"] = int(model.ledger.meeting_count[:days].max(initial=0))
    years = days / 364.0
    out["inspections_per_township_year"] = float(model.assessment.routine.mean() / years)
    out["emergency_inspections_per_township_year"] = float(model.assessment.emergency.mean() / years)
    neg = cfg.reform.certificate_negative_list
    out["certificate_kinds"] = int(cfg.service.certificate_kinds_required_by_law if neg is not None
                                   else cfg.service.certificate_kinds)
    out["certificates_avoided_total"] = int(model.service.certificates_avoided)
    out["data_entries_per_county_week"] = float(model.data.entries / weeks)
    out["duplicate_data_entries_per_county_week"] = float(model.data.duplicate_entries / weeks)
    book = model.service.book
    counts = book.check_conservation(days - 1)
    out["requests_arrived_total"] = counts["requests_arrived"]
    out["requests_resolved_total"] = counts["requests_resolved"]
    out["requests_open_at_end"] = counts["requests_open_end"]
    out["requests_self_settled_total"] = int((book.by_residents[: book.n] & book.resolved_by(days - 1)).sum())
    t_sys, t_wait = book.times(days - 1)
    out["service_time_mean_days"] = float(t_sys.mean()) if len(t_sys) else float("nan")
    out["service_time_p90_days"] = float(np.percentile(t_sys, 90)) if len(t_sys) else float("nan")
    out["wait_time_mean_days"] = float(t_wait.mean()) if len(t_wait) else float("nan")
    out["requests_open_county_mean"] = float(model.series("requests_open").sum(axis=1).mean())
    out["satisfaction_mean"] = float(model.series("satisfaction_county_mean").mean())
    elderly = max(1, int(model.households.elderly_alone.sum()))
    out["proactive_visits_per_elderly_household_year"] = float(model.service.proactive_visits / elderly / years)
    n_c = np.bincount(st.cadre_township, minlength=st.n_townships)
    w = n_c / n_c.sum()
    out["fatigue_mean"] = float((model.series("fatigue_mean") * w).sum(axis=1).mean())
    out["burnout_share"] = float((model.series("burnout_share") * w).sum(axis=1).mean())
    out["blame_mean"] = float((model.series("blame_mean") * w).sum(axis=1).mean())
    out["overdue_hours_per_cadre"] = float(model.accountability.overdue_total / C / days)
    out["department_hours_per_county_week"] = float(model.department_hours[:days].sum() / weeks)
    out["appointments_missed_hours_total"] = float(cadres.appointments_missed)
    out["n_cadres"] = int(C)
    out["n_households"] = int(st.n_households)
    out["n_townships"] = int(st.n_townships)
    out["days"] = int(days)
    out["weekly_figures_extrapolated"] = bool(days % 7 != 0)
    out["seed"] = int(model.seed)
    out["scenario"] = str(cfg.scenario.name)
    out["reforms"] = list(model.reforms)
    out["schema_version"] = SCHEMA_VERSION
    return out


def _days(model, repeat: int = 1) -> dict:
    cal, days = model.calendar, model.days
    return {
        "day": np.repeat(np.arange(days), repeat),
        "date": pd.to_datetime([cal.start + timedelta(days=int(d)) for d in range(days)]).repeat(repeat),
        "weekday": np.array([cal.weekday(d) for d in range(days)]).repeat(repeat),
    }


def timeseries(model) -> pd.DataFrame:
    """One row per day and township: the township-level records (county figures are in county_timeseries)."""
    days, T = model.days, model.structure.n_townships
    frame = {**_days(model, T), "township": np.tile(np.arange(T), days)}
    for col in TOWNSHIP_REPORTERS:
        frame[col] = model.series(col).reshape(-1)
    return pd.DataFrame(frame)


def county_timeseries(model) -> pd.DataFrame:
    """One row per day: the county-level records."""
    frame = _days(model)
    for col in COUNTY_REPORTERS:
        frame[col] = model.series(col)
    return pd.DataFrame(frame)
