"""The calibration targets (experiments/calibrate.yaml) and the `calibrate` kind that holds the model to them."""

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

SPEC = OmegaConf.to_container(OmegaConf.load(EXPERIMENT_DIR / "calibrate.yaml"))


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
                "township.civil_affairs.groups_per_cadre", "village.groups_per_cadre",
                "township.meetings_per_cadre_week", "messages_per_cadre_day",
                "data_report_submissions_per_township_year", "data_report_types_per_township_year",
                "pushed_down_core_share", "resolved_within_15d_share"):
        assert key in quantities, key


def test_the_kind_runs_the_baseline_each_held_out_reform_and_the_design_paired_by_seed():
    kind = get_kind("calibrate")
    spec = kind.resolve({**SPEC, "seeds": 2, "design": 5})
    held_out = {t["variant"] for t in SPEC["targets"] if t["use"] == "held_out"}
    points = {f"point_{i:03d}" for i in range(5)}
    assert set(spec["variants"]) == {"baseline", *held_out, *points}
    runs = kind.expand(spec)
    assert len(runs) == 2 * (1 + len(held_out) + 5)
    assert {r["seed"] for r in runs if r["variant"] == "one_form"} == {0, 1}
    point = next(r for r in runs if r["variant"] == "point_000")
    for key, (low, high) in SPEC["uncertainties"].items():   # each point sets every uncertainty, inside its range
        value = point["inputs"][key]
        assert low <= value <= high and f"{key}={value}" in point["overrides"]
    assert isinstance(point["inputs"]["chat.groups_per_department"], int)
    assert kind.resolve({**SPEC, "design": 5})["points"] == spec["points"]   # the design is the spec's, reproducibly


@pytest.mark.parametrize(("change", "message"), [
    ({"design": -1}, "design = -1: expected a whole number >= 0"),
    ({"uncertainties": {"chat.read_minutes": [1.0, 0.5]}}, r"uncertainties.chat.read_minutes: expected \[low, high\]"),
    ({"uncertainties": {}}, "design: a wave needs uncertainties"),
])
def test_a_bad_wave_stops_with_one_line_naming_the_setting(change, message):
    with pytest.raises(SweepError, match=message):
        get_kind("calibrate").check({**SPEC, **change})


def test_an_uncertainty_outside_its_key_s_range_stops_before_anything_is_written(tmp_path):
    from sim.config import ConfigError
    from sim.experiments.sweep import sweep

    with pytest.raises((ConfigError, SweepError), match="inspections.hosting_hours"):
        sweep("calibrate", {"seeds": 1, "days": 14, "scenario": "classroom", "design": 4,
                              "uncertainties": {"inspections.hosting_hours": [3.0, 40.0]}, "out": str(tmp_path / "x")})
    assert not (tmp_path / "x").exists()


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

    folder = sweep("calibrate", {"seeds": 1, "days": 14, "scenario": "classroom", "design": 0,
                                 "out": str(tmp_path / "cal"), "report": False})
    table = pd.read_csv(folder / "calibration.csv")
    assert list(table.target) == [t["name"] for t in SPEC["targets"]]
    assert table.model_median.notna().all() and (table.n_seeds == 1).all()
    assert set(table.variant) <= {"baseline", *REFORM_NAMES}
    # the report's calibration section: the chart, and a row per target saying inside or by how much it misses
    from sim.views.report import build_report

    build_report(folder, png=False, network=False)
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert '<div class="chart" id="calibration">' in page and "Calibration and held-out validation" in page
    for r in table.itertuples():
        row = page.split(f'<tr data-target="{r.target}"', 1)[1].split("</tr>", 1)[0]
        assert ("✓" in row) == bool(r.within) and (("✗" in row) == (not r.within))


