"""Networks that matter: a layer's structure, not only its size, enters the mechanisms that use it.

Work groups: notices are forwarded down the group hierarchy (county group -> township groups -> village groups) by
the cadres who see them, so who sits in which group, and which group sits below which, sets the copies a cadre
sees. Resident ties: word of mouth travels them, so rewiring a village's ties from a small world to a random graph
of the same degree moves how far views spread apart (not their mean; see docs/ODD.md on what does not move).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.config import ConfigError, load_config
from sim.model.model import GrassrootsModel
from sim.model.networks import LEVEL_COUNTY, LEVEL_TOWNSHIP, LEVEL_VILLAGE, build_structure
from sim.model.offices import chat as chat_module
from sim.model.offices.chat import SRC_DEPARTMENT, SRC_TOWNSHIP
from sim.model.streams import Streams

CLASSROOM = ("scenario=classroom",)


def model(*overrides: str) -> GrassrootsModel:
    return GrassrootsModel(load_config(list(CLASSROOM) + list(overrides)))


def deliver_days(m: GrassrootsModel, days) -> list[np.ndarray]:
    """Only the chat office, day by day (it reads nothing else of the model); each day's removed hours."""
    removed = []
    for day in days:
        m.calendar.day = m.tally.today = day
        m.chat.deliver()
        removed.append(m.chat.removed_hours_today.copy())
    return removed


def notices(m: GrassrootsModel, kind: int, per_source: int = 200, seed: int = 1):
    """Many notices of one kind of source, with the uniforms `_copies` reads."""
    ch = m.chat
    src = np.repeat(np.flatnonzero(ch.src_kind == kind), per_source)
    rng = np.random.default_rng(seed)
    N = len(src)
    u = (rng.random(N), rng.random((N, ch.fwd_town.shape[1])), rng.random(N),
         rng.random((N, ch.fwd_village.shape[1])), rng.random((N, ch.fwd_village.shape[1])))
    return src, u


def copies_per_group(m: GrassrootsModel, net, src, u) -> np.ndarray:
    """Copies of the notices in each group, by the model's own cascade (``ChatOffice._copies_seen``), read with
    each group as the only member of itself (the cadres' memberships still decide who forwards)."""
    C, G = net.member.shape
    rows = np.vstack([net.member, np.zeros((max(G - C, 0), G), dtype=bool)])  # room for G "members"
    one_each = dataclasses.replace(net, member=rows, group_ptr=np.arange(G + 1, dtype=np.int32),
                                   group_cadres=np.arange(G, dtype=np.int32))
    return m.chat._copies_seen(one_each, src, np.zeros(len(src), dtype=np.int64), u)[:G, 0]


def copies_by_level(m: GrassrootsModel, kind: int, net=None) -> np.ndarray:
    net = net or m.chat.net
    src, u = notices(m, kind)
    return np.bincount(net.groups.group_level, weights=copies_per_group(m, net, src, u), minlength=3)


def seen(m: GrassrootsModel, net, kind: int) -> float:
    """Copies the cadres see of the same notices in a network (each copy counts once per member)."""
    src, u = notices(m, kind)
    return float(m.chat._copies_seen(net, src, np.zeros(len(src), dtype=np.int64), u).sum())


# ---- work groups: the hierarchy is in the built network ----------------------------------------------------------

def test_work_groups_record_their_level_and_the_groups_below_them():
    g = model().chat.groups
    children = g.children.tocsr()
    for parent in range(len(g.group_owner)):
        kids = children.indices[children.indptr[parent]:children.indptr[parent + 1]]
        if g.group_level[parent] == LEVEL_VILLAGE:
            assert len(kids) == 0
        else:
            assert len(kids) and (g.group_level[kids] == g.group_level[parent] + 1).all()
    assert set(np.unique(g.group_level)) == {LEVEL_COUNTY, LEVEL_TOWNSHIP, LEVEL_VILLAGE}


