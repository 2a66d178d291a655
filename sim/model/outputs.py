"""What a run writes, and what every name means: the contract that sweeps, reports and the classroom app read.

A run folder holds ``config.yaml`` (the fully resolved config), ``summary.json`` (``summarise``: one value per key,
over the measured days: the warm-up, ``scenario.warmup_days``, left out) and ``timeseries.parquet`` (``timeseries``:
one row per simulated day and township, warm-up included); the county's own figures, one row per simulated day, are
``county_timeseries`` (``county_timeseries.parquet`` when a run writes it). ``CODEBOOK`` below declares every key
and column once, with its unit and meaning; ``codebook()`` gives it as a table.

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

Roles. Every per-cadre figure of the summary is also given for each role of cadre, under the role's name and a dot
(``village.data_reports_hours_per_cadre_week``, ``township.groups_per_cadre``,
``township.civil_affairs.working_hours_per_cadre_week``): the one place a name holds a dot, as a namespace (pandas
reads it as any column name; SQL quotes it). The roles (``ROLES``) are the published figures' populations: a
township cadre, a village cadre, and the township's welfare-post cadre (the civil-affairs line, 民政岗).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib.metadata import version

import numpy as np
import pandas as pd

from .reporters import COUNTY_REPORTERS, TOWNSHIP_REPORTERS
from .survival import CENSORED, aalen_johansen
from .workload import ACTIVITIES, ADMIN, A

PACKAGE_VERSION = version("grassroots-sim")
SCHEMA_VERSION = 5  # bump when the meaning of a summary key or a time-series column changes


@dataclass(frozen=True)
class Output:
    """One key of summary.json or one column of a time-series table."""

    table: str    # summary | timeseries | county_timeseries
    column: str
    unit: str
    meaning: str


TABLES = ("summary", "timeseries", "county_timeseries")

_OVER_RUN = "averaged over the measured days (after the warm-up)"
_SUMMARY = [
    *[("summary", f"{a}_hours_per_cadre_week", "hours per cadre-week", f"hours spent on {a.replace('_', ' ')}, "
       + _OVER_RUN) for a in ACTIVITIES],
    ("summary", "admin_hours_per_cadre_week", "hours per cadre-week",
     "every activity but service (documents ... defensive paperwork), " + _OVER_RUN),
    ("summary", "working_hours_per_cadre_week", "hours per cadre-week", "admin + service, " + _OVER_RUN),
    ("summary", "service_share", "share 0-1", "share of a cadre's working hours spent serving residents"),
    ("summary", "hours_removed_by_reforms_per_cadre_week", "hours per cadre-week",
     "what the obligations reforms removed or cheapened would have cost the cadres, recorded by the office that "
     "removed each one when it did (gross, before any response; negative where a reform made one dearer), "
     + _OVER_RUN),
    ("summary", "service_hours_removed_by_reforms_per_cadre_week", "hours per cadre-week",
     "of the hours removed by reforms, those that would have been spent serving residents (matters residents' "
     "organisations now settle), " + _OVER_RUN),
    ("summary", "rebound_hours_per_cadre_week", "hours per cadre-week",
     "hours of what departments asked in response to reforms (more of what became cheap, traces of what was "
     "removed, new tasks for visible slack), " + _OVER_RUN),
    ("summary", "shadow_ledger_hours_per_cadre_week", "hours per cadre-week",
     "ledgers no assessor asks for that cadres keep anyway, by blame risk and the weight material still has "
     "(part of ledgers_hours_per_cadre_week), " + _OVER_RUN),
    ("summary", "fatigue_hours_per_cadre_week", "hours per cadre-week",
     "hours the work took beyond what it takes a rested cadre (fatigue.productivity_loss), " + _OVER_RUN),
    ("summary", "overtime_hours_per_cadre_week", "hours per cadre-week",
     "hours beyond the regular day (all hours worked on a weekend day), " + _OVER_RUN),
    ("summary", "after_hours_messages_per_cadre_week", "messages per cadre-week",
     "work messages handled after 21:00 or at the weekend, " + _OVER_RUN),
    ("summary", "after_hours_messages_non_urgent_per_cadre_week", "messages per cadre-week",
     "of the after-hours messages, those not declared urgent"),
    ("summary", "days_off_per_cadre_week", "days per cadre-week",
     "days without work beyond reading a few messages (nothing but messages, for at most "
     "calendar.day_off_message_hours), " + _OVER_RUN),
    ("summary", "messages_per_cadre_day", "messages per cadre-day", "work-group message copies a cadre sees"),
    ("summary", "groups_per_cadre", "groups per cadre", "work groups a cadre belongs to (in the middle of the measured days)"),
    ("summary", "meetings_per_cadre_week", "meetings per cadre-week", "meetings attended"),
    ("summary", "meetings_max_per_cadre_day", "meetings per cadre-day", "most meetings any cadre had on one day"),
    ("summary", "inspections_per_township_year", "inspections per township-year",
     "routine inspections/assessments hosted"),
    ("summary", "emergency_inspections_per_township_year", "inspections per township-year",
     "emergency inspections (exempt from caps)"),
    ("summary", "certificates_avoided_total", "requests (county, measured days)",
     "certificate requests that no longer reach a cadre"),
    ("summary", "data_entries_per_county_week", "entries per county-week", "household data fields typed by cadres"),
    ("summary", "data_report_submissions_per_township_year", "submissions per township-year",
     "report requests a township receives (one per request of a department whose line reaches it)"),
    ("summary", "data_report_types_per_township_year", "report types",
     "distinct report forms (data systems) that asked a township for a report in the measured days"),
    ("summary", "pushed_down_core_share", "share 0-1", "of the duties departments pushed down, the core ones"),
    ("summary", "pushed_down_shared_share", "share 0-1",
     "of the duties departments pushed down, the shared ones (department leads, grassroots cooperate)"),
    ("summary", "pushed_down_returned_share", "share 0-1",
     "of the duties departments pushed down, those a responsibility list returns to higher levels"),
    ("summary", "duplicate_data_entries_per_county_week", "entries per county-week",
     "of the data entries, those already current in another system"),
    ("summary", "requests_arrived_total", "requests (county, measured days)",
     "resident requests raised in the measured days (the cohort every service figure below describes)"),
    ("summary", "requests_resolved_total", "requests (county)",
     "of the cohort, requests resolved by the end, by cadres or by residents' own organisations"),
    ("summary", "requests_abandoned_total", "requests (county)",
     "of the cohort, requests whose residents gave up after waiting past their patience"),
    ("summary", "requests_open_at_end", "requests (county)",
     "of the cohort, requests still open at the end; arrived = resolved + abandoned + open"),
    ("summary", "requests_self_settled_total", "requests (county)",
     "of the cohort, requests settled by residents' organisations without a cadre"),
    ("summary", "requests_escalated_total", "requests (county)",
     "of the cohort, requests whose residents called the 12345 hotline (they come back as supervised tasks)"),
    ("summary", "service_time_mean_days", "days",
     "calendar days from a request's arrival to its resolution, mean over the cohort's resolved requests, open "
     "ones included by the Aalen-Johansen estimator (abandonment a competing end, the run's end a censoring)"),
    ("summary", "service_time_p90_days", "days", "90th percentile of the same"),
    ("summary", "wait_time_mean_days", "days",
     "calendar days from arrival to the first hour a cadre spent on it, estimated as service_time_mean_days"),
    ("summary", "time_in_system_mean_days", "days",
     "calendar days from arrival to the end (resolved or abandoned), Kaplan-Meier restricted mean over the "
     "measured days: with requests_open_county_mean and the arrival rate, Little's law"),
    ("summary", "resolved_within_7d_share", "share 0-1",
     "of the cohort, the share resolved within 7 days (12345 rule for general requests), censoring-aware"),
    ("summary", "resolved_within_15d_share", "share 0-1",
     "of the cohort, the share resolved within 15 days (12345 rule for complex requests), censoring-aware"),
    ("summary", "abandoned_share", "share 0-1", "of the cohort, the share abandoned, censoring-aware"),
    ("summary", "escalations_per_1000_households", "calls per 1,000 households per year",
     "calls to the 12345 hotline about requests that waited past the resident's patience"),
    ("summary", "requests_open_county_mean", "requests (county)",
     "open requests in the county at the end of a day, mean over the measured days"),
    ("summary", "satisfaction_mean", "score 0-1",
     "residents' view of the service, mean over the households that have one and over the measured days"),
    ("summary", "proactive_visits_per_elderly_household_year", "visits per household-year",
     "visits to elderly people living alone"),
    ("summary", "fatigue_mean", "score 0-1", "cadres' fatigue, mean over cadres and measured days"),
    ("summary", "burnout_share", "share 0-1",
     "share of cadre-days with fatigue above fatigue.burnout_threshold"),
    ("summary", "blame_mean", "score 0-1", "cadres' blame risk, mean over cadres and measured days"),
    ("summary", "overdue_hours_per_cadre", "hours per cadre",
     "work past its deadline a cadre still owes, mean over measured days"),
    ("summary", "department_hours_per_county_week", "hours per county-week",
     "hours county departments spend on what the model tracks (all departments together): drafting, meetings, "
     "inspections, surveys, returned duties, seconded staff, the data pool; " + _OVER_RUN),
    ("summary", "appointments_missed_hours_total", "hours (county, measured days)",
     "appointment hours that did not fit in a cadre's day"),
    ("summary", "n_cadres", "cadres", "cadres in the scenario"),
    ("summary", "n_households", "households", "households in the scenario"),
    ("summary", "n_townships", "townships", "townships in the scenario"),
    ("summary", "warmup_days", "days", "days simulated before the measured ones and left out of every figure "
     "(scenario.warmup_days)"),
    ("summary", "measured_days", "days", "days every figure describes (scenario.days), from calendar.start_date"),
    ("summary", "weekly_figures_extrapolated", "true/false",
     "true when the measured days are not a whole number of weeks: its per-week figures scale a partial week "
     "(one Monday, "
     "say) to seven days and mix weekdays unevenly; trust them only from whole weeks"),
    ("summary", "seed", "integer", "the run's seed"),
    ("summary", "scenario", "name", "the scenario's name"),
    ("summary", "reforms", "list of names", "the reforms switched on"),
    ("summary", "schema_version", "integer", "SCHEMA_VERSION of the code that wrote the run"),
    ("summary", "model_version", "version", "package version + hash of the model's code and configs"),
]

_PER_DAY = "on the day, mean over the township's cadres"
_INDEX = [
    ("day", "day index", "day from calendar.start_date (0, the first measured day); the warm-up's are negative"),
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
    ("timeseries", "requests_abandoned", "requests per township-day",
     "requests whose residents gave up on the day"),
    ("timeseries", "requests_escalated", "requests per township-day",
     "requests whose residents called the 12345 hotline on the day"),
    ("timeseries", "requests_open", "requests (township)", "open requests at the end of the day"),
    ("timeseries", "satisfaction_mean", "score 0-1",
     "residents' view of the service, mean over the township's households that have one (empty before any has)"),
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

# the roles of cadre the summary also reports each per-cadre figure for (see "Roles" above)
ROLES = {
    "township": "township cadres (乡镇干部)",
    "village": "village cadres (村干部)",
    "township.civil_affairs": "township cadres on the civil-affairs line (the welfare post, 民政岗)",
}
# the summary's per-cadre figures, given per role too
PER_CADRE_KEYS = (
    *[f"{a}_hours_per_cadre_week" for a in ACTIVITIES], "admin_hours_per_cadre_week", "working_hours_per_cadre_week",
    "service_share", "hours_removed_by_reforms_per_cadre_week", "service_hours_removed_by_reforms_per_cadre_week",
    "rebound_hours_per_cadre_week", "shadow_ledger_hours_per_cadre_week", "fatigue_hours_per_cadre_week",
    "overtime_hours_per_cadre_week", "after_hours_messages_per_cadre_week",
    "after_hours_messages_non_urgent_per_cadre_week", "days_off_per_cadre_week", "messages_per_cadre_day",
    "groups_per_cadre", "meetings_per_cadre_week", "meetings_max_per_cadre_day", "fatigue_mean", "burnout_share",
    "blame_mean", "overdue_hours_per_cadre",
)
_by_key = {row[1]: row for row in _SUMMARY}
_SUMMARY += [("summary", f"{role}.{key}", _by_key[key][2], f"{_by_key[key][3]}; over {who} only")
             for role, who in ROLES.items() for key in PER_CADRE_KEYS]

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
    """One value per key over the measured days (after ``scenario.warmup_days``); the codebook says each one."""
    st, cfg, tally = model.structure, model.cfg, model.tally
    C, days, first = st.n_cadres, model.days, tally.first_measured
    # the measured days are scenario.days; the warm-up ran before them
    measured = tally.measured_days
    weeks, years = measured / 7.0, measured / 364.0
    out = week_by_activity(tally.total("hours") / C / weeks)
    for key in ("hours_removed_by_reforms", "service_hours_removed_by_reforms", "rebound_hours", "shadow_ledger_hours",
                "fatigue_hours"):
        out[f"{key}_per_cadre_week"] = float(tally.total(key) / C / weeks)
    out["overtime_hours_per_cadre_week"] = float(tally.total("overtime_hours") / C / weeks)
    out["after_hours_messages_per_cadre_week"] = float(tally.total("after_hours_messages") / C / weeks)
    out["after_hours_messages_non_urgent_per_cadre_week"] = float(
        tally.total("after_hours_messages_non_urgent") / C / weeks)
    out["days_off_per_cadre_week"] = float(tally.total("days_off") / C / weeks)
    out["messages_per_cadre_day"] = float(tally.total("messages") / C / measured)
    out["groups_per_cadre"] = model.chat.groups_per_cadre()
    meetings = model.ledger.meeting_count[first:days]
    out["meetings_per_cadre_week"] = float(meetings.sum() / C / weeks)
    out["meetings_max_per_cadre_day"] = int(meetings.max(initial=0))
    out["inspections_per_township_year"] = float(tally.total("routine_inspections") / st.n_townships / years)
    out["emergency_inspections_per_township_year"] = float(
        tally.total("emergency_inspections") / st.n_townships / years)
    out["certificates_avoided_total"] = int(tally.total("certificates_avoided"))
    out["data_entries_per_county_week"] = float(tally.total("data_entries") / weeks)
    out["duplicate_data_entries_per_county_week"] = float(tally.total("duplicate_data_entries") / weeks)
    out["data_report_submissions_per_township_year"] = float(
        tally.total("data_report_submissions") / st.n_townships / years)
    out["data_report_types_per_township_year"] = int(np.count_nonzero(tally.total("data_report_types")))
    pushed = {c: float(tally.total(f"duties_pushed/{c}")) for c in ("core", "shared", "returned")}
    for c, n in pushed.items():
        out[f"pushed_down_{c}_share"] = n / sum(pushed.values()) if sum(pushed.values()) > 0 else 0.0
    out.update(_requests(model))
    out["escalations_per_1000_households"] = float(
        tally.total("requests_escalated") / st.n_households * 1000.0 / years)
    out["requests_open_county_mean"] = float(model.series("requests_open")[first:].sum(axis=1).mean())
    satisfaction = model.series("satisfaction_county_mean")[first:]
    out["satisfaction_mean"] = float(np.nanmean(satisfaction)) if np.isfinite(satisfaction).any() else float("nan")
    elderly = max(1, int(model.households.elderly_alone.sum()))
    out["proactive_visits_per_elderly_household_year"] = float(tally.total("proactive_visits") / elderly / years)
    n_c = np.bincount(st.cadre_township, minlength=st.n_townships)
    w = n_c / n_c.sum()
    for key in ("fatigue_mean", "burnout_share", "blame_mean"):
        out[key] = float((model.series(key)[first:] * w).sum(axis=1).mean())
    out["overdue_hours_per_cadre"] = float(tally.total("overdue_hours") / C / measured)
    out["department_hours_per_county_week"] = float(model.department_hours[first:days].sum() / weeks)
    out["appointments_missed_hours_total"] = float(tally.total("appointments_missed_hours"))
    out["n_cadres"] = int(C)
    out["n_households"] = int(st.n_households)
    out["n_townships"] = int(st.n_townships)
    out["warmup_days"] = int(first)
    out["measured_days"] = int(measured)
    out["weekly_figures_extrapolated"] = bool(measured % 7 != 0)
    out["seed"] = int(model.seed)
    out["scenario"] = str(cfg.scenario.name)
    out["reforms"] = list(model.reforms)
    out["schema_version"] = SCHEMA_VERSION
    for role, members in role_members(model).items():
        out.update({f"{role}.{k}": v for k, v in _per_cadre_figures(model, members).items()})
    return out


def week_by_activity(per_cadre_week: np.ndarray) -> dict:
    """From hours per cadre-week by activity: each activity's, admin, working hours and the service share."""
    out: dict = {f"{a}_hours_per_cadre_week": float(per_cadre_week[A[a]]) for a in ACTIVITIES}
    admin = float(sum(per_cadre_week[A[a]] for a in ADMIN))
    service = float(per_cadre_week[A["service"]])
    out["admin_hours_per_cadre_week"] = admin
    out["working_hours_per_cadre_week"] = admin + service
    out["service_share"] = service / (admin + service) if admin + service > 0 else 0.0
    return out