def test_history_matching_keeps_exactly_the_region_the_targets_allow():
    """A constructed model whose answer is known: f1 = a must land in [0.4, 0.6] and f2 = a + b in [0.9, 1.1]. One
    wave of 40 design points keeps (almost) all of that region and (almost) nothing outside it, and its calibrated
    point meets both targets."""
    from sim.experiments.history_matching import design, history_match

    uncertainties = {"a": [0.0, 1.0], "b": [0.0, 1.0]}
    points = design(uncertainties, 40, seed=3)
    values = pd.DataFrame({"f1": points.a, "f2": points.a + points.b})
    targets = [{"name": "f1", "interval": [0.4, 0.6]}, {"name": "f2", "interval": [0.9, 1.1]}]
    out = history_match(points, values, pd.Series({"f1": 0.0, "f2": 0.0}), targets, uncertainties, candidates=4000)
    kept = out["posterior"]
    inside = kept.a.between(0.4, 0.6) & (kept.a + kept.b).between(0.9, 1.1)
    assert inside.mean() >= 0.9                      # what is kept is the allowed region
    all_candidates = design(uncertainties, 4000, seed=1)
    allowed = all_candidates.a.between(0.41, 0.59) & (all_candidates.a + all_candidates.b).between(0.91, 1.09)
    share_kept = len(kept) / allowed.sum()
    assert share_kept >= 0.9                         # and (almost) all of it is kept
    table = out["history_matching"].set_index("name")
    a, b = table.loc["a", "calibrated"], table.loc["b", "calibrated"]
    assert 0.4 <= a <= 0.6 and 0.9 <= a + b <= 1.1
    assert table.loc["a", "nroy_low"] >= 0.35 and table.loc["a", "nroy_high"] <= 0.65


def test_a_wave_writes_the_accepted_parameter_sets(tmp_path):
    from sim.experiments.sweep import sweep

    folder = sweep("calibrate", {"seeds": 1, "days": 14, "scenario": "classroom", "design": 6, "candidates": 500,
                                 "out": str(tmp_path / "wave"), "report": False})
    table = pd.read_csv(folder / "history_matching.csv")
    assert set(table.name[table.kind == "uncertainty"]) == set(SPEC["uncertainties"])
    assert set(table.name[table.kind == "target"]) == {t["name"] for t in SPEC["targets"] if t["use"] == "calibration"}
    posterior = pd.read_parquet(folder / "posterior.parquet")
    assert list(posterior.columns) == [*SPEC["uncertainties"], "max_implausibility"]
    assert (posterior.max_implausibility <= 3.0).all()
    runs = pd.read_parquet(folder / "runs.parquet")
    assert runs.variant.str.startswith("point_").sum() == 6
    # the design points' values are recorded as the runs' inputs
    assert set(SPEC["uncertainties"]) <= set(runs.columns)
    # the report compares the reforms, not the design points
    from sim.views.report import load_experiment

    shown = load_experiment(folder)
    assert not shown.runs.variant.str.startswith("point_").any()
    assert not shown.comparison.variant.str.startswith("point_").any()


def test_a_refocused_wave_designs_where_the_first_left_room_and_keeps_its_verdict():
    """The constructed model above, matched in two waves: a coarse first wave (12 points), then a second designed
    over the box the first did not rule out. The second wave's design lies in that box, its candidates pass the first
    wave's emulators too, and what it keeps is the allowed region."""
    from sim.experiments.history_matching import design, history_match, nroy_box

    uncertainties = {"a": [0.0, 1.0], "b": [0.0, 1.0]}
    targets = [{"name": "f1", "interval": [0.4, 0.6]}, {"name": "f2", "interval": [0.9, 1.1]}]
    noise = pd.Series({"f1": 0.0, "f2": 0.0})

    def model(points):
        return pd.DataFrame({"f1": points.a, "f2": points.a + points.b})

    first_points = design(uncertainties, 12, seed=5)
    first = history_match(first_points, model(first_points), noise, targets, uncertainties, candidates=4000)
    box = nroy_box(first["history_matching"], uncertainties)
    assert box["a"][1] - box["a"][0] < 0.6         # the first wave already rules much out
    second_points = design(box, 20, seed=6)
    assert second_points.a.between(*box["a"]).all() and second_points.b.between(*box["b"]).all()
    second = history_match(second_points, model(second_points), noise, targets, box, candidates=4000,
                           earlier=((first_points, model(first_points), noise, uncertainties),))
    kept = second["posterior"]
    assert len(kept) > 0
    assert (kept.a.between(0.4, 0.6) & (kept.a + kept.b).between(0.9, 1.1)).mean() >= 0.95
    table = second["history_matching"].set_index("name")
    a, b = table.loc["a", "calibrated"], table.loc["b", "calibrated"]
    assert 0.4 <= a <= 0.6 and 0.9 <= a + b <= 1.1


