"""The model as an EMA Workbench model (Kwakkel 2017): uncertainties, levers and outcomes.

    from ema_workbench import perform_experiments
    from sim.experiments.ema import ema_model

    experiments, outcomes = perform_experiments(ema_model(scenario="township"), scenarios=16, policies=4)

- *Uncertainties*: the unpublished defaults the calibration searches (``experiments/calibrate.yaml``, each over its
  documented range) and the departments' rebound elasticity (0-0.6, ``configs/rebound/expected.yaml``).
- *Levers*: each of the 20 reforms on or off, and the compliance of the departments that apply them (the share
  that does: 0.5-1).
- *Outcomes*: the summary's levels (admin hours a cadre-week, mean service time, share resolved within 15 days,
  county department hours, residents' satisfaction). A reform's saving is the baseline's level less the reform's,
  in the same scenario and seed: the robustness experiment pairs them.

Every experiment runs through the project's own run function on the overrides ``overrides_for`` writes, so its
outcomes are those of ``python -m sim`` with the same overrides and seed.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import yaml

from ..config import EXPERIMENT_DIR, REFORM_NAMES, load_config
from .history_matching import whole_range
from .run import run_simulation

OUTCOMES = ("admin_hours_per_cadre_week", "service_time_mean_days", "resolved_within_15d_share",
            "department_hours_per_county_week", "satisfaction_mean")
REBOUND_RANGE = (0.0, 0.6)   # configs/rebound/expected.yaml: "an uncertainty (0-0.6) for calibration and robustness"
COMPLIANCE_RANGE = (0.5, 1.0)  # half of the departments to all of them apply a reform they are told to
COMPLIANCE = "compliance"
SEED = "seed"


def ema_name(key: str) -> str:
    """A config key as EMA names a parameter (a Python identifier): ``rebound.elasticity`` is
    ``rebound__elasticity``."""
    return key.replace(".", "__")


def uncertainty_ranges() -> dict[str, tuple[float, float]]:
    """The uncertainties and their ranges: the calibration's unpublished defaults, and the rebound elasticity."""
    spec = yaml.safe_load((EXPERIMENT_DIR / "calibrate.yaml").read_text(encoding="utf-8"))
    ranges = {key: tuple(bounds) for key, bounds in spec["uncertainties"].items()}
    return {**ranges, "rebound.elasticity": REBOUND_RANGE}


def overrides_for(values: Mapping, scenario: str = "township", days: int | None = None) -> list[str]:
    """The Hydra overrides of one experiment: `values` maps uncertainties (config keys), reforms (True to switch
    one on), ``compliance`` (applied to every reform switched on) and ``seed``; anything else is refused."""
    on = [r for r in REFORM_NAMES if values.get(r)]
    uncertainties = uncertainty_ranges()
    known = {*uncertainties, *REFORM_NAMES, COMPLIANCE, SEED}
    unknown = sorted(set(values) - known)
    if unknown:
        raise KeyError(f"{unknown[0]}: not an uncertainty, lever or the seed of the EMA model; allowed: "
                       f"{', '.join(sorted(known))}")
    overrides = [f"scenario={scenario}"]
    if days:
        overrides.append(f"scenario.days={int(days)}")
    if on:
        overrides.append(f"reform=[{','.join(on)}]")
    for key in uncertainties:
        if key in values:
            overrides.append(f"{key}={values[key]}")
    if COMPLIANCE in values and on:
        overrides += [f"reform.{r}.compliance={values[COMPLIANCE]}" for r in on]
    overrides.append(f"seed={int(values.get(SEED, 0))}")
    return overrides


def run_experiment(scenario: str = "township", days: int | None = None, **values) -> dict[str, float]:
    """One experiment, as EMA calls it: the outcomes of the run the overrides describe."""
    summary, _, _ = run_simulation(load_config(overrides_for(values, scenario, days)))
    return {key: float(summary[key]) for key in OUTCOMES}


def ema_model(scenario: str = "township", days: int | None = None, seed: int = 0, name: str = "grassroots"):
    """The EMA Workbench model of one scenario (its constants: the scenario, the days, the seed)."""
    with warnings.catch_warnings():  # the workbench warns that optional cluster back-ends are not installed
        warnings.simplefilter("ignore")
        from ema_workbench import BooleanParameter, Constant, IntegerParameter, Model, RealParameter, ScalarOutcome

    model = Model(name, function=run_experiment)
    # EMA's names are Python identifiers (the config key with `__` for its dots); the run function gets the keys
    model.uncertainties = [IntegerParameter(ema_name(key), low, high, variable_name=key) if whole_range((low, high))
                           else RealParameter(ema_name(key), float(low), float(high), variable_name=key)
                           for key, (low, high) in uncertainty_ranges().items()]
    model.levers = [BooleanParameter(r) for r in REFORM_NAMES] + [RealParameter(COMPLIANCE, *COMPLIANCE_RANGE)]
    model.outcomes = [ScalarOutcome(key) for key in OUTCOMES]
    model.constants = [Constant("scenario", scenario), Constant("days", days), Constant(SEED, int(seed))]
    return model
