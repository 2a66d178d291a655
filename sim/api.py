"""The Python API: one run, an experiment, and a results folder's tables, as pandas objects.

    >>> import sim
    >>> r = sim.run(["scenario=classroom", "scenario.days=28", "reform=[one_form]"], seed=1)
    >>> r.summary["admin_hours_per_cadre_week"], r.timeseries.shape
    >>> r = sim.run({"scenario": "classroom", "scenario.days": 28, "reform": {"one_form": {"form_overhead_hours": 0.2}}})
    >>> tables = sim.run_experiment({"kind": "compare_reforms", "scenario": "classroom", "days": 28, "seeds": 2,
    ...                              "variants": {"baseline": [], "one_form": ["reform=[one_form]"]}})
    >>> tables["comparison"]
    >>> sim.load_results("results/compare_reforms")["runs"]

A bad override or value raises :class:`sim.ConfigError` (one line naming the key), before anything runs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .config import Config, load_config, with_seed
from .experiments import sweep as _sweep
from .experiments.run import run_simulation
from .model.model import GrassrootsModel


@dataclass
class RunResult:
    """One run: the summary (one value per key of sim/model/outputs.py: SUMMARY_KEYS), the daily time series (one
    row per day and township; None for the queueing check), the checked config and the model after its last day."""

    summary: pd.Series
    timeseries: pd.DataFrame | None
    config: Config
    model: GrassrootsModel | None


def run(overrides: list[str] | tuple[str, ...] | Mapping | None = None, seed: int | None = None,
        out_dir: str | Path | None = None) -> RunResult:
    """Run the model once.

    `overrides` are Hydra override strings (``["scenario=classroom", "reform=[one_form]"]``, as on the command
    line) or a nested dict of config values merged over the composed defaults (``{"scenario": "classroom",
    "chat": {"read_minutes": 0.5}}``; see :func:`sim.config.load.config_from_values`). `seed` replaces the config's
    seed. With `out_dir`, the run's files (``sim.experiments.io.write_run``) are written there too.
    """
    cfg = load_config(overrides if overrides is not None else [])
    if seed is not None:
        cfg = with_seed(cfg, seed)
    summary, series, model = run_simulation(cfg, out_dir=out_dir)
    return RunResult(summary=pd.Series(summary, name="summary"), timeseries=series, config=cfg, model=model)


def run_experiment(spec: Mapping, out: str | Path | None = None, jobs: int = 2,
                   launcher: str = "joblib") -> dict[str, pd.DataFrame]:
    """Run an experiment given as a dict (what a file in experiments/ holds: ``kind`` and the kind's settings) and
    return its tables by name: ``runs``, ``comparison`` and the kind's own (e.g. ``sensitivity``).

    With `out`, the results folder is kept there (and a second call finishes what is missing); without it the runs
    go to a temporary folder that is removed once the tables are read. `jobs` parallel workers; `launcher` is
    Hydra's launcher (joblib, basic, submitit_local, submitit_slurm, ray), as in ``python -m sim.sweep``.
    """
    spec = dict(spec)
    if out is not None:
        return _sweep.run_experiment(spec, Path(out), jobs=jobs, launcher=launcher)
    with tempfile.TemporaryDirectory(prefix="grassroots-") as tmp:
        name = str(spec.get("name") or spec.get("kind") or "experiment")
        return _sweep.run_experiment(spec, Path(tmp) / name, jobs=jobs, launcher=launcher)


def load_results(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a results folder by name (``runs``, ``comparison`` and whatever else it holds, e.g.
    ``sensitivity``), read from its .parquet files."""
    folder = Path(folder)
    tables = {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}
    if not tables:
        raise FileNotFoundError(f"{folder}: no tables (*.parquet); run the experiment, or "
                                f"python -m sim.aggregate folder={folder}")
    return tables
