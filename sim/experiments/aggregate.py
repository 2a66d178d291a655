"""Aggregate a sweep's results folder into tidy tables.

    python -m sim.aggregate results/<experiment>

Writes, next to experiment.yaml and runs/:
- runs.parquet: one row per completed run (experiment, variant, seed, run_dir, scale, sample) and every numeric
  summary key as a column, named as in summary.json (e.g. "chat_hours_per_cadre_week"; see
  sim.model.outputs.codebook());
- comparison.parquet and comparison.csv: per (variant, metric) the baseline and variant means and the paired
  difference (variant - baseline, paired by seed: common random numbers) with its 95% t interval, sd and n; for a
  scale experiment, per scale;
- the tables its kind adds (sim.experiments.kinds), as .parquet and .csv: sensitivity (and sobol, for the report)
  for a sensitivity experiment, indices with 95% intervals; dose_response, the comparison with each dose's value;
- manifest.json: model and schema version, the experiment's config hash, when, and the missing and failed runs.
All files are written to a temporary name and renamed. Runs written by another schema or model version, or a folder
of another experiment config, are refused rather than mixed in.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from ..model.outputs import SCHEMA_VERSION
from .io import atomic_write, model_version
from .kinds import KINDS
from .stats import paired_difference


class AggregateError(ValueError):
    """The folder cannot be aggregated as it is; the message says why and what to do."""


def check_folder(folder: Path, spec: dict) -> None:
    """Refuse to add runs to a folder written for another experiment config or by another model or schema."""
    old_spec = folder / "experiment.yaml"
    if old_spec.exists():
        old = OmegaConf.to_container(OmegaConf.load(old_spec))
        if old.get("config_hash") != spec["config_hash"]:
            raise AggregateError(
                f"{folder} holds experiment '{old.get('name')}' with another configuration (config hash "
                f"{old.get('config_hash')} vs {spec['config_hash']}); choose another folder with out=... or remove it")
    for summary in sorted(folder.glob("runs/**/summary.json"))[:1] + sorted(folder.glob("runs/**/summary.json"))[-1:]:
        _check_version(json.loads(summary.read_text(encoding="utf-8")), summary)


def _check_version(summary: dict, where: Path) -> None:
    if summary.get("schema_version") != SCHEMA_VERSION:
        raise AggregateError(f"{where}: written with output schema {summary.get('schema_version')}, this model writes "
                             f"schema {SCHEMA_VERSION}; re-run the sweep into a new folder (out=...)")
    current = model_version()
    if summary.get("model_version") != current:
        raise AggregateError(f"{where}: written by model version {summary.get('model_version')}, this is {current}; "
                             "results of two model versions are not mixed: re-run into a new folder (out=...)")


def aggregate(folder: str | Path) -> dict:
    """Write the folder's tables; returns {"runs": runs, "tables": {stem: table}, "missing": run folders missing
    or failed}."""
    folder = Path(folder)
    spec_file = folder / "experiment.yaml"
    if not spec_file.exists():
        raise AggregateError(f"{folder}: no experiment.yaml - not a sweep's results folder")
    spec = OmegaConf.to_container(OmegaConf.load(spec_file))
    kind = KINDS.get(spec.get("kind", "compare_reforms"))
    if kind is None:
        raise AggregateError(f"{spec_file}: kind '{spec.get('kind')}'; allowed: {', '.join(KINDS)}")
    plan_file = folder / ".sweep" / "runs.json"
    if not plan_file.exists():
        raise AggregateError(f"{folder}: no .sweep/runs.json (the sweep's plan); re-run the sweep command")
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    rows, missing, failed = [], [], []
    versions = set()
    for r in plan:
        d = folder / r["run_dir"]
        if (d / "summary.json").exists():
            summary = json.loads((d / "summary.json").read_text(encoding="utf-8"))
            if summary.get("schema_version") != SCHEMA_VERSION:
                _check_version(summary, d)
            versions.add(summary.get("model_version"))
            row = {"experiment": spec["name"], "variant": r["variant"], "seed": r["seed"], "run_dir": r["run_dir"]}
            for extra in ("scale", "sample"):
                if extra in r:
                    row[extra] = r[extra]
            row.update({k: v for k, v in summary.items()
                        if isinstance(v, (int, float)) and not isinstance(v, bool)})
            rows.append(row)
        elif (d / "error.txt").exists():
            failed.append(r["run_dir"])
        else:
            missing.append(r["run_dir"])
    if len(versions) > 1:
        raise AggregateError(f"{folder}: runs from several model versions {sorted(versions)}; they are not mixed")
    runs = pd.DataFrame(rows)
    _write_table(folder / "runs.parquet", runs)
    tables = {"runs": runs}
    if len(runs):
        comparison = comparison_table(runs, by=kind.group_by)
        tables["comparison"] = comparison
        _write_table(folder / "comparison.parquet", comparison)
        atomic_write(folder / "comparison.csv", lambda p: comparison.to_csv(p, index=False))
        for stem, frame in kind.tables(spec, runs, comparison).items():
            tables[stem] = frame
            _write_table(folder / f"{stem}.parquet", frame)
            atomic_write(folder / f"{stem}.csv", lambda p, f=frame: f.to_csv(p, index=False))
    manifest = {
        "experiment": spec["name"], "kind": spec.get("kind"), "model_version": versions.pop() if versions else None,
        "schema_version": SCHEMA_VERSION, "config_hash": spec.get("config_hash"),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "runs_planned": len(plan), "runs_completed": len(rows), "missing_runs": missing, "failed_runs": failed,
    }
    atomic_write(folder / "manifest.json",
                  lambda p: Path(p).write_text(json.dumps(manifest, indent=2), encoding="utf-8"))
    return {"missing": missing + failed, "runs": runs, "tables": tables}


def _write_table(path: Path, frame: pd.DataFrame) -> None:
    atomic_write(path, lambda p: frame.to_parquet(p, index=False))


METADATA = {"seed", "sample", "n_cadres", "n_households", "n_townships", "days", "schema_version"}


def comparison_table(runs: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per (variant, metric): paired differences against the baseline over the seeds both have."""
    groups = runs.groupby(by) if by else [(None, runs)]
    metrics = [c for c in runs.columns if c not in METADATA and pd.api.types.is_numeric_dtype(runs[c])]
    out = []
    for key, g in groups:
        base = g[g.variant == "baseline"].set_index("seed")
        for variant, gv in g[g.variant != "baseline"].groupby("variant", sort=False):
            gv = gv.set_index("seed")
            seeds = base.index.intersection(gv.index).sort_values()
            for m in metrics:
                d = paired_difference(base.loc[seeds, m].to_numpy(), gv.loc[seeds, m].to_numpy())
                row = {"variant": variant, "metric": m, "baseline_mean": float(base[m].mean()),
                       "variant_mean": float(gv[m].mean()), "diff_mean": d["mean"], "diff_ci_low": d["ci_low"],
                       "diff_ci_high": d["ci_high"], "diff_sd": d["sd"], "n": d["n"]}
                if by:
                    row[by] = key
                out.append(row)
    return pd.DataFrame(out)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 1:
        print("usage: python -m sim.aggregate results/<experiment>", file=sys.stderr)
        return 2
    try:
        result = aggregate(argv[0])
    except AggregateError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{len(result['runs'])} runs aggregated in {argv[0]}; missing or failed: {len(result['missing'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
