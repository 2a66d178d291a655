"""`python -m sim [overrides]`: one run of the composed config, written to a results folder.

    python -m sim                                  # township, no reform, one year
    python -m sim scenario=county seed=3
    python -m sim 'reform=[shared_data_pool,single_assessor]'
    python -m sim package=all_reforms
    python -m sim scenario=classroom out_dir=/tmp/run    # everything (with Hydra's .hydra/ and log) goes there

Hydra's own flags work as usual: ``-c job`` (print the composed config), ``--info``, ``--help``, ``--hydra-help``,
``--shell-completion install=bash``, ``-m`` (a Hydra sweep). Installed, the command is also ``grassroots-sim``.
"""

from __future__ import annotations

import logging
import sys

import hydra
from hydra._internal.utils import get_args_parser
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from .config import CONFIG_DIR, ConfigError, load_config, validate
from .experiments.run import run_simulation


_CHECKED: list = []  # the config the pre-check validated: a single run is validated once, not again under Hydra


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def main(cfg: DictConfig) -> None:
    try:
        cfg = _CHECKED[0] if _CHECKED else validate(cfg)
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


HYDRA_ONLY = ("help", "hydra_help", "version", "shell_completion", "multirun", "experimental_rerun", "config_path",
              "config_name", "config_dir")


def _check_overrides(argv: list[str]) -> None:
    """Refuse a bad override with one line before Hydra starts (Hydra's own errors are long and name files).

    The command line is read with Hydra's own parser, so its flags and their arguments (``-c job``, ``--info
    defaults``, ``--shell-completion install=bash``) are never taken for overrides. Help, shell completion, other
    config files and sweeps (-m) are left to Hydra: a sweep's overrides hold syntax such as range() that is not a
    config value.
    """
    args = get_args_parser().parse_args(argv)  # a malformed flag: argparse's usage line and exit 2, as Hydra would
    if any(getattr(args, flag, None) for flag in HYDRA_ONLY):
        return
    overrides = [a for a in args.overrides if not a.lstrip("+~").startswith(("hydra.", "hydra/"))]
    try:
        _CHECKED.append(load_config(overrides))
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        sys.exit(2)


def _run_dir_is_out_dir(argv: list[str]) -> list[str]:
    """With ``out_dir=...`` and no ``hydra.run.dir``, Hydra's own files (.hydra/, the log) go to out_dir too, so a
    run started from any directory writes only where it was told."""
    if any(a in ("-m", "--multirun") for a in argv) or any(a.startswith("hydra.run.dir=") for a in argv):
        return argv
    out = [a.split("=", 1)[1] for a in argv if a.startswith("out_dir=")]
    if not out or out[-1] in ("", "null"):
        return argv
    return [*argv, f"hydra.run.dir={out[-1]}"]


def cli() -> None:
    """``python -m sim`` and the ``grassroots-sim`` command."""
    _check_overrides(sys.argv[1:])
    sys.argv = [sys.argv[0], *_run_dir_is_out_dir(sys.argv[1:])]
    main()


if __name__ == "__main__":
    cli()
