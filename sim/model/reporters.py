"""What the model records each day, for Mesa's DataCollector: small named functions of the model.

Each township-level reporter returns one value per township (the mean over its cadres, or a count); the county
reporters return one number. The keys are the column names of the two time-series tables (their units are in
``outputs.CODEBOOK``): ``outputs.timeseries`` reads TOWNSHIP_REPORTERS, ``outputs.county_timeseries`` reads
COUNTY_REPORTERS, and the classroom app reads both.
"""

from __future__ import annotations

import mesa
import numpy as np

from .workload import ACTIVITIES, ADMIN_COLUMNS, A


def _hours(activity: str):
    def hours(model) -> np.ndarray:
        # a column of the day's own array, which is made anew each day and never changed (read-only): DailyRecord
        # keeps the value as it is
        return model.cadres.township_hours_today[:, A[activity]]

    hours.__name__ = f"{activity}_hours"
    return hours


def admin_hours(model) -> np.ndarray:
    return model.cadres.township_hours_today[:, ADMIN_COLUMNS].sum(axis=1)


def overtime_hours(model) -> np.ndarray:
    return model.cadres.township_mean(model.cadres.overtime_today)


def after_hours_messages(model) -> np.ndarray:
    return model.cadres.township_mean(model.after_hours_today)


def days_off_share(model) -> np.ndarray:
    return model.cadres.township_mean(model.cadres.off_today.astype(float))


def requests_arrived(model) -> np.ndarray:
    return model.service.arrived_today.astype(float)


def requests_resolved(model) -> np.ndarray:
    return model.service.resolved_today.astype(float)


def requests_abandoned(model) -> np.ndarray:
    return model.service.abandoned_today.astype(float)


def requests_escalated(model) -> np.ndarray:
    return model.service.escalated_today.astype(float)


def requests_open(model) -> np.ndarray:
    return model.service.open_by_township.astype(float)


def satisfaction_mean(model) -> np.ndarray:
    """Mean view of the service over the township's households that have one (NaN while none has)."""
    return model.households.view_mean()


def fatigue_mean(model) -> np.ndarray:
    return model.cadres.township_mean(model.cadres.fatigue)


def blame_mean(model) -> np.ndarray:
    return model.cadres.township_mean(model.cadres.blame)


def burnout_share(model) -> np.ndarray:
    cadres = model.cadres
    return cadres.township_mean((cadres.fatigue > model.cfg.fatigue.burnout_threshold).astype(float))


def county_department_hours(model) -> float:
    return float(model.department_hours[model.day])


def county_satisfaction(model) -> float:
    return model.households.view_mean(county=True)


TOWNSHIP_REPORTERS = {
    **{f"{a}_hours_per_cadre_day": _hours(a) for a in ACTIVITIES},
    "admin_hours_per_cadre_day": admin_hours,
    "overtime_hours_per_cadre_day": overtime_hours,
    "after_hours_messages_per_cadre_day": after_hours_messages,
    "days_off_share": days_off_share,
    "requests_arrived": requests_arrived,
    "requests_resolved": requests_resolved,
    "requests_abandoned": requests_abandoned,
    "requests_escalated": requests_escalated,
    "requests_open": requests_open,
    "satisfaction_mean": satisfaction_mean,
    "fatigue_mean": fatigue_mean,
    "blame_mean": blame_mean,
    "burnout_share": burnout_share,
}
COUNTY_REPORTERS = {
    "department_hours_per_county_day": county_department_hours,
    "satisfaction_county_mean": county_satisfaction,
}
MODEL_REPORTERS = {**TOWNSHIP_REPORTERS, **COUNTY_REPORTERS}


class DailyRecord(mesa.DataCollector):
    """Mesa's DataCollector for the reporters above. Mesa deep-copies each reporter's value every day in case it
    is a live reference; every reporter here returns a value of its own (a new array, a float, or a column of the
    cadres' read-only hours of the day, made anew each day), so after the first day (when Mesa validates the
    reporters) the copy is skipped: it took 4% of a township run."""

    def collect(self, model) -> None:
        if not self._validated or self.agent_reporters or self.agenttype_reporters:
            super().collect(model)
            return
        self._collection_steps.append(model.time)
        for name, reporter in self.model_reporters.items():
            self.model_vars[name].append(reporter(model))
