"""Command: ``python -m sim.sweep <experiment> [key=value ...]``: run (or finish) an experiment, then its report.
(``experiment=<name>`` works too; installed, the command is also ``grassroots-sweep``.)

    python -m sim.sweep compare_reforms                    # baseline, 20 reforms, all_reforms x 10 seeds
    python -m sim.sweep compare_reforms seeds=20 jobs=2
    python -m sim.sweep dose_response | interactions | sensitivity | scale
    python -m sim.sweep compare_reforms launcher=submitit_slurm     # on a cluster (see README)

Settings (key=value): seeds=N, scenario=NAME, days=N (shortens every run), jobs=N (parallel workers, default 2),
launcher=joblib|basic|submitit_local|submitit_slurm|ray, launcher_args=[hydra overrides for the launcher],
out=FOLDER (default results/<name>), report=false (no report.html), and any top-level key of the experiment file
(e.g. method=morris n=10 for sensitivity, or variants={...}). The experiments are experiments/<name>.yaml; how
they run and resume is in :mod:`sim.experiments.sweep`, what each kind runs in :mod:`sim.experiments.kinds`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.config import ConfigError
from sim.experiments.aggregate import AggregateError
from sim.experiments.sweep import SweepError, SweepIncomplete, parse_settings, sweep
from sim.views.report import build_report


def wants_report(settings: dict) -> bool:
    return str(settings.get("report", True)).lower() not in ("false", "0", "no")


def report(folder: Path) -> None:
    """Build report.html; the tables stand on their own, so a failure only says why there is no report."""
    try:
        out = build_report(folder)
        print(f"report: {out.get('html', folder / 'report.html')}")
    except Exception as exc:
        print(f"report not written: {exc}", file=sys.stderr)


def split_experiment(argv: list[str]) -> tuple[str, list[str]]:
    """The experiment's name (the first bare argument, or experiment=NAME) and the other settings."""
    names = [a.split("=", 1)[1] for a in argv if a.startswith("experiment=")]
    rest = [a for a in argv if not a.startswith("experiment=")]
    if rest and "=" not in rest[0]:
        names.insert(0, rest.pop(0))
    if not names:
        raise SweepError("experiment: no name given (e.g. python -m sim.sweep compare_reforms, or "
                         "experiment=compare_reforms); the experiments are in experiments/")
    if len(set(names)) > 1:
        raise SweepError(f"experiment: given twice ({', '.join(names)})")
    return names[0], rest


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    code = 0
    try:
        name, rest = split_experiment(argv)
        settings = parse_settings(rest)
        folder = sweep(name, settings)
    except (SweepError, ConfigError, AggregateError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except SweepIncomplete as exc:  # the tables of what finished are written; the report shows them, flagged
        print(f"error: {exc}", file=sys.stderr)
        folder, code = exc.folder, 1
    except OSError as exc:  # a full disk, a folder we may not write: one line naming the file
        print(f"error: cannot write {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped: the runs finished so far are kept; re-run the same command to complete the sweep",
              file=sys.stderr)
        return 130
    if wants_report(settings):
        report(folder)
    return code


if __name__ == "__main__":
    sys.exit(main())