def role_members(model) -> dict[str, np.ndarray]:
    """Each role's cadres (a boolean mask); a role with no cadre in the scenario is left out."""
    st = model.structure
    township = st.cadre_village < 0
    roles = {"township": township, "village": ~township}
    names = [d.name for d in model.cfg.departments]
    if "civil_affairs" in names:
        roles["township.civil_affairs"] = township & st.covers[:, names.index("civil_affairs")]
    return {role: members for role, members in roles.items() if members.any()}


def _per_cadre_figures(model, members: np.ndarray) -> dict:
    """The summary's per-cadre figures over the cadres in `members` (``PER_CADRE_KEYS``), from the measured days'
    totals per cadre (``Tally.per_cadre``)."""
    tally, C = model.tally, model.structure.n_cadres
    n, measured = int(members.sum()), tally.measured_days
    weeks = measured / 7.0

    def total(name: str) -> np.ndarray:
        return tally.per_cadre(name, C)[members].sum(axis=0)

    by_cadre = tally.per_cadre("hours", C)
    out = week_by_activity(by_cadre[members].sum(axis=0) / n / weeks if by_cadre.ndim == 2
                            else np.zeros(len(ACTIVITIES)))
    for key in ("hours_removed_by_reforms", "service_hours_removed_by_reforms", "rebound_hours", "shadow_ledger_hours",
                "fatigue_hours", "overtime_hours", "after_hours_messages", "after_hours_messages_non_urgent"):
        out[f"{key}_per_cadre_week"] = float(total(key) / n / weeks)
    out["days_off_per_cadre_week"] = float(total("days_off") / n / weeks)
    out["messages_per_cadre_day"] = float(total("messages") / n / measured)
    out["groups_per_cadre"] = float(model.chat.groups_by_cadre()[members].mean())
    meetings = model.ledger.meeting_count[tally.first_measured:model.days][:, members]
    out["meetings_per_cadre_week"] = float(meetings.sum() / n / weeks)
    out["meetings_max_per_cadre_day"] = int(meetings.max(initial=0))
    for key, name in (("fatigue_mean", "fatigue"), ("burnout_share", "burnout"), ("blame_mean", "blame"),
                      ("overdue_hours_per_cadre", "overdue_hours")):
        out[key] = float(total(name) / n / measured)
    return {k: out[k] for k in PER_CADRE_KEYS}


