"""The fast paths compute exactly what the plain ones do (issue 14: speed without changing a result).

Speed itself is measured in ``benchmarks/`` (a ratio to Mesa's object-per-agent style on the same machine); here
each shortcut is held to the slower code it replaced, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.config import load_config, to_yaml
from sim.model.workload import take_earliest_deadline_first


@pytest.mark.parametrize("overrides", [["scenario=township"], ["scenario=county", "package=all_reforms"],
                                       ["scenario=classroom", "reform=[one_form,rest_rights]", "rebound=none"]])
def test_a_run_s_config_yaml_is_omegaconf_s_text(overrides):
    cfg = load_config(overrides)
    assert to_yaml(cfg) == OmegaConf.to_yaml(OmegaConf.structured(cfg))


def test_earliest_deadline_first_over_the_owed_horizon_is_the_whole_horizon_s():
    """Leaving out the deadlines nothing is owed by changes no figure, to the last bit."""
    rng = np.random.default_rng(3)
    for _ in range(50):
        C, K, A = 40, 32, 6
        owed_until = int(rng.integers(1, K + 1))
        due = np.where(rng.random((C, K, A)) < 0.3, rng.exponential(1.0, (C, K, A)), 0.0)
        due[:, owed_until:, :] = 0.0
        work = np.where(rng.random(C) < 0.7, rng.exponential(3.0, C), 0.0)
        a, b = due.copy(), due.copy()
        done_all = take_earliest_deadline_first(a, work)
        done_owed = take_earliest_deadline_first(b, work, owed_until)
        assert np.array_equal(done_all, done_owed) and np.array_equal(a, b)
        assert np.allclose(done_all.sum(axis=1), np.minimum(work, due.sum(axis=(1, 2))))


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


def test_remembered_sums_are_numpy_s_sums():
    """The accounts remember the sum of one figure over a line of cadres; it is the sum numpy makes of it."""
    from sim.model.accounts import ReformAccounts

    acc = ReformAccounts.__new__(ReformAccounts)
    acc._sums = {}
    for n in range(0, 300, 7):
        for hours in (0.1, 1.0 / 3.0, 2.75, 0.35 + 0.1, np.float64(0.7), 3):
            cadres = np.arange(n)
            want = float(np.broadcast_to(np.asarray(hours, dtype=np.float64), cadres.shape).sum())
            assert acc._total(cadres, hours) == want
            assert acc._total(cadres, hours) == want   # remembered


def test_every_service_order_runs_the_villages_in_the_order_the_cadres_remember():
    """share_out is told where each village's servers begin (remembered once) instead of finding it each call."""
    from sim.model.model import GrassrootsModel

    m = GrassrootsModel(load_config(["scenario=township"]))
    for day in range(10):
        o = m.cadres.service_order(day)
        for order in (o.first, o.supervised_first):
            assert np.array_equal(o.pool[order], o.pool_sorted)
        assert np.array_equal(o.starts, np.concatenate(([True], o.pool_sorted[1:] != o.pool_sorted[:-1])))
