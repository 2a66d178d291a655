"""Serving the request book's queues written over whole arrays: the version the compiled pass
(``sim/model/queues.pyx``) replaced.

Kept as the oracle the compiled pass is held to, bit for bit (``tests/test_speed.py``): ``RequestBook.serve`` as it
ran until it was compiled, numpy call by numpy call, on a book `book` (updated in place).
"""

from __future__ import annotations

import numpy as np

from sim.model.request_book import CERTIFICATE


def serve(book, day: float, capacity: np.ndarray, since=None, priority: np.ndarray | None = None):
    """(work done per queue on certificates, on other requests, ids resolved); `book` updated in place."""
    ids = book.open_ids
    if len(ids) == 0:
        z = np.zeros(book.n_queues)
        return z, z.copy(), ids
    q = book.queue[ids]
    keys = (ids, q) if priority is None else (ids, priority, q)
    order = np.lexsort(keys)
    ids_s, q_s = ids[order], q[order]
    rem = book.remaining[ids_s]
    cs = np.cumsum(rem)
    before = cs - rem
    first = np.concatenate(([True], q_s[1:] != q_s[:-1]))
    group_base = np.maximum.accumulate(np.where(first, before, 0.0))
    before_in_queue = before - group_base
    taken = np.clip(capacity[q_s] - before_in_queue, 0.0, rem)
    new_rem = rem - taken
    done = new_rem <= 1e-9
    book.remaining[ids_s] = np.where(done, 0.0, new_rem)
    started = (taken > 0) & (book.start[ids_s] < 0)
    resolved_ids = ids_s[done]
    if since is None:
        book.start[ids_s[started]] = day
        book.resolved[resolved_ids] = day
    else:
        t0 = since[q_s] if np.ndim(since) else np.full(len(q_s), float(since))  # per queue or shared
        book.start[ids_s[started]] = t0[started] + before_in_queue[started]
        book.resolved[resolved_ids] = t0[done] + before_in_queue[done] + rem[done]
    is_cert = book.kind[ids_s] == CERTIFICATE
    cert = np.bincount(q_s, weights=np.where(is_cert, taken, 0.0), minlength=book.n_queues)
    other = np.bincount(q_s, weights=np.where(is_cert, 0.0, taken), minlength=book.n_queues)
    book.open_ids = np.sort(ids_s[~done])
    return cert, other, resolved_ids


def add(book, day, kinds, households, queues, work, self_settled, settle_day, urgent=None, patience_until=None):
    """``RequestBook.add`` as it ran until its new rows were admitted by a compiled pass: the request ids;
    `book` updated in place."""
    k = len(kinds)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    if book.n + k > book.capacity:
        book._alloc(max(2 * book.capacity, book.n + k))
    sl = slice(book.n, book.n + k)
    book.arrival[sl] = day
    book.kind[sl] = kinds
    book.household[sl] = households
    book.queue[sl] = queues
    book.work[sl] = work
    book.remaining[sl] = np.where(self_settled, 0.0, work)
    book.by_residents[sl] = self_settled
    book.resolved[sl] = np.where(self_settled, settle_day, -1)
    if urgent is not None:
        book.urgent[sl] = urgent
    if patience_until is not None:
        book.patience_until[sl] = np.where(self_settled, np.inf, patience_until)
    ids = np.arange(book.n, book.n + k)
    book.open_ids = np.concatenate([book.open_ids, ids[~np.asarray(self_settled, dtype=bool)]])
    book.n += k
    return ids
