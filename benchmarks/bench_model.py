"""The model's speed, judged as a ratio to Mesa's own object-per-agent style on the same machine.

One measured year of the township and county scenarios (after their 91-day warm-up): wall time with the build,
household-days per second (simulated days, warm-up included), peak memory; and an anchor: Mesa's Boltzmann wealth
model (the introductory tutorial's, 10,000 agents as Agent objects, `shuffle_do` each step) in agent-steps per
second. The ratio of the two throughputs says how far the vectorised populations are ahead of that style, whatever
machine runs it.

    .venv/bin/python benchmarks/bench_model.py            # township, county and the anchor
    .venv/bin/python benchmarks/bench_model.py county
    .venv/bin/python benchmarks/bench_model.py county scenario.days=273   # 364 simulated days in all
    .venv/bin/python benchmarks/bench_model.py county repeats=5          # medians of 5 rounds (default 3)

Goals on a 2-core machine (issue 14): township-year <= 0.25 s, county-year <= 1.5 s with its build (>= 50x the
anchor's throughput), county build <= 0.3 s, county peak memory <= 300 MB. Each measurement runs in a fresh
process (peak memory, ru_maxrss, is that run's own); imports are outside the timed part. The anchor and the models
run in rounds (3 by default); each figure is the median over the rounds, and each ratio pairs a model run with the
anchor run of its round (the range is printed beside it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from statistics import median

GOALS = {"township": {"total_s": 0.25}, "classroom": {"total_s": 0.25},
         "county": {"total_s": 1.5, "build_s": 0.3, "peak_mb": 300.0, "ratio": 50.0}}

MODEL = """
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

# Mesa's introductory tutorial model, as written there: each agent with wealth gives one unit to another agent
# chosen at random; the model steps its agents in random order
ANCHOR = """
import json, time
import mesa

class MoneyAgent(mesa.Agent):
    def __init__(self, model):
        super().__init__(model)
        self.wealth = 1

    def exchange(self):
        if self.wealth > 0:
            other = self.random.choice(self.model.agent_list)
            other.wealth += 1
            self.wealth -= 1

class MoneyModel(mesa.Model):
    def __init__(self, n, rng=None):
        super().__init__(rng=rng)
        MoneyAgent.create_agents(self, n)
        self.agent_list = list(self.agents)

    def step(self):
        self.agents.shuffle_do("exchange")

model = MoneyModel({agents}, rng=42)
model.step()
t0 = time.perf_counter()
for _ in range({steps}):
    model.step()
elapsed = time.perf_counter() - t0
print(json.dumps({{"agent_steps_per_s": {agents} * {steps} / elapsed}}))
"""


def _child(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(scenario: str, overrides: list[str]) -> dict:
    return _child(MODEL.format(scenario=scenario, overrides=overrides))


def anchor(agents: int = 10_000, steps: int = 50) -> float:
    """Mesa's object-per-agent throughput on this machine, in agent-steps per second."""
    return _child(ANCHOR.format(agents=agents, steps=steps))["agent_steps_per_s"]


def verdict(scenario: str, figures: dict) -> str:
    goals = GOALS.get(scenario, {})
    missed = [f"{k} {figures[k]:.2f} > {v}" if k != "ratio" else f"ratio {figures[k]:.0f}x < {v:.0f}x"
              for k, v in goals.items() if (figures[k] < v if k == "ratio" else figures[k] > v)]
    return "ok" if not missed else "OVER GOAL: " + ", ".join(missed)


def main(argv: list[str]) -> None:
    overrides = [a for a in argv if "=" in a and not a.startswith("repeats=")]
    given = next((a.split("=", 1)[1] for a in argv if a.startswith("repeats=")), "3")
    if not given.isdigit() or int(given) < 1:
        raise SystemExit(f"repeats={given}: a whole number of rounds of 1 or more is needed")
    repeats = int(given)
    scenarios = [a for a in argv if "=" not in a] or ["township", "county"]
    # rounds of the anchor and each scenario one after the other: a model run is judged against the anchor run
    # beside it, as the machine's speed drifts (single runs here spread by a third either way)
    bases, runs = [], {s: [] for s in scenarios}
    for _ in range(repeats):
        bases.append(anchor())
        for scenario in scenarios:
            r = bench(scenario, overrides)
            r["ratio"] = r["household_days"] / r["total_s"] / bases[-1]
            runs[scenario].append(r)
    print(f"anchor     Mesa Boltzmann wealth, 10,000 Agent objects: {median(bases):,.0f} agent-steps/s "
          f"(median of {repeats}: {min(bases):,.0f}-{max(bases):,.0f})")
    for scenario in scenarios:
        r = {k: median([run[k] for run in runs[scenario]]) for k in runs[scenario][0]}
        ratios = [run["ratio"] for run in runs[scenario]]
        print(f"{scenario:10s} {r['simulated_days']:.0f} days: {r['total_s']:6.2f} s "
              f"(build {r['build_s']:.2f} s, run {r['run_s']:.2f} s)  "
              f"{r['household_days'] / r['total_s']:,.0f} household-days/s = {r['ratio']:.0f}x the anchor "
              f"({min(ratios):.0f}-{max(ratios):.0f}x)  peak {r['peak_mb']:,.0f} MB  [{verdict(scenario, r)}]")


if __name__ == "__main__":
    main(sys.argv[1:])
