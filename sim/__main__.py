"""`python -m sim [overrides]`: one run of the composed config, written to a results folder.

    python -m sim                                  # township, no reform, one year
    python -m sim scenario=county seed=3
    python -m sim 'reform=[shared_data_pool,single_assessor]'
    python -m sim +package=all_reforms
"""

from __future__ import annotations

import sys

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from .config import CONFIG_DIR, ConfigError, enabled_reforms, validate


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> None:
    try:
        cfg = validate(cfg)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        sys.exit(2)
    from .run import run_simulation

    out_dir = cfg.out_dir or HydraConfig.get().runtime.output_dir
    summary, _, _ = run_simulation(cfg, out_dir=out_dir, validated=True)
    reforms = ", ".join(enabled_reforms(cfg)) or "none"
    print(f"scenario={cfg.scenario.name} seed={cfg.seed} reforms: {reforms}")
    print(f"  admin {summary['admin_hours']:.1f} h, service {summary['service_hours']:.1f} h, overtime "
          f"{summary['overtime_hours']:.1f} h per cadre-week; service time {summary['service_time_mean_days']:.1f} d "
          f"(p90 {summary['service_time_p90_days']:.0f} d); department hours {summary['department_hours']:.0f}/week")
    print(f"  written to {out_dir}")


if __name__ == "__main__":
    main()