def test_department_notices_reach_village_groups_only_through_a_forward():
    forwarding = copies_by_level(model(), SRC_DEPARTMENT)
    assert forwarding[LEVEL_TOWNSHIP] > 0 and forwarding[LEVEL_VILLAGE] > 0
    # no village cadre forwards: no department notice in a village group
    assert copies_by_level(model("chat.forward_to_village_share=0"), SRC_DEPARTMENT)[LEVEL_VILLAGE] == 0
    # no township cadre forwards: nothing reaches the township's groups, so nothing below them either
    none = copies_by_level(model("chat.forward_to_township_share=0", "chat.forward_to_village_share=1"),
                           SRC_DEPARTMENT)
    assert none[LEVEL_TOWNSHIP] == 0 and none[LEVEL_VILLAGE] == 0
    # township notices go down the same way
    assert copies_by_level(model("chat.forward_to_village_share=0"), SRC_TOWNSHIP)[LEVEL_VILLAGE] == 0
    assert copies_by_level(model(), SRC_TOWNSHIP)[LEVEL_VILLAGE] > 0


def test_forwarding_needs_the_forwarder_in_the_group_above():
    """Take the village cadres out of the township groups: they no longer see what is forwarded there, and no
    notice reaches a village group although every one of them would forward it."""
    m = model("chat.forward_to_township_share=1", "chat.forward_to_village_share=1")
    net = m.chat.net
    assert copies_by_level(m, SRC_DEPARTMENT, net)[LEVEL_VILLAGE] > 0
    member = net.member.copy()
    village_cadres = m.structure.cadre_village >= 0
    member[np.ix_(village_cadres, net.groups.group_level == LEVEL_TOWNSHIP)] = False
    cut = dataclasses.replace(net, member=member)
    assert copies_by_level(m, SRC_DEPARTMENT, cut)[LEVEL_VILLAGE] == 0
    assert copies_by_level(m, SRC_TOWNSHIP, cut)[LEVEL_VILLAGE] == 0


def test_merged_groups_forwarded_once_make_fewer_copies_of_the_same_notices():
    m = model("reform=[merge_workgroups]")
    merged, unmerged = m.chat.net, m.chat.base
    assert merged is not unmerged and merged.dedupe and not unmerged.dedupe
    assert len(merged.groups.group_owner) < len(unmerged.groups.group_owner)
    for kind in (SRC_DEPARTMENT, SRC_TOWNSHIP):
        assert seen(m, merged, kind) < seen(m, unmerged, kind)
    # forwarded once: one copy at most per village and notice
    src, u = notices(m, SRC_DEPARTMENT)
    in_village = merged.groups.group_level == LEVEL_VILLAGE
    per_village = [np.bincount(merged.groups.group_village[in_village],
                               weights=copies_per_group(m, merged, src[i:i + 1], [x[i:i + 1] for x in u])[in_village])
                   for i in range(len(src))]
    assert max(c.max() for c in per_village) == 1 and sum(c.sum() for c in per_village) > 50


def test_the_unmerged_groups_kept_for_the_accounts_are_the_baseline_groups():
    base = model().chat.groups
    kept = model("reform=[merge_workgroups]").chat.base.groups
    assert (base.membership != kept.membership).nnz == 0
    assert (base.children != kept.children).nnz == 0


# ---- what the chat reforms removed -------------------------------------------------------------------------------

def test_removed_hours_are_zero_without_the_chat_reforms():
    for overrides in ((), ("reform=[rest_rights]",)):
        m = model(*overrides)
        assert not m.chat.measure_removed
        for r in deliver_days(m, range(14)):
            assert not r.any()


@pytest.mark.parametrize("reform", ["merge_workgroups", "no_instant_reply"])
def test_removed_hours_are_positive_with_each_chat_reform(reform):
    m = model(f"reform=[{reform}]", f"reform.{reform}.backsliding=0")  # the one township applies it throughout
    removed = np.sum(deliver_days(m, range(28)), axis=0)
    assert removed.sum() > 0
    assert removed.mean() > 0.01 * 28  # at least a minute or so a cadre-day


