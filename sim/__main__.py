"""`python -m sim [overrides]`: one run of the composed config, written to a results folder.

    python -m sim                                  # township, no reform, one year
    python -m sim scenario=county seed=3
    python -m sim 'reform=[shared_data_pool,single_assessor]'
    python -m sim +package=all_reforms
"""

from __future__ import annotations

import logging
import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from .config import CONFIG_DIR, ConfigError, validate
from .config.load import compose_config
from .experiments.run import run_simulation


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> None:
    try:
        cfg = validate(cfg)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        sys.exit(2)
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Hydra's logging config would print every Mesa step

    out_dir = cfg.out_dir or HydraConfig.get().runtime.output_dir
    summary, _, _ = run_simulation(cfg, out_dir=out_dir)
    if cfg.scenario.name == "mmc":
        print(f"M/M/{cfg.scenario.servers}: mean wait {summary['wait_time_mean_days']:.4f} d "
              f"(se {summary['wait_time_sem_days']:.4f}), mean time in system "
              f"{summary['service_time_mean_days']:.4f} d (se {summary['service_time_sem_days']:.4f}), "
              f"utilisation {summary['utilisation']:.3f}")
        print(f"  written to {out_dir}")
        return
    reforms = ", ".join(cfg.reform.enabled()) or "none"
    print(f"scenario={cfg.scenario.name} seed={cfg.seed} reforms: {reforms}")
    print(f"  admin {summary['admin_hours_per_cadre_week']:.1f} h, service "
          f"{summary['service_hours_per_cadre_week']:.1f} h, overtime {summary['overtime_hours_per_cadre_week']:.1f} h "
          f"per cadre-week; service time {summary['service_time_mean_days']:.1f} d "
          f"(p90 {summary['service_time_p90_days']:.0f} d); department hours "
          f"{summary['department_hours_per_county_week']:.0f}/week")
    print(f"  written to {out_dir}")


def _check_overrides(argv: list[str]) -> None:
    """Refuse a bad override with one line before Hydra starts (Hydra's own errors are long and name files).

    Sweeps (-m) are left to Hydra: their overrides hold sweep syntax such as range() that is not a config value.
    """
    if any(a in ("-m", "--multirun") or a.startswith("--") for a in argv):
        return
    overrides = [a for a in argv if not a.startswith("-") and not a.lstrip("+~").startswith(("hydra.", "hydra/"))]
    try:
        compose_config(overrides)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    _check_overrides(sys.argv[1:])
    main()
