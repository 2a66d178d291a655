"""Resident requests, tracked one by one from arrival to resolution (vectorised: one row per request).

A request waits in the queue of the cadre whose grid holds the household, and is served first-come-first-served
with the hours that cadre gives to service that day. Requests residents settle among themselves never enter a
cadre's queue: they are resolved by residents after a delay. Nothing is dropped: every request is either resolved
or still open, and :meth:`RequestBook.check_conservation` asserts it.
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

        grow("arrival", np.int32, -1)
        grow("kind", np.int8, -1)
        grow("household", np.int32, -1)
        grow("cadre", np.int32, -1)
        grow("work", np.float32, 0.0)        # hours of work the request needs (at full productivity)
        grow("remaining", np.float32, 0.0)
        grow("start", np.int32, -1)          # first day a cadre worked on it
        grow("resolved", np.int32, -1)       # day resolved (by a cadre or by residents)
        grow("by_residents", np.bool_, False)
        self.capacity = capacity

    def add(self, day: int, kinds, households, cadres, work, self_settled, settle_day: int) -> None:
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

    def serve(self, day: int, capacity: np.ndarray):
        """Serve each cadre's queue first-come-first-served with `capacity[c]` hours of work.

        Returns (work done per cadre on certificates, work done per cadre on other requests, ids resolved today).
        """
        ids = self.open_ids
        if len(ids) == 0:
            z = np.zeros(self.n_cadres)
            return z, z.copy(), ids
        cad = self.cadre[ids]
        order = np.argsort(cad, kind="stable")  # ids are in arrival order; stable keeps FCFS within a cadre
        ids_s, cad_s = ids[order], cad[order]
        rem = self.remaining[ids_s].astype(np.float64)
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
        self.start[ids_s[started]] = day
        resolved_ids = ids_s[done]
        self.resolved[resolved_ids] = day
        is_cert = self.kind[ids_s] == CERTIFICATE
        cert = np.bincount(cad_s, weights=np.where(is_cert, taken, 0.0), minlength=self.n_cadres)
        other = np.bincount(cad_s, weights=np.where(is_cert, 0.0, taken), minlength=self.n_cadres)
        keep = np.sort(ids_s[~done])
        self.open_ids = keep
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
        return (res - arr).astype(np.float64), (st - arr).astype(np.float64)

    # ---- shared-queue, continuous-time mode (the queueing check, sim/mmc.py) ------------------------------------
    # The daily model gives every cadre its own queue and serves it with whole days' hours. For the M/M/c check
    # the same book holds the requests (ids, arrival order, the open queue, conservation), but c servers take
    # them from one shared first-come-first-served queue in continuous time. These methods add that mode without
    # changing anything above: times are kept in float64 arrays of their own, the integer day fields are filled
    # consistently (arrival, start and resolved day = the floor of the time), and `open_ids` still holds every
    # request not yet resolved, in arrival order.

    def start_shared_queue(self, servers: int) -> None:
        """Switch this (empty) book to one FCFS queue served by `servers` servers, all free at time 0."""
        if self.n:
            raise ValueError("start_shared_queue: the book already holds requests")
        self.shared_servers = int(servers)
        self._free_at = [0.0] * self.shared_servers  # a heap of the times each server is next free
        self._next_waiting = 0                        # first id not yet started (FCFS: ids start in order)
        self._t_cap = 0
        self._grow_times(max(self.capacity, 1024))

    def _grow_times(self, capacity: int) -> None:
        for name in ("arrival_time", "service_time", "start_time", "finish_time"):
            old = getattr(self, name, None)
            new = np.full(capacity, np.nan)
            if old is not None:
                new[: self.n] = old[: self.n]
            setattr(self, name, new)
        self._t_cap = capacity

    def add_timed(self, times, service_times, kind: int = 0) -> None:
        """Requests arriving at continuous `times` (days, non-decreasing), each needing `service_times` (days)."""
        times = np.asarray(times, dtype=np.float64)
        k = len(times)
        if k == 0:
            return
        if self.n and times[0] < self.arrival_time[self.n - 1]:
            raise ValueError("add_timed: arrivals must come in time order")
        first = self.n
        days = np.floor(times).astype(np.int64)
        # the ordinary record of each request: one per arrival day, queued at the shared pool (cadre 0)
        for day in np.unique(days):
            sel = days == day
            m = int(sel.sum())
            self.add(int(day), np.full(m, kind, dtype=np.int8), np.zeros(m, dtype=np.int32),
                     np.zeros(m, dtype=np.int32), np.asarray(service_times)[sel], np.zeros(m, dtype=bool), -1)
        if self.n > self._t_cap:
            self._grow_times(max(2 * self._t_cap, self.n))
        self.arrival_time[first:self.n] = times
        self.service_time[first:self.n] = service_times

    def serve_shared(self, until: float) -> np.ndarray:
        """Serve the shared queue up to time `until`: each waiting request, in arrival order, goes to the server
        free earliest and starts at max(its arrival, that server's free time), if that is before `until`; requests
        whose service ends by `until` are resolved and leave the open queue. Returns the ids resolved."""
        import heapq

        free = self._free_at
        first = self._next_waiting
        arrival = self.arrival_time[first:self.n].tolist()   # plain floats: the loop below is the hot path
        service = self.service_time[first:self.n].tolist()
        starts, finishes = [], []
        for a, s in zip(arrival, service):
            start = a if a > free[0] else free[0]
            if start >= until:
                break
            finish = start + s
            heapq.heapreplace(free, finish)
            starts.append(start)
            finishes.append(finish)
        i = first + len(starts)
        self.start_time[first:i] = starts
        self.finish_time[first:i] = finishes
        self.start[first:i] = np.floor(self.start_time[first:i]).astype(np.int32)
        self._next_waiting = i
        ids = self.open_ids
        fin = self.finish_time[ids]
        done = fin <= until                           # NaN (not started) compares False
        resolved = ids[done]
        last_day = int(np.ceil(until)) - 1
        self.resolved[resolved] = np.minimum(np.floor(self.finish_time[resolved]), last_day).astype(np.int32)
        self.remaining[resolved] = 0.0
        self.open_ids = ids[~done]
        return resolved

    def shared_times(self, since: float = 0.0):
        """(time in system, wait before service) in days for requests that arrived at or after `since` and are
        resolved."""
        n = self.n
        done = (self.resolved[:n] >= 0) & (self.arrival_time[:n] >= since)
        arr = self.arrival_time[:n][done]
        return self.finish_time[:n][done] - arr, self.start_time[:n][done] - arr
