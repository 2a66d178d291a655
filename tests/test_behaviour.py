"""Reforms that act on behaviour: departments' rebound, implementation fidelity, shadow ledgers, and where every
hour a reform removed went (the decomposition). Classroom scale, a full year after the warm-up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config import REFORM_NAMES, load_config
from sim.experiments.decompose import PARTS, decomposition_table, parts
from sim.model.accounts import CH
from sim.model.fidelity import REVIEWS_PER_YEAR
from sim.model.streams import Streams

SMALL = "scenario=classroom"
NO_REBOUND = "rebound=none"


def frame(*summaries: dict) -> pd.DataFrame:
    return pd.DataFrame(list(summaries)).set_index("seed")


# ---- rebound -------------------------------------------------------------------------------------------------

def test_elasticity_zero_is_no_rebound_exactly(run):
    """At elasticity 0 nothing of the rebound runs: no extra request, no trace, no draw from a rebound stream
    (the golden summaries were checked identical to the model before rebound existed when it was added)."""
    none, series_none, _ = run(SMALL, "package=all_reforms", NO_REBOUND)
    zero, series_zero, model = run(SMALL, "package=all_reforms", "rebound.elasticity=0")
    assert zero["rebound_hours_per_cadre_week"] == 0.0
    assert all((d.extra_share == 0).all() and d.tasks_for_slack() == 0 for d in model.departments)
    fresh = Streams(model.seed)
    for name, gen in model.streams._generators.items():
        if name.startswith("rebound/"):
            assert gen.bit_generator.state == fresh[name].bit_generator.state, f"{name} was drawn from"
    assert {k: v for k, v in zero.items() if k != "model_version"} == \
        {k: v for k, v in none.items() if k != "model_version"}
    pd.testing.assert_frame_equal(series_zero, series_none)


def test_cheaper_reports_invite_more_report_requests(run):
    """one_form makes a report cheap: the departments with systems ask for more reports, and nothing else."""
    _, _, model = run(SMALL, "reform=[one_form]")
    extra = np.array([d.extra_share for d in model.departments])
    # what the departments' steps read is what they took stock of, to the last bit
    assert model.demand_seen.extra_lists == extra.tolist()
    with_systems = np.array([len(d.systems) > 0 for d in model.departments])
    assert (extra[with_systems, CH["data_reports"]] > 0.1).all()
    others = [c for name, c in CH.items() if name != "data_reports"]
    assert (extra[:, others] == 0).all()
    # elasticity <= 1: what comes back never outweighs what was removed
    s, _, _ = run(SMALL, "reform=[one_form]")
    assert 0 < s["rebound_hours_per_cadre_week"] < s["hours_removed_by_reforms_per_cadre_week"]


def test_rebound_takes_back_part_of_a_saving(run):
    base, _, _ = run(SMALL)
    off, _, _ = run(SMALL, "reform=[meeting_list]", NO_REBOUND)
    on, _, _ = run(SMALL, "reform=[meeting_list]")
    base_off, _, _ = run(SMALL, NO_REBOUND)
    assert base == {**base_off, "model_version": base["model_version"]}  # no reform, nothing to rebound from
    saved_off = base["meetings_hours_per_cadre_week"] - off["meetings_hours_per_cadre_week"]
    saved_on = base["meetings_hours_per_cadre_week"] - on["meetings_hours_per_cadre_week"]
    assert on["rebound_hours_per_cadre_week"] > 0
    assert 0 < saved_on < saved_off


def test_a_removed_ledger_comes_back_as_traces(run):
    on, _, model = run(SMALL, "reform=[no_ledger_assessment]")
    off, _, _ = run(SMALL, "reform=[no_ledger_assessment]", NO_REBOUND)
    assert on["rebound_hours_per_cadre_week"] > 0 and off["rebound_hours_per_cadre_week"] == 0
    assert on["ledgers_hours_per_cadre_week"] > off["ledgers_hours_per_cadre_week"]


def test_visible_slack_draws_new_tasks_and_hours_given_to_residents_are_not_slack(run):
    _, _, model = run(SMALL, "package=all_reforms")
    assert model.accounts.visible_slack > 0
    assert all(d.tasks_for_slack() > 0 for d in model.departments)
    _, _, off = run(SMALL, "package=all_reforms", NO_REBOUND)
    assert off.accounts.visible_slack == 0


# ---- implementation fidelity ---------------------------------------------------------------------------------

@pytest.mark.parametrize("reform", REFORM_NAMES)
def test_a_reform_nobody_applies_changes_nothing(run, reform):
    base, base_series, _ = run(SMALL)
    rs, rs_series, _ = run(SMALL, f"reform=[{reform}]", f"reform.{reform}.compliance=0")
    moved = {k: (base[k], v) for k, v in rs.items()
             if k not in ("reforms", "model_version") and base[k] != v}
    assert not moved, f"{reform} at compliance 0 moved: {moved}"
    pd.testing.assert_frame_equal(rs_series, base_series)


def test_more_compliance_removes_more(run):
    removed = [run(SMALL, "reform=[one_form]", f"reform.one_form.compliance={c}", NO_REBOUND)[0]
               ["hours_removed_by_reforms_per_cadre_week"] for c in (0.0, 0.5, 1.0)]
    assert removed[0] == 0 < removed[1] < removed[2]


def test_backsliding_keeps_a_steady_share_lapsed_from_the_first_day(run):
    """Lapses at 3 a year against reviews finding a lapsed unit once a year: a quarter of 4,000 townships apply the
    rule on any day, from the first to the last (the process starts in its steady state, so no figure depends on
    run length). The Fidelity process on its own, with many units, so the shares are tight."""
    from types import SimpleNamespace

    from sim.model.fidelity import Fidelity
    from sim.model.tally import Tally

    rule = SimpleNamespace(compliance=1.0, backsliding=3.0)
    model = SimpleNamespace(structure=SimpleNamespace(n_departments=12, n_townships=4000), reforms=["rest_rights"],
                            cfg=SimpleNamespace(reform=SimpleNamespace(rest_rights=rule)), streams=Streams(0),
                            tally=Tally(364, 0), day=0)
    fidelity = Fidelity(model)
    share = []
    for day in range(364):
        model.day = model.tally.today = day
        fidelity.review_and_lapse()
        share.append(fidelity.mask("rest_rights").mean())
    steady = REVIEWS_PER_YEAR / (REVIEWS_PER_YEAR + 3.0)
    quarters = np.array(share[:364]).reshape(4, -1).mean(axis=1)
    assert np.allclose(quarters, steady, atol=0.03), quarters
    # in a model run: departments do lapse and come back; without backsliding all apply every day
    _, _, model_run = run(SMALL, "reform=[meeting_list]", "reform.meeting_list.backsliding=3")
    lapsing = model_run.tally.by_day("applying/meeting_list")
    assert lapsing.min() < lapsing.max() and lapsing.mean() < 0.6
    _, _, kept = run(SMALL, "reform=[meeting_list]", "reform.meeting_list.backsliding=0")
    assert (kept.tally.by_day("applying/meeting_list") == 1.0).all()


def test_every_reform_names_who_applies_it():
    from sim.model.fidelity import UNIT
    assert set(UNIT) == set(REFORM_NAMES)
    cfg = load_config(["package=all_reforms"])
    for name in REFORM_NAMES:
        rule = getattr(cfg.reform, name)
        assert 0 <= rule.compliance <= 1 and rule.backsliding >= 0


# ---- shadow ledgers ------------------------------------------------------------------------------------------

def test_shadow_ledgers_follow_blame_and_the_weight_of_material(run):
    base, _, _ = run(SMALL)
    kept, _, _ = run(SMALL, "reform=[no_ledger_assessment]", NO_REBOUND)
    less_blame, _, _ = run(SMALL, "reform=[no_ledger_assessment,fault_tolerance,precise_accountability]", NO_REBOUND)
    less_material, _, _ = run(SMALL, "reform=[no_ledger_assessment,satisfaction_assessment]", NO_REBOUND)
    assert base["shadow_ledger_hours_per_cadre_week"] == 0           # nothing unasked, nothing kept
    assert kept["shadow_ledger_hours_per_cadre_week"] > 0.1
    assert less_blame["blame_mean"] < kept["blame_mean"]
    assert less_blame["shadow_ledger_hours_per_cadre_week"] < kept["shadow_ledger_hours_per_cadre_week"]
    assert less_material["shadow_ledger_hours_per_cadre_week"] < kept["shadow_ledger_hours_per_cadre_week"]


# ---- where every saved hour goes -----------------------------------------------------------------------------

def test_the_parts_add_up_to_the_gross(run):
    base = frame(*(run(SMALL, f"seed={s}")[0] for s in (0, 1)))
    for variant in ("reform=[one_form]", "package=all_reforms", "reform=[rest_rights]", "reform=[self_organization]"):
        v = frame(*(run(SMALL, variant, f"seed={s}")[0] for s in (0, 1)))
        p = parts(base, v)
        assert np.allclose(p[list(PARTS)].sum(axis=1), p["gross_removed"], rtol=0, atol=1e-9)
        freed_service = v["service_hours_removed_by_reforms_per_cadre_week"] - base[
            "service_hours_removed_by_reforms_per_cadre_week"]
        assert np.allclose(p["net_saved"], p["reinvested_in_residents"] + p["given_back_as_rest"] - freed_service,
                           rtol=0, atol=1e-9)


@pytest.mark.parametrize("reform", ["meeting_list", "one_form", "no_ledger_assessment", "shared_data_pool",
                                    "ban_forced_assignments", "resources_follow_tasks", "strip_non_autonomous"])
def test_what_the_offices_record_is_what_disappears(run, reform):
    """With rebound off, the named parts account for the gross: what is left over (overdue work caught up, work
    moved between days) is small beside it. This checks the offices' records against the hours that really go."""
    base = frame(*(run(SMALL, f"seed={s}", NO_REBOUND)[0] for s in (0, 1)))
    v = frame(*(run(SMALL, f"reform=[{reform}]", f"seed={s}", NO_REBOUND)[0] for s in (0, 1)))
    p = parts(base, v).mean()
    assert p["gross_removed"] > 0.1
    assert abs(p["other_responses"]) < 0.15 * p["gross_removed"], p.to_dict()


