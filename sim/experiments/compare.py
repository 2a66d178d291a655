"""Paired comparison of reforms against the baseline over N seeds, in memory (no files).

    python -m sim.compare                        # the 20 reforms and the full bundle, township, 10 seeds
    python -m sim.compare --seeds 20 --reforms one_form,rest_rights --scenario classroom
    python -m sim.compare --independent          # the same without common random numbers (for contrast)

Each variant runs with the same seeds as the baseline, so both draw the same random numbers for everything the
variant does not change (common random numbers), and the difference per seed is the variant's effect plus far
less noise. The table gives, per metric, the mean paired difference (variant - baseline) with a 95% t interval;
"hours saved" is its negative for admin hours. For files, resumable sweeps and launchers, see ``sim.sweep``.
"""

from __future__ import annotations

import argparse
import sys
import time

import pandas as pd

from ..config import REFORM_NAMES, ConfigError, load_config
from .aggregate import comparison_table

HEADLINE_METRICS = ("admin_hours", "service_hours", "service_time_mean_days", "service_time_p90_days",
                    "department_hours", "overtime_hours", "days_off", "satisfaction_mean")
INDEPENDENT_SEED_OFFSET = 1_000_003  # variant seeds for the no-CRN contrast: far from any baseline seed


def default_variants() -> dict[str, list[str]]:
    """Each reform alone and the full bundle."""
    variants = {name: [f"reform=[{name}]"] for name in REFORM_NAMES}
    variants["all_reforms"] = ["package=all_reforms"]
    return variants


def _run_one(overrides: list[str], seed: int) -> dict:
    from .run import run_simulation

    summary, _, _ = run_simulation(load_config(overrides + [f"seed={seed}"]))
    return {k: v for k, v in summary.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def run_pairs(variants: dict[str, list[str]], seeds, base: list[str] = (), n_jobs: int = 2,
              independent: bool = False, progress: bool = True) -> pd.DataFrame:
    """Run the baseline and every variant for every seed; one row per run (variant, seed, summary metrics)."""
    base = list(base)
    # validate every variant before running anything: a typo stops the whole comparison at once
    for name, ov in variants.items():
        load_config(base + list(ov))
    jobs = [("baseline", base, s) for s in seeds]
    for name, ov in variants.items():
        for s in seeds:
            jobs.append((name, base + list(ov), s + INDEPENDENT_SEED_OFFSET if independent else s))
    from joblib import Parallel, delayed

    start = time.time()
    results = []
    runner = Parallel(n_jobs=n_jobs, return_as="generator")(delayed(_run_one)(ov, s) for _, ov, s in jobs)
    for i, res in enumerate(runner, 1):
        results.append(res)
        if progress:
            elapsed = time.time() - start
            left = elapsed / i * (len(jobs) - i)
            print(f"\r  runs {i}/{len(jobs)}  elapsed {elapsed:5.0f} s  left ~{left:4.0f} s", end="", file=sys.stderr)
    if progress:
        print(file=sys.stderr)
    # `seed` is the pair a run belongs to (the baseline's seed); `run_seed` the seed it actually ran with
    rows = [{**res, "variant": name, "seed": s % INDEPENDENT_SEED_OFFSET, "run_seed": s}
            for (name, _, s), res in zip(jobs, results)]
    return pd.DataFrame(rows)


def paired_table(runs: pd.DataFrame, metrics=HEADLINE_METRICS) -> pd.DataFrame:
    """Per (variant, metric): baseline and variant means and the paired difference with its 95% CI (the sweeps'
    aggregation, on the runs in memory). Under independent seeds the pairs are unrelated runs, by design."""
    table = comparison_table(runs[["variant", "seed", *metrics]])
    return table.reset_index(drop=True)


def format_table(table: pd.DataFrame) -> str:
    """The headline: hours saved, service time and department hours, one line per variant, with 95% CIs."""
    def cell(v, m, sign=1.0):
        r = table[(table.variant == v) & (table.metric == m)].iloc[0]
        lo, hi = sorted((sign * r.diff_ci_low, sign * r.diff_ci_high))
        return f"{sign * r.diff_mean:+7.2f} [{lo:+6.2f}, {hi:+6.2f}]"

    head = (f"{'variant':26s} {'admin hours saved /cadre-wk':>30s} {'service time change (d)':>28s} "
            f"{'department hours change /wk':>30s}")
    lines = [head, "-" * len(head)]
    order = (table[table.metric == "admin_hours"].sort_values("diff_mean").variant.tolist())
    for v in order:
        lines.append(f"{v:26s} {cell(v, 'admin_hours', -1.0):>30s} {cell(v, 'service_time_mean_days'):>28s} "
                     f"{cell(v, 'department_hours'):>30s}")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m sim.compare", description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=10, help="replications per variant (seeds 0..N-1); default 10")
    p.add_argument("--scenario", default="township", help="classroom, township or county; default township")
    p.add_argument("--days", type=int, default=None, help="simulated days (default: the scenario's year)")
    p.add_argument("--reforms", default=None, help="comma-separated reform names (default: all 20 and all_reforms)")
    p.add_argument("--independent", action="store_true", help="independent seeds for variants (no CRN)")
    p.add_argument("--jobs", type=int, default=2, help="parallel processes; default 2")
    p.add_argument("--out", default=None, help="also write the runs and the table as CSV files with this prefix")
    args = p.parse_args(argv)
    if args.seeds < 2:
        p.error("--seeds: needs at least 2 replications for a confidence interval")
    variants = default_variants()
    if args.reforms:
        wanted = [r.strip() for r in args.reforms.split(",") if r.strip()]
        unknown = [r for r in wanted if r not in variants]
        if unknown:
            p.error(f"--reforms: unknown {unknown}; allowed: {', '.join(variants)}")
        variants = {r: variants[r] for r in wanted}
    base = [f"scenario={args.scenario}"] + ([f"scenario.days={args.days}"] if args.days else [])
    try:
        runs = run_pairs(variants, list(range(args.seeds)), base, n_jobs=args.jobs, independent=args.independent)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return 2
    table = paired_table(runs)
    crn = "independent seeds" if args.independent else "common random numbers"
    print(f"\n{args.scenario}, {args.seeds} seeds, {crn}; mean paired difference vs baseline [95% CI]\n")
    print(format_table(table))
    if args.out:
        runs.to_csv(f"{args.out}runs.csv", index=False)
        table.to_csv(f"{args.out}comparison.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
