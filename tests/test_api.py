"""The Python API: sim.run, sim.run_experiment and sim.load_results (small classroom runs)."""

from __future__ import annotations

import pandas as pd
import pytest

import sim
from sim.config import Config

BASE = ["scenario=classroom", "scenario.days=14"]


def test_run_with_overrides_returns_pandas_and_the_checked_config():
    r = sim.run([*BASE, "reform=[one_form]"], seed=3)
    assert isinstance(r, sim.RunResult)
    assert isinstance(r.summary, pd.Series) and r.summary["admin_hours_per_cadre_week"] > 0
    # one row per simulated day: the 91-day warm-up (negative days) and the 14 measured ones
    assert isinstance(r.timeseries, pd.DataFrame) and len(r.timeseries) == 91 + 14
    assert r.timeseries.day.min() == -91 and r.timeseries.day.max() == 13
    assert isinstance(r.config, Config) and r.config.seed == 3 and r.config.reform.enabled() == ["one_form"]
    assert r.model.day == 91 + 14


def test_a_dict_of_values_gives_the_same_run_as_the_overrides():
    by_overrides = sim.run([*BASE, "reform=[one_form]", "reform.one_form.form_overhead_hours=0.2",
                            "chat.read_minutes=0.5", "seed=2"])
    by_values = sim.run({"scenario": "classroom", "scenario.days": 14, "chat": {"read_minutes": 0.5},
                         "reform": {"one_form": {"form_overhead_hours": 0.2}}}, seed=2)
    assert by_values.config == by_overrides.config
    pd.testing.assert_series_equal(by_values.summary, by_overrides.summary)
    assert sim.run({"scenario": "classroom", "scenario.days": 14, "reform": ["one_form"]}).config.reform.enabled() \
        == ["one_form"]


@pytest.mark.parametrize("overrides, text", [
    ({"scenario": "clasroom"}, "did you mean 'classroom'"),
    ({"chat": {"read_minute": 1}}, "did you mean 'read_minutes'"),
    ({"scenario": {"days": 0}}, "scenario.days"),
    ([*BASE, "reform=[one_fom]"], "did you mean 'one_form'"),
])
def test_a_bad_value_raises_config_error_before_running(overrides, text):
    with pytest.raises(sim.ConfigError, match=text):
        sim.run(overrides)


SPEC = {"kind": "compare_reforms", "scenario": "classroom", "days": 14, "seeds": 2,
        "variants": {"baseline": [], "one_form": ["reform=[one_form]"]}}


def test_run_experiment_into_a_folder_and_load_its_results(tmp_path):
    out = tmp_path / "small"
    tables = sim.run_experiment(SPEC, out=out, jobs=2)
    assert len(tables["runs"]) == 4 and set(tables["runs"].variant) == {"baseline", "one_form"}
    one_form = tables["comparison"].query("variant == 'one_form' and metric == 'admin_hours_per_cadre_week'")
    assert len(one_form) == 1 and one_form.n.iloc[0] == 2
    loaded = sim.load_results(out)
    assert {"runs", "comparison"} <= set(loaded)
    pd.testing.assert_frame_equal(loaded["comparison"], tables["comparison"])


def test_run_experiment_without_a_folder_returns_the_tables():
    tables = sim.run_experiment({**SPEC, "seeds": 1}, launcher="basic")
    assert len(tables["runs"]) == 2 and "comparison" in tables


def test_load_results_of_a_folder_without_tables(tmp_path):
    with pytest.raises(FileNotFoundError, match="no tables"):
        sim.load_results(tmp_path)
