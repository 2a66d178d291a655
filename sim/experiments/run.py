"""Run one simulation from a config: the single entry point every launcher and test uses."""

from __future__ import annotations

from pathlib import Path

from ..checks.mmc import run_mmc
from ..config import validate, with_seed
from ..model.model import GrassrootsModel
from ..model.outputs import county_timeseries, summarise, timeseries
from .io import model_version, write_run


def run_simulation(cfg, out_dir: str | Path | None = None, seed: int | None = None):
    """Run `cfg` for `scenario.days` and return (summary, timeseries, model).

    `cfg` is a checked :class:`~sim.config.Config` (from ``load_config``), or a composed config that is checked
    here first, so nothing is written for an invalid one. With `out_dir`, also write the run's files there
    (``sim.experiments.io.write_run``: config, time series, county time series, and last the summary). The
    queueing check (`scenario=mmc`) returns (summary, None, None) and writes no time series.
    """
    cfg = validate(cfg)
    if seed is not None:
        cfg = with_seed(cfg, seed)
    if cfg.scenario.name == "mmc":
        summary = run_mmc(cfg) | {"model_version": model_version()}
        if out_dir is not None:
            write_run(out_dir, cfg, summary, None)
        return summary, None, None
    model = GrassrootsModel(cfg)
    model.run()
    summary = summarise(model) | {"model_version": model_version()}
    series = timeseries(model)
    if out_dir is not None:
        write_run(out_dir, cfg, summary, series, county_timeseries(model))
    return summary, series, model
