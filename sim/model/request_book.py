"""Resident requests, tracked one by one from arrival to their end (vectorised: one row per request).

A request waits in a queue - a village service station's desk, the village's casework, or the township's
supervised tasks (see ``offices/service_desk.py``) - and each queue is served in its own order with the work
capacity the cadres' day gives it. A request ends resolved (by cadres, or by residents' own organisations after a
delay) or abandoned (the resident gave up); until then it is open. Nothing is dropped:
:meth:`RequestBook.check_conservation` asserts arrived = resolved + abandoned + open.

Times are stored as float days, so the same book also runs in continuous time (``serve(..., since=t0)``): that is
how ``sim/checks/mmc.py`` checks this machinery against queueing theory.
"""

from __future__ import annotations

import numpy as np

# the compiled module itself, not through `compiled` (which imports the day rule, which imports this module's
# constants); `compiled` checks it against its source like the others
from . import queues

KINDS = ("certificate", "allowance", "dispute", "care_visit", "consultation")
CERTIFICATE = 0
SELF_SETTLEABLE = np.array([False, False, True, False, True])  # disputes and consultations (业委会, 村民理事会)


class RequestBook:
    def __init__(self, n_queues: int, capacity: int = 1024):
        self.n_queues = n_queues
        self.n = 0
        self._alloc(capacity)
        self.open_ids = np.zeros(0, dtype=np.int64)  # ids waiting in a queue, in arrival order

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
        grow("queue", np.int32, -1)
        grow("work", np.float64, 0.0)        # hours of work the request needs (at full productivity)
        grow("remaining", np.float64, 0.0)
        grow("start", np.float64, -1.0)      # when a cadre first worked on it (day)
        grow("resolved", np.float64, -1.0)   # when it was resolved (by a cadre or by residents)
        grow("abandoned", np.float64, -1.0)  # when the resident gave up
        grow("by_residents", np.bool_, False)
        grow("urgent", np.bool_, False)      # cannot wait for the queue: done the day it arrives
        grow("pressed", np.int16, 0)         # times the resident came back and pressed (催办)
        grow("escalated", np.float64, -1.0)  # when the resident called the hotline (12345)
        grow("deadline", np.float64, np.inf) # a supervised task's deadline (督办)
        grow("patience_until", np.float64, np.inf)  # when the resident acts if it is still open
        self.capacity = capacity

    def add(self, day, kinds, households, queue, work, self_settled, settle_day: float, urgent=None,
            patience_until=None) -> np.ndarray:
        """Record new requests; returns their ids. Self-settled ones never join a queue."""
        k = len(kinds)
        if k == 0:
            return np.zeros(0, dtype=np.int64)
        if self.n + k > self.capacity:
            self._alloc(max(2 * self.capacity, self.n + k))
        sl = slice(self.n, self.n + k)
        self.arrival[sl] = day
        self.kind[sl] = kinds
        self.household[sl] = households
        self.queue[sl] = queue
        self.work[sl] = work
        self.by_residents[sl] = self_settled
        if urgent is not None:
            self.urgent[sl] = urgent
        if patience_until is not None:
            self.patience_until[sl] = patience_until
        # what residents settle needs no work, ends on settle_day and never tries anyone's patience; the rest is
        # all to do, open, and joins its queue (one compiled pass over the new rows)
        self.open_ids = queues.admit(self.n, k, self.by_residents.view(np.uint8), self.work, self.remaining,
                                     self.resolved, settle_day, self.patience_until, self.open_ids)
        ids = np.arange(self.n, self.n + k)
        self.n += k
        return ids

    def queue_work(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Hours of work waiting in each queue (of the open requests where `mask`, aligned with open_ids, holds)."""
        ids = self.open_ids if mask is None else self.open_ids[mask]
        return np.bincount(self.queue[ids], weights=self.remaining[ids], minlength=self.n_queues)

    def serve(self, day: float, capacity: np.ndarray, since=None, priority: np.ndarray | None = None):
        """Serve each queue with `capacity[q]` hours of work, in order of `priority` (aligned with open_ids,
        smaller first; ties and no priority: first come, first served).

        Daily mode (the model): what starts or finishes is stamped with `day`. Continuous mode (``since=t0``): the
        capacity is the time elapsed since t0 (a number, or one per queue) with work measured in the same unit, and
        each request is stamped with the exact moment it started and finished within the interval.
        Returns (work done per queue on certificates, work done per queue on other requests, ids resolved). One
        compiled pass (``queues.pyx``): the open requests sorted by queue, priority and id, each queue's capacity
        taken by its requests in that order.
        """
        capacity = np.ascontiguousarray(capacity, dtype=np.float64)
        if capacity.shape != (self.n_queues,):
            raise ValueError(f"serve: capacity has shape {capacity.shape}; one figure per queue ({self.n_queues}) "
                             "is needed")
        cert, other, resolved, self.open_ids = queues.serve(
            self.open_ids, self.queue, self.kind, self.remaining, self.start, self.resolved, capacity, priority, since,
            float(day), CERTIFICATE)
        return cert, other, resolved

    def abandon(self, ids: np.ndarray, day: float) -> None:
        """The residents of `ids` give up: the requests end unresolved and leave their queues."""
        if len(ids):
            self.abandoned[ids] = day
            self.remaining[ids] = 0.0
            # open_ids is in arrival order, which is id order: the ids are found by bisection (np.isin would sort)
            pos = np.minimum(np.searchsorted(self.open_ids, ids), max(len(self.open_ids) - 1, 0))
            found = pos[self.open_ids[pos] == ids] if len(self.open_ids) else pos[:0]
            keep = np.ones(len(self.open_ids), dtype=bool)
            keep[found] = False
            self.open_ids = self.open_ids[keep]

    def ended_by(self, day: float) -> np.ndarray:
        """Requests resolved or abandoned by `day`."""
        r, a = self.resolved[: self.n], self.abandoned[: self.n]
        return ((r >= 0) & (r <= day)) | ((a >= 0) & (a <= day))

    def resolved_by(self, day: float) -> np.ndarray:
        r = self.resolved[: self.n]
        return (r >= 0) & (r <= day)

    def check_conservation(self, day: float) -> dict:
        """arrived = resolved + abandoned + open at `day`; raises if any request is lost or double-counted."""
        arrived = self.n
        resolved = int(self.resolved_by(day).sum())
        a = self.abandoned[: self.n]
        abandoned = int(((a >= 0) & (a <= day)).sum())
        both = int((self.resolved_by(day) & (a >= 0)).sum())
        open_now = arrived - resolved - abandoned
        in_queue = len(self.open_ids)
        pending_residents = int(((self.resolved[: self.n] > day) & self.by_residents[: self.n]).sum())
        if both or in_queue + pending_residents != open_now:
            raise AssertionError(
                f"request conservation violated on day {day}: arrived {arrived}, resolved {resolved}, abandoned "
                f"{abandoned} (of which also resolved {both}), in queues {in_queue}, with residents "
                f"{pending_residents}")
        return {"requests_arrived": arrived, "requests_resolved": resolved, "requests_abandoned": abandoned,
                "requests_open_end": open_now}
