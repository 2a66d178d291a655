"""Robust comparison under uncertainty (issue 16): a design's values set on a composed config, the robustness
experiment paired by scenario and seed, rank stability and regret."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from sim.config import ConfigError, load_config, to_yaml, with_values
from sim.experiments import robustness as rb
from sim.experiments.ema import uncertainty_ranges
from sim.experiments.history_matching import design
from sim.experiments.kinds import SweepError
from sim.experiments.run import run_simulation
from sim.experiments.sweep import load_experiment_spec, run_experiment

# ---- a design point's values, without composing again -----------------------------------------------------------


def test_setting_a_design_points_values_gives_the_config_composing_them_would():
    ranges = {key: list(bounds) for key, bounds in uncertainty_ranges().items()}
    base = ["scenario=township", "reform=[one_form,rest_rights]"]
    composed = load_config(base)
    for point in design(ranges, 4, seed=5).to_dict("records"):
        fast = with_values(composed, point)
        slow = load_config([*base, *(f"{k}={v!r}" for k, v in point.items())])
        assert fast == slow and to_yaml(fast) == to_yaml(slow)
    # a value under a reform, and the seed's neighbours untouched
    assert with_values(composed, {"reform.one_form.compliance": 0.7}) == load_config(
        [*base, "reform.one_form.compliance=0.7"])


@pytest.mark.parametrize("values, message", [
    ({"rebound.elasticity": -1.0}, "rebound.elasticity = -1.0: out of range"),
    ({"chat.groups_per_department": 2.5}, "chat.groups_per_department = 2.5: expected a number of type int"),
    ({"chat.groupz": 1}, "chat.groupz: unknown key"),
    ({"reform.one_form": 1}, "reform.one_form: a OneForm, not a number"),
])
def test_a_bad_design_value_is_refused_naming_its_key(values, message):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        with_values(load_config(["reform=[one_form]"]), values)


# ---- rank stability and regret ----------------------------------------------------------------------------------

def _outcomes() -> pd.DataFrame:
    """Three policies in four scenarios: 'steady' saves 2 h everywhere; 'gamble' saves 5 h in two scenarios and
    -1 h in the other two; the baseline saves nothing. Service time: gamble is slowest where it saves."""
    rows = []
    for sample in range(4):
        good = sample < 2
        for variant, saved, service in (("baseline", 0.0, 1.0), ("steady", 2.0, 1.1),
                                        ("gamble", 5.0 if good else -1.0, 1.5 if good else 0.9)):
            rows.append({"variant": variant, "sample": sample, "seed": 0, "hours_saved": saved,
                         "service_time_mean_days": service})
    return pd.DataFrame(rows)


def test_ranks_and_regret_follow_the_scenarios():
    ranks = rb.rank_stability(_outcomes()).set_index(["variant", "outcome"])
    assert ranks.loc[("steady", "hours_saved"), "median_rank"] == 1.5      # 2nd where gamble wins, 1st elsewhere
    assert ranks.loc[("gamble", "hours_saved"), "rank_p05"] == 1.0
    assert ranks.loc[("gamble", "hours_saved"), "rank_p95"] == 3.0
    assert ranks.loc[("baseline", "service_time_mean_days"), "p_top3"] == 1.0  # three policies: all in the top 3
    regret = rb.regret(_outcomes()).set_index(["variant", "outcome"])
    assert regret.loc[("steady", "hours_saved"), "max_regret"] == pytest.approx(3.0)   # 5 - 2
    assert regret.loc[("gamble", "hours_saved"), "max_regret"] == pytest.approx(3.0)   # 2 - (-1)
    assert regret.loc[("baseline", "hours_saved"), "max_regret"] == pytest.approx(5.0)
    assert regret.loc[("gamble", "service_time_mean_days"), "max_regret"] == pytest.approx(0.5)  # 1.5 - 1.0


# ---- the experiment ---------------------------------------------------------------------------------------------

POLICIES = {"baseline": [], "one_form": ["reform=[one_form]"], "rest_rights": ["reform=[rest_rights]"]}


@pytest.fixture(scope="module")
def robustness_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("robustness")
    spec = {"kind": "robustness", "scenario": "classroom", "scenarios": 5, "seeds": 1, "days": 21,
            "policies": POLICIES}
    return spec, out, run_experiment(spec, out)


def test_every_policy_runs_in_every_scenario_paired_with_the_baseline(robustness_run):
    spec, out, tables = robustness_run
    runs, outcomes = tables["runs"], tables["outcomes"]
    assert len(runs) == 3 * 5 and set(runs.groupby("variant").size()) == {5}
    # the scenarios differ, and each policy sees the same five
    keys = list(uncertainty_ranges())
    assert runs[runs.variant == "baseline"][keys].drop_duplicates().shape[0] == 5
    for _, g in runs.groupby("sample"):
        assert len(g[keys].drop_duplicates()) == 1
    # a policy's saving is the baseline's admin hours less its own, in the same scenario and seed
    row = outcomes[(outcomes.variant == "one_form") & (outcomes["sample"] == 3)].iloc[0]
    admin = runs.set_index(["variant", "sample"])["admin_hours_per_cadre_week"]
    assert row.hours_saved == pytest.approx(admin[("baseline", 3)] - admin[("one_form", 3)])
    assert (outcomes[outcomes.variant == "baseline"].hours_saved == 0).all()
    for stem in ("outcomes", "rank_stability", "regret", "backfire", "prim_boxes"):
        assert (out / f"{stem}.csv").is_file()
    ranks = tables["rank_stability"]
    assert set(ranks.variant) == set(POLICIES) and ranks.n.eq(5).all()


def test_a_scenario_run_is_the_run_python_m_sim_makes_with_its_overrides(robustness_run):
    spec, out, tables = robustness_run
    runs = tables["runs"]
    one = runs[(runs.variant == "rest_rights") & (runs["sample"] == 2)].iloc[0]
    plan = {r["run_dir"]: r for r in json.loads((out / ".sweep" / "runs.json").read_text(encoding="utf-8"))}
    overrides = plan[one.run_dir]["overrides"]  # every override, the scenario's values included, as recorded
    assert "reform=[rest_rights]" in overrides and any(o.startswith("rebound.elasticity=") for o in overrides)
    summary, _, _ = run_simulation(load_config(overrides))
    assert summary["admin_hours_per_cadre_week"] == one.admin_hours_per_cadre_week
    assert summary["service_time_mean_days"] == one.service_time_mean_days


def test_a_finished_robustness_experiment_is_reused_not_run_again(robustness_run, capsys):
    spec, out, _ = robustness_run
    run_experiment(spec, out)
    assert "15 runs (15 already done)" in capsys.readouterr().err


@pytest.mark.parametrize("settings, message", [
    ({"scenarios": 0}, "scenarios = 0: expected a whole number >= 1"),
    ({"policies": "everything"}, "policies: 'everything'; allowed: 'reforms_and_bundles'"),
    ({"backfire": {"service_worse": 0.1}}, "backfire: .*allowed: a mapping with service_worse_days"),
    ({"prim": {"threshold": 1.5}}, r"prim.threshold = 1.5: expected a share between 0 and 1"),
    ({"uncertainties": {"rebound.elasticity": [0.6, 0.1]}},
     r"uncertainties.rebound.elasticity: expected \[low, high\]"),
    ({"posterior": "/nonexistent"}, "posterior: /nonexistent: no posterior.parquet there"),
])
def test_bad_robustness_settings_stop_with_one_line_naming_the_key(settings, message):
    with pytest.raises(SweepError, match=message):
        load_experiment_spec("robustness", settings)


def test_scenarios_can_be_drawn_from_a_calibration_posterior(tmp_path):
    from sim.experiments.kinds.robustness import scenario_points

    accepted = pd.DataFrame({"meetings.per_department_per_week": [2.0, 2.5, 3.0],
                             "chat.groups_per_department": [4, 5, 6], "max_implausibility": [1.0, 2.0, 2.5]})
    accepted.to_parquet(tmp_path / "posterior.parquet")
    spec = load_experiment_spec("robustness", {"scenarios": 8, "posterior": str(tmp_path)})
    points = scenario_points(spec)
    assert set(points["meetings.per_department_per_week"]) <= {2.0, 2.5, 3.0}
    assert set(points["chat.groups_per_department"]) <= {4, 5, 6}
    # the rest still come from the hypercube over their ranges
    low, high = uncertainty_ranges()["rebound.elasticity"]
    assert points["rebound.elasticity"].between(low, high).all() and points["rebound.elasticity"].nunique() == 8
    assert np.array_equal(points.to_numpy(), scenario_points(spec).to_numpy())  # reproducible


# ---- the best packages: the search run as sweeps ----------------------------------------------------------------

LEVERS = ["one_form", "meeting_list", "merge_workgroups", "rest_rights"]


@pytest.fixture(scope="module")
def packages_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("packages")
    spec = {"kind": "packages", "scenario": "classroom", "seeds": 1, "days": 21, "levers": LEVERS,
            "population": 4, "generations": 1}
    return spec, out, run_experiment(spec, out)


def test_the_package_search_runs_each_package_as_a_variant_and_marks_the_front(packages_run):
    from sim.experiments.packages import pareto_front

    spec, out, tables = packages_run
    packages, runs = tables["packages"], tables["runs"]
    assert set(packages.package) >= {"", ",".join(sorted(LEVERS))}  # the baseline and the full package
    assert len(packages) == runs.variant.nunique() and packages.package.is_unique
    # a package's outcomes are its runs' paired with the baseline's, seed by seed
    one = packages[packages.n_reforms == 1].iloc[0] if (packages.n_reforms == 1).any() else packages.iloc[-1]
    admin = runs.set_index("variant").admin_hours_per_cadre_week
    assert one.hours_saved == pytest.approx(admin["baseline"] - admin[one.variant])
    assert set(runs[runs.variant == one.variant].reforms.iloc[0].split(",")) == set(one.package.split(","))
    # the front: nothing evaluated beats a front package on every objective
    objectives = {"hours_saved": "max", "service_time_change": "min", "moved_up_hours": "min", "n_reforms": "min"}
    assert set(packages[packages.pareto].variant) == set(pareto_front(packages, objectives).variant)
    full = packages[packages.n_reforms == len(LEVERS)].hours_saved.iloc[0]
    assert (tables["cheapest"].hours_saved >= 0.8 * full).all()
    for stem in ("packages", "pareto", "cheapest"):
        assert (out / f"{stem}.csv").is_file()


def test_a_package_search_run_again_replays_its_generations_from_the_runs_on_disk(packages_run, capsys):
    spec, out, tables = packages_run
    again = run_experiment(spec, out)
    err = capsys.readouterr().err
    assert "0 already done" not in err and "runs (" in err
    pd.testing.assert_frame_equal(again["packages"], tables["packages"])


def test_the_report_shows_rank_stability_prim_and_the_front(robustness_run, packages_run):
    from sim.views.report import build_report

    _, rob_out, _ = robustness_run
    result = build_report(rob_out, png=False, network=False)
    page = result["html"].read_text(encoding="utf-8")
    assert "rank_stability" in result["figures"] and 'class="robustness"' in page
    assert "PRIM" in page and ('class="prim-boxes"' in page or "PRIM found no region" in page)
    _, pk_out, _ = packages_run
    result = build_report(pk_out, png=False, network=False)
    page = result["html"].read_text(encoding="utf-8")
    assert result["figures"] == ["pareto"] and 'class="pareto"' in page


def test_the_new_tables_explain_their_columns(robustness_run, packages_run):
    import pyarrow.parquet as pq

    for (_, out, _), stems in ((robustness_run, ("outcomes", "rank_stability", "regret", "backfire", "prim_boxes")),
                               (packages_run, ("packages", "pareto", "cheapest"))):
        book = pd.read_csv(out / "codebook.csv")
        for stem in stems:
            frame = pd.read_parquet(out / f"{stem}.parquet")
            documented = set(book[book.table == stem].column)
            assert set(frame.columns) <= documented, (stem, set(frame.columns) - documented)
            notes = json.loads(pq.read_schema(out / f"{stem}.parquet").metadata[b"grassroots_sim.codebook"])
            assert set(notes) == set(frame.columns)
