"""How long `python -m sim.report` takes on a full-size compare_reforms folder (goal: <= 30 s).

    PYTHONPATH=$PWD python benchmarks/bench_report.py [--variants 22] [--seeds 20] [--scenario township] [--png]

Runs the model for real for baseline and one reform x 2 seeds (a full year, so each timeseries has its real
size), then fills a synthetic folder of `variants x seeds` runs by copying those run folders and jittering the
summary numbers (so the paired CIs are not degenerate), builds runs.parquet / comparison.parquet / manifest.json,
and times the report on it. Prints the measured seconds.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.config import REFORM_NAMES
from sim.views.report import build_report
from sim.experiments.aggregate import comparison_table
from tests.report_fixture import build_fixture_experiment


def synthetic_folder(src: Path, dst: Path, variants: list[str], seeds: int) -> Path:
    runs = pd.read_parquet(src / "runs.parquet")
    rng = np.random.default_rng(0)
    numeric = [c for c in runs.columns if c not in ("experiment", "variant", "seed", "run_dir", "scenario")]
    rows = []
    for i, v in enumerate(variants):
        template = runs[runs.variant == ("baseline" if v == "baseline" else "one_form")]
        for k in range(seeds):
            t = template.iloc[k % len(template)]
            run_dir = Path("runs") / v / f"seed={k}"
            shutil.copytree(src / t.run_dir, dst / run_dir)
            row = t.copy()
            row["variant"], row["seed"], row["run_dir"] = v, k, str(run_dir)
            row[numeric] = row[numeric].astype(float) * (1 + 0.02 * rng.standard_normal(len(numeric)))
            rows.append(row)
    big = pd.DataFrame(rows).reset_index(drop=True)
    big.to_parquet(dst / "runs.parquet", index=False)
    comparison_table(big).to_parquet(dst / "comparison.parquet", index=False)
    spec = yaml.safe_load((src / "experiment.yaml").read_text())
    spec.update(name=dst.name, seeds=list(range(seeds)), variants={v: [] for v in variants})
    (dst / "experiment.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))
    shutil.copy(src / "manifest.json", dst / "manifest.json")
    return dst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variants", type=int, default=22)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--scenario", default="township")
    ap.add_argument("--days", type=int, default=364)
    ap.add_argument("--keep", type=Path, help="copy the synthetic folder (with its report) here afterwards")
    ap.add_argument("--png", action="store_true", help="also time the PNG export (needs chromium)")
    a = ap.parse_args()
    variants = (["baseline", "all_reforms"] + list(REFORM_NAMES))[: a.variants]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        src = build_fixture_experiment(Path(tmp) / "src", ("baseline", "one_form"), (0, 1), days=a.days,
                                       scenario=a.scenario)
        dst = synthetic_folder(src, Path(tmp) / "bench_compare", variants, a.seeds)
        n_runs = len(pd.read_parquet(dst / "runs.parquet"))
        print(f"folder: {n_runs} runs ({len(variants)} variants x {a.seeds} seeds, {a.scenario}, {a.days} days) "
              f"built in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        res = build_report(dst, png=False)
        html_s = time.perf_counter() - t0
        size = res["html"].stat().st_size / 1e6
        print(f"report.html: {html_s:.2f} s ({len(res['figures'])} charts, {size:.1f} MB)  goal <= 30 s")
        if a.png:
            t0 = time.perf_counter()
            res = build_report(dst, png=True)
            print(f"report.html + PNG: {time.perf_counter() - t0:.2f} s ({len(res['pngs'])} PNG files; "
                  f"{res['png_message'] or 'ok'})")
        if a.keep:
            shutil.copytree(dst, a.keep, dirs_exist_ok=True)
        print(json.dumps({"runs": n_runs, "html_seconds": round(html_s, 2)}))


if __name__ == "__main__":
    main()
