"""The queueing check: resident service reduced to an M/M/c queue, run on the model's own request book.

    python -m sim scenario=mmc                                  # c=3, lambda=240/day, mu=100/day: utilisation 0.8
    python -m sim scenario=mmc scenario.servers=5 scenario.arrival_rate=450 out_dir=/tmp/mmc

With no administrative burden, Poisson arrivals (`scenario.arrival_rate` per day), exponential service times
(`scenario.service_rate` per day per server) and `scenario.servers` servers taking requests from one shared
first-come-first-served queue in continuous time, the mean wait and time in system have closed forms (Erlang C).
The requests live in a :class:`sim.service.RequestBook` in its shared-queue mode (``start_shared_queue``,
``add_timed``, ``serve_shared``): the same records, open queue and conservation check the full model uses.
The run lasts `scenario.days`; requests arriving before `scenario.warmup_days` are not measured.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .config import validate
from .outputs import SCHEMA_VERSION, model_version, write_run
from .service import RequestBook
from .streams import Streams

MMC_SUMMARY_KEYS = {
    "wait_time_mean_days": "mean time from arrival to the start of service (measured requests)",
    "service_time_mean_days": "mean time from arrival to resolution, i.e. time in system (measured requests)",
    "requests_arrived": "requests over the run (count)",
    "requests_resolved": "resolved by the end (count)",
    "requests_open_end": "waiting or in service at the end (count); arrived = resolved + open_end",
    "requests_measured": "resolved requests that arrived after the warm-up (count)",
    "utilisation": "arrival_rate / (servers x service_rate)",
    "servers": "c", "arrival_rate": "lambda, per day", "service_rate": "mu, per day per server",
    "days": "run length", "warmup_days": "arrivals before this are not measured",
}


def run_mmc(cfg, out_dir: str | Path | None = None):
    """Run the M/M/c queue of a validated `scenario=mmc` config. Returns (summary, daily series, book)."""
    cfg = validate(cfg)
    sc = cfg.scenario
    if sc.name != "mmc":
        raise ValueError(f"run_mmc needs scenario=mmc, not {sc.name!r}")
    c, lam, mu, days = int(sc.servers), float(sc.arrival_rate), float(sc.service_rate), int(sc.days)
    streams = Streams(int(cfg.seed))
    rng_arrivals, rng_service = streams["mmc/arrivals"], streams["mmc/service"]
    book = RequestBook(c, capacity=int(lam * days * 1.1) + 1024)
    book.start_shared_queue(c)
    arrived, resolved_daily, open_daily = np.zeros(days, np.int64), np.zeros(days, np.int64), np.zeros(days, np.int64)
    for day in range(days):
        # the Poisson process on [day, day + 1): a Poisson count, placed uniformly and sorted (the process's
        # arrival times given their count are ordered uniforms)
        n = rng_arrivals.poisson(lam)
        times = day + np.sort(rng_arrivals.random(n))
        book.add_timed(times, rng_service.exponential(1.0 / mu, size=n))
        resolved = book.serve_shared(until=day + 1.0)
        counts = book.check_conservation(day)
        arrived[day], resolved_daily[day] = n, len(resolved)
        open_daily[day] = counts["requests_open_end"]
    counts = book.check_conservation(days - 1)
    t_sys, t_wait = book.shared_times(since=float(sc.warmup_days))
    summary = {
        "wait_time_mean_days": float(t_wait.mean()) if len(t_wait) else float("nan"),
        "service_time_mean_days": float(t_sys.mean()) if len(t_sys) else float("nan"),
        **counts,
        "requests_measured": int(len(t_sys)),
        "utilisation": lam / (c * mu),
        "servers": c, "arrival_rate": lam, "service_rate": mu, "days": days, "warmup_days": float(sc.warmup_days),
        "seed": int(cfg.seed), "scenario": "mmc", "reforms": [],
        "model_version": model_version(), "schema_version": SCHEMA_VERSION,
    }
    series = pd.DataFrame({"day": np.arange(days), "requests_arrived": arrived, "requests_resolved": resolved_daily,
                           "backlog_open": open_daily})
    if out_dir is not None:
        write_run(out_dir, cfg, summary, series)
    return summary, series, book
