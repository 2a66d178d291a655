"""Aggregate a sweep's results folder into tidy tables (the command: ``python -m sim.aggregate folder=...``).

Writes, next to experiment.yaml and runs/ (whose runs/<level>=<value>/.../timeseries.parquet files read as one
Hive-partitioned dataset):
- runs.parquet: one row per completed run: who it is (experiment, variant, seed, run_dir, scale or sample), every
  input the experiment sweeps as its own column (a dose, a design point's parameters), its scenario, reforms, model
  version and run key, then every summary key (named as in _summary.json; see sim.model.outputs.codebook());
- timeseries.parquet and county_timeseries.parquet: every run's time series in one long table (variant, seed, day,
  township, metrics);
- comparison.parquet and comparison.csv: per (variant, metric) the baseline and variant means and the paired
  difference (variant - baseline, paired by seed: common random numbers) with its 95% t interval, sd and n; for a
  scale experiment, per scale;
- the tables its kind adds (sim.experiments.kinds), as .parquet and .csv: sensitivity (and sobol, for the report)
  for a sensitivity experiment, indices with 95% intervals; dose_response, the comparison with each dose's value;
- codebook.csv: every column of these tables with its unit and meaning (also in each parquet file's metadata);
- manifest.json: model and schema version, when, and the runs missing, failed or stale.
Only the planned runs whose files are complete and carry their run key are counted. Every file is written to a
temporary name and renamed.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from omegaconf import OmegaConf

from ..model.outputs import SCHEMA_VERSION, codebook
from .io import COUNTY_FILE, SERIES_FILE, atomic_write, read_summary, run_state, write_table, write_text
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
    rows, series, county, missing, failed, stale = [], [], [], [], [], []
    for r in plan:
        d = folder / r["run_dir"]
        state = run_state(d, r["key"])
        if state == "done":
            summary = read_summary(d)
            rows.append(run_row(spec, r, summary))
            if summary.get("scenario") != "mmc":
                series.append((d / SERIES_FILE, r))
                if (d / COUNTY_FILE).is_file():
                    county.append((d / COUNTY_FILE, r))
        else:
            {"failed": failed, "stale": stale}.get(state, missing).append(r["run_dir"])
    runs = pd.DataFrame(rows)
    inputs = {k for r in plan for k in r.get("inputs", {})}
    book = results_codebook(inputs)
    notes = {t: _notes(book, t) for t in ("runs", "comparison", "timeseries", "county_timeseries")}
    write_table(folder / "runs.parquet", runs, units=notes["runs"])
    tables = {"runs": runs}
    for stem, parts in (("timeseries", series), ("county_timeseries", county)):
        if parts:
            tables[stem] = _tagged(parts)
            write_table(folder / f"{stem}.parquet", tables[stem], units=notes[stem])
    atomic_write(folder / "codebook.csv", lambda p: book.to_csv(p, index=False))
    if len(runs):
        comparison = comparison_table(runs, by=kind.group_by, exclude=inputs, pair=kind.pair_by)
        tables["comparison"] = comparison
        write_table(folder / "comparison.parquet", comparison, units=notes["comparison"])
        atomic_write(folder / "comparison.csv", lambda p: comparison.to_csv(p, index=False))
        for stem, frame in kind.tables(spec, runs, comparison).items():
            tables[stem] = frame
            write_table(folder / f"{stem}.parquet", frame, units=_notes(book, stem))
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
    row.update({k: v for k, v in summary.items() if isinstance(v, (int, float)) and k not in row})
    return row


def _tagged(parts: list[tuple[Path, dict]]) -> pd.DataFrame:
    """The runs' time series in one long table, in the plan's order, with the columns that say which run each row
    is first. Read as Arrow tables and made a DataFrame once: a DataFrame per run cost ~6 ms a run (a third of a
    minute for 2,000 runs); the table is the same. The files are read by a few threads, in order (Arrow reads
    without the GIL): one after another they took some 2 ms each, and a comparison of 440 runs has 880."""
    with ThreadPoolExecutor() as pool:
        arrow = list(pool.map(pq.read_table, [path for path, _ in parts]))
    frame = pa.concat_tables(arrow, promote_options="default").to_pandas()   # a column a run lacks: null there
    rows = [t.num_rows for t in arrow]
    plans = [plan for _, plan in parts]
    # every run of an experiment is named by the same levels (a scale experiment's runs all have a scale)
    levels = ["variant", "seed"] + [level for level in ("scale", "sample") if level in plans[0]]
    for i, level in enumerate(levels):
        frame.insert(i, level, np.repeat(np.array([plan[level] for plan in plans]), rows))
    return frame


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# the columns a results folder adds to the model's outputs: who a run is, and the paired comparison
RESULT_COLUMNS = [
    ("runs", "experiment", "", "the experiment's name"),
    ("runs", "variant", "", "the variant: a named set of overrides (levers); the baseline is what the others are "
     "compared with"),
    ("runs", "seed", "", "the replication's seed; a variant and the baseline with one seed share their random draws"),
    ("runs", "run_dir", "", "the run's folder, relative to the results folder"),
    ("runs", "scale", "", "the scenario of a scale experiment"),
    ("runs", "sample", "", "the design point of a sensitivity experiment"),
    ("runs", "scenario", "", "the scenario run"),
    ("runs", "reforms", "", "the reforms switched on, comma-separated"),
    ("runs", "model_version", "", "package version + hash of the model's code and configs"),
    ("runs", "run_key", "", "hash of the run's resolved config and the model version: what its result depends on"),
    ("comparison", "variant", "", "the variant compared with the baseline"),
    ("comparison", "scale", "", "the scenario of a scale experiment (each compared at its own scale)"),
    ("comparison", "metric", "", "a column of runs.parquet (see its unit in the runs rows of this codebook)"),
    ("comparison", "baseline_mean", "the metric's unit", "the baseline's mean over its seeds"),
    ("comparison", "variant_mean", "the metric's unit", "the variant's mean over its seeds"),
    ("comparison", "diff_mean", "the metric's unit", "mean paired difference, variant - baseline, seed by seed"),
    ("comparison", "diff_ci_low", "the metric's unit", "95% t interval of the paired difference: low end"),
    ("comparison", "diff_ci_high", "the metric's unit", "95% t interval of the paired difference: high end"),
    ("comparison", "diff_sd", "the metric's unit", "standard deviation of the paired differences"),
    ("comparison", "n", "count", "pairs: seeds (in a robustness experiment, scenarios x seeds)"),
    ("decomposition", "variant", "", "the variant compared with the baseline"),
    ("decomposition", "part", "", "where the gross hours removed went: absorbed_by_rebound, kept_as_paperwork, "
     "lost_to_fatigue, reinvested_in_residents, given_back_as_rest, other_responses (they add up to "
     "gross_removed); beside them gross_removed, net_saved (admin hours saved) and moved_up_to_county "
     "(department hours, per cadre-week); see sim.experiments.decompose"),
    ("decomposition", "hours_per_cadre_week", "hours per cadre-week", "mean over the paired seeds"),
    ("decomposition", "ci_low", "hours per cadre-week", "95% t interval over the paired seeds: low end"),
    ("decomposition", "ci_high", "hours per cadre-week", "95% t interval over the paired seeds: high end"),
    ("decomposition", "n", "count", "seeds in the pair"),
    ("calibration", "target", "", "the target's name (experiments/calibrate.yaml)"),
    ("calibration", "use", "", "calibration (to fit the unpublished defaults to), held_out (a reform's effect, "
     "predicted and never tuned on) or structure (an input or structure, reported so that a drift shows)"),
    ("calibration", "figure", "", "the published figure, in words"),
    ("calibration", "zh", "", "the same in Chinese (empty when the spec gives none)"),
    ("calibration", "source", "", "where it was published"),
    ("calibration", "quantity", "", "the summary key it is held to (a role's figure as <role>.<key>; a / b a ratio)"),
    ("calibration", "variant", "", "baseline, or the reform a held-out target predicts"),
    ("calibration", "change", "", "level, or the reform's relative or absolute change against the same seed's "
     "baseline"),
    ("calibration", "interval_low", "as the quantity", "the model must land at or above this"),
    ("calibration", "interval_high", "as the quantity", "and at or below this"),
    ("calibration", "model_median", "as the quantity", "the model's median over the seeds"),
    ("calibration", "model_p05", "as the quantity", "5th percentile over the seeds"),
    ("calibration", "model_p95", "as the quantity", "95th percentile over the seeds"),
    ("calibration", "n_seeds", "count", "seeds the figures are over"),
    ("calibration", "within", "true/false", "the median is inside the interval"),
    ("calibration", "why", "", "why the interval is that wide"),
    ("posterior", "max_implausibility", "standard deviations",
     "the largest implausibility any calibration target finds at this accepted parameter set (at most 3)"),
    ("history_matching", "kind", "", "uncertainty (a default searched over) or target (a calibration target)"),
    ("history_matching", "name", "", "the config key, or the target's name"),
    ("history_matching", "low", "as the key or target", "the uncertainty's range, or the target's interval: low end"),
    ("history_matching", "high", "as the key or target", "the same: high end"),
    ("history_matching", "nroy_low", "as the key", "the lowest value among the accepted parameter sets"),
    ("history_matching", "nroy_high", "as the key", "the highest value among the accepted parameter sets"),
    ("history_matching", "calibrated", "as the key or target",
     "at the calibrated point (the candidate whose largest implausibility is smallest): the uncertainty's value, or "
     "the target's emulated value"),
    ("history_matching", "emulated_sd", "as the target", "the emulator's standard deviation there"),
    ("history_matching", "implausibility", "standard deviations", "the target's implausibility there"),
    ("history_matching", "nroy_share", "share 0-1", "share of the candidates no target rules out"),
    # robustness (sim.experiments.robustness, sim.experiments.discovery)
    ("outcomes", "variant", "", "the policy: the baseline, a reform, all_reforms or a section bundle"),
    ("outcomes", "sample", "", "the scenario: a point of the uncertainties (its values in the uncertainty columns)"),
    ("outcomes", "seed", "", "the replication's seed, shared with the baseline it is paired with"),
    ("outcomes", "service_time_mean_days", "days", "the policy's mean service time in this scenario and seed"),
    ("outcomes", "hours_saved", "hours per cadre-week", "admin hours: the baseline's less the policy's, same "
     "scenario and seed"),
    ("outcomes", "service_time_change", "days", "mean service time: the policy's less the baseline's"),
    ("outcomes", "resolved_within_15d_change", "share 0-1", "share resolved within 15 days: policy less baseline"),
    ("outcomes", "moved_up_hours", "hours per county-week", "county department hours: policy less baseline"),
    ("outcomes", "satisfaction_change", "score", "residents' mean satisfaction: policy less baseline"),
    ("rank_stability", "variant", "", "the policy"),
    ("rank_stability", "outcome", "", "hours_saved (more is better) or service_time_mean_days (less is better)"),
    ("rank_stability", "median_rank", "rank", "median over scenarios x seeds of the policy's rank among all "
     "policies (1 is best; ties share the better rank)"),
    ("rank_stability", "rank_p05", "rank", "5th percentile of the rank"),
    ("rank_stability", "rank_p95", "rank", "95th percentile of the rank"),
    ("rank_stability", "p_top3", "share 0-1", "share of scenarios x seeds where the policy ranks in the top 3"),
    ("rank_stability", "n", "count", "scenarios x seeds"),
    ("regret", "variant", "", "the policy"),
    ("regret", "outcome", "", "hours_saved or service_time_mean_days"),
    ("regret", "max_regret", "as the outcome", "the largest shortfall against the best policy of a scenario"),
    ("regret", "p90_regret", "as the outcome", "its 90th percentile over scenarios x seeds"),
    ("regret", "median_regret", "as the outcome", "its median"),
    ("regret", "mean_regret", "as the outcome", "its mean"),
    ("regret", "n", "count", "scenarios x seeds"),
    ("backfire", "variant", "", "the policy"),
    ("backfire", "backfire", "", "service_worse (service time longer than the baseline's by more than "
     "backfire.service_worse_days) or saving_short (fewer admin hours saved than backfire.saving_below_hours)"),
    ("backfire", "share", "share 0-1", "share of scenarios x seeds where the policy backfires so"),
    ("backfire", "n", "count", "scenarios x seeds"),
    ("prim_boxes", "variant", "", "the policy"),
    ("prim_boxes", "outcome", "", "the kind of backfire the box is of (see backfire)"),
    ("prim_boxes", "box", "count", "the box's number (PRIM finds them one after another)"),
    ("prim_boxes", "uncertainty", "", "a config key the box restricts (empty: a box that restricts nothing)"),
    ("prim_boxes", "low", "as the key", "the box's lower limit on it (empty: no lower limit)"),
    ("prim_boxes", "high", "as the key", "the box's upper limit on it (empty: no upper limit)"),
    ("prim_boxes", "qp", "probability", "the restriction's quasi-p value (Bryant & Lempert 2010): how likely the "
     "box would be as dense without it; every restriction reported is at most prim.max_qp"),
    ("prim_boxes", "coverage", "share 0-1", "share of all the policy's backfiring cases inside the box"),
    ("prim_boxes", "density", "share 0-1", "share of the cases inside the box that backfire"),
    ("prim_boxes", "mass", "share 0-1", "share of all the policy's cases inside the box"),
    ("prim_boxes", "n_cases", "count", "cases inside the box"),
    # packages (sim.experiments.kinds.packages)
    *[(table, column, unit, meaning) for table in ("packages", "pareto", "cheapest") for column, unit, meaning in (
        ("variant", "", "the package's variant: baseline, or pkg_<hex> (bit i: the i-th lever on)"),
        ("package", "", "its reforms, comma-separated (empty: the baseline)"),
        ("n_reforms", "count", "how many reforms it holds"),
        ("hours_saved", "hours per cadre-week", "admin hours saved against the baseline, mean over the seeds"),
        ("service_time_change", "days", "change in mean service time against the baseline, mean over the seeds"),
        ("moved_up_hours", "hours per county-week", "county department hours added, mean over the seeds"),
        ("pareto", "true/false", "no package evaluated is as good on every objective and better on one"))],
]


def results_codebook(inputs=()) -> pd.DataFrame:
    """codebook.csv: every column of the results folder's tables with its unit and meaning."""
    rows = [{"table": t, "column": c, "unit": u, "meaning": m} for t, c, u, m in RESULT_COLUMNS]
    rows += [{"table": "runs", "column": k, "unit": "as the config key",
              "meaning": f"an input the experiment sweeps: the config key {k}"} for k in sorted(inputs)]
    rows += [{"table": "posterior", "column": k, "unit": "as the config key",
              "meaning": f"an accepted value of {k} (history matching: no calibration target rules it out)"}
             for k in sorted(inputs) if k not in ("scenario", "package")]
    rows += [{"table": "outcomes", "column": k, "unit": "as the config key",
              "meaning": f"the scenario's value of the uncertainty {k}"} for k in sorted(inputs)
             if k not in ("scenario", "package")]
    model = codebook()
    model["table"] = model["table"].replace({"summary": "runs"})
    index = [{"table": t, "column": c, "unit": "", "meaning": "which run (see the runs rows)"}
             for t in ("timeseries", "county_timeseries") for c in ("variant", "seed", "scale", "sample")]
    return pd.concat([pd.DataFrame(rows), model, pd.DataFrame(index)], ignore_index=True)


