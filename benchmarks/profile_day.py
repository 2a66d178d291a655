"""Where a simulated day's time goes: each call `GrassrootsModel.step` makes, as a share of a run's model time.

Profile first, then optimise (issue 14): this runs one scenario under cProfile and lists, for every call the
model's `step` makes (the day's order: departments, offices, cadres, households, reporters), the time spent in it
and below it, over the whole run. cProfile slows Python calls more than numpy's work, so the shares lean toward
call-heavy parts; read them as an order, and time a change with `bench_model.py`.

    .venv/bin/python benchmarks/profile_day.py                       # the township scenario
    .venv/bin/python benchmarks/profile_day.py county 'reform=[one_form]'
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time

from sim.config import load_config
from sim.model.model import GrassrootsModel


def step_callees(stats: pstats.Stats) -> tuple[float, list[tuple[str, float]]]:
    """(time in `step`, [(callee, cumulative time when called from `step`)]), largest first."""
    step = next(f for f in stats.stats if f[0].replace("\\", "/").endswith("sim/model/model.py") and f[2] == "step")
    total = stats.stats[step][3]
    rows = []
    for func, (_cc, _nc, _tt, _ct, callers) in stats.stats.items():
        if step in callers:
            filename, line, name = func
            where = name if filename == "~" else f"{filename.rsplit('/', 1)[-1]}:{line} {name}"
            if name == "do" and filename.endswith("agentset.py"):
                where = "the departments' step (Department.step, through Mesa's AgentSet.do)"
            rows.append((where, callers[step][3]))
    return total, sorted(rows, key=lambda r: -r[1])


def main(argv: list[str]) -> None:
    scenario = argv[0] if argv and "=" not in argv[0] else "township"
    overrides = [a for a in argv if "=" in a]
    model = GrassrootsModel(load_config([f"scenario={scenario}", *overrides]))
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.runcall(model.run)
    wall = time.perf_counter() - start
    total, rows = step_callees(pstats.Stats(profile))
    print(f"{scenario}: {model.days} days in {wall:.2f} s under the profiler ({wall / model.days * 1000:.2f} ms a "
          f"day); the day's calls:")
    for where, seconds in rows:
        if seconds >= 0.005 * total:
            print(f"  {100 * seconds / total:5.1f}%  {seconds:6.3f} s  {where}")


if __name__ == "__main__":
    main(sys.argv[1:])
