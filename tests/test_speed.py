"""The fast paths compute exactly what the plain ones do (issue 14: speed without changing a result).

Speed itself is measured in ``benchmarks/`` (a ratio to Mesa's object-per-agent style on the same machine); here
each shortcut is held to the slower code it replaced, bit for bit.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config import load_config, to_yaml
from sim.model.workload import ACTIVITIES, A


@pytest.mark.parametrize("overrides", [["scenario=township"], ["scenario=county", "package=all_reforms"],
                                       ["scenario=classroom", "reform=[one_form,rest_rights]", "rebound=none"]])
def test_a_run_s_config_yaml_is_omegaconf_s_text(overrides):
    cfg = load_config(overrides)
    assert to_yaml(cfg) == OmegaConf.to_yaml(OmegaConf.structured(cfg))


def test_libyaml_writes_every_variant_s_config_as_pyyaml_does():
    """A run's key hashes its config's text, so the emitter that writes it must not change a character: libyaml's
    (``to_yaml``) against PyYAML's own, for every variant of the default comparison, and the baseline and all
    reforms at the other scales."""
    import dataclasses

    import yaml

    from sim.experiments.kinds import reform_variants

    assert yaml.__with_libyaml__   # the lock's PyYAML wheels are built with it, so to_yaml takes the fast emitter
    variants = reform_variants()
    cases = [["scenario=township", *overrides] for overrides in variants.values()]
    cases += [[f"scenario={scale}", *variants[name]] for scale in ("county", "classroom")
              for name in ("baseline", "all_reforms")]
    for overrides in cases:
        cfg = load_config(overrides)
        pure = yaml.dump(dataclasses.asdict(cfg), Dumper=yaml.Dumper, sort_keys=False, allow_unicode=True,
                         default_flow_style=False)
        assert to_yaml(cfg) == pure, overrides


def test_a_run_s_config_text_is_its_variant_s_with_the_run_s_seed():
    """A job writes each run's config from its variant's text (``seeded_yaml``): the text ``to_yaml`` writes for the
    config with the run's seed, for every variant of the default comparison and seeds from 0 to the largest; a text
    that does not begin with a seed is refused."""
    from sim.config import seeded_yaml, with_seed
    from sim.experiments.kinds import reform_variants

    for overrides in reform_variants().values():
        cfg = load_config(["scenario=township", *overrides, "seed=5"])
        text = to_yaml(cfg)
        for seed in (0, 1, 5, 17, 123456, 2**31 - 1):
            assert seeded_yaml(text, seed) == to_yaml(with_seed(cfg, seed)), (overrides, seed)
    with pytest.raises(ValueError, match="seeded_yaml"):
        seeded_yaml("out_dir: null\nseed: 0\n", 1)


DAY_PLAN_FIELDS = ("hours", "service_hours", "queue_capacity", "proactive_hours", "shadow_ledger_hours",
                   "fatigue_hours", "overdue", "appointments_missed")


def _same_day(kwargs: dict) -> tuple[int, bool]:
    """The compiled day rule and the array version on the same inputs: (differences, one split for all)."""
    from sim.model.workday import plan_day
    from tests.day_rule_reference import plan_day as array_plan_day

    before = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    ref_due = kwargs["due"].copy()
    want = array_plan_day(**{**kwargs, "due": ref_due})
    got = plan_day(**kwargs)
    differ = sum(not np.array_equal(getattr(want, f), getattr(got, f)) for f in DAY_PLAN_FIELDS)
    differ += not np.array_equal(ref_due, kwargs["due"])    # what remains owed
    # nothing but the ledger is written to (the villages' queues are read, not taken from)
    differ += sum(not np.array_equal(before[k], kwargs[k]) for k in kwargs if isinstance(kwargs[k], np.ndarray)
                  and k != "due")
    return differ, bool(np.isscalar(kwargs["must_do_days"]))


def test_the_compiled_day_rule_is_the_array_version_to_the_last_bit(monkeypatch):
    """Every day of a run, every figure of the day and what remains owed, bit for bit; with rest rights in one of
    two townships, so that some days split the deadlines per cadre."""
    from sim.model import agents
    from sim.model.model import GrassrootsModel

    compiled = agents.plan_day
    days = []

    def both(**kwargs):
        days.append(_same_day({k: v.copy() if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}))
        return compiled(**kwargs)

    monkeypatch.setattr(agents, "plan_day", both)
    GrassrootsModel(load_config(["scenario=classroom", "scenario.townships=2", "reform=[rest_rights,one_form]",
                                 "reform.rest_rights.compliance=0.5", "scenario.days=120", "scenario.warmup_days=0",
                                 "seed=2"])).run()
    assert len(days) == 120 and sum(d for d, _ in days) == 0
    assert 0 < sum(not one for _, one in days) < 120    # both kinds of day were checked


def test_the_compiled_day_rule_holds_on_any_inputs():
    """Random days: overtime, overdue work, long holidays (must-do days beyond the horizon), a split per cadre,
    villages served by several cadres, work owed anywhere up to the ledger's end."""
    from sim.model.offices.service_desk import ServiceDemand
    from sim.model.workday import ServiceOrder

    rng = np.random.default_rng(7)
    for trial in range(200):
        C, V, K = int(rng.integers(1, 40)), int(rng.integers(1, 8)), 32
        owed_until = int(rng.integers(1, K + 1))
        due = np.where(rng.random((C, K, 6)) < 0.3, rng.exponential(2.0, (C, K, 6)), 0.0)
        due[:, owed_until:, :] = 0.0
        pool = rng.integers(V, size=C)
        first = np.lexsort((rng.random(C), pool))
        supervised_first = np.lexsort((rng.random(C), pool))
        pool_sorted = pool[first]
        starts = np.concatenate(([True], pool_sorted[1:] != pool_sorted[:-1]))
        regular = np.where(rng.random(C) < 0.8, 8.0, 0.0)

        def hours(scale, n=C):
            return np.where(rng.random(n) < 0.5, rng.exponential(scale, n), 0.0)

        must_do = int(rng.integers(0, 40)) if trial % 3 else rng.integers(0, 5, size=C)
        differ, _ = _same_day(dict(
            regular=regular, cap=regular + rng.uniform(0, 4, C), appointments=np.stack([hours(2.0) for _ in range(3)]),
            chat_hours=hours(1.0), due=due, must_do_days=must_do,
            service=ServiceDemand(desk=hours(3, V), urgent=hours(2, V), supervised_due=hours(2, V),
                                  supervised_later=hours(4, V), casework_later=hours(6, V)),
            order=ServiceOrder(pool=pool, first=first, supervised_first=supervised_first, pool_sorted=pool_sorted,
                               starts=starts),
            proactive_demand=hours(1.0), shadow_ledger_demand=hours(0.5), defensive_demand=hours(0.5),
            productivity=rng.uniform(0.5, 1.0, C), service_share=rng.uniform(0.1, 0.9, C),
            owed_until=owed_until if trial % 4 else None))
        assert differ == 0, f"trial {trial}: {differ} figures differ"


def test_the_ledger_knows_where_its_owed_work_ends():
    """Every day of a run, nothing is owed beyond `owed_until` (the day rule leaves that part alone)."""
    from sim.model.model import GrassrootsModel

    m = GrassrootsModel(load_config(["scenario=classroom", "package=all_reforms", "scenario.days=60",
                                     "scenario.warmup_days=0"]))
    for _ in range(60):
        m.step()
        assert not m.ledger.due[:, m.ledger.owed_until:, :].any()
        assert m.ledger.owed_until >= 1


def test_categorical_draws_are_numpy_s_choice_draw_for_draw():
    from sim.model.streams import Categorical

    for p in (np.array([0.3, 0.25, 0.2, 0.15, 0.1]), np.random.default_rng(1).dirichlet(np.ones(17)), np.array([1.0])):
        cat = Categorical(p)
        for seed in range(30):
            for n in (0, 1, 7, 500):
                a, b = np.random.default_rng(seed), np.random.default_rng(seed)
                assert np.array_equal(a.choice(len(p), size=n, p=p), cat.draw(b, n))
                assert a.random() == b.random()   # the streams stay in step


def test_a_figure_summed_over_a_line_of_cadres_is_the_sum_numpy_makes_of_it():
    """The accounts sum one figure over a line of cadres (``scatter.total``): the sum numpy makes of it repeated,
    for lines of 0 to 300 cadres and figures that do not add exactly."""
    from sim.model.compiled import scatter

    for n in range(0, 300, 7):
        for hours in (0.1, 1.0 / 3.0, 2.75, 0.35 + 0.1, np.float64(0.7), 3):
            cadres = np.arange(n)
            want = float(np.broadcast_to(np.asarray(hours, dtype=np.float64), cadres.shape).sum())
            assert scatter.total(cadres, hours) == want


def test_every_service_order_runs_the_villages_in_the_order_the_cadres_remember():
    """share_out is told where each village's servers begin (remembered once) instead of finding it each call."""
    from sim.model.model import GrassrootsModel

    m = GrassrootsModel(load_config(["scenario=township"]))
    for day in range(10):
        o = m.cadres.service_order(day)
        for order in (o.first, o.supervised_first):
            assert np.array_equal(o.pool[order], o.pool_sorted)
        assert np.array_equal(o.starts, np.concatenate(([True], o.pool_sorted[1:] != o.pool_sorted[:-1])))


def test_a_kept_service_order_is_the_order_made_for_that_day():
    """The orders kept for one cycle of the rotas are the ones made afresh for every day of a run (both ways of
    taking the queues), and cannot be changed by whoever reads them; with rotas whose cycle is long, none is kept."""
    from sim.model.model import GrassrootsModel

    cadres = GrassrootsModel(load_config(["scenario=classroom"])).cadres
    assert cadres._order_cycle == 6
    for day in range(40):
        kept, fresh = cadres.service_order(day), cadres._make_service_order(day)
        assert np.array_equal(kept.first, fresh.first) and np.array_equal(kept.supervised_first,
                                                                          fresh.supervised_first)
        assert not kept.first.flags.writeable
    assert len(cadres._orders) == 6
    cadres._order_cycle, cadres._orders = None, {}
    assert np.array_equal(cadres.service_order(7).first, cadres._make_service_order(7).first)
    assert not cadres._orders                                           # made each day, none kept


def test_the_neighbours_with_a_view_are_counted_as_views_form(monkeypatch):
    """Word of mouth keeps each household's count of neighbours with a view instead of a product over all ties
    each week; at every talk it is that product."""
    from sim.model import agents
    from sim.model.model import GrassrootsModel

    talk, checked = agents.Households.talk, []

    def checked_talk(hh):
        has = hh.has_view.copy()
        talk(hh)
        if has.any():
            checked.append(np.array_equal(hh._neighbours_with_view, hh.ties @ has.astype(np.float64)))

    monkeypatch.setattr(agents.Households, "talk", checked_talk)
    GrassrootsModel(load_config(["scenario=classroom", "scenario.days=91", "scenario.warmup_days=0"])).run()
    assert len(checked) >= 10 and all(checked)


