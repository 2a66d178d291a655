"""Censoring-aware estimates of how long residents' requests take, in whole days.

A request that arrived in the measured window may still be open when the run ends (right-censored), and it may
end in one of two ways: resolved or abandoned (competing risks). Leaving open requests out of a mean, as a plain
average of resolved requests does, makes the mean depend on how long the run is. Here every request that arrived
in the window counts: the Aalen-Johansen estimator gives the cumulative incidence of each way of ending by day t,
censoring-aware; with one way of ending it is one minus the Kaplan-Meier survival curve (a test checks it against
``scipy.stats.ecdf``). Durations are whole days because the model runs day by day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CENSORED = 0


@dataclass(frozen=True)
class Incidence:
    """Aalen-Johansen estimates on days 0 .. tau."""

    survival: np.ndarray   # [tau + 1] P(not ended by the end of day t)
    incidence: np.ndarray  # [causes + 1, tau + 1] P(ended by day t in this way); row 0 unused
    at_risk: np.ndarray    # [tau + 1] requests still open at the start of day t (after the arrival day's count)

    @property
    def tau(self) -> int:
        return len(self.survival) - 1

    def share_by(self, cause: int, day: int | None = None) -> float:
        """P(ended in this way within `day` days), by default within the whole window."""
        return float(self.incidence[cause, self.tau if day is None else min(day, self.tau)])

    def mean_given(self, cause: int) -> float:
        """Mean days to an end of this kind, among the requests that end this way (within the window)."""
        dF = np.diff(self.incidence[cause], prepend=0.0)
        total = dF.sum()
        return float((np.arange(len(dF)) * dF).sum() / total) if total > 0 else float("nan")

    def quantile_given(self, cause: int, q: float) -> float:
        """The day by which a share `q` of the requests that end this way have ended."""
        F = self.incidence[cause]
        if F[-1] <= 0:
            return float("nan")
        return float(np.searchsorted(F, q * F[-1] - 1e-12))

    def restricted_mean(self) -> float:
        """Mean days to any end, restricted to the window: sum over t < tau of P(not ended by day t)."""
        return float(self.survival[:-1].sum())


def aalen_johansen(duration: np.ndarray, cause: np.ndarray, tau: int, causes: int = 1) -> Incidence:
    """`duration`: whole days from arrival to the end (or, for cause 0, to the end of observation); `cause`: 0
    censored, 1 .. `causes` the ways of ending. A request censored after c days was seen open through day c."""
    d = np.clip(np.asarray(duration, dtype=np.int64), 0, tau)
    cause = np.asarray(cause, dtype=np.int64)
    K = max(causes, int(cause.max(initial=0)))
    leaving = np.bincount(d, minlength=tau + 1)
    at_risk = len(d) - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    ended = np.zeros((K + 1, tau + 1))
    for k in range(1, K + 1):
        ended[k] = np.bincount(d[cause == k], minlength=tau + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        hazard = np.where(at_risk > 0, ended / np.maximum(at_risk, 1), 0.0)
    survival = np.cumprod(1.0 - hazard.sum(axis=0))
    before = np.concatenate([[1.0], survival[:-1]])
    incidence = np.cumsum(before * hazard, axis=1)
    return Incidence(survival=survival, incidence=incidence, at_risk=at_risk)
