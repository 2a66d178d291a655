"""A small, genuine results folder for testing and benchmarking the report (NOT the real aggregation).

It really runs the model (classroom scenario, a few weeks) for a few variants x seeds and writes the results
contract of the helper brief: experiment.yaml, runs/<variant>/seed=<k>/, runs.parquet, comparison.parquet/.csv,
manifest.json. The sweeps' own aggregation (sim/aggregate.py) replaces this for real experiments; only tests and
benchmarks/bench_report.py import this module.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import yaml

from .config import load_config
from .outputs import SUMMARY_KEYS, model_version, SCHEMA_VERSION
from .run import run_simulation
from .stats import paired_difference


def variant_overrides(variant: str) -> list[str]:
    """Hydra overrides of a compare_reforms variant."""
    if variant == "baseline":
        return []
    if variant == "all_reforms":
        return ["package=all_reforms"]
    return [f"reform=[{variant}]"]


def build_fixture_experiment(root: str | Path, variants=("baseline", "one_form", "rest_rights", "all_reforms"),
                             seeds=(0, 1, 2), days: int = 28, name: str = "fixture_compare",
                             skip: tuple[tuple[str, int], ...] = (), scenario: str = "classroom") -> Path:
    """Run every (variant, seed) but those in `skip` and write the results folder root/<name>.

    `skip` makes a partial sweep: the skipped runs are listed in manifest.json's missing runs.
    """
    exp = Path(root) / name
    base = [f"scenario={scenario}", f"scenario.days={days}"]
    spec = {
        "name": name, "kind": "compare_reforms", "scenario": scenario, "seeds": list(seeds),
        "overrides": base, "variants": {v: variant_overrides(v) for v in variants},
        "command": f"python -m sim.report_fixture {exp}  # fixture: {len(variants)} variants x {len(seeds)} seeds",
    }
    exp.mkdir(parents=True, exist_ok=True)
    (exp / "experiment.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    rows, missing = [], []
    for v in variants:
        for k in seeds:
            run_dir = exp / "runs" / v / f"seed={k}"
            if (v, k) in skip:
                missing.append(f"{v}/seed={k}")
                continue
            if not (run_dir / "summary.json").exists():
                run_simulation(load_config(base + variant_overrides(v) + [f"seed={k}"]), out_dir=run_dir)
            summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
            row = {"experiment": name, "variant": v, "seed": k, "run_dir": str(run_dir.relative_to(exp)),
                   "scenario": summary["scenario"], "days": summary["days"]}
            row.update({key: float(summary[key]) for key in SUMMARY_KEYS if key in summary})
            rows.append(row)
    runs = pd.DataFrame(rows)
    runs.to_parquet(exp / "runs.parquet", index=False)
    comp = comparison_table(runs)
    comp.to_parquet(exp / "comparison.parquet", index=False)
    comp.to_csv(exp / "comparison.csv", index=False)
    manifest = {
        "model_version": model_version(), "schema_version": SCHEMA_VERSION,
        "config_hash": hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16],
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "missing_runs": missing, "failed_runs": [],
    }
    (exp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return exp


def comparison_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (variant, metric): paired by seed against the baseline (diff = variant - baseline)."""
    metrics = [k for k in SUMMARY_KEYS if k in runs.columns]
    base = runs[runs.variant == "baseline"].set_index("seed")
    out = []
    for v, grp in runs.groupby("variant", sort=False):
        g = grp.set_index("seed")
        common = sorted(set(g.index) & set(base.index))
        for m in metrics:
            d = paired_difference(base.loc[common, m].to_numpy(), g.loc[common, m].to_numpy())
            out.append({"variant": v, "metric": m, "baseline_mean": float(base.loc[common, m].mean()),
                        "variant_mean": float(g.loc[common, m].mean()), "diff_mean": d["mean"],
                        "diff_ci_low": d["ci_low"], "diff_ci_high": d["ci_high"], "n": d["n"]})
    return pd.DataFrame(out)


if __name__ == "__main__":  # pragma: no cover - convenience for trying the report by hand
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("results")
    print(build_fixture_experiment(target.parent if target.name == "fixture_compare" else target))
