"""The default comparison at benchmark size: 22 variants x 20 seeds at township scale (440 one-year runs).

    .venv/bin/python benchmarks/bench_compare_reforms.py                      # seeds=20, 2 workers
    .venv/bin/python benchmarks/bench_compare_reforms.py seeds=4 workers=1,2  # runs/s on 1 and 2 workers, speed-up

Goal on a 2-core machine (issue 14): 440 runs <= 60 s end to end with both cores busy. Each sweep runs into a fresh
temporary folder (nothing is skipped) through the default launcher (Hydra joblib) and prints wall time and runs
per second (planning, the launcher's start, every run, writing and aggregating included); with several worker
counts, the speed-up over the first. The report is built too and timed separately.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sim.experiments.kinds import reform_variants
from sim.experiments.sweep import sweep
from sim.views.report import build_report

GOAL_S = 60.0  # for 440 runs


def one_sweep(seeds: int, jobs: int) -> tuple[float, float]:
    """(seconds for the sweep, seconds for its report)."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.time()
        folder = sweep("compare_reforms", {"seeds": seeds, "jobs": jobs, "out": str(Path(tmp) / "compare_reforms"),
                                           "report": False})
        elapsed = time.time() - start
        t0 = time.time()
        build_report(folder, png=False)
        return elapsed, time.time() - t0


def main(argv: list[str]) -> None:
    raw = dict(a.split("=", 1) for a in argv if "=" in a)
    seeds = int(raw.get("seeds", 20))
    workers = [int(w) for w in raw.get("workers", raw.get("jobs", "2")).split(",")]
    runs = len(reform_variants()) * seeds
    first = None
    for jobs in workers:
        elapsed, report_s = one_sweep(seeds, jobs)
        first = first or elapsed
        goal = GOAL_S * runs / 440
        verdict = f" [goal {goal:.0f} s: {'ok' if elapsed <= goal else 'OVER GOAL'}]" if jobs == 2 else ""
        print(f"compare_reforms: {runs} runs on {jobs} worker{'s' if jobs > 1 else ''} in {elapsed:.0f} s "
              f"({runs / elapsed:.2f} runs/s; speed-up {first / elapsed:.2f} over {workers[0]}){verdict}; "
              f"report {report_s:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
