"""The calibration targets (experiments/calibration.yaml) and the `calibrate` kind that holds the model to them."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from sim.config import EXPERIMENT_DIR, REFORM_NAMES
from sim.experiments.kinds import get_kind
from sim.experiments.kinds.base import SweepError
from sim.experiments.kinds.calibrate import calibration_table, check_targets, quantity_keys
from sim.model.outputs import SUMMARY_KEYS

SPEC = OmegaConf.to_container(OmegaConf.load(EXPERIMENT_DIR / "calibration.yaml"))


def test_every_target_names_a_source_a_model_quantity_and_why_its_interval():
    check_targets(SPEC["targets"])
    for t in SPEC["targets"]:
        assert all(k in SUMMARY_KEYS for k in quantity_keys(t["quantity"])), t["name"]
        assert t["source"].strip() and t["why"].strip()
    uses = {t["use"] for t in SPEC["targets"]}
    assert uses == {"calibration", "held_out", "structure"}
    # the figures the issue lists, by role: the welfare post and the village cadre each have their own
    quantities = " ".join(t["quantity"] for t in SPEC["targets"])
    for key in ("township.civil_affairs.data_reports_hours_per_cadre_week", "village.data_reports_hours_per_cadre_week",
                "township.civil_affairs.groups_per_cadre", "village.groups_per_cadre", "township.meetings_per_cadre_week",
                "messages_per_cadre_day", "data_report_submissions_per_township_year",
                "data_report_types_per_township_year", "pushed_down_core_share", "resolved_within_15d_share"):
        assert key in quantities, key


def test_the_kind_runs_the_baseline_and_each_held_out_reform_paired_by_seed():
    kind = get_kind("calibrate")
    spec = kind.resolve({**SPEC, "seeds": 2})
    held_out = {t["variant"] for t in SPEC["targets"] if t["use"] == "held_out"}
    assert set(spec["variants"]) == {"baseline", *held_out}
    runs = kind.expand(spec)
    assert len(runs) == 2 * (1 + len(held_out))
    assert {r["seed"] for r in runs if r["variant"] == "one_form"} == {0, 1}


@pytest.mark.parametrize(("change", "message"), [
    ({"quantity": "no_such_key"}, "quantity: 'no_such_key' is not a summary key"),
    ({"interval": [2, 1]}, "interval: expected [low, high]"),
    ({"use": "tuning"}, "use: 'tuning'; allowed: calibration, held_out, structure"),
    ({"variant": "one_form"}, "variant: a held_out target names the reform"),
    ({"use": "held_out", "variant": "no_such_reform"}, "variant: 'no_such_reform' is not a reform"),
    ({"use": "held_out", "variant": "one_form", "change": "double"}, "change: 'double'"),
    ({"source": " "}, "source: expected a non-empty text"),
    ({"weight": 2}, "weight: unknown key"),
])
def test_a_bad_target_stops_with_one_line_naming_it(change, message):
    targets = copy.deepcopy(SPEC["targets"])
    targets[0].update(change)
    with pytest.raises(SweepError, match=message.replace("[", r"\[").replace("(", r"\(")) as err:
        check_targets(targets)
    assert targets[0]["name"] in str(err.value) and "\n" not in str(err.value)


def test_the_table_reads_levels_ratios_and_changes_against_the_same_seed():
    runs = pd.DataFrame({
        "variant": ["baseline"] * 3 + ["one_form"] * 3,
        "seed": [0, 1, 2] * 2,
        "a": [10.0, 12.0, 14.0, 5.0, 6.0, 7.0],
        "b": [20.0, 20.0, 20.0, 20.0, 20.0, 20.0],
    })
    targets = [
        {"name": "level", "use": "calibration", "quantity": "a", "interval": [11, 13]},
        {"name": "ratio", "use": "calibration", "quantity": "a / b", "interval": [0.7, 0.9]},
        {"name": "relative", "use": "held_out", "variant": "one_form", "change": "relative", "quantity": "a",
         "interval": [-0.6, -0.4]},
        {"name": "absolute", "use": "held_out", "variant": "one_form", "change": "absolute", "quantity": "a",
         "interval": [-5, -4]},
    ]
    for t in targets:
        t.update(figure="f", source="s", why="w")
    table = calibration_table(targets, runs).set_index("target")
    assert table.loc["level", "model_median"] == 12.0 and table.loc["level", "within"]
    assert table.loc["ratio", "model_median"] == pytest.approx(0.6) and not table.loc["ratio", "within"]
    assert table.loc["relative", "model_median"] == pytest.approx(-0.5) and table.loc["relative", "within"]
    assert table.loc["absolute", "model_median"] == pytest.approx(-6.0) and not table.loc["absolute", "within"]
    assert table.loc["level", "model_p05"] == pytest.approx(np.quantile([10, 12, 14], 0.05))
    assert (table.n_seeds == 3).all()


def test_a_calibration_sweep_writes_every_target_with_the_model_s_figure(tmp_path):
    from sim.experiments.sweep import sweep

    folder = sweep("calibration", {"seeds": 1, "days": 14, "scenario": "classroom", "out": str(tmp_path / "cal"),
                                   "report": False})
    table = pd.read_csv(folder / "calibration.csv")
    assert list(table.target) == [t["name"] for t in SPEC["targets"]]
    assert table.model_median.notna().all() and (table.n_seeds == 1).all()
    assert set(table.variant) <= {"baseline", *REFORM_NAMES}
