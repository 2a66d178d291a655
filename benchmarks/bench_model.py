"""One measured year of the township and county scenarios (after their 91-day warm-up): wall time, household-days
per second (simulated days, warm-up included), peak memory.

    .venv/bin/python benchmarks/bench_model.py            # both scenarios
    .venv/bin/python benchmarks/bench_model.py county
    .venv/bin/python benchmarks/bench_model.py county scenario.days=273   # 364 simulated days in all

Goals on a 2-core machine: township-year <= 1 s, county-year <= 15 s, peak memory <= 2 GB. Each scenario runs in
a fresh process so peak memory (ru_maxrss) is that run's own.
"""

from __future__ import annotations

import json
import subprocess
import sys

GOALS = {"township": 1.0, "county": 15.0, "classroom": 1.0}

CHILD = """
import json, resource, time
from sim.config import load_config
from sim.model.model import GrassrootsModel
from sim.model.outputs import summarise
cfg = load_config(["scenario={scenario}", *{overrides!r}])
t0 = time.perf_counter()
model = GrassrootsModel(cfg)
t1 = time.perf_counter()
model.run()
s = summarise(model)
t2 = time.perf_counter()
print(json.dumps({{"build_s": t1 - t0, "run_s": t2 - t1, "total_s": t2 - t0,
                  "household_days": s["n_households"] * model.days, "simulated_days": model.days,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def bench(scenario: str, overrides: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD.format(scenario=scenario, overrides=overrides)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    overrides = [a for a in argv if "=" in a]
    for scenario in [a for a in argv if "=" not in a] or ["township", "county"]:
        r = bench(scenario, overrides)
        goal = GOALS.get(scenario)
        ok = "ok" if goal is None or r["total_s"] <= goal else "OVER GOAL"
        print(f"{scenario:10s} {r['simulated_days']} days: {r['total_s']:6.2f} s "
              f"(build {r['build_s']:.2f} s, run {r['run_s']:.2f} s)  "
              f"{r['household_days'] / r['total_s']:,.0f} household-days/s  peak {r['peak_mb']:,.0f} MB  "
              f"[goal {goal} s: {ok}]")


if __name__ == "__main__":
    main(sys.argv[1:])
