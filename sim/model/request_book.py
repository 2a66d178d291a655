"""Resident requests, tracked one by one from arrival to resolution (vectorised: one row per request).

A request waits in the queue of the cadre whose grid holds the household, and is served first-come-first-served
with the hours that cadre gives to service that day. Requests residents settle among themselves never enter a
cadre's queue: they are resolved by residents after a delay. Nothing is dropped: every request is either resolved
or still open, and :meth:`RequestBook.check_conservation` asserts it.

Times are stored as float days, so the same book also runs in continuous time (``serve(..., since=t0)``): that is
how ``sim/mmc.py`` checks this machinery against queueing theory.
"""

from __future__ import annotations

import numpy as np

KINDS = ("certificate", "allowance", "dispute", "care_visit", "consultation")
CERTIFICATE = 0
SELF_SETTLEABLE = np.array([False, False, True, False, True])  # disputes and consultations (业委会, 村民理事会)


class RequestBook:
    def __init__(self, n_cadres: int, capacity: int = 1024):
        self.n_cadres = n_cadres
        self.n = 0
        self._alloc(capacity)
        self.open_ids = np.zeros(0, dtype=np.int64)  # ids in the cadres' queues, in arrival order

    def _alloc(self, capacity: int) -> None:
        def grow(name, dtype, fill):
            old = getattr(self, name, None)
            new = np.full(capacity, fill, dtype=dtype)
            if old is not None:
                new[: self.n] = old[: self.n]
            setattr(self, name, new)

        grow("arrival", np.float64, -1.0)
        grow("kind", np.int8, -1)
        grow("household", np.int32, -1)
        grow("cadre", np.int32, -1)
        grow("work", np.float64, 0.0)        # hours of work the request needs (at full productivity)
        grow("remaining", np.float64, 0.0)
        grow("start", np.float64, -1.0)      # when a cadre first worked on it (day)
        grow("resolved", np.float64, -1.0)   # when it was resolved (by a cadre or by residents)
        grow("by_residents", np.bool_, False)
        self.capacity = capacity

    def add(self, day, kinds, households, cadres, work, self_settled, settle_day: int) -> None:
        k = len(kinds)
        if k == 0:
            return
        if self.n + k > self.capacity:
            self._alloc(max(2 * self.capacity, self.n + k))
        sl = slice(self.n, self.n + k)
        self.arrival[sl] = day
        self.kind[sl] = kinds
        self.household[sl] = households
        self.cadre[sl] = cadres
        self.work[sl] = work
        self.remaining[sl] = np.where(self_settled, 0.0, work)
        self.by_residents[sl] = self_settled
        self.resolved[sl] = np.where(self_settled, settle_day, -1)
        ids = np.arange(self.n, self.n + k)
        self.open_ids = np.concatenate([self.open_ids, ids[~self_settled]])
        self.n += k

    def queue_hours(self) -> np.ndarray:
        """Hours of work waiting in each cadre's queue."""
        ids = self.open_ids
        return np.bincount(self.cadre[ids], weights=self.remaining[ids], minlength=self.n_cadres)

    def serve(self, day: float, capacity: np.ndarray, since=None):
        """Serve each cadre's queue first-come-first-served with `capacity[c]` hours of work.

        Daily mode (the model): what starts or finishes is stamped with `day`. Continuous mode (``since=t0``): the
        capacity is the time elapsed since t0 (a number, or one per cadre) with work measured in the same unit, and
        each request is stamped with the exact moment it started and finished within the interval.
        Returns (work done per cadre on certificates, work done per cadre on other requests, ids resolved).
        """
        ids = self.open_ids
        if len(ids) == 0:
            z = np.zeros(self.n_cadres)
            return z, z.copy(), ids
        cad = self.cadre[ids]
        order = np.argsort(cad, kind="stable")  # ids are in arrival order; stable keeps FCFS within a cadre
        ids_s, cad_s = ids[order], cad[order]
        rem = self.remaining[ids_s]
        cs = np.cumsum(rem)
        before = cs - rem
        first = np.r_[True, cad_s[1:] != cad_s[:-1]]
        group_base = np.maximum.accumulate(np.where(first, before, 0.0))
        before_in_queue = before - group_base
        taken = np.clip(capacity[cad_s] - before_in_queue, 0.0, rem)
        new_rem = rem - taken
        done = new_rem <= 1e-9
        self.remaining[ids_s] = np.where(done, 0.0, new_rem)
        started = (taken > 0) & (self.start[ids_s] < 0)
        resolved_ids = ids_s[done]
        if since is None:
            self.start[ids_s[started]] = day
            self.resolved[resolved_ids] = day
        else:
            t0 = since[cad_s] if np.ndim(since) else np.full(len(cad_s), float(since))  # per cadre or shared
            self.start[ids_s[started]] = t0[started] + before_in_queue[started]
            self.resolved[resolved_ids] = t0[done] + before_in_queue[done] + rem[done]
        is_cert = self.kind[ids_s] == CERTIFICATE
        cert = np.bincount(cad_s, weights=np.where(is_cert, taken, 0.0), minlength=self.n_cadres)
        other = np.bincount(cad_s, weights=np.where(is_cert, 0.0, taken), minlength=self.n_cadres)
        self.open_ids = np.sort(ids_s[~done])
        return cert, other, resolved_ids

    def resolved_by(self, day: int) -> np.ndarray:
        r = self.resolved[: self.n]
        return (r >= 0) & (r <= day)

    def check_conservation(self, day: int) -> dict:
        """arrived = resolved + open at `day`; raises if any request is lost or double-counted."""
        arrived = self.n
        resolved = int(self.resolved_by(day).sum())
        open_now = arrived - resolved
        in_queue = len(self.open_ids)
        pending_residents = int(((self.resolved[: self.n] > day) & self.by_residents[: self.n]).sum())
        if in_queue + pending_residents != open_now:
            raise AssertionError(
                f"request conservation violated on day {day}: arrived {arrived}, resolved {resolved}, "
                f"in cadre queues {in_queue}, with residents {pending_residents}"
            )
        return {"requests_arrived": arrived, "requests_resolved": resolved, "requests_open_end": open_now}

    def times(self, day: int):
        """(time in system, wait to first service) in days, for requests resolved by `day`."""
        done = self.resolved_by(day)
        arr = self.arrival[: self.n][done]
        res = self.resolved[: self.n][done]
        st = self.start[: self.n][done]
        st = np.where(self.by_residents[: self.n][done], arr, st)  # residents' own organisation takes it up at once
        return res - arr, st - arr
