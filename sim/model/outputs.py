"""What a run writes, and what every key means: the contract that sweeps, reports and the classroom app read.

A run folder holds ``config.yaml`` (the fully resolved config), ``summary.json`` (the keys below) and
``timeseries.parquet`` (one row per simulated day and township). Files are written to a temporary name and
renamed, so a folder never holds a half-written file.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import tempfile
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import to_yaml
from .reporters import TOWNSHIP_REPORTERS
from .workload import ACTIVITIES, ADMIN, A

PACKAGE_VERSION = version("grassroots-sim")
SCHEMA_VERSION = 1  # bump when the meaning of a summary key or a timeseries column changes

PER_CADRE_WEEK = "hours per cadre per week, averaged over the run"
SUMMARY_KEYS: dict[str, str] = {
    **{f"hours.{a}": PER_CADRE_WEEK for a in ACTIVITIES},
    "admin_hours": PER_CADRE_WEEK + " (every activity but service: documents ... defensive paperwork)",
    "service_hours": PER_CADRE_WEEK + " serving residents (queue and proactive visits; certificates not included)",
    "working_hours": PER_CADRE_WEEK + " in all (admin + service)",
    "service_share": "share of a cadre's working hours spent serving residents (0-1)",
    "overtime_hours": PER_CADRE_WEEK + " beyond the regular day (all hours worked on a weekend day)",
    "after_hours_messages": "work messages handled after 21:00 or at the weekend, per cadre per week",
    "after_hours_messages_non_urgent": "of which not declared urgent, per cadre per week",
    "days_off": "days per cadre per week with at most calendar.day_off_tolerance_hours of work",
    "messages_per_cadre_day": "work-group message copies a cadre sees per day",
    "groups_per_cadre": "work groups a cadre belongs to (mid-run)",
    "meetings_per_cadre_week": "meetings attended per cadre per week",
    "meetings_max_per_day": "most meetings any cadre had on one day",
    "inspections_per_township_year": "routine inspections/assessments hosted per township per year",
    "emergency_inspections_per_township_year": "emergency inspections per township per year (exempt from caps)",
    "certificate_kinds": "certificate kinds a village/community still issues",
    "certificates_avoided": "certificate requests that no longer reach a cadre (count over the run)",
    "data_entries_per_week": "household data fields typed by cadres per week (county)",
    "duplicate_data_entries_per_week": "of which already current in another system (county, per week)",
    "requests_arrived": "resident requests raised over the run (count)",
    "requests_resolved": "resolved by the end (count), by cadres or by residents' own organisations",
    "requests_open_end": "still open at the end (count); arrived = resolved + open_end",
    "requests_self_settled": "settled by residents' organisations without a cadre (count)",
    "service_time_mean_days": "calendar days from a request's arrival to its resolution (resolved requests)",
    "service_time_p90_days": "90th percentile of the same",
    "wait_time_mean_days": "calendar days from arrival to the first hour a cadre spent on it (resolved requests)",
    "backlog_mean": "open requests on an average day (county)",
    "satisfaction_mean": "residents' satisfaction 0-1, mean over households and days",
    "proactive_visits_per_elderly_household_year": "visits to elderly people living alone, per household per year",
    "fatigue_mean": "cadres' fatigue 0-1, mean over cadres and days",
    "burnout_share": "share of cadre-days with fatigue above fatigue.burnout_threshold",
    "blame_mean": "cadres' blame risk 0-1, mean over cadres and days",
    "overdue_hours_mean": "work past its deadline per cadre, mean over days",
    "department_hours": "hours county departments spend per week on what the model tracks (county total): drafting, "
                        "meetings, inspections, surveys, returned duties, seconded staff, the data pool",
    "appointments_missed_hours": "appointment hours that did not fit in a cadre's day (county total over the run)",
    "n_cadres": "cadres in the scenario",
    "n_households": "households in the scenario",
    "n_townships": "townships in the scenario",
    "days": "simulated days",
}


def summarise(model) -> dict:
    st, cfg = model.structure, model.cfg
    C, days = st.n_cadres, model.days
    weeks = days / 7.0
    cadres = model.cadres
    per_cw = cadres.hours_total.sum(axis=0) / C / weeks
    out: dict = {f"hours.{a}": float(per_cw[A[a]]) for a in ACTIVITIES}
    admin = float(sum(per_cw[A[a]] for a in ADMIN))
    service = float(per_cw[A["service"]])
    out["admin_hours"] = admin
    out["service_hours"] = service
    out["working_hours"] = admin + service
    out["service_share"] = service / (admin + service) if admin + service > 0 else 0.0
    out["overtime_hours"] = float(cadres.overtime_total.sum() / C / weeks)
    out["after_hours_messages"] = float(model.chat.after_hours_total.sum() / C / weeks)
    out["after_hours_messages_non_urgent"] = float(model.chat.after_hours_non_urgent_total.sum() / C / weeks)
    out["days_off"] = float(cadres.days_off_total.sum() / C / weeks)
    out["messages_per_cadre_day"] = float(model.chat.messages_total / C / days)
    out["groups_per_cadre"] = model.chat.groups_per_cadre()
    out["meetings_per_cadre_week"] = float(model.ledger.meeting_count[:days].sum() / C / weeks)
    out["meetings_max_per_day"] = int(model.ledger.meeting_count[:days].max(initial=0))
    years = days / 364.0
    out["inspections_per_township_year"] = float(model.assessment.routine.mean() / years)
    out["emergency_inspections_per_township_year"] = float(model.assessment.emergency.mean() / years)
    neg = cfg.reform.certificate_negative_list
    out["certificate_kinds"] = int(cfg.service.certificate_kinds_required_by_law if neg is not None
                                   else cfg.service.certificate_kinds)
    out["certificates_avoided"] = int(model.service.certificates_avoided)
    out["data_entries_per_week"] = float(model.data.entries / weeks)
    out["duplicate_data_entries_per_week"] = float(model.data.duplicate_entries / weeks)
    book = model.service.book
    out.update(book.check_conservation(days - 1))
    out["requests_self_settled"] = int((book.by_residents[: book.n] & book.resolved_by(days - 1)).sum())
    t_sys, t_wait = book.times(days - 1)
    out["service_time_mean_days"] = float(t_sys.mean()) if len(t_sys) else float("nan")
    out["service_time_p90_days"] = float(np.percentile(t_sys, 90)) if len(t_sys) else float("nan")
    out["wait_time_mean_days"] = float(t_wait.mean()) if len(t_wait) else float("nan")
    out["backlog_mean"] = float(model.series("backlog_open").sum(axis=1).mean())
    out["satisfaction_mean"] = float(model.series("satisfaction_county").mean())
    elderly = max(1, int(model.households.elderly_alone.sum()))
    out["proactive_visits_per_elderly_household_year"] = float(model.service.proactive_visits / elderly / years)
    n_c = np.bincount(st.cadre_township, minlength=st.n_townships)
    w = n_c / n_c.sum()
    out["fatigue_mean"] = float((model.series("fatigue_mean") * w).sum(axis=1).mean())
    out["burnout_share"] = float((model.series("burnout_share") * w).sum(axis=1).mean())
    out["blame_mean"] = float((model.series("blame_mean") * w).sum(axis=1).mean())
    out["overdue_hours_mean"] = float(model.accountability.overdue_total / C / days)
    out["department_hours"] = float(model.department_hours[:days].sum() / weeks)
    out["appointments_missed_hours"] = float(cadres.appointments_missed)
    out["n_cadres"] = int(C)
    out["n_households"] = int(st.n_households)
    out["n_townships"] = int(st.n_townships)
    out["days"] = int(days)
    out["seed"] = int(model.seed)
    out["scenario"] = str(cfg.scenario.name)
    out["reforms"] = list(model.reforms)
    out["schema_version"] = SCHEMA_VERSION
    return out


def timeseries(model) -> pd.DataFrame:
    st, cal = model.structure, model.calendar
    days, T = model.days, st.n_townships
    day = np.repeat(np.arange(days), T)
    frame = {
        "day": day,
        "date": pd.to_datetime([cal.start + timedelta(days=int(d)) for d in range(days)]).repeat(T),
        "weekday": np.array([cal.weekday(d) for d in range(days)]).repeat(T),
        "township": np.tile(np.arange(T), days),
    }
    for col in TOWNSHIP_REPORTERS:
        frame[col] = model.series(col).reshape(-1)
    frame["department_hours_county"] = np.repeat(model.department_hours[:days], T)
    return pd.DataFrame(frame)
