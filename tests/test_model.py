"""The core model: invariants, determinism, scenarios, outputs, and a believable baseline."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from sim.config import load_config
from sim.model.model import GrassrootsModel
from sim.model.workload import ACTIVITIES

from .conftest import run_cli


def test_hours_and_requests_are_conserved_every_day():
    """Every cadre-day within its cap, overtime exactly what exceeds the regular day, no request lost (the same
    check the property-based tests apply to random configs)."""
    from .test_properties import _check_invariants

    overrides = ["scenario=classroom", "scenario.days=91", "seed=5"]
    sc = load_config(overrides).scenario
    cadres = sc.township_cadres + sc.villages_per_township * sc.village_cadres_per_village
    # every cadre-day of the warm-up and the measured days is checked
    assert _check_invariants(overrides) == (sc.warmup_days + sc.days) * cadres


def test_summary_hours_add_up_and_match_the_timeseries(run):
    summary, series, model = run("scenario=classroom", "scenario.days=56")
    admin = sum(summary[f"{a}_hours_per_cadre_week"] for a in ACTIVITIES if a != "service")
    assert summary["admin_hours_per_cadre_week"] == pytest.approx(admin)
    assert summary["working_hours_per_cadre_week"] == pytest.approx(admin + summary["service_hours_per_cadre_week"])
    ended = summary["requests_resolved_total"] + summary["requests_abandoned_total"]
    assert summary["requests_arrived_total"] == ended + summary["requests_open_at_end"]
    # the timeseries holds one row per simulated day and township, warm-up included (negative days); over the
    # measured days its hours add up to the summary's
    assert len(series) == (91 + 56) * model.structure.n_townships
    measured = series[series.day >= 0]
    weeks = 56 / 7
    for a in ACTIVITIES:
        assert measured[f"{a}_hours_per_cadre_day"].sum() / weeks == pytest.approx(
            summary[f"{a}_hours_per_cadre_week"], rel=1e-9)


@pytest.mark.parametrize("scenario", ["classroom", "township", "county"])
def test_every_scenario_runs_at_reduced_length(run, scenario):
    summary, series, model = run(f"scenario={scenario}", "scenario.days=14")
    sc = load_config([f"scenario={scenario}"]).scenario
    assert summary["n_cadres"] == sc.townships * (sc.township_cadres + sc.villages_per_township
                                                  * sc.village_cadres_per_village)
    assert summary["n_households"] == sc.townships * sc.households_per_township
    assert len(series) == (sc.warmup_days + 14) * sc.townships
    assert summary["working_hours_per_cadre_week"] > 0 and summary["requests_arrived_total"] > 0


def test_networks_are_used_and_deterministic():
    a = GrassrootsModel(load_config(["scenario=classroom", "seed=2"]))
    b = GrassrootsModel(load_config(["scenario=classroom", "seed=2"]))
    c = GrassrootsModel(load_config(["scenario=classroom", "seed=3"]))
    assert sorted(a.structure.hierarchy.edges) == sorted(b.structure.hierarchy.edges)
    assert (a.structure.household_cadre == b.structure.household_cadre).all()
    assert not (a.structure.household_cadre == c.structure.household_cadre).all()
    st = a.structure
    # every household is served by a cadre attached to its village (the service grid)
    assert (st.cadre_liaison_village[st.household_cadre] == st.household_village).all()
    assert st.service_grid.number_of_edges() == st.n_households
    # every village has exactly one line cadre per department (tasks flow down the hierarchy to them)
    for d in range(st.n_departments):
        assert sorted(st.cadre_village[st.line_cadres(d, "village")]) == list(range(st.n_villages))
    # dozens of work groups per cadre; resident ties exist within villages only
    assert a.chat.groups_per_cadre() > 20
    rows = np.repeat(np.arange(st.n_households), np.diff(st.tie_indptr))
    assert (st.household_village[rows] == st.household_village[st.tie_indices]).all()


def test_same_seed_same_summary_in_two_processes(tmp_path):
    outs = []
    for name in ("a", "b"):
        res = run_cli("scenario=classroom", "scenario.days=42", "seed=7", f"out_dir={tmp_path / name}")
        assert res.returncode == 0, res.stderr
        outs.append((tmp_path / name / "_summary.json").read_text())
    assert outs[0] == outs[1]
    other = run_cli("scenario=classroom", "scenario.days=42", "seed=8", f"out_dir={tmp_path / 'c'}")
    assert other.returncode == 0, other.stderr
    assert (tmp_path / "c" / "_summary.json").read_text() != outs[0]
    ts = pd.read_parquet(tmp_path / "a" / "timeseries.parquet")
    assert len(ts) == 91 + 42 and {"day", "date", "township", "requests_open"} <= set(ts.columns)
    cfg = (tmp_path / "a" / "_config.yaml").read_text()
    assert "seed: 7" in cfg and "scenario:" in cfg


def test_a_believable_baseline(run):
    """Township, no reform, one year: the week the published figures describe (DOMAIN.md)."""
    s, _, _ = run()
    assert 44 <= s["working_hours_per_cadre_week"] <= 56, "CASS: 47.6 h a week"
    assert s["overtime_hours_per_cadre_week"] > 3
    assert s["data_reports_hours_per_cadre_week"] / s["working_hours_per_cadre_week"] > 0.2, \
        "reports take a large share of the week"
    assert 30 <= s["groups_per_cadre"] <= 70, "dozens of work groups (40-50, 60+)"
    assert s["meetings_per_cadre_week"] >= 2.5, "several meetings a week"
    assert s["meetings_max_per_cadre_day"] >= 3, "up to 3 meetings in one day"
    assert s["service_share"] < 0.3, "most hours go elsewhere than residents"
    assert s["inspections_per_township_year"] > 5
    assert s["requests_open_at_end"] < 0.1 * s["requests_arrived_total"], "the baseline service queue is stable"
    assert s["days_off_per_cadre_week"] < 2


@pytest.mark.parametrize(
    "override, key",
    [
        ("meetings.duration_hours=-1", "meetings.duration_hours"),
        ("chat.action_share=1.5", "chat.action_share"),
        ("scenario.townships=0", "scenario.townships"),
        ("+scenario.unknown_key=1", "scenario.unknown_key"),
        ("+unknown=1", "unknown"),
        ("chat.read_minutes=nan", "chat.read_minutes"),
        ("service.requests_per_household_per_year=inf", "service.requests_per_household_per_year"),
        ("scenario.townships=abc", "scenario.townships"),
        ("reform=[no_such_reform]", "no_such_reform"),
        ("scenario=no_such_scenario", "no_such_scenario"),
        ("reform.one_form.form_overhead_hours=-1", "reform.one_form"),
    ],
)
def test_bad_config_stops_with_one_message_naming_the_key(tmp_path, override, key):
    from sim.config import ConfigError

    with pytest.raises(ConfigError) as err:
        load_config([override])
    assert key in str(err.value)


@pytest.mark.parametrize("overrides", [
    ["scenario=county", "reform=[one_form,rest_rights]"],
    ["package=all_reforms", "calibration=hand_set", "seed=7"],
    ["scenario=mmc"],
    ["rebound=none", "reform=[self_organization]", "reform.self_organization.compliance=0.5"],
])
def test_a_composed_config_is_checked_into_what_its_plain_values_give(overrides):
    # validate takes what Hydra composed over the schema as typed already; the same values as a plain dict go
    # through the schema's merge: both must give the same config, to the last key of its YAML
    from omegaconf import OmegaConf

    from sim.config import to_yaml, validate
    from sim.config.load import compose_config

    composed = compose_config(overrides)
    typed, plain = validate(composed), validate(OmegaConf.to_container(composed, resolve=True))
    assert typed == plain and to_yaml(typed) == to_yaml(plain)
    assert typed == load_config(overrides)


def test_bad_config_on_the_command_line_writes_nothing(tmp_path):
    out = tmp_path / "run"
    res = run_cli("scenario=classroom", "chat.action_share=1.5", f"out_dir={out}")
    assert res.returncode != 0
    assert "chat.action_share" in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists()
    res = run_cli("reform=[no_such_reform]", f"out_dir={out}")
    assert res.returncode != 0 and "no_such_reform" in res.stderr
    assert not out.exists()


def test_daily_request_records_match_the_request_book(run):
    summary, series, model = run("scenario=classroom", "scenario.days=91", "package=self_government")
    book = model.service.book
    counts = book.check_conservation(model.days - 1)
    assert series.requests_arrived.sum() == book.n == counts["requests_arrived"]
    assert series.requests_arrived[series.day >= 0].sum() == summary["requests_arrived_total"]
    assert series.requests_resolved.sum() == counts["requests_resolved"]
    assert series.requests_abandoned.sum() == counts["requests_abandoned"]
    assert series.requests_open.iloc[-1] == counts["requests_open_end"] >= summary["requests_open_at_end"]
    assert summary["requests_self_settled_total"] > 0


def test_day_counts_days_done_through_step_and_run_for():
    model = GrassrootsModel(load_config(["scenario=classroom", "scenario.days=30"]))
    model.step()
    assert model.day == model.steps == 1
    model.run_for(9)
    assert model.day == model.steps == 10 and len(model.series("admin_hours_per_cadre_day")) == 10
    model.run()
    assert model.day == 91 + 30 and not model.running
    with pytest.raises(RuntimeError, match="all 121 days"):
        model.step()


def test_randomness_only_through_the_named_streams():
    """Mesa seeds model.rng and model.random; nothing in a run draws from them (every draw has a named stream)."""
    model = GrassrootsModel(load_config(["scenario=classroom", "scenario.days=28", "package=all_reforms", "seed=4"]))
    fresh = np.random.default_rng(4)
    model.run()
    assert model.rng.bit_generator.state == fresh.bit_generator.state
    assert model.random.random() == GrassrootsModel(load_config(["scenario=classroom", "seed=4"])).random.random()
    assert set(model.streams._generators) >= {"requests", "messages", "network", "incidents"}


def test_departments_are_mesa_agents_stepped_in_config_order():
    model = GrassrootsModel(load_config(["scenario=classroom", "scenario.days=7"]))
    names = [d.name for d in model.departments]
    assert names == [d.name for d in model.cfg.departments]
    assert len(model.agents) == len(names)


def test_the_daily_record_keeps_what_mesas_data_collector_would():
    """DailyRecord skips Mesa's deepcopy of each reporter's value: the record must be the same, day by day, as
    Mesa's own DataCollector keeps in a twin run (a reporter returning a live array would differ)."""
    import mesa

    from sim.model import reporters

    overrides = ["scenario=classroom", "scenario.days=14", "reform=[rest_rights]"]
    ours, twin = GrassrootsModel(load_config(overrides)), GrassrootsModel(load_config(overrides))
    twin.datacollector = mesa.DataCollector(model_reporters=reporters.MODEL_REPORTERS)
    ours.run(), twin.run()
    assert isinstance(ours.datacollector, reporters.DailyRecord)
    for name in reporters.MODEL_REPORTERS:
        a, b = ours.datacollector.model_vars[name], twin.datacollector.model_vars[name]
        assert len(a) == len(b) == ours.days
        np.testing.assert_array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), err_msg=name)