RESOLVED, ABANDONED = 1, 2  # the ways a request ends (survival.aalen_johansen's causes)


def request_outcomes(model):
    """The requests that arrived in the measured days as competing risks: (ids, whole days to the end or to the
    last day, 1 resolved / 2 abandoned / 0 still open), with the run's conservation checked first."""
    book, last = model.service.book, model.days - 1
    book.check_conservation(last)
    n = book.n
    ids = np.flatnonzero(book.arrival[:n] >= model.tally.first_measured)
    arrival, resolved, abandoned = book.arrival[ids], book.resolved[ids], book.abandoned[ids]
    is_resolved = (resolved >= 0) & (resolved <= last)
    is_abandoned = (abandoned >= 0) & (abandoned <= last)
    end = np.where(is_resolved, resolved, np.where(is_abandoned, abandoned, last))
    cause = np.where(is_resolved, RESOLVED, np.where(is_abandoned, ABANDONED, CENSORED))
    return ids, (end - arrival).astype(np.int64), cause


def _requests(model) -> dict:
    """Service for residents, censoring-aware (Aalen-Johansen: ``survival.py``) over every request that arrived
    in the measured days, the ones still open at the end included."""
    book, last = model.service.book, model.days - 1
    ids, duration, cause = request_outcomes(model)
    tau = model.tally.measured_days - 1
    ends = aalen_johansen(duration, cause, tau, causes=2)
    # wait: to the first hour a cadre spent on it (residents' organisations take a matter up at once)
    start = np.where(book.by_residents[ids], book.arrival[ids], book.start[ids])
    started = (start >= 0) & (start <= last)
    waited = np.where(started, start - book.arrival[ids], duration)
    wait_cause = np.where(started, RESOLVED, np.where(cause == ABANDONED, ABANDONED, CENSORED))
    waits = aalen_johansen(waited.astype(np.int64), wait_cause, tau, causes=2)
    return {
        "requests_arrived_total": int(len(ids)),
        "requests_resolved_total": int((cause == RESOLVED).sum()),
        "requests_abandoned_total": int((cause == ABANDONED).sum()),
        "requests_open_at_end": int((cause == CENSORED).sum()),
        "requests_self_settled_total": int((book.by_residents[ids] & (cause == RESOLVED)).sum()),
        "requests_escalated_total": int((book.escalated[ids] >= 0).sum()),
        "service_time_mean_days": ends.mean_given(RESOLVED),
        "service_time_p90_days": ends.quantile_given(RESOLVED, 0.9),
        "wait_time_mean_days": waits.mean_given(RESOLVED),
        "time_in_system_mean_days": ends.restricted_mean(),
        "resolved_within_7d_share": ends.share_by(RESOLVED, 7),
        "resolved_within_15d_share": ends.share_by(RESOLVED, 15),
        "abandoned_share": ends.share_by(ABANDONED),
    }


def _days(model, repeat: int = 1) -> dict:
    cal, days = model.calendar, model.days
    return {
        "day": np.repeat(np.arange(days) - model.warmup_days, repeat),  # the warm-up's days are negative
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