def test_removed_hours_are_the_difference_from_the_baseline_hours():
    """The baseline's message hours less the reform's, over the same days (the same drawn notices)."""
    days = range(7, 35)  # four whole weeks: what no_instant_reply defers comes back within them
    base, reformed = model(), model("reform=[merge_workgroups,no_instant_reply]")
    hours = {}
    for name, m in (("base", base), ("reformed", reformed)):
        total, removed = 0.0, 0.0
        for day in days:
            m.calendar.day = m.tally.today = day
            h, _ = m.chat.deliver()
            total += h.sum()
            removed += m.chat.removed_hours_today.sum()
        hours[name] = (total, removed)
    assert hours["base"][1] == 0
    # deferred minutes cross the window's edges, so allow a little
    assert hours["reformed"][1] == pytest.approx(hours["base"][0] - hours["reformed"][0], rel=0.05)


# ---- resident ties ---------------------------------------------------------------------------------------------

def test_random_ties_have_the_small_worlds_degree_and_no_clustering():
    import networkx as nx
    import scipy.sparse as sp

    out = {}
    for structure in ("small_world", "random"):
        cfg = load_config(list(CLASSROOM) + [f"residents.ties_structure={structure}"])
        st = build_structure(cfg, Streams(cfg.seed)["network"])
        adj = sp.csr_matrix((np.ones(len(st.tie_indices)), st.tie_indices, st.tie_indptr))
        first = np.flatnonzero(st.household_village == 0)
        g = nx.from_scipy_sparse_array(adj[first][:, first])
        out[structure] = (adj.nnz, nx.average_clustering(g))
    assert out["random"][0] == out["small_world"][0]  # the same number of ties
    assert out["random"][1] < out["small_world"][1] / 3


def test_a_bad_ties_structure_stops_with_one_message_naming_the_allowed_values():
    with pytest.raises(ConfigError) as err:
        load_config(list(CLASSROOM) + ["residents.ties_structure=lattice"])
    msg = str(err.value)
    assert "residents.ties_structure" in msg and "small_world" in msg and "random" in msg
    assert "\n" not in msg


# ---- rewiring a layer at equal size, paired seeds --------------------------------------------------------------

def paired(outcome, a: tuple[str, ...], b: tuple[str, ...], seeds) -> tuple[float, float]:
    """The mean paired difference b - a over seeds, and its standard error."""
    d = np.array([outcome(b, s) - outcome(a, s) for s in seeds])
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))


def view_spread(overrides: tuple[str, ...], seed: int) -> float:
    """How far households' views of the service lie apart at the end of a run (sd over households with a view)."""
    from sim.experiments.run import run_simulation

    _, _, m = run_simulation(load_config(["scenario=township", f"seed={seed}", *overrides]))
    s = m.households.satisfaction
    return float(np.nanstd(s))


@pytest.mark.slow
def test_rewiring_the_resident_ties_at_equal_degree_moves_the_spread_of_views():
    """Word of mouth averages views over the ties; a random graph mixes faster than a clustered small world, so
    views lie closer together. (Their mean does not move: averaging keeps it; docs/ODD.md says so.)"""
    diff, se = paired(view_spread, ("residents.ties_structure=small_world",),
                      ("residents.ties_structure=random",), range(4))
    print(f"\n[ties] sd of views, random - small world: {diff:+.5f} (se {se:.5f})")
    assert diff < 0 and abs(diff) > 4 * se


