"""A run's cost in instructions rather than seconds: a measure a busy machine does not move.

On a shared machine a run's time moves by a quarter within the hour (docs/scaling.md), more than most changes save.
The instructions a run executes do not move with the machine's load. This runs a scenario under Valgrind's cachegrind
(without its cache simulation) twice, at once: building the model only, then building it and simulating every day.
The difference is the simulated days' own instructions. Compare two versions of the code by running the same
command from each checkout: the counted processes import `sim` from the current directory first.

A change that saves instructions saves time, though not exactly in proportion: memory and branch costs are not
counted.

    .venv/bin/python benchmarks/count_instructions.py                         # the township baseline
    .venv/bin/python benchmarks/count_instructions.py township 'reform=[one_form]'

Needs `valgrind` (Debian's package). A township takes about a minute and a half, since Valgrind runs it some 50 times
slower. Hash randomisation is fixed (PYTHONHASHSEED=0), so two runs of the same code count the same, to a few
thousandths.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

CHILD = """
import sys
from sim.config import load_config
from sim.model.model import GrassrootsModel
model = GrassrootsModel(load_config(sys.argv[2:]))
if sys.argv[1] == "run":
    model.run()
print("days", model.days)
"""


def instructions(what: str, overrides: list[str]) -> tuple[int, int]:
    """(instructions executed, days simulated in all) by a process that builds the model and, for "run", runs it."""
    cmd = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
           sys.executable, "-c", CHILD, what, *overrides]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    if out.returncode != 0:
        raise SystemExit(f"the {what} under valgrind failed: {out.stderr.strip().splitlines()[-1:]}")
    return refs(out.stderr), int(out.stdout.split()[-1])


def refs(report: str) -> int:
    """The instructions executed, from cachegrind's report ("==pid== I refs:  8,844,905,022")."""
    found = re.search(r"I\s+refs:\s+([\d,]+)", report)
    if found is None:
        raise SystemExit("valgrind printed no instruction count (its 'I refs' line)")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str]) -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    scenario = next((a for a in argv if "=" not in a), "township")
    overrides = [f"scenario={scenario}", *(a for a in argv if "=" in a)]
    with ThreadPoolExecutor(2) as pool:   # the two processes are independent: one on each core
        build, run = pool.map(lambda what: instructions(what, overrides), ["build", "run"])
    days = run[1]
    simulated = run[0] - build[0]
    print(f"{' '.join(overrides)}: {simulated / 1e6:,.0f} M instructions for the {days} simulated days "
          f"({simulated / days / 1e6:.2f} M a day); building, imports included, {build[0] / 1e6:,.0f} M")


if __name__ == "__main__":
    main(sys.argv[1:])