def _notes(book: pd.DataFrame, table: str) -> dict:
    part = book[book.table == table]
    return {c: {"unit": u, "meaning": m} for c, u, m in zip(part.column, part.unit, part.meaning)}


# columns of runs.parquet that describe a run rather than measure it: never compared as outcomes
METADATA = {"seed", "sample", "n_cadres", "n_households", "n_townships", "measured_days", "warmup_days",
            "schema_version"}


def comparison_table(runs: pd.DataFrame, by: str | None = None, exclude=(), pair=("seed",)) -> pd.DataFrame:
    """Per (variant, metric): paired differences against the baseline over the pairs both have (a pair: the same
    seed; in a robustness experiment the same scenario and seed, `pair`); the columns in `exclude` (the inputs a
    sweep sets) are not outcomes."""
    groups = runs.groupby(by) if by else [(None, runs)]
    metrics = [c for c in runs.columns if c not in METADATA and c not in set(exclude)
               and pd.api.types.is_numeric_dtype(runs[c]) and not pd.api.types.is_bool_dtype(runs[c])]
    out = []
    for key, g in groups:
        base = g[g.variant == "baseline"].set_index(list(pair))
        base_mean = base[metrics].mean()   # each column's mean, as each column's own mean() makes it
        for variant, gv in g[g.variant != "baseline"].groupby("variant", sort=False):
            gv = gv.set_index(list(pair))
            pairs = base.index.intersection(gv.index).sort_values()
            variant_mean = gv[metrics].mean()
            # the paired rows selected once per variant and read as one array per metric (a row each, contiguous),
            # not a column of a DataFrame per metric: a robustness experiment has ~300 metrics for each policy
            base_pairs = np.ascontiguousarray(base.loc[pairs, metrics].to_numpy(dtype=float).T)
            variant_pairs = np.ascontiguousarray(gv.loc[pairs, metrics].to_numpy(dtype=float).T)
            for j, m in enumerate(metrics):
                d = paired_difference(base_pairs[j], variant_pairs[j])
                row = {"variant": variant, "metric": m, "baseline_mean": float(base_mean[m]),
                       "variant_mean": float(variant_mean[m]), "diff_mean": d["mean"], "diff_ci_low": d["ci_low"],
                       "diff_ci_high": d["ci_high"], "diff_sd": d["sd"], "n": d["n"]}
                if by:
                    row[by] = key
                out.append(row)
    return pd.DataFrame(out)