def test_the_box_to_refocus_on_widens_counts_to_whole_numbers_and_refuses_an_empty_wave():
    from sim.experiments.history_matching import nroy_box

    table = pd.DataFrame([
        {"kind": "uncertainty", "name": "groups", "nroy_low": 3.0, "nroy_high": 4.0},
        {"kind": "uncertainty", "name": "hours", "nroy_low": 1.25, "nroy_high": 2.5},
        {"kind": "target", "name": "t", "nroy_low": np.nan, "nroy_high": np.nan}])
    assert nroy_box(table, {"groups": [2, 6], "hours": [0.5, 6.0]}) == {"groups": [3, 4], "hours": [1.25, 2.5]}
    empty = table.assign(nroy_low=np.nan, nroy_high=np.nan)
    with pytest.raises(ValueError, match="ruled out every candidate"):
        nroy_box(empty, {"groups": [2, 6], "hours": [0.5, 6.0]})


def _earlier_wave(folder, spec, nroy):
    """A results folder as an earlier wave leaves it: its spec, runs and history-matching table."""
    import yaml

    folder.mkdir()
    (folder / "experiment.yaml").write_text(yaml.safe_dump({**spec, "points": {}}), encoding="utf-8")
    pd.DataFrame({"variant": ["baseline"], "seed": [0]}).to_parquet(folder / "runs.parquet")
    rows = [{"kind": "uncertainty", "name": k, "nroy_low": lo, "nroy_high": hi} for k, (lo, hi) in nroy.items()]
    pd.DataFrame(rows).to_parquet(folder / "history_matching.parquet")


def test_a_second_wave_designs_inside_what_the_first_did_not_rule_out(tmp_path):
    kind = get_kind("calibrate")
    spec = copy.deepcopy(SPEC)
    nroy = {k: [lo + 0.25 * (hi - lo), lo + 0.5 * (hi - lo)] for k, (lo, hi) in spec["uncertainties"].items()}
    _earlier_wave(tmp_path / "wave1", spec, nroy)
    second = {**spec, "design": 16, "refocus": str(tmp_path / "wave1")}
    kind.check(second)
    resolved = kind.resolve(second)
    assert len(resolved["points"]) == 16
    for values in resolved["points"].values():
        for key, value in values.items():
            low, high = resolved["ranges"][key]
            assert low <= value <= high
            assert nroy[key][0] - 1 <= value <= nroy[key][1] + 1   # counts widen to whole numbers, no further


def test_refocusing_on_a_folder_that_is_no_wave_stops_naming_the_setting(tmp_path):
    kind = get_kind("calibrate")
    spec = {**copy.deepcopy(SPEC), "refocus": str(tmp_path)}
    with pytest.raises(SweepError, match=r"^refocus: .* is not an earlier wave's results \(no history_matching"):
        kind.check(spec)
    _earlier_wave(tmp_path / "all_ruled_out", SPEC, {k: [np.nan, np.nan] for k in SPEC["uncertainties"]})
    with pytest.raises(SweepError, match="^refocus: .*ruled out every candidate"):
        kind.check({**spec, "refocus": str(tmp_path / "all_ruled_out")})
    nroy = {k: [lo, hi] for k, (lo, hi) in SPEC["uncertainties"].items()}
    _earlier_wave(tmp_path / "wave1", SPEC, nroy)
    with pytest.raises(SweepError, match="^refocus: .* is also where this wave would write"):
        kind.check({**spec, "refocus": str(tmp_path / "wave1"), "out": str(tmp_path / "wave1")})


@pytest.mark.slow
def test_the_shipped_defaults_meet_every_calibration_and_structure_target(tmp_path):
    """The shipped defaults, the calibrated point of the waves (docs/ODD.md section 9): over three seeds of a township
    year, every calibration target's median lands in its interval, and so does every structure target's but one. A
    change to the model that moves a role's week out of what was published fails here rather than drifting silently.
    The one known structural miss is the number of report types: the model has the source's 28 data systems of 12
    departments, Yongchuan's township received 168 types from all its departments; the test holds it below the
    interval, so that a model which gained report types would be seen."""
    from sim.experiments.sweep import sweep

    folder = sweep("calibrate", {"seeds": 3, "design": 0, "out": str(tmp_path / "calibrated"), "report": False})
    table = pd.read_csv(folder / "calibration.csv").set_index("target")
    known_miss = {"report_types"}
    held = table[table.use.isin(["calibration", "structure"]) & ~table.index.isin(known_miss)]
    missed = held[~held.within]
    assert missed.empty, "the shipped defaults miss: " + "; ".join(
        f"{name} {r.model_median:.3g} not in [{r.interval_low:g}, {r.interval_high:g}]"
        for name, r in missed.iterrows())
    assert table.loc["report_types", "model_median"] < table.loc["report_types", "interval_low"]
    assert (table.n_seeds == 3).all()
