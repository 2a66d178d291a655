"""Golden summaries: the baseline, each reform alone and all of them, two seeds each, at the classroom scale.

A change meant to keep behaviour keeps these identical; a change meant to alter behaviour rewrites them
(``python -m tests.golden.cases --write``) and says in its description which figures moved and why.
The summary is stored in full (so a failure can name the keys that moved) with a hash of it and of the two time
series (township and county). They are computed on pinned CPU code paths (``pinned.py``), so any x86-64 machine
computes the same bits.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from tests.golden import pinned

GOLDEN_FILE = Path(__file__).with_name("summaries.json")
SEEDS = (0, 1)
VOLATILE = {"model_version"}  # names the code version, not its behaviour


def cases() -> dict[str, list[str]]:
    from sim.config import REFORM_NAMES

    variants = {"baseline": [], **{r: [f"reform=[{r}]"] for r in REFORM_NAMES}, "all_reforms": ["package=all_reforms"]}
    return {f"{v}/seed={s}": ["scenario=classroom", *ov, f"seed={s}"] for v, ov in variants.items() for s in SEEDS}


def summary_hash(summary: dict) -> str:
    kept = {k: v for k, v in summary.items() if k not in VOLATILE}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


def series_hash(series) -> str:
    import numpy as np

    h = hashlib.sha256()
    for col in series.columns:
        h.update(col.encode())
        h.update(np.ascontiguousarray(series[col].to_numpy()).tobytes())
    return h.hexdigest()


def compute(overrides: list[str]) -> dict:
    from sim.config import load_config
    from sim.experiments.run import run_simulation
    from sim.model.outputs import county_timeseries

    summary, series, model = run_simulation(load_config(overrides))
    kept = {k: v for k, v in summary.items() if k not in VOLATILE}
    return {"summary": kept, "summary_hash": summary_hash(summary), "series_hash": series_hash(series),
            "county_series_hash": series_hash(county_timeseries(model))}


def main(argv: list[str]) -> int:
    pinned.pin()   # before numpy is imported, here and in the workers
    if len(argv) == 2 and argv[0] == "--compute":   # one case, as JSON (tests/test_golden.py, when it cannot pin)
        print(json.dumps(compute(cases()[argv[1]])))
        return 0
    if argv != ["--write"]:
        print("usage: python -m tests.golden.cases --write   (rewrites tests/golden/summaries.json)\n"
              "       python -m tests.golden.cases --compute CASE")
        return 2
    from joblib import Parallel, delayed

    todo = cases()
    results = Parallel(n_jobs=2)(delayed(_pinned_compute)(ov) for ov in todo.values())
    GOLDEN_FILE.write_text(json.dumps(dict(zip(todo, results)), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(todo)} golden cases written to {GOLDEN_FILE}")
    return 0


def _pinned_compute(overrides: list[str]) -> dict:
    if not pinned.in_effect():
        raise RuntimeError("the golden cases must be computed on the pinned code paths (tests/golden/pinned.py)")
    return compute(overrides)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
