"""The EMA Workbench connector: the model as uncertainties, levers and outcomes, run through the project's own run
function."""

from __future__ import annotations

import json
import warnings

import pytest

from sim.config import REFORM_NAMES
from sim.experiments.ema import OUTCOMES, ema_model, ema_name, overrides_for, uncertainty_ranges

from .conftest import run_cli


def test_the_model_names_every_uncertainty_lever_and_outcome():
    model = ema_model(scenario="classroom", days=14)
    assert [u.name for u in model.uncertainties] == [ema_name(k) for k in uncertainty_ranges()]
    assert [u.variable_name for u in model.uncertainties] == [[k] for k in uncertainty_ranges()]
    assert "rebound.elasticity" in uncertainty_ranges()
    assert [lever.name for lever in model.levers] == [*REFORM_NAMES, "compliance"]
    assert [o.name for o in model.outcomes] == list(OUTCOMES)
    groups = next(u for u in model.uncertainties if u.name == "chat__groups_per_department")
    assert type(groups).__name__ == "IntegerParameter"   # a count stays a whole number


def test_an_experiment_is_the_run_python_m_sim_makes_with_the_same_overrides(tmp_path):
    """One scenario and one policy through EMA's own perform_experiments; then `python -m sim` with the overrides
    the connector wrote for that experiment: the same outcomes to the last digit."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import Sample, perform_experiments

    model = ema_model(scenario="classroom", days=14, seed=3)
    policy = Sample("one_form_half_kept", **{r: r == "one_form" for r in REFORM_NAMES}, compliance=0.5)
    experiments, outcomes = perform_experiments(model, scenarios=1, policies=[policy])
    row = experiments.iloc[0]
    values = {u.variable_name[0]: row[u.name] for u in model.uncertainties} | {r: bool(row[r]) for r in REFORM_NAMES}
    values |= {"compliance": row["compliance"], "seed": 3}
    overrides = overrides_for(values, "classroom", 14)
    assert "reform=[one_form]" in overrides and "reform.one_form.compliance=0.5" in overrides
    done = run_cli(*overrides, f"out_dir={tmp_path / 'cli'}")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "cli" / "_summary.json").read_text())
    assert {k: float(summary[k]) for k in OUTCOMES} == {k: float(outcomes[k][0]) for k in OUTCOMES}


def test_a_value_the_model_does_not_know_is_refused_with_the_allowed_names():
    with pytest.raises(KeyError, match="no_such_reform: not an uncertainty, lever or the seed"):
        overrides_for({"no_such_reform": True})