def rewire_memberships(groups, rng, level=LEVEL_COUNTY, swaps_per_edge=10):
    """The same groups, each cadre in as many of them and each group as large, but who sits in which county-level
    group rewired at random (double-edge swaps on the bipartite cadre--group graph)."""
    import scipy.sparse as sp

    member = groups.membership.toarray() > 0
    cols = np.flatnonzero(groups.group_level == level)
    sub = member[:, cols]
    c, g = np.nonzero(sub)
    E = len(c)
    for _ in range(swaps_per_edge * E):
        i, j = rng.integers(E, size=2)
        if c[i] == c[j] or g[i] == g[j] or sub[c[i], g[j]] or sub[c[j], g[i]]:
            continue
        sub[c[i], g[i]] = sub[c[j], g[j]] = False
        sub[c[i], g[j]] = sub[c[j], g[i]] = True
        g[i], g[j] = g[j], g[i]
    member[:, cols] = sub
    return dataclasses.replace(groups, membership=sp.csr_matrix(member.astype(float)))


def messages_per_cadre_day(overrides: tuple[str, ...], seed: int, rewire: bool = False) -> float:
    """Messages per cadre-day over the measured days (the chat office alone), the groups rewired or as built."""
    from unittest import mock

    built = chat_module.build_workgroups
    rng = np.random.default_rng(seed)

    def rewired(*args, **kwargs):
        groups, dept_owner, campaign_owner = built(*args, **kwargs)
        return rewire_memberships(groups, rng), dept_owner, campaign_owner

    with mock.patch.object(chat_module, "build_workgroups", rewired if rewire else built):
        m = GrassrootsModel(load_config(list(CLASSROOM) + [f"seed={seed}", *overrides]))
    deliver_days(m, range(m.warmup_days, m.days))
    return float(m.tally.total("messages") / m.structure.n_cadres / m.cfg.scenario.days)


@pytest.mark.slow
def test_rewiring_who_sits_in_the_department_groups_moves_the_messages():
    """Rewire the county-level groups' memberships at equal size (every cadre in as many groups, every group as
    large): line cadres are no longer sure to sit in their department's groups, fewer see a notice to forward it,
    and the copies forwarded into the township's all-staff groups fall."""
    diff, se = paired(lambda o, s: messages_per_cadre_day((), s, rewire=bool(o)), (), ("rewired",), range(4))
    print(f"\n[work groups] messages per cadre-day, rewired - built: {diff:+.2f} (se {se:.2f})")
    assert diff < 0 and abs(diff) > 4 * se


@pytest.mark.parametrize(("n", "k", "p"), [(7, 6, 0.5), (9, 8, 1.0), (10, 3, 0.3), (50, 4, 0.0), (50, 4, 1.0),
                                           (833, 6, 0.1), (200, 8, 0.7)])
def test_the_compiled_small_world_is_networkx_s_edge_for_edge(n, k, p):
    """The residents' ties are generated by a compiled loop from the same random draws networkx's Watts-Strogatz
    generator makes (a county's 200,000 households in a thirtieth of the time): the same edges for the same seed,
    including the corner where a node already knows everyone and networkx skips the rewiring."""
    import networkx as nx

    from sim.model.compiled import small_world

    for seed in (0, 1, 12345, 2**31 - 2):
        want = {tuple(sorted(e)) for e in nx.watts_strogatz_graph(n, k, p, seed=seed).edges()}
        got = small_world.watts_strogatz_edges(n, k, p, seed)
        assert len(got) == len(want) == n * (k // 2)
        assert {tuple(sorted(e)) for e in got.tolist()} == want


def test_the_work_group_graph_is_the_membership_drawn():
    """The cadre--group graph (built on request, for pictures) has the membership's edges and each group's level."""
    groups = model().chat.groups
    g = groups.graph
    C, G = groups.membership.shape
    assert g.number_of_edges() == groups.membership.nnz
    assert all(g.nodes[("group", i)]["level"] == groups.group_level[i] for i in range(G))
    assert sum(1 for n in g if n[0] == "cadre") == C


def test_resident_ties_graph_is_the_ties_the_loop_reads():
    st = model().structure
    g = st.resident_ties
    assert g.number_of_nodes() == st.n_households
    assert 2 * g.number_of_edges() == len(st.tie_indices)
    assert all(st.household_village[a] == st.household_village[b] for a, b in list(g.edges())[:500])