def test_the_compiled_rule_checks_its_shapes_before_its_loops():
    """The loops are not bounds-checked: an array of the wrong size, or a cadre placed in a village that is not
    there, stops with a message instead of reading past the end."""
    from sim.model import day_rule

    C, V, K = 4, 2, 32
    f, i = np.zeros(C), np.arange(C, dtype=np.int64)

    def call(pool=np.array([0, 0, 1, 1]), productivity=np.ones(C)):
        sorted_pool = np.sort(pool).astype(np.int64)
        return day_rule.day_rule(f, f, np.zeros((3, C)), f, np.zeros((C, K, 6)), np.zeros(C, dtype=np.int64), True,
                                 -1, np.zeros(V), np.zeros(V), np.zeros(V), np.zeros(V), np.zeros(V),
                                 pool.astype(np.int64), i, i, sorted_pool, np.ones(C, dtype=np.uint8), f, f, f,
                                 productivity, f)

    hours, *_ = call()
    assert hours.shape == (C, 12) and not hours.any()
    with pytest.raises(ValueError, match=r"productivity \(per cadre\): 4 items expected, not 3"):
        call(productivity=np.ones(C - 1))
    with pytest.raises(ValueError, match="cadre 3's village"):
        call(pool=np.array([0, 0, 1, 5]))


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """The same dtype, shape and bytes: -0.0 is not 0.0, and a NaN equals only the same NaN."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _same_figures(want, got) -> bool:
    """Each figure of two results (arrays or numbers) the same to the last bit."""
    return all(_same_bits(np.asarray(w), np.asarray(g)) for w, g in zip(want, got, strict=True))


def _held_to(monkeypatch, module, name: str, oracle) -> list:
    """Every call a run makes to the compiled ``module.name`` is also made to `oracle` (its array version): returns
    the list that each call adds (whether the results were the same to the last bit, the call's arguments) to."""
    compiled, calls = getattr(module, name), []

    def both(*args):
        got = compiled(*args)
        calls.append((_same_figures(oracle(*args), got), args))
        return got

    monkeypatch.setattr(module, name, both)
    return calls


def test_the_day_s_demands_are_the_array_version_s_to_the_last_bit():
    """Productivity, defensive paperwork and shadow ledgers, on working days and others, for inputs of any sign and
    size (NaN and infinities included), bit for bit (every day of a run: the next test)."""
    from sim.model import day_rule
    from tests.day_rule_reference import demands as array_demands

    rng = np.random.default_rng(11)
    for trial in range(300):
        C, T = int(rng.integers(1, 60)), int(rng.integers(1, 5))

        def figures(n, signed=trial % 2 == 1):
            x = rng.normal(0.0, 1.0, n) if signed else rng.uniform(0.0, 1.0, n)
            odd = rng.random(n)
            return np.where(odd < 0.02, np.nan, np.where(odd < 0.04, np.inf, np.where(odd < 0.06, -0.0, x)))

        args = (figures(C), figures(C), rng.integers(0, T, C).astype(np.int32), figures(T),
                rng.integers(0, 12, C).astype(np.float64), rng.integers(0, 12, C).astype(np.float64),
                rng.integers(0, 12, C).astype(np.float64), float(rng.uniform(0, 2)), float(rng.uniform(0, 3)),
                float(rng.uniform(0, 5)), None if trial % 3 else rng.random(C) < 0.5)
        with np.errstate(all="ignore"):
            want = array_demands(*args)
            got = day_rule.demands(*args)
        assert all(_same_bits(w, g) for w, g in zip(want, got)), f"trial {trial}"


def test_a_run_s_demands_are_the_array_version_s_every_day(monkeypatch):
    """In a run where townships weigh satisfaction differently, fold assessors and drop ledgers, with weekends."""
    from sim.model import day_rule
    from sim.model.model import GrassrootsModel
    from tests.day_rule_reference import demands as array_demands

    days = _held_to(monkeypatch, day_rule, "demands", array_demands)
    GrassrootsModel(load_config(["scenario=classroom", "scenario.townships=2",
                                 "reform=[satisfaction_assessment,single_assessor,no_ledger_assessment]",
                                 "reform.satisfaction_assessment.compliance=0.5", "scenario.days=60",
                                 "scenario.warmup_days=0", "seed=3"])).run()
    assert len(days) == 60 and all(same for same, _ in days)
    assert 0 < sum(args[-1] is None for _, args in days) < 60     # working days and others


def test_the_day_s_demands_check_their_arguments():
    """A cadre of a township that is not there, or an array of the wrong length or type, stops with a message
    that names the argument, before anything is read past its end."""
    from sim.model import day_rule

    C = 3
    f = np.zeros(C)

    def call(township=None, blame=f, works=None):
        township = np.zeros(C, dtype=np.int32) if township is None else township
        return day_rule.demands(f, blame, township, np.zeros(2), f, f, f, 0.5, 1.0, 2.0, works)

    assert [a.shape for a in call()] == [(C,)] * 3
    with pytest.raises(ValueError, match="cadre 2's township 2 is not one of the 2"):
        call(township=np.array([0, 1, 2], dtype=np.int32))
    with pytest.raises(ValueError, match=r"blame \(per cadre\): 3 items expected, not 2"):
        call(blame=np.zeros(2))
    with pytest.raises(TypeError, match="township"):
        call(township=np.zeros(C, dtype=np.int64))
    with pytest.raises(TypeError, match="works"):
        call(works=np.zeros(C))


def _array_blame_after(blame, overdue, forgiven, decay_per_day, per_overdue_hour):
    """Blame after decay and overdue work, as ``Accountability.update`` wrote it over whole arrays (the oracle)."""
    b = blame * (1.0 - decay_per_day)
    b += per_overdue_hour * overdue * (1.0 - (0.0 if forgiven is None else forgiven))
    return b, float(overdue.sum())


def test_blame_after_a_day_is_the_array_version_s_to_the_last_bit(monkeypatch):
    """Random cadres (NaN, infinities and -0.0 included; some of them forgiven), and every day of a run where half
    the townships tolerate faults: the blame and the day's overdue hours, bit for bit."""
    from sim.model import day_rule
    from sim.model.model import GrassrootsModel

    rng = np.random.default_rng(13)
    for trial in range(200):
        C = int(rng.integers(1, 300))
        odd = rng.random((2, C))
        blame = np.where(odd[0] < 0.05, np.nan, np.where(odd[0] < 0.1, -0.0, rng.random(C)))
        overdue = np.where(odd[1] < 0.05, np.inf, np.where(odd[1] < 0.5, 0.0, rng.exponential(3.0, C)))
        forgiven = None if trial % 2 else np.where(rng.random(C) < 0.5, 0.3, 0.0)
        args = (blame, overdue, forgiven, float(rng.uniform(0, 0.1)), float(rng.uniform(0, 0.2)))
        with np.errstate(all="ignore"):
            assert _same_figures(_array_blame_after(*args), day_rule.blame_after(*args)), f"trial {trial}"

    compiled = day_rule.blame_after
    days = _held_to(monkeypatch, day_rule, "blame_after", _array_blame_after)
    GrassrootsModel(load_config(["scenario=classroom", "scenario.townships=2", "reform=[fault_tolerance]",
                                 "reform.fault_tolerance.compliance=0.5", "scenario.days=40",
                                 "scenario.warmup_days=0", "seed=5"])).run()
    assert len(days) == 40 and all(same for same, _ in days)
    with pytest.raises(ValueError, match=r"overdue \(per cadre\): 3 items expected, not 2"):
        compiled(np.zeros(3), np.zeros(2), None, 0.1, 0.1)


def test_whole_visits_are_the_array_version_s_to_the_last_bit():
    """Proactive hours made whole visits, and the part visits given back from the service hours, on random days
    (hours a hair below a whole visit, none, NaN): as ``ServiceDesk._visit`` made them over whole arrays."""
    from sim.model import queues

    rng = np.random.default_rng(17)
    for trial in range(200):
        C, vh = int(rng.integers(1, 100)), float(rng.choice([0.25, 0.5, 1.0 / 3.0]))
        proactive = rng.integers(0, 6, C) * vh - rng.choice([0.0, 1e-10, 1e-8, 0.1], C)
        proactive[rng.random(C) < 0.2] = 0.0
        proactive[rng.random(C) < 0.02] = np.nan
        hours = rng.random((C, 12)) * 3
        want_hours = hours.copy()
        want = np.floor(proactive / vh + 1e-9)
        want_hours[:, 11] -= proactive - want * vh
        got = queues.whole_visits(proactive, vh, hours, 11)
        assert _same_bits(want, got) and _same_bits(want_hours, hours), f"trial {trial}"
    with pytest.raises(ValueError, match="a column 12"):
        queues.whole_visits(np.zeros(2), 0.5, np.zeros((2, 12)), 12)


def test_the_campaigns_running_each_day_are_those_begun_within_their_length():
    """The township office's campaigns by day are, on every day of the run and after it, the ones the array
    expression over their starts found, in the order planned (the golden summaries hold the shifts to them)."""
    from sim.model.model import GrassrootsModel

    model = GrassrootsModel(load_config(["scenario=classroom", "scenario.townships=3",
                                         "extra_duties.campaigns_per_year=12", "extra_duties.campaign_days=9"]))
    office = model.township
    start = np.array([s for _t, s, _d, _e in office.campaigns], dtype=np.int64)
    assert len(start) > 10
    for day in range(model.days + 20):
        want = ((start <= day) & (day < start + 9)).nonzero()[0].tolist()
        assert office._running.get(day, []) == want, day


def _array_talk(hh, w):
    """Word of mouth as it was written over whole arrays before it was compiled (the oracle): (views, townships'
    sums, neighbours with a view, counted)."""
    has = hh.has_view
    counts, counted = hh._neighbours_with_view.copy(), hh._view_counted.copy()
    heard = hh.ties @ np.where(has, hh.satisfaction, 0.0)
    new = np.flatnonzero(has & ~counted)
    counts += np.bincount(hh.ties[new].indices, minlength=len(has))
    counted[new] = True
    told = has & (counts > 0)
    neighbours = heard / np.maximum(counts, 1.0)
    views = np.where(told, (1.0 - w) * hh.satisfaction + w * neighbours, hh.satisfaction)
    sums = np.bincount(hh.township, weights=np.where(has, views, 0.0), minlength=len(hh._view_sum))
    return views, sums, counts, counted


@pytest.mark.parametrize("overrides", [["scenario=classroom"], ["scenario=township", "reform=[self_organization]"]])
def test_the_compiled_talk_is_the_array_version_to_the_last_bit(monkeypatch, overrides):
    """At every weekly talk of a run: every household's view, the townships' sums of views, the neighbours with a
    view and who is counted, bit for bit (NaN where no view)."""
    from sim.model import agents
    from sim.model.model import GrassrootsModel

    talk, checked = agents.Households.talk, []

    def checked_talk(hh):
        want = _array_talk(hh, hh.model.cfg.residents.word_of_mouth_weight) if hh.has_view.any() else None
        talk(hh)
        if want is not None:
            got = (hh.satisfaction, hh._view_sum, hh._neighbours_with_view, hh._view_counted)
            checked.append(all(np.array_equal(a, b, equal_nan=True) for a, b in zip(want, got)))

    monkeypatch.setattr(agents.Households, "talk", checked_talk)
    GrassrootsModel(load_config([*overrides, "scenario.days=120", "scenario.warmup_days=0"])).run()
    assert len(checked) >= 15 and all(checked)


def _array_set_views(satisfaction, view_sum, view_n, township, households, views):
    """Households' views set as they were over whole arrays before it was compiled (the oracle), in place."""
    order = np.argsort(households, kind="stable")
    ordered = households[order]
    last = np.append(ordered[1:] != ordered[:-1], True)[: len(ordered)]
    h = ordered[last]
    views = np.asarray(views)[order[last]]
    old = satisfaction[h]
    had = ~np.isnan(old)
    view_sum += np.bincount(township[h], weights=views - np.where(had, old, 0.0), minlength=len(view_sum))
    view_n += np.bincount(township[h], weights=~had, minlength=len(view_sum))
    satisfaction[h] = views


@pytest.mark.parametrize("overrides", [["scenario=classroom"],
                                       ["scenario=township", "reform=[certificate_negative_list]"]])
def test_compiled_views_are_set_as_the_array_version_set_them(monkeypatch, overrides):
    """At every contact of a run (a request resolved, settled or given up, a proactive visit): the households'
    views, moved as ``np.where(np.isnan(s), toward, keep * s + move * toward)`` moved them, and the townships' sums
    and counts, byte for byte (a zero's sign and NaN included)."""
    from sim.model import agents
    from sim.model.model import GrassrootsModel

    move_views, checked = agents.Households._move_views, []

    def checked_move_views(hh, households, toward, keep, move):
        want = [hh.satisfaction.copy(), hh._view_sum.copy(), hh._view_n.copy()]
        s = want[0][households]
        _array_set_views(*want, hh.township, households, np.where(np.isnan(s), toward, keep * s + move * toward))
        move_views(hh, households, toward, keep=keep, move=move)
        checked.append((all(a.tobytes() == b.tobytes() for a, b in zip(want, (hh.satisfaction, hh._view_sum,
                                                                             hh._view_n))), len(households),
                        np.ndim(toward)))

    monkeypatch.setattr(agents.Households, "_move_views", checked_move_views)
    GrassrootsModel(load_config([*overrides, "scenario.days=90", "scenario.warmup_days=0"])).run()
    assert len(checked) >= 60 and all(same for same, _, _ in checked)
    assert sum(n for _, n, _ in checked) > 300                      # views were set, not empty calls compared
    assert {d for _, _, d in checked} == {0, 1}                     # one figure for all, and one each


def test_compiled_views_keep_a_household_s_last_view_in_any_order():
    """Households listed twice or more, in any order and of either index type: the last view of each, and the
    townships' figures, as the array version makes them. From one household to a county's 200,000 and more: the
    sort by household takes one pass of 11 bits up to 2,048 households, two up to some four million."""
    from sim.model.compiled import word_of_mouth

    rng = np.random.default_rng(5)
    for trial in range(200):
        H, T = (1, 40, 2048, 2049, 5000, 300_000)[trial % 6], 3
        township = rng.integers(T, size=H).astype(np.int32)
        satisfaction = np.where(rng.random(H) < 0.5, np.nan, rng.random(H))
        view_sum, view_n = rng.random(T) * 5, rng.integers(0, 9, size=T).astype(float)
        households = rng.integers(H, size=rng.integers(0, 30 if H == 40 else 3000))
        households = rng.permutation(np.concatenate([households, households[: len(households) // 3]]))  # repeats
        households = households.astype(np.int32 if trial % 2 else np.int64)
        views = rng.random(len(households))
        want = [satisfaction.copy(), view_sum.copy(), view_n.copy()]
        _array_set_views(*want, township, households, views)
        word_of_mouth.set_views(households, views, satisfaction, township, view_sum, view_n)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(want, (satisfaction, view_sum, view_n)))


def test_moved_views_are_numpy_s_where_of_the_views_held():
    """``move_views`` on its own: households listed twice (each moved from the view held before the call, the last
    kept), first contacts, one figure for all or one each, either index type; and a bad household or a wrong
    number of figures stops it before anything is set."""
    from sim.model.compiled import word_of_mouth

    rng = np.random.default_rng(9)
    for trial in range(100):
        H, T = 50, 3
        township = rng.integers(T, size=H).astype(np.int32)
        satisfaction = np.where(rng.random(H) < 0.4, np.nan, rng.random(H))
        view_sum, view_n = rng.random(T), rng.integers(0, 9, size=T).astype(float)
        households = rng.integers(H, size=rng.integers(0, 40)).astype(np.int32 if trial % 2 else np.int64)
        toward = float(rng.random()) if trial % 3 == 0 else rng.random(len(households))
        keep, move = 0.7, 0.3
        want = [satisfaction.copy(), view_sum.copy(), view_n.copy()]
        s = want[0][households]
        _array_set_views(*want, township, households, np.where(np.isnan(s), toward, keep * s + move * toward))
        word_of_mouth.move_views(households, toward, keep, move, satisfaction, township, view_sum, view_n)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(want, (satisfaction, view_sum, view_n))), trial
    before = satisfaction.copy()
    with pytest.raises(IndexError, match="household 50 is not one of the 50"):
        word_of_mouth.move_views(np.array([1, 50]), 1.0, 0.8, 0.2, satisfaction, township, view_sum, view_n)
    with pytest.raises(ValueError, match="2 figures for 3 households"):
        word_of_mouth.move_views(np.array([1, 2, 3]), np.ones(2), 0.8, 0.2, satisfaction, township, view_sum, view_n)
    with pytest.raises(TypeError, match="households must be whole numbers in one dimension, not float64"):
        word_of_mouth.move_views(np.array([1.0]), 1.0, 0.8, 0.2, satisfaction, township, view_sum, view_n)
    assert satisfaction.tobytes() == before.tobytes()
    word_of_mouth.move_views([3, 3], [0.25, 0.5], 0.7, 0.3, satisfaction, township, view_sum, view_n)   # a list too
    assert satisfaction[3] == (0.5 if np.isnan(before[3]) else 0.7 * before[3] + 0.3 * 0.5)


def test_compiled_views_stop_before_setting_anything_at_a_bad_index():
    from sim.model.compiled import word_of_mouth

    satisfaction, township = np.full(3, np.nan), np.array([0, 1, 2], dtype=np.int32)

    def set_views(households, views=(0.5, 0.7), township=township, view_n=np.zeros(2)):
        word_of_mouth.set_views(np.array(households, dtype=np.int64), np.array(views), satisfaction, township,
                                np.zeros(2), view_n)

    with pytest.raises(IndexError, match="household 3 is not one of the 3"):
        set_views([0, 3])
    with pytest.raises(IndexError, match="household 2 is in township 2, not one of the 2"):
        set_views([0, 2])
    with pytest.raises(ValueError, match="2 views for 1 households"):
        set_views([0])
    with pytest.raises(ValueError, match="the townships must cover every household"):
        set_views([0, 1], township=township[:2])
    assert np.isnan(satisfaction).all()                             # nothing was set


def test_the_ties_are_checked_once_and_the_talk_reads_them_unchecked():
    """The talk's loops are not bounds-checked: a tie or a township outside the arrays, or ties that are not a CSR
    matrix, stop when the ties are built (Ties), and views that do not cover the ties' households stop the talk,
    instead of reading or writing past an array's end."""
    from sim.model.compiled import word_of_mouth

    ptr, idx, town = np.array([0, 1, 2]), np.array([1, 0]), np.zeros(2, dtype=np.int64)

    def ties(ptr=ptr, idx=idx, town=town, n_townships=1):
        return word_of_mouth.Ties(ptr, idx, town, n_townships)

    def talk(t, views=np.array([0.5, 1.0])):
        return word_of_mouth.talk(t, views, np.zeros(len(views)), np.zeros(len(views), dtype=np.uint8), 0.5)

    checked = ties()
    new, sums = talk(checked)
    assert np.allclose(new, [0.75, 0.75]) and np.allclose(sums, [1.5])
    assert all(a.dtype == np.int32 and not a.flags.writeable for a in (checked.indptr, checked.indices,
                                                                       checked.township))
    assert idx.flags.writeable                                        # read-only views; the caller's arrays unchanged
    with pytest.raises(IndexError, match="a tie names a household outside 0..1"):
        ties(idx=np.array([1, 7]))
    with pytest.raises(IndexError, match="a tie names a household outside"):
        ties(idx=np.array([1, -1]))
    with pytest.raises(IndexError, match="a tie names a household outside"):
        ties(idx=np.array([1, 2**32]))                                # checked before it is read as int32 (0)
    with pytest.raises(IndexError, match="a township outside 0..0"):
        ties(town=np.array([0, 3]))
    with pytest.raises(ValueError, match="indptr must rise from 0"):
        ties(ptr=np.array([0, 2, 1]), idx=np.array([1]))
    with pytest.raises(ValueError, match="indptr must rise from 0"):
        ties(ptr=np.array([0, 1, 3]))
    with pytest.raises(ValueError, match="one entry per household and one more"):
        ties(ptr=np.array([0, 2]))
    with pytest.raises(ValueError, match="cover every household of the ties"):
        talk(checked, views=np.array([0.5, 1.0, 0.2]))


def _array_news_of_calls(indptr, indices, households):
    """Who hears of the day's calls, as it was worked over arrays before it was compiled (the oracle): the callers
    once each, their neighbours with how many callers each is tied to, in household order."""
    callers = np.unique(households)
    start = indptr[callers]
    n_ties = indptr[callers + 1] - start
    ties = np.repeat(start - np.cumsum(n_ties) + n_ties, n_ties) + np.arange(n_ties.sum())
    return np.unique(indices[ties], return_counts=True)


def test_the_news_of_calls_is_what_the_array_version_counted():
    """Callers listed twice, callers tied to each other, households without ties, no caller at all: each told
    household once with the number of its neighbours who called (in another order than np.unique's, so compared in
    household order), and the scratch arrays left as they were found, zero."""
    import scipy.sparse as sp

    from sim.model.compiled import word_of_mouth

    rng = np.random.default_rng(11)
    for trial in range(60):
        H = (1, 7, 60, 3000)[trial % 4]
        a = sp.random(H, H, density=min(1.0, 6 / H), random_state=trial, format="csr")
        a = ((a + a.T) > 0).astype(float).tocsr()                     # ties go both ways, as the residents' do
        ties = word_of_mouth.Ties(a.indptr, a.indices, np.zeros(H, dtype=np.int64), 1)
        heard, called = np.zeros(H, dtype=np.int64), np.zeros(H, dtype=np.uint8)
        households = rng.integers(H, size=rng.integers(0, 2 * H + 2))
        households = np.concatenate([households, households[: len(households) // 2]])   # some call twice
        households = households.astype(np.int32 if trial % 2 else np.int64)
        told, counts = word_of_mouth.news_of_calls(ties, households, heard, called)
        want_told, want_counts = _array_news_of_calls(a.indptr, a.indices, households)
        order = np.argsort(told)
        assert told.dtype == np.int64 and len(np.unique(told)) == len(told)
        assert np.array_equal(told[order], want_told) and np.array_equal(counts[order], want_counts)
        assert not heard.any() and not called.any()
    with pytest.raises(IndexError, match="household 9 is not one of the 7"):
        word_of_mouth.news_of_calls(word_of_mouth.Ties(np.zeros(8, dtype=np.int64), np.zeros(0, dtype=np.int64),
                                                       np.zeros(7, dtype=np.int64), 1),
                                    np.array([1, 9]), np.zeros(7, dtype=np.int64), np.zeros(7, dtype=np.uint8))


def _array_request(office, stores, own_stores, fields):
    """A data report request's stores as they were worked over arrays before they were compiled (the oracle), on
    copies of the office's stores: (typed per village, their total, duplicates, typed per village from the
    departments' own stores or None, the stores after)."""
    day, validity, q = office.model.day, office.model.cfg.data_reports.field_validity_days, office.per_request
    after = {k: getattr(office, k).copy() for k in ("coverage", "updated", "known", "known_updated")
             if hasattr(office, k)}

    def read_and_feed(stores, coverage, updated):
        cov = np.zeros((len(fields), len(office.village_households)))
        rows = (stores >= 0).nonzero()[0]
        if len(rows):
            s_idx, f_idx = stores[rows], fields[rows]
            age = day - updated[s_idx, f_idx]
            held = coverage[s_idx, f_idx] * np.exp(-age / validity)
            cov[rows] = held
            coverage[s_idx, f_idx] = held + (1.0 - held) * q
            updated[s_idx, f_idx] = day
        return cov

    cov = read_and_feed(stores, after["coverage"], after["updated"])
    known = after["known"][fields] * np.exp(-(day - after["known_updated"][fields]) / validity)
    households = office._households_in_scope
    typed = 1.0 - cov
    to_type = households * typed.sum(axis=0)
    duplicates = (households * (typed * known).sum(axis=0)).sum()
    after["known"][fields] = known + (1.0 - known) * q
    after["known_updated"][fields] = day
    own = None
    if own_stores is not None:
        after["own_coverage"], after["own_updated"] = office.own_coverage.copy(), office.own_updated.copy()
        own = households * (1.0 - read_and_feed(own_stores, after["own_coverage"], after["own_updated"])).sum(axis=0)
    return to_type, to_type.sum(), duplicates, own, after


@pytest.mark.parametrize("reform", [[], ["reform=[one_form]"], ["reform=[shared_data_pool]"]])
def test_the_compiled_data_stores_are_the_array_version_to_the_last_bit(monkeypatch, reform):
    """At every report request of a run (with a pool reform: also the requests worked against the departments' own
    stores): each village cadre's hours, the household-fields typed, the duplicates, and every store after, bit for
    bit."""
    from sim.model.model import GrassrootsModel
    from sim.model.offices import data

    request, checked, seen = data.DataOffice.request, [], {}

    class Spy:
        """The office's stores (``data_stores.Stores``), keeping what each request returned."""

        def __init__(self, stores):
            self.stores = stores

        def form(self, *args):
            seen["form"] = self.stores.form(*args)
            return seen["form"]

        def form_hours(self, *args):
            seen["form_hours"] = self.stores.form_hours(*args)
            return seen["form_hours"]

    def checked_request(office, dept, system, fields):
        if not isinstance(office._stores, Spy):
            office._stores = Spy(office._stores)
            office._own_stores = Spy(office._own_stores) if office._own_stores is not None else None
        fields = np.asarray(fields, dtype=np.int64)
        fid = office.model.fidelity
        pooled = fid.rule("one_form", dept.index) is not None or fid.applies("shared_data_pool", dept.index)
        reads = office._reads if pooled or not office.counterfactual else office._own_reads
        own = office._own_reads[system, fields] if office.counterfactual else None
        to_type, entries, duplicates, own_typed, after = _array_request(office, reads[system, fields], own, fields)
        # each village cadre's hours as the office worked them over arrays: the form's overhead and its village's
        # household-fields typed
        cfg, one_form = office.model.cfg.data_reports, fid.rule("one_form", dept.index)
        overhead = cfg.form_overhead_hours if one_form is None else one_form.form_overhead_hours
        hours = (overhead + to_type * cfg.entry_minutes_per_field / 60.0)[dept.village_line_village]
        seen.clear()
        request(office, dept, system, fields)
        got_hours, got_entries, got_duplicates = seen["form"]
        same = [np.array_equal(hours, got_hours), entries == got_entries, duplicates == got_duplicates]
        same += [np.array_equal(v, getattr(office, k)) for k, v in after.items()]
        if own_typed is not None:
            own_hours = cfg.form_overhead_hours + own_typed * cfg.entry_minutes_per_field / 60.0
            same.append(np.array_equal(own_hours[dept.village_line_village], seen["form_hours"]))
        checked.append(all(same))

    monkeypatch.setattr(data.DataOffice, "request", checked_request)
    GrassrootsModel(load_config(["scenario=classroom", *reform, "scenario.days=120", "scenario.warmup_days=0"])).run()
    assert len(checked) >= 50 and all(checked)


def test_the_compiled_data_stores_check_their_arguments():
    """A field or store outside the arrays, or an age past the fading table, stops with a message."""
    from sim.model.compiled import data_stores

    S, F, V = 3, 4, 2
    cov, upd, known, known_upd = np.zeros((S, F, V)), np.zeros((S, F, V)), np.zeros((F, V)), np.zeros((F, V))
    fade, hh = np.exp(-np.arange(11.0) / 5.0), np.full(V, 10.0)

    def ask(stores, fields, day=3):
        return data_stores.request(np.array(stores, dtype=np.int64), np.array(fields, dtype=np.int64), cov, upd,
                                   known, known_upd, fade, day, 0.5, hh)

    to_type, total, duplicates = ask([0, -1], [1, 2])
    assert to_type.tolist() == [20.0, 20.0] and total == 40.0 and duplicates == 0.0
    with pytest.raises(ValueError, match="field 9 in store 0"):
        ask([0], [9])
    with pytest.raises(ValueError, match="field 1 in store 5"):
        ask([5], [1])
    with pytest.raises(ValueError, match="outside the fading table"):
        ask([0], [1], day=30)
    # the same stores held once: a request names the system and its fields, and reads their stores from a table
    stores = data_stores.Stores(cov, upd, fade, 0.5, hh, known, known_upd)
    reads = np.array([[0, -1, 1, 2], [2, 2, -1, 0]], dtype=np.int64)
    twin = [a.copy() for a in (cov, upd, known, known_upd)]
    got = stores.request(reads, 1, np.array([0, 3], dtype=np.int64), 4)
    want = data_stores.request(np.array([2, 0], dtype=np.int64), np.array([0, 3], dtype=np.int64), *twin, fade, 4,
                               0.5, hh)
    assert got[0].tolist() == want[0].tolist() and got[1:] == want[1:]
    assert all(a.tobytes() == b.tobytes() for a, b in zip((cov, upd, known, known_upd), twin))
    with pytest.raises(ValueError, match="system 2 is not one of the 2"):
        stores.request(reads, 2, np.array([0], dtype=np.int64), 4)
    with pytest.raises(ValueError, match="field 4 is not one of the system's 4"):
        stores.typed_entries(reads, 0, np.array([4], dtype=np.int64), 4)
    # a request as the cadres of a line meet it: each one's hours from its village's household-fields typed
    hours, total, duplicates = stores.form(reads, 0, np.array([1], dtype=np.int64), 5, 0.25, 3.0,
                                           np.array([1, 1, 0], dtype=np.int64))
    assert hours.tolist() == [0.25 + 10.0 * 3.0 / 60.0] * 3 and total == 20.0   # field 1 is read from no store
    with pytest.raises(ValueError, match="village 2 is not one of the 2"):
        stores.form_hours(reads, 0, np.array([1], dtype=np.int64), 5, 0.25, 3.0, np.array([0, 2], dtype=np.int64))
    with pytest.raises(TypeError, match="data stores: villages: a numpy array of int64 was expected"):
        stores.form_hours(reads, 0, np.array([1], dtype=np.int64), 5, 0.25, 3.0, np.array([0], dtype=np.int32))
    with pytest.raises(ValueError, match="keep no record of what any store holds"):
        data_stores.Stores(cov, upd, fade, 0.5, hh).request(reads, 0, np.array([0], dtype=np.int64), 4)
    with pytest.raises(ValueError, match="what is known must be"):
        data_stores.Stores(cov, upd, fade, 0.5, hh, known[:2], known_upd[:2])


@pytest.mark.parametrize("overrides", [["scenario=classroom"], ["scenario=township", "reform=[merge_workgroups]"],
                                       ["scenario=classroom", "reform=[no_instant_reply]"]])
def test_the_compiled_message_copies_are_the_array_version_to_the_last_bit(monkeypatch, overrides):
    """At every delivery of a run, in the groups as they are and (with a reform on the groups or the replies) in the
    unreformed groups: the copies each cadre sees, by cell, bit for bit; merged groups forward crossposts once."""
    from sim.model.model import GrassrootsModel
    from sim.model.offices.chat import ChatOffice
    from tests import message_copies_reference as reference

    copies_seen, checked = ChatOffice._copies_seen, []

    def checked_copies(office, net, src, cell, u):
        got = copies_seen(office, net, src, cell, u)
        checked.append((np.array_equal(got, reference.copies_seen(office, net, src, cell, u)), got.sum(),
                        bool(net.dedupe.any())))
        return got

    monkeypatch.setattr(ChatOffice, "_copies_seen", checked_copies)
    GrassrootsModel(load_config([*overrides, "scenario.days=60", "scenario.warmup_days=0"])).run()
    assert len(checked) >= 60 and all(same for same, _, _ in checked)
    assert sum(n for _, n, _ in checked) > 1000                        # copies were seen, not zeros compared
    assert any(once for *_, once in checked) == ("reform=[merge_workgroups]" in overrides)


def test_the_messages_rules_are_made_again_whenever_a_township_s_rules_change(monkeypatch):
    """On days when townships' message rules differ, the rules made on an earlier day are reused only while every
    cadre's township applies no_instant_reply and rest_rights as it did then: a county where half the townships
    apply each and lapse often, against the same run making the rules afresh every day, every message figure by
    day and by cadre, bit for bit."""
    from sim.model.model import GrassrootsModel
    from sim.model.offices.chat import ChatOffice

    made = []
    plain = ChatOffice._cell_rules
    monkeypatch.setattr(ChatOffice, "_cell_rules", lambda self, *a: made.append(a) or plain(self, *a))

    class Forgetful(dict):   # keeps nothing: every mixed day makes its rules again, as before the cache
        def __setitem__(self, key, value):
            pass

    overrides = ["scenario=county", "scenario.days=150", "scenario.warmup_days=10",
                 "reform=[no_instant_reply,rest_rights]", "reform.no_instant_reply.compliance=0.5",
                 "reform.rest_rights.compliance=0.5", "reform.no_instant_reply.backsliding=12",
                 "reform.rest_rights.backsliding=12"]
    runs = []
    for forget in (False, True):
        made.clear()
        model = GrassrootsModel(load_config(overrides))
        if forget:
            model.chat._mixed_rules = Forgetful()
        model.run()
        runs.append((model, len(made)))
    (cached, made_cached), (fresh, made_fresh) = runs
    assert made_fresh == fresh.days                 # every day's townships differ: rules made each day
    assert 2 < made_cached < made_fresh             # made again when the masks changed, and not every day
    for name in ("messages", "after_hours_messages", "after_hours_messages_non_urgent", "hours"):
        assert np.array_equal(cached.tally.by_day(name), fresh.tally.by_day(name)), name
    for name in ("messages", "after_hours_messages", "after_hours_messages_non_urgent"):
        assert np.array_equal(cached.tally.per_cadre(name, 1), fresh.tally.per_cadre(name, 1)), name
    assert np.array_equal(cached.chat.deferred_minutes, fresh.chat.deferred_minutes)


def test_the_compiled_message_copies_check_their_arguments():
    """Draws that do not match the notices, a cell outside the twelve, a group the network does not have, or a
    member who is not one of the cadres stop with a message instead of reading or writing past the arrays' end."""
    from sim.model.compiled import message_copies

    i64 = np.int64
    one_group = dict(src_n=np.array([1], dtype=i64), src_groups=np.array([[0]], dtype=i64),
                     group_level=np.array([1], dtype=i64), fwd_town=np.full((1, 1), -1, dtype=i64),
                     town_children=np.full((1, 1), -1, dtype=i64), fwd_village=np.array([[1]], dtype=i64),
                     fwd_village_of=np.array([[0]], dtype=i64), village_targets=np.array([[0]], dtype=i64),
                     member=np.ones((2, 1), dtype=np.uint8), group_ptr=np.array([0, 2], dtype=np.int32),
                     group_cadres=np.array([0, 1], dtype=np.int32))

    def seen(n=2, cell=3, u_v=0.0, n_cells=None, **tables):
        t = one_group | tables
        return message_copies.copies_seen(
            np.zeros(n, dtype=i64), np.full(n if n_cells is None else n_cells, cell, dtype=i64), np.zeros(n),
            np.zeros((n, 1)), np.zeros(n),
            np.full((n, 1), u_v), np.zeros((n, 1)), t["src_n"], t["src_groups"], t["group_level"], t["fwd_town"],
            t["town_children"], t["fwd_village"], t["fwd_village_of"], t["village_targets"], t["member"],
            np.zeros(n, dtype=np.uint8), t["group_ptr"], t["group_cadres"], 0.5, 0.5, 2)

    # two notices land in the township group (both cadres see each) and are forwarded into the village's group
    # (a group below it, here the same one): four copies a cadre in cell 3; none forwarded when u_v >= 0.5
    assert seen()[:, 3].tolist() == [4.0, 4.0] and seen(u_v=0.9)[:, 3].tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match="do not match in length"):
        seen(n_cells=1)
    with pytest.raises(IndexError, match="cell 12 is not one of the 12"):
        seen(cell=12)
    with pytest.raises(IndexError):
        seen(src_groups=np.array([[5]], dtype=i64))
    with pytest.raises(IndexError):
        seen(village_targets=np.array([[3]], dtype=i64))
    with pytest.raises(IndexError, match="member is not one of the 2 cadres"):
        seen(group_cadres=np.array([0, 7], dtype=np.int32))
    # the same network held once (``Cascade``): the same copies, forwarded once where the source's township dedupes
    t = one_group
    for dedupe in (0, 1):
        cascade = message_copies.Cascade(
            t["src_n"], t["src_groups"], t["group_level"], t["fwd_town"], t["town_children"], t["fwd_village"],
            t["fwd_village_of"], t["village_targets"], t["member"], np.array([dedupe], dtype=np.uint8),
            np.zeros(1, dtype=i64), t["group_ptr"], t["group_cadres"], 0.5, 0.5, 2)
        draws = (np.zeros(2, dtype=i64), np.full(2, 3, dtype=i64), np.zeros(2), np.zeros((2, 1)), np.zeros(2),
                 np.zeros((2, 1)), np.zeros((2, 1)))
        want = message_copies.copies_seen(*draws, t["src_n"], t["src_groups"], t["group_level"], t["fwd_town"],
                                          t["town_children"], t["fwd_village"], t["fwd_village_of"],
                                          t["village_targets"], t["member"], np.full(2, dedupe, dtype=np.uint8),
                                          t["group_ptr"], t["group_cadres"], 0.5, 0.5, 2)
        assert cascade.copies_seen(*draws).tolist() == want.tolist()
    with pytest.raises(IndexError, match="notice 0's source 3 is not one of the 1"):
        cascade.copies_seen(np.array([3], dtype=i64), *(d[:1] for d in draws[1:]))
    with pytest.raises(IndexError, match="source 0's township 4 is not one of the 1"):
        message_copies.Cascade(t["src_n"], t["src_groups"], t["group_level"], t["fwd_town"], t["town_children"],
                               t["fwd_village"], t["fwd_village_of"], t["village_targets"], t["member"],
                               np.zeros(1, dtype=np.uint8), np.array([4], dtype=i64), t["group_ptr"],
                               t["group_cadres"], 0.5, 0.5, 2)


def _bits(a) -> np.ndarray:
    """An array's bytes, so that equal means equal to the last bit (the sign of a zero included)."""
    return np.ascontiguousarray(a).view(np.uint8)


BOOK_COLUMNS = ("arrival", "kind", "household", "queue", "work", "remaining", "start", "resolved", "abandoned",
                "by_residents", "urgent", "pressed", "escalated", "deadline", "patience_until", "open_ids")


def test_new_requests_join_the_book_as_the_array_version_added_them():
    """Days of arrivals, some settled by residents, with and without urgency and patience, days given as one number
    or one per request (the queueing check's), settle days whole or not, growing the book past its capacity: every
    column and the open ids, bit for bit, and the same ids returned."""
    from sim.model.request_book import RequestBook
    from tests import request_book_reference as reference

    rng = np.random.default_rng(3)
    book, twin = RequestBook(12, capacity=8), RequestBook(12, capacity=8)
    for day in range(60):
        k = int(rng.integers(0, 9))
        settled = rng.random(k) < 0.3
        args = (float(day) if day % 4 else day + rng.random(k), rng.integers(0, 5, k).astype(np.int8),
                rng.integers(0, 50, k), rng.integers(0, 12, k), rng.exponential(2.0, k), settled,
                day + 3 if day % 3 else day + 2.5)
        kwargs = {} if day % 5 == 0 else {"urgent": rng.random(k) < 0.2,
                                           "patience_until": day + rng.gamma(2.0, 1.0, k)}
        want = reference.add(twin, *args, **kwargs)
        got = book.add(*args, **kwargs)
        assert np.array_equal(want, got) and book.n == twin.n, f"day {day}"
        for name in BOOK_COLUMNS:
            assert np.array_equal(_bits(getattr(twin, name)), _bits(getattr(book, name))), f"day {day}: {name}"
    assert book.capacity > 8 and book.n > 100


def _array_place_arrivals(kind, households, u_settle, p_settle, u_urgent, settleable, urgent_share, walk_in,
                          household_village, household_township, n_villages, n_townships, desk, casework):
    """Where the day's requests go, as ``ServiceDesk.take_requests`` wrote it over whole arrays (the oracle)."""
    settled = settleable.view(bool)[kind] & (u_settle < p_settle)
    urgent = u_urgent < urgent_share[kind]
    queue = np.where(walk_in.view(bool)[kind] & ~urgent, desk, casework) * n_villages + household_village[households]
    arrived = np.bincount(household_township[households], minlength=n_townships)
    return settled, urgent, queue, arrived, bool(settled.any())


def test_the_day_s_arrivals_are_placed_as_the_array_version_placed_them(monkeypatch):
    """Random days (NaN chances included), and every day of runs with and without the reforms that filter and
    settle requests: settled, urgent, queue, arrivals per township, bit for bit."""
    from sim.model import queues
    from sim.model.model import GrassrootsModel

    rng = np.random.default_rng(9)
    for trial in range(200):
        n, H, V, T = int(rng.integers(0, 60)), 40, 8, 3
        village = rng.integers(0, V, H).astype(np.int32)
        kind, p, u_settle, u_urgent, urgent_share = (rng.integers(0, 5, n).astype(np.int8), rng.random(n),
                                                     rng.random(n), rng.random(n), rng.random(5))
        p[rng.random(n) < 0.05] = np.nan
        tie = rng.random(n) < 0.2     # a uniform equal to its chance: not below it
        u_settle[tie], u_urgent[tie] = p[tie], urgent_share[kind[tie]]
        args = (kind, rng.integers(0, H, n), u_settle, p, u_urgent, (rng.random(5) < 0.5).view(np.uint8),
                urgent_share, (rng.random(5) < 0.5).view(np.uint8), village, (village % T).astype(np.int32), V, T,
                0, 1)
        assert _same_figures(_array_place_arrivals(*args), queues.place_arrivals(*args)), f"trial {trial}"

    days = _held_to(monkeypatch, queues, "place_arrivals", _array_place_arrivals)
    for reform in ("[]", "[certificate_negative_list,self_organization]"):
        GrassrootsModel(load_config(["scenario=classroom", f"reform={reform}", "scenario.days=40",
                                     "scenario.warmup_days=0", "seed=4"])).run()
    assert len(days) == 80 and all(same for same, _ in days)


def test_the_day_s_arrivals_are_checked_before_they_are_placed():
    from sim.model import queues

    def call(kind=None, households=None):
        kind = np.zeros(1, dtype=np.int8) if kind is None else kind
        households = np.zeros(1, dtype=np.int64) if households is None else households
        f = np.zeros(1)
        return queues.place_arrivals(kind, households, f, f, f, np.zeros(5, dtype=np.uint8), np.zeros(5),
                                     np.zeros(5, dtype=np.uint8), np.zeros(2, dtype=np.int32),
                                     np.zeros(2, dtype=np.int32), 2, 1, 0, 1)

    assert call()[2].tolist() == [2]
    with pytest.raises(IndexError, match="kind 5 or household 0"):
        call(kind=np.array([5], dtype=np.int8))
    with pytest.raises(IndexError, match="kind 0 or household 2"):
        call(households=np.array([2]))
    with pytest.raises(TypeError, match="kind"):
        call(kind=np.zeros(1, dtype=np.int64))


def test_the_book_admits_only_rows_it_holds():
    """The compiled pass checks the new rows against the book before it writes."""
    from sim.model import queues

    n = 4
    columns = [np.zeros(n, dtype=np.uint8), np.zeros(n), np.zeros(n), np.zeros(n)]
    with pytest.raises(IndexError, match=r"rows 2:6 are not in the book of 4"):
        queues.admit(2, 4, *columns, 3.0, np.zeros(n), np.zeros(0, dtype=np.int64))
    assert queues.admit(2, 2, *columns, 3.0, np.zeros(n), np.zeros(0, dtype=np.int64)).tolist() == [2, 3]


@pytest.mark.parametrize("overrides", [["scenario=classroom"], ["scenario=classroom", "package=all_reforms"],
                                       ["scenario=mmc", "scenario.servers=3", "scenario.days=60"]])
def test_the_compiled_queues_are_the_array_version_to_the_last_bit(monkeypatch, overrides):
    """At every serving of a run (by day in the model, in continuous time in the queueing check): the work done per
    queue on certificates and on the rest, the ids resolved and still open, and every request's remaining work,
    start and end, bit for bit."""
    import copy

    from sim.experiments.run import run_simulation
    from sim.model.request_book import RequestBook
    from tests import request_book_reference as reference

    serve, checked = RequestBook.serve, []

    def checked_serve(book, day, capacity, since=None, priority=None):
        twin = copy.deepcopy(book)
        want = reference.serve(twin, day, capacity, since=since, priority=priority)
        got = serve(book, day, capacity, since=since, priority=priority)
        same = [np.array_equal(_bits(w), _bits(g)) for w, g in zip(want, got)]
        same += [np.array_equal(_bits(getattr(twin, k)), _bits(getattr(book, k)))
                 for k in ("open_ids", "remaining", "start", "resolved")]
        checked.append((all(same), len(want[2])))
        return got

    monkeypatch.setattr(RequestBook, "serve", checked_serve)
    run_simulation(load_config([*overrides, "scenario.warmup_days=0"] + (
        [] if "scenario=mmc" in overrides else ["scenario.days=120"])))
    assert len(checked) >= 60 and all(same for same, _ in checked)
    assert sum(n for _, n in checked) > 200                             # requests were resolved, not empty books


def test_the_compiled_queues_order_requests_as_lexsort_in_queues_short_and_long():
    """Random books: queues of one to a few hundred open requests (sorted by insertion up to 16, by qsort beyond),
    tied, NaN and signed-zero priorities, open ids in any order; every figure as the array version makes it."""
    import copy

    from sim.model.request_book import RequestBook
    from tests import request_book_reference as reference

    rng = np.random.default_rng(21)
    for case in range(120):
        n_queues, n = int(rng.integers(1, 12)), int(rng.integers(1, 400))
        book = RequestBook(n_queues)
        book.add(0.0, rng.integers(0, 5, n).astype(np.int8), rng.integers(0, 50, n),
                 rng.integers(0, n_queues, n), rng.random(n) * 3.0, np.zeros(n, dtype=bool), 0.0)
        book.open_ids = rng.permutation(book.open_ids) if case % 2 else book.open_ids
        priority = rng.choice([0.0, -0.0, 1.0, 2.0, np.nan, 0.5], size=n)
        capacity = rng.random(n_queues) * rng.choice([1.0, 20.0, 200.0])
        twin = copy.deepcopy(book)
        want = reference.serve(twin, 3.0, capacity, priority=priority)
        got = book.serve(3.0, capacity, priority=priority)
        assert all(np.array_equal(_bits(w), _bits(g)) for w, g in zip(want, got)), case
        for k in ("open_ids", "remaining", "start", "resolved"):
            assert np.array_equal(_bits(getattr(twin, k)), _bits(getattr(book, k))), (case, k)


def test_abandoned_requests_leave_the_open_ones_as_np_isin_removed_them():
    """Abandoning by bisection of the open ids (kept in arrival order): the same open ids as removing them with
    np.isin, for repeated ids, ids already closed and self-settled ones, and an empty book."""
    from sim.model.request_book import RequestBook

    rng = np.random.default_rng(5)
    for case in range(300):
        book = RequestBook(3)
        for day in range(3):   # arrivals on three days, some served, so the open ids have gaps
            n = int(rng.integers(0, 30))
            book.add(float(day), np.zeros(n, dtype=np.int8), np.zeros(n, dtype=np.int64), rng.integers(0, 3, n),
                     rng.random(n), rng.random(n) < 0.3, 9.0)
            book.serve(float(day), rng.random(3))
        ids = rng.integers(0, max(book.n, 1), int(rng.integers(0, 12))) if book.n else np.zeros(0, dtype=np.int64)
        want = book.open_ids[~np.isin(book.open_ids, ids)]
        book.abandon(ids, 5.0)
        assert np.array_equal(book.open_ids, want), case
        assert (book.abandoned[ids] == 5.0).all() and (book.remaining[ids] == 0.0).all()


def _demand_by_bincount(desk, must_do_days):
    """The array version of ServiceDesk.demand (before queues.waiting_work): five masked np.bincounts."""
    from sim.model.offices.service_desk import CASEWORK, DESK, SUPERVISED

    book, V, day = desk.book, desk.n_villages, desk.model.day
    ids = book.open_ids
    q = book.queue[ids]
    kind_of_queue, village = q // V, q % V
    within = must_do_days if np.isscalar(must_do_days) else np.asarray(must_do_days)[village]
    due = (kind_of_queue == SUPERVISED) & (book.deadline[ids] < day + within)
    urgent = (kind_of_queue == CASEWORK) & book.urgent[ids]

    def work(mask):
        return np.bincount(village[mask], weights=book.remaining[ids[mask]], minlength=V)

    return (work(kind_of_queue == DESK), work(urgent), work(due), work((kind_of_queue == SUPERVISED) & ~due),
            work((kind_of_queue == CASEWORK) & ~urgent))


@pytest.mark.parametrize("overrides", [["scenario=township"],
                                       ["scenario=county", "scenario.townships=4", "reform=[rest_rights]",
                                        "reform.rest_rights.compliance=0.5"]])
def test_the_work_waiting_is_the_bincount_version_s_to_the_last_bit(monkeypatch, overrides):
    """Every day of a run (weekends with one must-do split for all, and per village where only some townships
    protect rest), the five kinds of work waiting per village, bit for bit; supervised tasks were among them."""
    from sim.model.model import GrassrootsModel
    from sim.model.offices.service_desk import ServiceDesk

    demand, checked = ServiceDesk.demand, []

    def checked_demand(desk, must_do_days):
        got = demand(desk, must_do_days)
        want = _demand_by_bincount(desk, must_do_days)
        fields = ("desk", "urgent", "supervised_due", "supervised_later", "casework_later")
        checked.append((all(np.array_equal(_bits(w), _bits(getattr(got, f))) for w, f in zip(want, fields)),
                        float(want[2].sum() + want[3].sum()), np.isscalar(must_do_days)))
        return got

    monkeypatch.setattr(ServiceDesk, "demand", checked_demand)
    GrassrootsModel(load_config([*overrides, "scenario.days=120"])).run()
    assert len(checked) >= 200 and all(same for same, _, _ in checked)
    assert sum(supervised for _, supervised, _ in checked) > 0
    if "reform.rest_rights.compliance=0.5" in overrides:
        assert not all(scalar for _, _, scalar in checked)           # the per-village split was met


def test_each_queue_s_order_is_numpy_s_where_of_urgent_pressed_and_deadlines():
    """``queues.priority`` against the array version of ``ServiceDesk._priority`` on random open requests: desk,
    casework and supervised queues, urgent and pressed ones, deadlines of any size (infinite ones too); and a
    request outside every queue is refused."""
    from sim.model.compiled import queues

    rng = np.random.default_rng(13)
    for trial in range(100):
        V, R = int(rng.integers(1, 30)), int(rng.integers(0, 400))
        queue = rng.integers(0, 3 * V, R).astype(np.int32)
        urgent, pressed = rng.random(R) < 0.2, rng.integers(0, 3, R).astype(np.int16) * (rng.random(R) < 0.3)
        deadline = np.where(rng.random(R) < 0.1, np.inf, rng.random(R) * 400)
        ids = np.sort(rng.choice(R, size=int(rng.integers(0, R + 1)), replace=False)).astype(np.int64)
        casework_rank = np.where(urgent[ids], 0.0, np.where(pressed[ids] > 0, 1.0, 2.0))
        want = np.where(queue[ids] // V == 2, deadline[ids], casework_rank)
        got = queues.priority(ids, queue, urgent.view(np.uint8), pressed.astype(np.int16), deadline, V, 2)
        assert got.tobytes() == want.tobytes(), trial
    with pytest.raises(IndexError, match="waits in queue -1"):
        queues.priority(np.array([0], dtype=np.int64), np.array([-1], dtype=np.int32), np.zeros(1, dtype=np.uint8),
                        np.zeros(1, dtype=np.int16), np.zeros(1), 4, 2)


def test_the_compiled_queues_check_their_arguments():
    """Priorities, start times or capacities that do not match the queues, or a request in a queue that does not
    exist, stop with a message; an empty book is served as nothing."""
    import copy

    from sim.model.compiled import queues
    from sim.model.request_book import RequestBook

    book = RequestBook(2)
    book.add(0.0, np.array([0, 1], dtype=np.int8), np.array([5, 6]), np.array([0, 1]), np.array([1.0, 3.0]),
             np.zeros(2, dtype=bool), 0.0)

    def serve(priority=None, since=None, capacity=(2.0, 2.0)):
        b = copy.deepcopy(book)
        return queues.serve(b.open_ids, b.queue, b.kind, b.remaining, b.start, b.resolved,
                            np.array(capacity), priority, since, 1.0, 0)

    cert, other, resolved, still_open = serve()
    assert cert.tolist() == [1.0, 0.0] and other.tolist() == [0.0, 2.0]
    assert resolved.tolist() == [0] and still_open.tolist() == [1]
    with pytest.raises(ValueError, match="1 priorities for 2 open requests"):
        serve(priority=np.zeros(1))
    with pytest.raises(ValueError, match="`since` has 3 entries for 2 queues"):
        serve(since=np.zeros(3))
    with pytest.raises(IndexError, match="request 1 waits in queue 1, not one of the 1"):
        serve(capacity=(2.0,))
    with pytest.raises(ValueError, match=r"capacity has shape \(3,\); one figure per queue \(2\)"):
        copy.deepcopy(book).serve(1.0, np.ones(3))
    empty = RequestBook(2)
    cert, other, resolved, still_open = queues.serve(empty.open_ids, empty.queue, empty.kind, empty.remaining,
                                                     empty.start, empty.resolved, np.ones(2), None, None, 1.0, 0)
    assert not cert.any() and not other.any() and len(resolved) == len(still_open) == 0


def _streams_pair(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Two model streams at the same place: one for numpy's methods, one for the compiled draws."""
    from sim.model.streams import Streams

    return Streams(seed)["documents/test"], Streams(seed)["documents/test"]


def _same_place(a: np.random.Generator, b: np.random.Generator) -> bool:
    """Both streams have drawn exactly as much (PCG64's state, its buffered half-word included)."""
    return a.bit_generator.state == b.bit_generator.state


@pytest.mark.parametrize("mean", [0.0, 0.37, 2.4, 9.999, 10.0, 31.7, 2e4])
def test_compiled_requests_are_the_generator_s_draws_in_its_order(mean):
    """``draws.requests`` is ``poisson`` then one size-n draw per column, as the departments drew them: the same
    values and the stream left where numpy leaves it, for means on both sides of numpy's switch at 10 and ranges
    below and past 2^32 (and of one value, which draws nothing)."""
    from sim.model.compiled import draws

    columns = (7, draws.UNIFORM, (1, 5), draws.UNIFORM, 2**40, (-3, 3), 1, (0, 2**32), np.int64(4))
    days_with_requests = 0
    for seed in range(60):
        a, b = _streams_pair(seed)
        got = draws.requests(a, mean, columns)
        n = b.poisson(mean)
        want = [b.random(n) if c is draws.UNIFORM else b.integers(*(c if isinstance(c, tuple) else (0, c)), size=n)
                for c in columns] if n else []
        assert got == list(zip(*(w.tolist() for w in want)))
        assert _same_place(a, b)
        days_with_requests += n > 0
        assert draws.poisson(a, mean) == b.poisson(mean) and _same_place(a, b)
    assert days_with_requests >= (0 if mean == 0 else 15)


@pytest.mark.parametrize("pop,size", [(20, 5), (20, 20), (1, 1), (6, 0), (200, 60), (20000, 500), (20000, 300),
                                      (50000, 2)])
def test_compiled_samples_are_numpy_s_choice_without_replacement(pop, size):
    """``draws.sample`` is ``choice(pop, size, replace=False)``: Floyd's sampling and shuffle, or numpy's tail
    shuffle of a large population (20,000 people, 500 of them), value for value and stream for stream."""
    from sim.model.compiled import draws

    for seed in range(25):
        a, b = _streams_pair(seed)
        got, want = draws.sample(a, pop, size), b.choice(pop, size=size, replace=False)
        assert got.dtype == want.dtype and np.array_equal(got, want) and _same_place(a, b)


@pytest.mark.parametrize("mean,systems,pop,size", [(0.0, 3, 20, 5), (0.37, 3, 20, 5), (2.4, 1, 20, 20),
                                                   (12.5, 4, 200, 60), (0.8, 0, 20, 5), (1.5, 2, 6, 0)])
def test_compiled_reports_are_the_departments_loop_of_draws(mean, systems, pop, size):
    """``draws.reports`` is the loop the departments ran: for each system a ``poisson`` count, then each request's
    ``choice(pop, size, replace=False)``, before the next system's count; the same fields, the same systems, and
    the stream left where that loop left it. A sample larger than the population stops before any draw."""
    from sim.model.compiled import draws

    requested = 0
    for seed in range(40):
        a, b = _streams_pair(seed)
        got = draws.reports(a, mean, systems, pop, size)
        want = [(s, b.choice(pop, size=size, replace=False)) for s in range(systems) for _ in range(b.poisson(mean))]
        assert [s for s, _ in got] == [s for s, _ in want]
        assert all(g.dtype == np.int64 and np.array_equal(g, w) for (_, g), (_, w) in zip(got, want))
        assert _same_place(a, b)
        requested += len(got)
    assert requested >= (0 if mean == 0 or systems == 0 else 20)
    a, b = _streams_pair(3)
    with pytest.raises(ValueError, match="cannot sample 6 without replacement from 5"):
        draws.reports(a, 2.0, 3, 5, 6)
    with pytest.raises(ValueError, match="Poisson mean"):
        draws.reports(a, -1.0, 3, 5, 2)
    assert _same_place(a, b)


def test_compiled_successes_are_the_places_a_uniform_falls_below_p():
    from sim.model.compiled import draws

    for seed in range(40):
        a, b = _streams_pair(seed)
        assert draws.successes(a, 9, 0.3) == np.flatnonzero(b.random(9) < 0.3).tolist() and _same_place(a, b)


def test_a_departments_usual_requests_are_its_five_channels_drawn_one_by_one():
    """``draws.UsualRequests.today`` draws the five channels each from its own stream, as the five calls it replaced
    drew them (documents, meetings, reports, inspections, duties), day after day: the same requests and every
    stream left where those calls left it. Rates of 0 draw nothing; a mean past 10 takes numpy's other method."""
    from sim.model.compiled import draws
    from sim.model.streams import Streams

    U = draws.UNIFORM
    for trial, (rate, chance) in enumerate([(0.0, 0.0), (0.4, 0.02), (2.5, 0.3), (12.0, 1.0)]):
        names = ["documents/d", "meetings/d", "reports/d", "inspections/d", "pushed_down/d"]
        ours, theirs = [Streams(trial)[n] for n in names], [Streams(trial)[n] for n in names]
        columns = ((6, U, U, U), (4, U, U, (1, 8)), (U, U, U))
        usual = draws.UsualRequests(ours, documents=(rate, columns[0]), meetings=(rate * 0.5, columns[1]),
                                    reports=(rate * 0.3, 3, 12, 4), inspections=(5, chance),
                                    pushed=(rate * 2, columns[2]))
        drawn = 0
        for _day in range(30):
            got = usual.today()
            want = (draws.requests(theirs[0], rate, columns[0]), draws.requests(theirs[1], rate * 0.5, columns[1]),
                    draws.reports(theirs[2], rate * 0.3, 3, 12, 4), draws.successes(theirs[3], 5, chance),
                    draws.requests(theirs[4], rate * 2, columns[2]))
            assert [got[i] for i in (0, 1, 3, 4)] == [want[i] for i in (0, 1, 3, 4)]
            assert [s for s, _ in got[2]] == [s for s, _ in want[2]]
            assert all(np.array_equal(g, w) for (_, g), (_, w) in zip(got[2], want[2]))
            assert all(_same_place(a, b) for a, b in zip(ours, theirs))
            drawn += sum(len(g) for g in got)
        assert drawn > 0 or rate == 0
    with pytest.raises(ValueError, match="five streams"):
        draws.UsualRequests(ours[:4], documents=(1.0, columns[0]), meetings=(1.0, columns[1]),
                            reports=(1.0, 3, 12, 4), inspections=(5, 0.1), pushed=(1.0, columns[2]))
    with pytest.raises(ValueError, match="cannot sample 13 without replacement from 12"):
        draws.UsualRequests(ours, documents=(1.0, columns[0]), meetings=(1.0, columns[1]),
                            reports=(1.0, 3, 12, 13), inspections=(5, 0.1), pushed=(1.0, columns[2]))


def test_count_instructions_reads_cachegrind_s_count_and_says_what_it_needs(monkeypatch):
    """benchmarks/count_instructions.py: the count from cachegrind's report; without valgrind, one line saying so."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "count_instructions.py"
    spec = importlib.util.spec_from_file_location("count_instructions", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    report = "==28238== \n==28238== I   refs:      8,844,905,022\n"
    assert module.refs(report) == 8_844_905_022
    with pytest.raises(SystemExit, match="no instruction count"):
        module.refs("==1== ERROR SUMMARY: 0 errors")
    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="valgrind is not installed"):
        module.main(["township"])


def test_compiled_poisson_each_is_the_generator_s_array_draw():
    """Means below, at and above 10 (multiplication and PTRS), zeros (nothing drawn) and 2-D: numpy's values, in
    its order and shape, and the stream left where numpy leaves it; a bad mean anywhere stops before any draw."""
    from sim.model.compiled import draws

    rng = np.random.default_rng(4)
    for lam in (rng.random(32) * 3, np.array([0.0, 9.999, 10.0, 0.0, 31.7, 2e4, 0.12]), np.zeros(5),
                rng.random((4, 3)) * 40, np.zeros(0), np.full(240, 0.5 / 364)):
        a, b = _streams_pair(11)
        want, got = a.poisson(lam), draws.poisson_each(b, lam)
        assert got.dtype == np.int64 and got.shape == want.shape and np.array_equal(got, want)
        assert _same_place(a, b)
    a, b = _streams_pair(11)
    for bad in (np.array([1.0, -1.0]), np.array([2.0, np.nan]), np.array([1.0, 1e19])):
        with pytest.raises(ValueError, match="Poisson mean"):
            draws.poisson_each(b, bad)
        assert _same_place(a, b)                                       # nothing was drawn for the good means



def _notices_by_the_generator(rng, rate, start, end, day, volume, extra, shares, columns):
    """What ChatOffice.deliver drew with the Generator's own calls before ``draws.notices`` (the reference)."""
    evening_share, late_share, urgent_share = shares
    active = (start <= day) & (day < end)
    n = rng.poisson(np.where(active, rate, 0.0) * volume)
    n[: extra.size] += extra
    src = np.repeat(np.arange(len(n)), n)
    N = len(src)
    u_time = rng.random(N)
    urgent = rng.random(N) < urgent_share
    u_action = rng.random(N)
    u = (rng.random(N), rng.random((N, columns[0])), rng.random(N), rng.random((N, columns[1])),
         rng.random((N, columns[1])))
    when = np.where(u_time < 1.0 - evening_share - late_share, 0, np.where(u_time < 1.0 - late_share, 1, 2))
    return src, when, urgent, u_action, u


def test_a_day_s_notices_are_the_generator_s_draws_in_its_order():
    """``draws.notices`` against the Generator's calls it replaced in ChatOffice.deliver, over 60 random days:
    sources active or not, means below and above 10, extra notices added to the first sources (and left zero),
    weekend volumes, no forwarding columns at all; every array to the last bit, in its dtype and shape, and the
    stream left where the calls left it."""
    from sim.model.compiled import draws

    rng = np.random.default_rng(21)
    for trial in range(60):
        S = int(rng.integers(1, 40))
        rate = rng.random(S) * (30.0 if trial % 7 == 0 else 2.0)
        rate[rng.random(S) < 0.2] = 0.0
        start, end = rng.integers(-5, 20, S), rng.integers(0, 40, S)
        day, volume = int(rng.integers(0, 30)), float(rng.choice([1.0, 0.3, 0.0]))
        extra = rng.integers(0, 3, int(rng.integers(0, S + 1))) if trial % 3 else np.zeros(0, dtype=np.int64)
        shares = (rng.random() * 0.4, rng.random() * 0.3, rng.random())
        columns = (int(rng.integers(0, 4)), int(rng.integers(0, 5)))
        a, b = _streams_pair(trial)
        want = _notices_by_the_generator(a, rate, start, end, day, volume, extra.copy(), shares, columns)
        left = extra.copy()
        got = draws.notices(b, rate, start, end, day, volume, left, 1.0 - shares[0] - shares[1], 1.0 - shares[1],
                            shares[2], *columns)
        assert not left.any()                                          # the extra notices were taken
        for w, g in zip((*want[:4], *want[4]), (*got[:4], *got[4])):
            assert g.dtype == w.dtype and g.shape == w.shape and np.array_equal(g, w), trial
        assert _same_place(a, b), trial
    a, b = _streams_pair(3)
    with pytest.raises(ValueError, match="Poisson mean"):      # checked before any draw
        draws.notices(b, np.array([1.0, -2.0]), np.zeros(2, dtype=np.int64), np.full(2, 9), 1, 1.0,
                      np.zeros(0, dtype=np.int64), 0.5, 0.8, 0.1, 1, 1)
    assert _same_place(a, b)
    with pytest.raises(ValueError, match="one rate, start and end per source"):
        draws.notices(b, np.ones(2), np.zeros(3, dtype=np.int64), np.ones(2, dtype=np.int64), 0, 1.0,
                      np.zeros(0, dtype=np.int64), 0.5, 0.8, 0.1, 1, 1)



def test_a_day_s_arrivals_are_the_generator_s_draws_in_its_order():
    """``draws.arrivals`` against the Generator's calls it replaced in ServiceDesk.take_requests: how many, whose,
    the kinds and certificates by ``Categorical`` (shares of zero among them), and three uniforms each; means of
    0 (nothing drawn), below and above 10, and ranges past 2^32; every array to the last bit in its dtype, and the
    stream left where the calls left it."""
    from sim.model.compiled import draws
    from sim.model.streams import Categorical

    rng = np.random.default_rng(5)
    for trial in range(40):
        kinds = rng.random(int(rng.integers(1, 6))) * (rng.random() < 0.8)
        kinds[rng.integers(len(kinds))] += 0.5                  # shares of zero, but never all of them
        certificates = np.r_[rng.random(int(rng.integers(1, 30))), 0.0]
        mean = float(rng.choice([0.0, 0.7, 4.0, 35.0, 400.0]))
        households = int(rng.choice([1, 10000, 200000, 2**33 + 1]))
        a, b = _streams_pair(100 + trial)
        n = a.poisson(mean)
        want = (a.integers(households, size=n), Categorical(kinds).draw(a, n).astype(np.int8),
                Categorical(certificates).draw(a, n), a.random(n), a.random(n), a.random(n))
        got = draws.arrivals(b, mean, households, Categorical(kinds).cdf, Categorical(certificates).cdf)
        for w, g in zip(want, got):
            assert g.dtype == w.dtype and np.array_equal(g, w), trial
        assert _same_place(a, b), trial
    with pytest.raises(ValueError, match="the range is empty"):
        draws.arrivals(b, 1.0, 0, np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="Poisson mean"):
        draws.arrivals(b, -1.0, 10, np.ones(2), np.ones(2))


@pytest.mark.parametrize("high,size", [(10000, 137), (200000, 1200), (1, 5), (2**32 - 1, 50), (2**32, 50),
                                       (2**40 + 3, 50), (7, 0)])
def test_compiled_integers_are_the_generator_s(high, size):
    """``integers(high, size)``: numpy's values for ranges within and beyond 32 bits, and numpy's stream state."""
    from sim.model.compiled import draws

    a, b = _streams_pair(12)
    a.random(3), b.random(3)
    for _ in range(2):   # the second round starts where the first left the stream (a 32-bit half-word kept or not)
        want, got = a.integers(high, size=size), draws.integers(b, high, size)
        assert got.dtype == np.int64 and np.array_equal(got, want)
        assert _same_place(a, b)
        a.integers(3), b.integers(3)
    with pytest.raises(ValueError, match=r"integers in \[0, 0\): the range is empty"):
        draws.integers(b, 0, 3)
    with pytest.raises(ValueError, match="a negative size"):
        draws.integers(b, 5, -1)


def test_compiled_draws_refuse_what_numpy_refuses():
    from sim.model.compiled import draws

    rng = np.random.default_rng(0)
    for mean in (-1.0, float("nan"), 1e19):
        with pytest.raises(ValueError, match="Poisson mean"):
            draws.requests(rng, mean, (draws.UNIFORM,))
    with pytest.raises(ValueError, match="the range is empty"):
        draws.requests(rng, 50.0, ((3, 3),))
    with pytest.raises(ValueError, match="cannot sample 4 without replacement from 3"):
        draws.sample(rng, 3, 4)


def test_a_reform_s_lapses_and_reviews_are_the_array_version_s_from_the_same_draws():
    """``draws.lapses`` against Fidelity.review_and_lapse's numpy lines it replaced: who applies the reform after
    the day, from one uniform per unit, and the stream left where ``random(n)`` leaves it; units that never comply,
    chances of 0 and 1, strided masks; and what is not a bool array is refused before anything is drawn."""
    from sim.model.compiled import draws

    rng = np.random.default_rng(41)
    for trial in range(300):
        n = int(rng.integers(0, 40))
        on, complying = rng.random(n) < 0.6, rng.random(2 * n)[::2] < 0.8
        p_lapse, p_found = float(rng.choice([0.0, 0.01, 0.5, 1.0])), float(rng.choice([0.0, 0.3, 1.0]))
        ours, theirs = np.random.default_rng(trial), np.random.default_rng(trial)
        got = draws.lapses(ours, on, complying, p_lapse, p_found)
        u = theirs.random(n)
        want = (on & ~(on & (u < p_lapse))) | (complying & ~on & (u < p_found))
        assert got.dtype == np.bool_ and got.tolist() == want.tolist(), trial
        assert ours.random() == theirs.random(), trial
    ours, theirs = np.random.default_rng(1), np.random.default_rng(1)
    for on, complying in ((np.ones(3, dtype=np.int64), np.ones(3, dtype=bool)), (np.ones(3, dtype=bool), [True] * 3),
                          (np.ones(3, dtype=bool), np.ones(4, dtype=bool))):
        with pytest.raises((TypeError, ValueError), match="lapses"):
            draws.lapses(ours, on, complying, 0.1, 0.1)
    assert ours.random() == theirs.random()


def test_compiled_scatter_adds_as_np_add_at():
    """Into a strided view of the ledger or a plain array, one figure for all or one each, with cadres listed
    twice: the same figures as ``np.add.at``, byte for byte."""
    from sim.model.compiled import scatter

    rng = np.random.default_rng(3)
    for trial in range(300):
        ledger = rng.random((12, 5, 4)) * 10
        want, got = ledger.copy(), ledger.copy()
        k, a = rng.integers(5), rng.integers(4)
        cadres = rng.integers(12, size=rng.integers(0, 20)).astype(np.int32 if trial % 2 else np.int64)
        values = [rng.random(len(cadres)) * 7, float(rng.random()), np.array([2.5]), np.int64(3)][trial % 4]
        np.add.at(want[:, k, a], cadres, values)
        scatter.add_at(got[:, k, a], cadres, values)
        assert want.tobytes() == got.tobytes()
        counts_want, counts_got = np.zeros(12, dtype=np.int16), np.zeros(12, dtype=np.int16)
        np.add.at(counts_want, cadres, 1)
        scatter.count_at(counts_got, cadres)
        assert np.array_equal(counts_want, counts_got)


def test_compiled_scatter_checks_before_adding():
    from sim.model.compiled import scatter

    target = np.zeros(3)
    with pytest.raises(IndexError, match="index 3 is outside the 3 entries"):
        scatter.add_at(target, np.array([0, 3]), 1.0)
    with pytest.raises(IndexError, match="index -1 is outside the 3 entries"):
        scatter.count_at(np.zeros(3, dtype=np.int16), np.array([-1]))
    with pytest.raises(ValueError, match=r"\(3,\) values for 2 indices"):
        scatter.add_at(target, np.array([0, 1]), np.ones(3))
    with pytest.raises(ValueError, match=r"\(2, 1\) values for 2 indices"):
        scatter.add_at(target, np.array([0, 1]), np.ones((2, 1)))
    with pytest.raises(TypeError, match="indices must be whole numbers in one dimension, not float64"):
        scatter.add_at(target, np.array([0.0, 1.0]), 1.0)
    assert not target.any()
    scatter.add_at(target, [2, 0], [1.5, 2.5])   # lists, as numpy takes them
    assert target.tolist() == [2.5, 0.0, 1.5]


def test_adding_by_group_is_numpy_s_bincount_added_on():
    """``scatter.add_by_group`` against ``target += np.bincount(group_of[index], weights=values, minlength=...)``
    over 300 random calls: repeated indices, groups with nothing, values of every size (or one figure for all),
    int32 groups converted;
    every entry to the last bit (the sign of a zero included); a bad index or group, or a wrong number of values,
    stops before anything is added."""
    from sim.model.compiled import scatter

    rng = np.random.default_rng(31)
    for trial in range(300):
        T, C = int(rng.integers(1, 25)), int(rng.integers(1, 60))
        group_of = rng.integers(0, T, C).astype(np.int64 if trial % 2 else np.int32)
        index = rng.integers(0, C, int(rng.integers(0, 80)))
        values = rng.normal(size=len(index)) * rng.choice([1e-9, 1.0, 1e9], size=len(index))
        if trial % 3 == 0:
            values = float(rng.normal())            # one figure for all of them
        target = np.where(rng.random(T) < 0.2, -0.0, rng.normal(size=T))
        want = target.copy()
        want += np.bincount(group_of[index], weights=np.broadcast_to(values, index.shape), minlength=T)
        scatter.add_by_group(target, group_of, index, values)
        assert target.tobytes() == want.tobytes(), trial
    before = target.copy()
    with pytest.raises(IndexError):
        scatter.add_by_group(target, group_of, np.array([C]), np.ones(1))
    with pytest.raises(IndexError, match="group 99 is outside"):
        scatter.add_by_group(target, np.full(C, 99), np.array([0]), np.ones(1))
    with pytest.raises(ValueError, match="2 values for 1 indices"):
        scatter.add_by_group(target, group_of, np.array([0]), np.ones(2))
    assert target.tobytes() == before.tobytes()


def _removed_by_numpy(cadres, hours, by_cadre, by_township, cadre_township, service_by_cadre=None):
    """ReformAccounts.removed's arithmetic as numpy made it before ``scatter.book_removed``."""
    from sim.model.workload import per_cadre

    cadres = np.asarray(cadres, dtype=np.int64)
    h = per_cadre(hours, cadres)
    total = float(h.sum())
    if total != 0.0:
        np.add.at(by_cadre, cadres, h)
        if service_by_cadre is not None:
            np.add.at(service_by_cadre, cadres, h)
        by_township += np.bincount(cadre_township[cadres], weights=h, minlength=len(by_township))
    return total


def test_the_accounts_totals_and_removals_are_numpy_s_to_the_last_bit():
    """``scatter.total`` and ``scatter.book_removed`` against the numpy lines of ReformAccounts they replaced: one
    figure for all cadres (a number, an int, an array of one) or one each (strided too), cadres listed twice, sums
    of 1 to 300 cadres (numpy's pairwise order past 8 and 128), a total of exactly 0.0 (+x and -x: nothing is
    booked), the service figures on or off; every figure to the last bit."""
    from sim.model.compiled import scatter

    rng = np.random.default_rng(43)
    C, T = 400, 7
    cadre_township = rng.integers(0, T, C)
    for trial in range(400):
        n = int(rng.integers(0, 300))
        cadres = rng.integers(0, C, n)
        kind = trial % 5
        hours = (float(rng.random() * 3), int(rng.integers(0, 4)), rng.random(1), rng.random(n) - 0.3,
                 rng.random(2 * n)[::2])[kind]
        if trial % 17 == 0 and n >= 2:
            cadres, hours = cadres[:2], np.array([1.25, -1.25])
        assert scatter.total(cadres, hours) == _removed_by_numpy(cadres, hours, np.zeros(C), np.zeros(T),
                                                                 cadre_township), trial
        start = rng.random(C), rng.random(T), rng.random(C)
        ours = [a.copy() for a in start]
        theirs = [a.copy() for a in start]
        service = trial % 2 == 0
        got = scatter.book_removed(cadres, hours, ours[0], ours[1], cadre_township, ours[2] if service else None)
        want = _removed_by_numpy(cadres, hours, theirs[0], theirs[1], cadre_township, theirs[2] if service else None)
        assert got == want, trial
        for a, b in zip(ours, theirs, strict=True):
            assert a.tobytes() == b.tobytes(), trial


def test_the_departments_smoothed_costs_are_numpy_s_to_the_last_bit():
    """``scatter.smooth_costs`` against the numpy lines of DemandSeen.take_stock it replaced: the smoothed costs
    and removals in place and the ratio, with channels never seen (1.0), barely seen (about 1e-12), dearer than
    before (a negative removal: clipped to 1), negative costs (clipped to 0), -0.0 and NaN."""
    from sim.model.compiled import scatter

    rng = np.random.default_rng(47)
    edges = np.array([0.0, -0.0, 1e-12, 2e-12, -1.0, np.nan, 5.0])
    for trial in range(300):
        shape = (int(rng.integers(1, 14)), 5)
        arrays = [np.where(rng.random(shape) < 0.3, rng.choice(edges, size=shape), rng.random(shape) * 4 - 0.5)
                  for _ in range(4)]
        a = float(rng.choice([1.0 / 30, 0.5, 1.0]))
        cost, removed, spent, removed_today = (x.copy() for x in arrays)
        want_cost, want_removed = arrays[0].copy(), arrays[1].copy()
        want_cost += a * (spent - want_cost)
        want_removed += a * (removed_today - want_removed)
        before = want_cost + want_removed
        seen = before > 1e-12
        want = np.minimum(np.maximum(np.where(seen, want_cost / np.where(seen, before, 1.0), 1.0), 0.0), 1.0)
        got = scatter.smooth_costs(cost, removed, spent, removed_today, a)
        assert got.tobytes() == want.tobytes(), trial
        assert cost.tobytes() == want_cost.tobytes() and removed.tobytes() == want_removed.tobytes(), trial
    with pytest.raises(ValueError, match="one row of costs and removals a department"):
        scatter.smooth_costs(np.zeros((2, 5)), np.zeros((3, 5)), np.zeros((2, 5)), np.zeros((2, 5)), 0.5)


def test_the_accounts_removals_check_everything_before_booking():
    from sim.model.compiled import scatter

    by_cadre, by_township, township = np.zeros(3), np.zeros(2), np.array([0, 1, 1])
    for cadres, hours, township_of, error, message in (
            ([0, 3], 1.0, township, IndexError, "index 3 is outside the 3 entries"),
            ([0, 1], 1.0, np.array([0, 5, 1]), IndexError, "township 5 is outside the 2 entries"),
            ([0, 1], np.ones(3), township, ValueError, "3 figures of hours for 2 cadres"),
            ([0, 1], np.ones((2, 1)), township, ValueError, r"hours of shape \(2, 1\) for 2 cadres")):
        with pytest.raises(error, match=message):
            scatter.book_removed(cadres, hours, by_cadre, by_township, township_of, np.zeros(3))
    assert not by_cadre.any() and not by_township.any()
    assert scatter.book_removed([], 1.0, by_cadre, by_township, township) == 0.0


def test_the_per_cadre_totals_are_added_as_numpy_adds_them():
    """``add_into`` adds float64 and boolean figures as ``+=`` adds them (NaN, infinities and -0.0 included), in
    one or two dimensions; and a tally's per-cadre records made by ``add_per_cadre_each`` are the ones
    ``add_per_cadre`` makes, from the first measured day on."""
    from sim.model import scatter
    from sim.model.tally import Tally

    rng = np.random.default_rng(5)

    def figures(shape):
        x, odd = rng.normal(0, 1e3, shape), rng.random(shape)
        return np.where(odd < 0.05, np.nan, np.where(odd < 0.1, -np.inf, np.where(odd < 0.2, -0.0, x)))

    for trial in range(50):
        C = int(rng.integers(1, 80))
        shapes = [(C,), (C, int(rng.integers(1, 13))), (C,)]
        targets = [figures(s) for s in shapes]
        values = [figures(shapes[0]), figures(shapes[1]), rng.random(C) < 0.5]
        want = [t.copy() for t in targets]
        for w, v in zip(want, values):
            w += v
        scatter.add_into(targets, values)
        assert all(_same_bits(w, t) for w, t in zip(want, targets)), f"trial {trial}"

    names = ("hours", "fatigue", "burnout")
    one, each = Tally(10, 3), Tally(10, 3)
    for day in range(10):
        one.today = each.today = day
        day_figures = [(n, v) for n, v in zip(names, (rng.random((4, 12)), rng.random(4), rng.random(4) < 0.3))]
        for name, v in day_figures:
            one.add_per_cadre(name, v)
        each.add_per_cadre_each(day_figures)
    assert all(_same_bits(one.per_cadre(n, 4), each.per_cadre(n, 4)) for n in names)
    assert each.per_cadre("burnout", 4).dtype == np.float64


def test_the_per_cadre_totals_check_every_pair_before_adding():
    """A pair of the wrong shape, type or layout, or a read-only target, stops with a message naming the pair,
    and nothing is added, not even to the pairs before it."""
    from sim.model import scatter

    def attempt(bad_target, bad_value):
        good = np.zeros(3)
        with pytest.raises((TypeError, ValueError), match="add_into") as error:
            scatter.add_into([good, bad_target], [np.ones(3), bad_value])
        assert not good.any(), "the first pair was added before the second was refused"
        return str(error.value)

    assert "shape (2,) for a target of shape (3,)" in attempt(np.zeros(3), np.ones(2))
    assert "float64 or boolean" in attempt(np.zeros(3), np.ones(3, dtype=np.int64))
    assert "float64 array" in attempt(np.zeros(3, dtype=np.float32), np.ones(3))
    read_only = np.zeros(3)
    read_only.setflags(write=False)
    assert "pair 1" in attempt(read_only, np.ones(3))
    assert "pair 1" in attempt(np.zeros(3), np.ones(6)[::2])
    with pytest.raises(ValueError, match="2 targets and 1 values"):
        scatter.add_into([np.zeros(1), np.zeros(1)], [np.zeros(1)])


def test_compiled_scatter_reads_arrays_directly_and_takes_anything_else_as_numpy_does():
    """The usual arguments are read through their buffers as they are, other indices and values converted as numpy
    takes them: the same bytes as ``np.add.at``, int16 counts in a strided view included. A read-only target is
    refused untouched, and so is a target of another type or shape."""
    from sim.model.compiled import scatter

    rng = np.random.default_rng(11)
    for trial in range(200):
        index = rng.integers(7, size=rng.integers(1, 9) if trial % 4 == 2 else rng.integers(0, 9))
        index = [index, index.astype(np.int32), index.tolist(), index.astype(np.uint64)][trial % 4]
        values = [rng.random(len(index)), rng.random(len(index)).tolist(), np.float32(0.3), True][trial // 4 % 4]
        want = rng.random((7, 3))
        got = want.copy()
        np.add.at(want[:, 1], index, values)
        scatter.add_at(got[:, 1], index, values)
        assert want.tobytes() == got.tobytes()
        counts_want = np.zeros((3, 7), dtype=np.int16)
        counts_got = counts_want.copy()
        np.add.at(counts_want.T[:, 2], index, 1)
        scatter.count_at(counts_got.T[:, 2], index)
        assert counts_want.tobytes() == counts_got.tobytes()
    frozen = np.zeros(4)
    frozen.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        scatter.add_at(frozen, np.array([1]), 1.0)
    assert not frozen.any()
    for target in (np.zeros(4, dtype=np.float32), np.zeros((2, 2)), [0.0, 0.0]):
        with pytest.raises(TypeError, match="the target must be a numpy float64 array of one dimension"):
            scatter.add_at(target, np.array([1]), 1.0)
    with pytest.raises(TypeError, match="the target must be a numpy int16 array"):
        scatter.count_at(np.zeros(4, dtype=np.int32), np.array([1]))


def test_the_ledger_books_each_request_on_its_days_ahead_within_the_horizon():
    """A request's hours go into ``due[:, k, a]``: k the days to its deadline, an overdue one today and a far one
    on the horizon's last day, added as ``np.add.at`` adds; ``owed_until`` covers them. The ledger's day cells stay
    its own views after the daily shift."""
    from sim.model.workload import DEADLINE_ACTIVITIES, DL, HORIZON, WorkLedger

    rng = np.random.default_rng(5)
    ledger = WorkLedger(9, 400)
    ledger.today = 40
    want = ledger.due.copy()
    for trial in range(300):
        cadres = rng.integers(9, size=rng.integers(0, 6))
        activity = DEADLINE_ACTIVITIES[rng.integers(len(DEADLINE_ACTIVITIES))]
        deadline = 40 + int(rng.integers(-5, HORIZON + 10))
        hours = rng.random(len(cadres)) * 3 if trial % 2 else float(rng.random())
        k = min(max(deadline - 40, 0), HORIZON - 1)
        np.add.at(want[:, k, DL[activity]], cadres, hours)
        ledger.add_due(cadres, activity, hours, deadline)
        assert ledger.owed_until > k or not len(cadres)
    assert want.tobytes() == ledger.due.tobytes()
    ledger.advance()
    before = ledger.due[3, 2, DL["data_reports"]]
    ledger.add_due(np.array([3]), "data_reports", 1.5, ledger.today + 2)
    assert ledger.due[3, 2, DL["data_reports"]] == before + 1.5


def test_the_ledger_s_daily_shift_is_numpy_s_to_the_last_bit():
    """Random ledgers (signed zeros among the entries), every owed_until from 1 to the horizon: the same bytes as
    the numpy shift it replaced; the part beyond owed_until is left as it was."""
    from sim.model.compiled import scatter

    rng = np.random.default_rng(9)
    for case in range(200):
        C, K, n = int(rng.integers(1, 40)), int(rng.integers(1, 33)), int(rng.integers(1, 8))
        k = int(rng.integers(1, K + 1))
        due = rng.choice([0.0, -0.0, 0.1, 1e-17, 2.5, 3.0 / 7.0], size=(C, K, n))
        due[:, k:, :] = rng.random((C, K - k, n)) if case % 2 else 0.0   # beyond owed_until: untouched
        want = due.copy()
        overdue = want[:, 0, :].copy()
        want[:, :k - 1, :] = want[:, 1:k, :]
        want[:, k - 1, :] = 0.0
        want[:, 0, :] += overdue
        scatter.shift_owed(due, k)
        assert np.array_equal(_bits(due), _bits(want)), case


def test_the_ledger_s_daily_shift_checks_its_arguments():
    from sim.model.compiled import scatter

    with pytest.raises(ValueError, match="owed_until 0 is not within the ledger's 1-4 days"):
        scatter.shift_owed(np.zeros((2, 4, 3)), 0)
    with pytest.raises(ValueError, match="owed_until 5 is not within"):
        scatter.shift_owed(np.zeros((2, 4, 3)), 5)
    with pytest.raises(ValueError, match="at most 16 deadline activities, not 17"):
        scatter.shift_owed(np.zeros((2, 4, 17)), 2)


def test_a_visit_falls_due_on_the_first_day_the_period_has_passed():
    """``first_day_due`` is the first whole day on which ``day - last_visit >= period`` holds as floats round it,
    for last visits anywhere in a day and periods that are and are not whole numbers."""
    from sim.model.offices.service_desk import first_day_due

    rng = np.random.default_rng(8)
    last = np.concatenate([-rng.random(5000) * 60, rng.integers(0, 400, 200).astype(float), [0.0, -1e-300, 5.5]])
    for period in (7.0, 28.0, 364.0 / 13, 364.0 / 3, 0.25, 1e-9, 364.0 / 1e-9):
        due = first_day_due(last, period)
        assert (due - last >= period).all() and not ((due - 1) - last >= period).any()


def test_proactive_candidates_are_those_a_period_past_their_last_visit(monkeypatch):
    """Every day of a run, the households due a visit are the elderly living alone whose last visit is a period or
    more ago, read from every last visit as the rule states it."""
    from sim.model.model import GrassrootsModel
    from sim.model.offices.service_desk import ServiceDesk

    proactive_demand, checked = ServiceDesk.proactive_demand, []

    def checked_demand(desk):
        got = proactive_demand(desk)
        m, elderly = desk.model, desk._elderly
        period = 364.0 / max(m.cfg.service.proactive_visits_per_year, 1e-9)
        due = m.day - m.households.last_visit[elderly] >= period
        want = elderly[due]
        hours = np.bincount(desk._elderly_cadre[due], minlength=m.structure.n_cadres).astype(float) \
            * m.cfg.service.proactive_visit_hours
        checked.append((np.array_equal(desk._proactive_candidates, want) and got.tobytes() == hours.tobytes(),
                        len(want)))
        return got

    monkeypatch.setattr(ServiceDesk, "proactive_demand", checked_demand)
    GrassrootsModel(load_config(["scenario=classroom", "scenario.days=120", "scenario.warmup_days=0"])).run()
    assert len(checked) >= 120 and all(same for same, _ in checked)
    assert sum(n for _, n in checked) > 100                          # visits fell due, not empty sets compared


def test_requests_out_of_patience_are_numpy_s_selection():
    """``queues.out_of_patience`` against the selection it replaced, on random books (patience running out before,
    on and after the day, escalated or not, infinite patience); and an id outside the book is refused."""
    from sim.model.compiled import queues

    rng = np.random.default_rng(17)
    for trial in range(100):
        R = int(rng.integers(0, 300))
        patience = np.where(rng.random(R) < 0.1, np.inf, rng.integers(0, 20, R) + rng.choice([0.0, 0.5], R))
        escalated = np.where(rng.random(R) < 0.3, rng.integers(0, 20, R).astype(float), -1.0)
        ids = np.sort(rng.choice(R, size=int(rng.integers(0, R + 1)), replace=False)).astype(np.int64)
        day = float(rng.integers(0, 20))
        want = ids[(patience[ids] <= day) & (escalated[ids] < 0)]
        got = queues.out_of_patience(ids, patience, escalated, day)
        assert got.dtype == np.int64 and np.array_equal(got, want), trial
    with pytest.raises(IndexError, match="request 5 is not in the book"):
        queues.out_of_patience(np.array([5], dtype=np.int64), np.zeros(3), np.zeros(3), 1.0)


def test_overdue_supervised_work_is_numpy_s_selection_and_bincount():
    """``queues.overdue_supervised`` against the selection and ``np.bincount`` it replaced (Hotline.overdue_hours)
    on random books: the count of late tasks and each grid cadre's hours, to the last bit; and a household outside
    the grids is refused."""
    from sim.model.compiled import queues

    rng = np.random.default_rng(23)
    for trial in range(100):
        R, H, C = int(rng.integers(0, 300)), 40, 7
        escalated = np.where(rng.random(R) < 0.4, rng.integers(0, 20, R).astype(float), -1.0)
        deadline = np.where(rng.random(R) < 0.2, np.inf, rng.integers(0, 30, R).astype(float))
        household = rng.integers(0, H, R).astype(np.int32)
        cadre = rng.integers(0, C, H).astype(np.int32)
        remaining = rng.random(R) * 3
        ids = np.sort(rng.choice(R, size=int(rng.integers(0, R + 1)), replace=False)).astype(np.int64)
        day = float(rng.integers(0, 30))
        late = ids[(escalated[ids] >= 0) & (deadline[ids] <= day)]
        want = np.bincount(cadre[household[late]], weights=remaining[late], minlength=C)
        n, hours = queues.overdue_supervised(ids, escalated, deadline, day, household, cadre, remaining, C)
        assert n == len(late) and hours.tobytes() == want.tobytes(), trial
    with pytest.raises(IndexError, match="household 3 is not one of the 2"):
        queues.overdue_supervised(np.array([0], dtype=np.int64), np.zeros(1), np.zeros(1), 1.0,
                                  np.array([3], dtype=np.int32), np.zeros(2, dtype=np.int32), np.ones(1), 2)


def test_service_hours_are_booked_as_the_array_version_booked_them():
    """``queues.book_service_hours`` against ServiceDesk.serve's arrays it replaced, on random days: queues with no
    work done (a share of none), cadres of every village, hours of any size; every cadre's certificate and service
    hours to the last bit; and a cadre outside the villages is refused before anything is booked."""
    from sim.model.compiled import queues

    rng = np.random.default_rng(29)
    for trial in range(100):
        V, C, A = int(rng.integers(1, 15)), int(rng.integers(1, 60)), 12
        cert = np.where(rng.random(3 * V) < 0.3, 0.0, rng.random(3 * V) * 5)
        other = np.where(rng.random(3 * V) < 0.3, 0.0, rng.random(3 * V) * 5)
        pool = rng.integers(0, V, C).astype(np.int32)
        service_hours = rng.random((C, 3)) * rng.choice([1e-6, 1.0, 1e3], size=(C, 3))
        hours = rng.random((C, A))
        want = hours.copy()
        done = cert + other
        share = np.divide(cert, done, out=np.zeros_like(done), where=done > 0).reshape(3, V)
        cert_hours = (service_hours * share[:, pool].T).sum(axis=1)
        want[:, 6] += cert_hours
        want[:, 11] += service_hours.sum(axis=1) - cert_hours
        queues.book_service_hours(cert, other, pool, service_hours, hours, 6, 11)
        assert hours.tobytes() == want.tobytes(), trial
    before = hours.copy()
    with pytest.raises(IndexError, match="village 99 is not one of the"):
        queues.book_service_hours(cert, other, np.full(C, 99, dtype=np.int32), service_hours, hours, 6, 11)
    assert hours.tobytes() == before.tobytes()


def _closed_by_numpy(hours, regular, cap, fatigue, strain, keep_off, keep_working, message_hours, hours_total):
    """Cadres.end_day's arrays as numpy made them before ``day_rule.close_day``."""
    worked = hours.sum(axis=1)
    if (hours < -1e-9).any() or (worked > cap + 1e-6).any():
        return None
    overtime, idle = np.maximum(worked - regular, 0.0), np.maximum(regular - worked, 0.0)
    chat = hours[:, A["chat"]]
    off = (worked - chat <= 1e-9) & (chat <= message_hours)
    f = fatigue + strain * overtime
    f *= np.where(off, keep_off, keep_working)
    hours_total += hours
    return overtime, idle, off, f.clip(0.0, 1.0), hours.sum(axis=0)


def test_a_closed_day_is_the_array_version_to_the_last_bit():
    """``day_rule.close_day`` against the thirty numpy calls of Cadres.end_day it replaced, on random days with
    the edges that numpy treats its own way: hours that sum to exactly the regular day (overtime and idle +0.0), a
    regular day of -0.0, -0.0 hours, fatigue pushed past 0 and 1 or NaN, days off by a hair; each figure and the
    running totals to the last bit."""
    from sim.model.compiled import day_rule

    rng = np.random.default_rng(31)
    n = len(ACTIVITIES)
    for trial in range(200):
        C = int(rng.integers(1, 300))
        hours = rng.random((C, n)) * rng.choice([0.0, 1e-10, 0.3, 2.0], size=(C, n))
        hours[rng.random(C) < 0.1] = -0.0
        worked = hours.sum(axis=1)
        regular = np.where(rng.random(C) < 0.3, worked, rng.choice([-0.0, 0.0, 8.0], size=C))
        cap = worked + rng.choice([0.0, 1e-7, 3.0], size=C)
        fatigue = np.where(rng.random(C) < 0.05, np.nan, rng.random(C) * rng.choice([-0.1, 1.0, 1.3], size=C))
        args = (float(rng.choice([0.0, 0.02, 0.5])), 0.7, 0.95, float(rng.choice([0.0, 0.25])))
        totals = rng.random((C, n))
        want_totals = totals.copy()
        got = day_rule.close_day(hours, regular, cap, fatigue, *args, totals)
        want = _closed_by_numpy(hours, regular, cap, fatigue, *args, want_totals)
        assert got is not None and want is not None
        for g, w in zip(got, want, strict=True):
            assert g.dtype == w.dtype and g.tobytes() == w.tobytes(), trial
        assert totals.tobytes() == want_totals.tobytes(), trial


def test_a_closed_day_that_breaks_the_invariant_changes_nothing():
    """A negative hour or more worked than the cap: close_day says so (None) before adding to the totals, and
    end_day stops the run naming the cadre and its hours."""
    from sim.model.compiled import day_rule

    n = len(ACTIVITIES)
    hours, totals = np.ones((3, n)), np.zeros((3, n))
    args = (np.full(3, 8.0), np.full(3, float(n)), np.zeros(3), 0.02, 0.7, 0.95, 0.25, totals)
    assert day_rule.close_day(hours, *args) is not None and totals.sum() == 3 * n
    for broken in (-1e-6, 1.0 + 2e-6):
        h = hours.copy()
        h[1, 2] = broken
        before = totals.copy()
        assert day_rule.close_day(h, *args) is None
        assert totals.tobytes() == before.tobytes()
    with pytest.raises(ValueError, match=r"regular \(per cadre\): 3 items expected, not 2"):
        day_rule.close_day(hours, np.full(2, 8.0), *args[1:])
    with pytest.raises(ValueError, match="one row of hours"):
        day_rule.close_day(hours, *args[:-1], np.zeros((3, n - 1)))

    from sim.model.model import GrassrootsModel

    model = GrassrootsModel(load_config(["scenario=township", "scenario.days=3", "scenario.warmup_days=0"]))
    model.step()
    plan = model.cadres.plan_day(np.zeros(model.structure.n_cadres))
    plan.hours[4, 0] = model.cadres.cap_today[4] + 1.0
    with pytest.raises(AssertionError, match="hours conservation violated on day 1: cadre 4 worked"):
        model.cadres.end_day(plan)


def test_the_compiled_parts_read_only_the_arrays_they_were_written_for():
    """The compiled parts read their arrays' data directly (``arrays.pxd``), unchecked in their loops: an array of
    another dtype, not C-contiguous, of the wrong dimensions or length, or read-only where it is written stops
    before the loops with a message naming the argument. A float64 dtype that is equal but not numpy's own object
    (one carrying metadata) is read as float64."""
    from sim.model.compiled import day_rule, queues

    due_day, cadre = np.array([3, 9, 1], dtype=np.int64), np.array([0, 1, 1], dtype=np.int64)
    with pytest.raises(TypeError, match="visits_due: due_day: a numpy array of int64 was expected, not ndarray of "
                                        "float64"):
        queues.visits_due(due_day.astype(np.float64), 3, cadre, 2, 0.75)
    with pytest.raises(TypeError, match="visits_due: due_day: a numpy array of int64 was expected, not list"):
        queues.visits_due(due_day.tolist(), 3, cadre, 2, 0.75)
    with pytest.raises(ValueError, match="visits_due: due_day: .*not C-contiguous"):
        queues.visits_due(np.repeat(due_day, 2)[::2], 3, cadre, 2, 0.75)

    n = len(ACTIVITIES)
    hours, totals = np.ones((3, n)), np.zeros((3, n))
    args = (np.full(3, 8.0), np.full(3, float(n)), np.zeros(3), 0.02, 0.7, 0.95, 0.25)
    with pytest.raises(ValueError, match="close_day: hours: 2 dimension"):
        day_rule.close_day(hours.reshape(-1), *args, totals)
    with pytest.raises(ValueError, match=r"close_day: fatigue \(per cadre\): 3 items expected, not 2"):
        day_rule.close_day(hours, *args[:2], np.zeros(2), *args[3:], totals)
    read_only = totals.copy()
    read_only.setflags(write=False)
    with pytest.raises(ValueError, match="close_day: hours_total: .*read-only"):
        day_rule.close_day(hours, *args, read_only)
    assert not totals.any()                                   # nothing was added by the calls refused
    tagged = np.dtype(np.float64, metadata={"unit": "hours"})
    assert tagged is not np.dtype(np.float64) and tagged == np.dtype(np.float64)
    tagged_hours = hours.astype(tagged)
    assert tagged_hours.dtype is not np.dtype(np.float64)
    closed = day_rule.close_day(tagged_hours, *args, totals)
    assert closed is not None and totals.sum() == 3 * n


def test_visits_due_refuse_a_cadre_outside_the_cadres():
    from sim.model.compiled import queues

    places, hours = queues.visits_due(np.array([3, 9, 1], dtype=np.int64), 3, np.array([0, 1, 1], dtype=np.int64),
                                      2, 0.75)
    assert places.tolist() == [0, 2] and hours.tolist() == [0.75, 0.75]
    with pytest.raises(IndexError, match="place 2's cadre 5 is not one of the 2"):
        queues.visits_due(np.array([3, 9, 1], dtype=np.int64), 3, np.array([0, 1, 5], dtype=np.int64), 2, 0.75)
    with pytest.raises(ValueError, match="2 cadres for 3 places"):
        queues.visits_due(np.array([3, 9, 1], dtype=np.int64), 3, np.array([0, 1], dtype=np.int64), 2, 0.75)


def _visits_by_lexsort(places, households, cadre, last_visit, visits):
    """The array version of the day's choice of visits (ServiceDesk._visit before queues.longest_unvisited_first):
    the candidates whose cadre visits, sorted by cadre and last visit, each cadre's first `visits` of them."""
    cand = households[places]
    keep = visits[cadre[cand]] > 0
    cand, pos = cand[keep], places[keep]
    order = np.lexsort((last_visit[cand], cadre[cand]))
    cand, pos = cand[order], pos[order]
    cad = cadre[cand]
    first = np.concatenate(([True], cad[1:] != cad[:-1]))
    rank = np.arange(len(cand)) - np.maximum.accumulate(np.where(first, np.arange(len(cand)), 0))
    return pos[rank < visits[cad]]


def test_compiled_visits_are_each_grid_s_longest_unvisited_as_lexsort_orders_them():
    """Random grids with many tied last visits, cadres with no, some and more visits than candidates: the places
    chosen and their order are the array version's; a tie broken the other way fails."""
    from sim.model.compiled import queues

    rng = np.random.default_rng(14)
    for case in range(300):
        H, C = int(rng.integers(1, 400)), int(rng.integers(1, 30))
        households = np.sort(rng.choice(H, size=int(rng.integers(0, H + 1)), replace=False)).astype(np.int64)
        places = np.flatnonzero(rng.random(len(households)) < 0.7).astype(np.int64)
        cadre = rng.integers(0, C, H).astype(np.int32)   # per household, as the structure holds it
        last_visit = rng.integers(-30, 0, H).astype(float) / rng.choice([1.0, 4.0])   # ties are common
        visits = np.floor(rng.random(C) * rng.choice([0.5, 3.0, 40.0]))
        want = _visits_by_lexsort(places, households, cadre, last_visit, visits)
        got = queues.longest_unvisited_first(places, households, cadre[households].astype(np.int64), last_visit,
                                             visits)
        assert got.dtype == np.int64 and np.array_equal(got, want), case
    # the test can tell: the later place first among tied last visits is not what lexsort gives
    households, places = np.arange(4, dtype=np.int64), np.arange(4, dtype=np.int64)
    cadre, last_visit = np.zeros(4, dtype=np.int64), np.array([-3.0, -5.0, -3.0, -5.0])
    got = queues.longest_unvisited_first(places, households, cadre, last_visit, np.array([3.0]))
    assert got.tolist() == [1, 3, 0] and got.tolist() != [3, 1, 2]


def test_compiled_visits_match_the_array_version_on_every_day_of_a_run(monkeypatch):
    from sim.model import queues
    from sim.model.model import GrassrootsModel

    kernel, days = queues.longest_unvisited_first, []

    def checked(places, households, cadre, last_visit, visits):
        got = kernel(places, households, cadre, last_visit, visits)
        per_household = np.zeros(len(last_visit), dtype=np.int64)   # the array version reads cadres by household
        per_household[households] = cadre
        days.append((np.array_equal(got, _visits_by_lexsort(places, households, per_household, last_visit, visits)),
                     len(got)))
        return got

    monkeypatch.setattr(queues, "longest_unvisited_first", checked)
    GrassrootsModel(load_config(["scenario=township", "scenario.days=90"])).run()
    assert len(days) > 100 and all(same for same, _ in days)
    assert sum(n for _, n in days) > 200                              # visits were made (433), not empty sets compared


def test_compiled_visits_stop_at_a_cadre_out_of_range():
    from sim.model.compiled import queues

    one = np.zeros(1, dtype=np.int64)
    with pytest.raises(IndexError, match="household 0's cadre 2 is not one of the 2"):
        queues.longest_unvisited_first(one, one, np.array([2]), np.zeros(1), np.ones(2))
    with pytest.raises(ValueError, match="2 cadres for 1 households"):
        queues.longest_unvisited_first(one, one, np.zeros(2, dtype=np.int64), np.zeros(1), np.ones(2))
    with pytest.raises(IndexError):   # a place beyond the households
        queues.longest_unvisited_first(one + 1, one, one, np.zeros(1), np.ones(2))


def test_the_calendar_s_arithmetic_is_the_walk_day_by_day():
    """Next working day, deadline and days to the next working day, from weekday arithmetic: the same as walking
    day by day, for every weekday the run can start on and the first days (a deadline never before day 0)."""
    from sim.model.calendar import Calendar

    def walk_next(cal, day):
        while not cal.is_work(day):
            day += 1
        return day

    def walk_deadline(cal, day):
        while not cal.is_work(day) and day > 0:
            day -= 1
        return day

    for start in ("2025-01-06", "2025-01-08", "2025-01-10", "2025-01-11", "2025-01-12"):
        for first_day in (0, -91):
            cal = Calendar(start, 60, first_day=first_day)
            for day in range(-3, 60):
                cal.day = day   # the kind of day, worked out when the day is set, against the date's own weekday
                weekday = (date.fromisoformat(start) + timedelta(days=first_day + day)).weekday()
                assert (cal.is_workday, cal.is_monday, cal.is_protected) == (weekday < 5, weekday == 0, False)
                assert cal.next_workday(day) == walk_next(cal, day), (start, first_day, day)
                assert cal.deadline(day) == walk_deadline(cal, day), (start, first_day, day)
                assert cal.days_until_next_workday(day) == walk_next(cal, day + 1) - day, (start, first_day, day)
    for protected, rest_days in ((1, {6}), (2, {5, 6})):   # rest rights protect Sunday, then Saturday too
        cal = Calendar("2025-01-06", 14, protected_days_per_week=protected)
        for day in range(14):
            cal.day = day
            assert cal.is_protected == (day % 7 in rest_days), (protected, day)


def test_a_compiled_part_older_than_its_sources_stops_the_import(tmp_path):
    """In a checkout, a .pyx or a .pxd edited after the build would run the old code: the import stops and says
    how to build again."""
    import os
    from types import SimpleNamespace

    from sim.model import compiled

    built = tmp_path / "kernel.cpython-312-x86_64-linux-gnu.so"
    built.write_bytes(b"")
    module = SimpleNamespace(__file__=str(built), __name__="sim.model.kernel")
    for source in (tmp_path / "kernel.pyx", tmp_path / "shared.pxd"):
        source.write_text("")
        os.utime(source, (built.stat().st_mtime - 10,) * 2)
        compiled._check_built(module)                                   # older than the build: fine
        os.utime(source, (built.stat().st_mtime + 10,) * 2)
        with pytest.raises(ImportError, match=f"{source.name} changed after {built.name} was compiled"):
            compiled._check_built(module)
        source.unlink()


def test_the_day_s_profile_lists_the_calls_step_makes(capsys):
    """benchmarks/profile_day.py: every call the day's `step` makes, with its share of the run, largest first."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "profile_day.py"
    spec = importlib.util.spec_from_file_location("profile_day", path)
    profile_day = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(profile_day)
    profile_day.main(["classroom", "scenario.days=28", "scenario.warmup_days=0"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("classroom: 28 days in")
    shares = [float(line.split("%")[0]) for line in lines[1:]]
    assert shares == sorted(shares, reverse=True) and 50 < sum(shares) <= 100.0
    assert any("the departments' step" in line for line in lines) and any("deliver" in line for line in lines)
