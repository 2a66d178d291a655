"""The default comparison at benchmark size: 22 variants x 20 seeds at township scale (440 one-year runs).

    .venv/bin/python benchmarks/bench_compare_reforms.py [seeds=20] [jobs=2]

Goal on a 2-core machine: <= 5 minutes. Runs into a fresh temporary folder (nothing is skipped) through the
default launcher (Hydra joblib, 2 workers) and prints wall time and runs per second; the report is built too and
timed separately.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sim.experiments.kinds import reform_variants
from sim.experiments.sweep import parse_settings, sweep
from sim.views.report import build_report


def main(argv: list[str]) -> None:
    settings = {"seeds": 20, "jobs": 2, **parse_settings(argv)}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.time()
        folder = sweep("compare_reforms", {**settings, "out": str(Path(tmp) / "compare_reforms"), "report": False})
        runs = len(reform_variants()) * settings["seeds"]
        elapsed = time.time() - start
        t0 = time.time()
        build_report(folder, png=False)
        report_s = time.time() - t0
    print(f"compare_reforms: {runs} runs in {elapsed:.0f} s ({runs / elapsed:.2f} runs/s) "
          f"[goal 300 s: {'ok' if elapsed <= 300 else 'OVER GOAL'}]; report {report_s:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