def test_decomposition_table_is_tidy_and_paired():
    runs = pd.DataFrame([
        {"variant": "baseline", "seed": s, "hours_removed_by_reforms_per_cadre_week": 0.0,
         "service_hours_removed_by_reforms_per_cadre_week": 0.0,
         "rebound_hours_per_cadre_week": 0.0, "defensive_paperwork_hours_per_cadre_week": 1.0,
         "shadow_ledger_hours_per_cadre_week": 0.0, "fatigue_hours_per_cadre_week": 2.0,
         "service_hours_per_cadre_week": 5.0, "working_hours_per_cadre_week": 50.0,
         "admin_hours_per_cadre_week": 45.0, "department_hours_per_county_week": 100.0, "n_cadres": 10}
        for s in (0, 1)] + [
        {"variant": "r", "seed": s, "hours_removed_by_reforms_per_cadre_week": 10.0,
         "service_hours_removed_by_reforms_per_cadre_week": 0.5,
         "rebound_hours_per_cadre_week": 3.0, "defensive_paperwork_hours_per_cadre_week": 0.5,
         "shadow_ledger_hours_per_cadre_week": 1.0, "fatigue_hours_per_cadre_week": 1.0,
         "service_hours_per_cadre_week": 6.0 + s, "working_hours_per_cadre_week": 45.0,
         "admin_hours_per_cadre_week": 39.0 - s, "department_hours_per_county_week": 120.0, "n_cadres": 10}
        for s in (0, 1)])
    t = decomposition_table(runs).set_index("part")["hours_per_cadre_week"]
    assert t["absorbed_by_rebound"] == 3.0 and t["kept_as_paperwork"] == 0.5 and t["lost_to_fatigue"] == -1.0
    assert t["reinvested_in_residents"] == 2.0 and t["given_back_as_rest"] == 5.0  # 1.5 more served + 0.5 freed
    assert t["other_responses"] == pytest.approx(10.0 - 3.0 - 0.5 + 1.0 - 2.0 - 5.0)
    assert t["moved_up_to_county"] == 2.0 and t["net_saved"] == 6.5
