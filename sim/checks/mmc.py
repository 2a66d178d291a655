"""The queueing check: the model's request book run as an M/M/c queue in continuous time.

The same :class:`sim.model.request_book.RequestBook` that serves residents in the full model - its per-cadre first-come-
first-served ``serve``, its ``queue_hours`` and its conservation check - here runs from arrival to arrival in
continuous time: between two arrivals every server works through its queue at rate one (``serve(..., since=t0)``
stamps exact start and finish times). An arriving request joins the server whose queue holds the least work: with
service times drawn on arrival this is exactly one shared first-come-first-served line feeding c servers (each
request starts when the first server frees up after all earlier arrivals), i.e. M/M/c-FCFS.

``scenario.replications`` independent queues run side by side as one book (replication r owns servers r*c ...
r*c+c-1), so one vectorised ``serve`` advances all of them; their means give an honest standard error.
``python -m sim scenario=mmc scenario.servers=2 ...`` writes its summary like any run.
"""

from __future__ import annotations

import numpy as np

from ..model.request_book import RequestBook
from ..model.streams import Streams


def run_mmc(cfg) -> dict:
    sc = cfg.scenario
    # the warm-up runs first, then the measured days (as in the model): each queue starts empty
    c, lam, mu, warmup = sc.servers, sc.arrival_rate, sc.service_rate, sc.warmup_days
    horizon = warmup + float(sc.days)
    R = sc.replications
    streams = Streams(cfg.seed)
    n_max = int(lam * horizon + 10 * np.sqrt(lam * horizon) + 100)
    arrivals = np.cumsum(streams["mmc/arrivals"].exponential(1.0 / lam, size=(R, n_max)), axis=1)
    work = streams["mmc/work"].exponential(1.0 / mu, size=(R, n_max))
    n_arrivals = (arrivals < horizon).sum(axis=1)
    book = RequestBook(R * c, capacity=int(n_arrivals.sum()) + 16)
    servers = np.arange(R * c).reshape(R, c)
    zeros_k = np.zeros(R, dtype=np.int8)
    now = np.zeros(R)
    for k in range(int(n_arrivals.max())):
        active = k < n_arrivals
        t = np.where(active, arrivals[:, k], now)
        book.serve(float(t.max()), np.repeat(t - now, c), since=np.repeat(now, c))
        now = t
        load = book.queue_work().reshape(R, c)
        joins = servers[np.arange(R), np.argmin(load, axis=1)]  # the first server to free up: head of the line
        a = np.flatnonzero(active)
        book.add(t[a], zeros_k[a], zeros_k[a].astype(np.int32), joins[a], work[a, k], np.zeros(len(a), bool), -1)
    book.serve(horizon, np.repeat(horizon - now, c), since=np.repeat(now, c))
    counts = book.check_conservation(horizon)
    n = book.n
    rep = book.queue[:n] // c
    counted = (book.arrival[:n] >= warmup) & book.resolved_by(horizon)
    waits = book.start[:n] - book.arrival[:n]
    in_system = book.resolved[:n] - book.arrival[:n]

    def per_replication(x):
        return np.bincount(rep[counted], weights=x[counted], minlength=R) / np.bincount(rep[counted], minlength=R)

    w_rep, s_rep = per_replication(waits), per_replication(in_system)
    busy = book.work[:n][book.resolved_by(horizon)].sum()
    return {
        "wait_time_mean_days": float(w_rep.mean()),
        "service_time_mean_days": float(s_rep.mean()),
        "wait_time_sem_days": float(w_rep.std(ddof=1) / np.sqrt(R)) if R > 1 else float("nan"),
        "service_time_sem_days": float(s_rep.std(ddof=1) / np.sqrt(R)) if R > 1 else float("nan"),
        "service_time_p90_days": float(np.percentile(in_system[counted], 90)),
        "utilisation": float(busy / (R * c * horizon)),
        "requests_counted": int(counted.sum()),
        "requests_arrived_total": counts["requests_arrived"], "requests_resolved_total": counts["requests_resolved"],
        "requests_open_at_end": counts["requests_open_end"],
        "servers": int(c), "arrival_rate": float(lam), "service_rate": float(mu), "days": int(sc.days),
        "warmup_days": float(warmup), "replications": int(R), "seed": int(cfg.seed), "scenario": "mmc",
    }
