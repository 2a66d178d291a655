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
from .io import SERIES_FILE, atomic_write, read_summary, run_state, write_text
from .kinds import KINDS
from .stats import paired_difference


class AggregateError(ValueError):
    """The folder cannot be aggregated as it is; the message says why and what to do."""


def check_folder(folder: Path, spec: dict) -> None:
    """Refuse a folder that holds another experiment. The same experiment with other settings (more seeds, another
    variant) is fine: each run is reused only if its own config and model version match (its key)."""
    old_spec = folder / "experiment.yaml"
    if not old_spec.exists():
        if folder.exists() and any(p.name not in (".sweep", "runs") for p in folder.iterdir()):
            raise AggregateError(f"{folder} is not empty and holds no experiment: choose another folder with out=...")
        return
    try:
        old = OmegaConf.to_container(OmegaConf.load(old_spec))
    except Exception as exc:
        raise AggregateError(f"{old_spec}: cannot read it ({_one_line(exc)}); remove the folder or choose another "
                             "with out=...") from None
    for key in ("name", "kind"):
        if old.get(key) != spec.get(key):
            raise AggregateError(f"{folder} holds experiment '{old.get('name')}' (kind {old.get('kind')}), not "
                                 f"'{spec.get('name')}' (kind {spec.get('kind')}); choose another folder with out=...")


def aggregate(folder: str | Path) -> dict:
    """Write the folder's tables; returns {"runs": runs, "tables": {stem: table}, "missing": run folders missing
    or failed}. Only the planned runs whose files are complete and match their key count."""
    folder = Path(folder)
    spec_file = folder / "experiment.yaml"
    if not spec_file.exists():
        raise AggregateError(f"{folder}: no experiment.yaml - not a sweep's results folder")
    spec = OmegaConf.to_container(OmegaConf.load(spec_file))
    kind = KINDS.get(spec.get("kind", "compare_reforms"))
    if kind is None:
        raise AggregateError(f"{spec_file}: kind '{spec.get('kind')}'; allowed: {', '.join(KINDS)}")
    plan_file = folder / ".sweep" / "runs.json"
    try:
        plan = json.loads(plan_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AggregateError(f"{plan_file}: cannot read the sweep's plan ({_one_line(exc)}); re-run the sweep "
                             "command") from None
    rows, series, missing, failed, stale = [], [], [], [], []
    for r in plan:
        d = folder / r["run_dir"]
        state = run_state(d, r["key"])
        if state == "done":
            summary = read_summary(d)
            rows.append(run_row(spec, r, summary))
            if summary.get("scenario") != "mmc":
                series.append(_tagged(d / SERIES_FILE, r))
        else:
            {"failed": failed, "stale": stale}.get(state, missing).append(r["run_dir"])
    runs = pd.DataFrame(rows)
    _write_table(folder / "runs.parquet", runs)
    tables = {"runs": runs}
    if series:
        tables["timeseries"] = timeseries = pd.concat(series, ignore_index=True)
        _write_table(folder / "timeseries.parquet", timeseries)
    if len(runs):
        inputs = {k for r in plan for k in r.get("inputs", {})}
        comparison = comparison_table(runs, by=kind.group_by, exclude=inputs)
        tables["comparison"] = comparison
        _write_table(folder / "comparison.parquet", comparison)
        atomic_write(folder / "comparison.csv", lambda p: comparison.to_csv(p, index=False))
        for stem, frame in kind.tables(spec, runs, comparison).items():
            tables[stem] = frame
            _write_table(folder / f"{stem}.parquet", frame)
            atomic_write(folder / f"{stem}.csv", lambda p, f=frame: f.to_csv(p, index=False))
    versions = sorted(set(runs["model_version"])) if len(runs) else []
    manifest = {
        "experiment": spec["name"], "kind": spec.get("kind"), "model_version": ", ".join(versions) or None,
        "schema_version": SCHEMA_VERSION, "config_hash": spec.get("config_hash"),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "runs_planned": len(plan), "runs_completed": len(rows), "missing_runs": missing, "failed_runs": failed,
        "stale_runs": stale,
    }
    write_text(folder / "manifest.json", json.dumps(manifest, indent=2))
    return {"missing": missing + failed + stale, "runs": runs, "tables": tables}


def run_row(spec: dict, plan: dict, summary: dict) -> dict:
    """One row of runs.parquet: who the run is, every input it sweeps as its own column, then its outcomes."""
    row = {"experiment": spec["name"], "variant": plan["variant"], "seed": plan["seed"], "run_dir": plan["run_dir"]}
    for level in ("scale", "sample"):
        if level in plan:
            row[level] = plan[level]
    row.update(plan.get("inputs", {}))
    row["reforms"] = ",".join(summary.get("reforms", []))
    row["model_version"] = summary.get("model_version")
    row["run_key"] = plan["key"]
    row.update({k: v for k, v in summary.items()
                if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in row})
    return row


def _tagged(path: Path, plan: dict) -> pd.DataFrame:
    """A run's time series with the columns that say which run it is, first."""
    frame = pd.read_parquet(path)
    tags = {"variant": plan["variant"], "seed": plan["seed"]}
    tags.update({level: plan[level] for level in ("scale", "sample") if level in plan})
    for i, (k, v) in enumerate(tags.items()):
        frame.insert(i, k, v)
    return frame


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _write_table(path: Path, frame: pd.DataFrame) -> None:
    atomic_write(path, lambda p: frame.to_parquet(p, index=False))


# columns of runs.parquet that describe a run rather than measure it: never compared as outcomes
METADATA = {"seed", "sample", "n_cadres", "n_households", "n_townships", "days", "schema_version"}


def comparison_table(runs: pd.DataFrame, by: str | None = None, exclude=()) -> pd.DataFrame:
    """Per (variant, metric): paired differences against the baseline over the seeds both have; the columns in
    `exclude` (the inputs a sweep sets) are not outcomes."""
    groups = runs.groupby(by) if by else [(None, runs)]
    metrics = [c for c in runs.columns if c not in METADATA and c not in set(exclude)
               and pd.api.types.is_numeric_dtype(runs[c])]
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
