"""The five network layers of the brief, built from the scenario and the seed.

Each layer is a networkx graph (so it can be drawn, inspected and exported) and the index arrays the daily loop
uses (so a simulated day never walks a graph). The small layers are built as graphs and read into arrays; the large
ones (the service grid, the work groups, a county's 200,000 households' ties) are built as arrays, and their graphs
are made on request (``Structure.service_grid``, ``Structure.resident_ties``, ``WorkGroups.graph``):

- hierarchy   (DiGraph): department -> township -> village -> cadre, plus department -> cadre "line" edges (条线):
  which cadre receives what a department sends down.
- service grid (Graph): cadre -- household; the cadre a household's request goes to.
- work groups (bipartite Graph): cadre -- chat group; which cadre sees which message. Groups sit at three levels
  (county: departments' and campaigns' groups; township; village), and a group's children one level down are
  where its notices are forwarded (``WorkGroups.children``).
- data systems (DiGraph): department -> system -> data field; who asks for which household field.
- resident ties (Graph, per village): household -- household; word of mouth, 12345 habits, self-organisation.

All randomness comes from the model's "network" stream; networkx generators get integer seeds drawn from it (the
residents' small worlds are networkx's Watts-Strogatz graphs for those seeds, generated in array code:
``watts_strogatz_edges``).
"""

from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sp


@dataclass
class Structure:
    """Everything fixed at set-up: who is where, who covers which department, which network edge exists."""

    n_townships: int
    n_villages: int
    n_cadres: int
    n_households: int
    n_departments: int
    village_township: np.ndarray          # [V] township of each village
    cadre_township: np.ndarray            # [C]
    cadre_village: np.ndarray             # [C] village of a village cadre; -1 for township cadres
    cadre_liaison_village: np.ndarray     # [C] the village a cadre serves (包村 for township cadres)
    covers: np.ndarray                    # [C, D] bool: cadre is on department d's line
    household_village: np.ndarray         # [H]
    household_township: np.ndarray        # [H]
    household_cadre: np.ndarray           # [H] the grid cadre serving the household
    village_households: np.ndarray        # [V] households per village
    # data systems
    system_department: np.ndarray         # [S]
    system_fields: np.ndarray             # [S, fields_per_system] field ids
    system_has_memory: np.ndarray         # [S] bool
    field_rank: np.ndarray                # [F] popularity rank (0 = asked by most systems)
    field_momentary: np.ndarray           # [F] bool: a fact of the moment, never reusable
    # resident ties
    tie_indptr: np.ndarray                # CSR of household ties (within villages)
    tie_indices: np.ndarray
    # graphs, for drawing and inspection
    hierarchy: nx.DiGraph = field(repr=False)
    data_systems: nx.DiGraph = field(repr=False)

    @property
    def service_grid(self) -> nx.Graph:
        """The cadre--household grid as a bipartite graph, built on request: the daily loop routes requests with
        `household_cadre` (the same edges), and 200,000 household nodes cost ~2 s to build in networkx."""
        g = nx.Graph()
        g.add_nodes_from((("cadre", c) for c in range(self.n_cadres)), kind="cadre")
        g.add_edges_from((("cadre", c), ("household", h)) for h, c in enumerate(self.household_cadre.tolist()))
        return g

    @property
    def resident_ties(self) -> nx.Graph:
        """Households' ties (within villages) as a networkx graph, built on request from the CSR the loop uses."""
        H = self.n_households
        return nx.from_scipy_sparse_array(sp.csr_matrix((np.ones(len(self.tie_indices)), self.tie_indices,
                                                         self.tie_indptr), shape=(H, H)))

    @property
    def is_village_cadre(self) -> np.ndarray:
        return self.cadre_village >= 0

    def line_cadres(self, department: int, level: str) -> np.ndarray:
        """Cadres on a department's line at one level ('township' or 'village'), from the hierarchy graph."""
        mask = self.covers[:, department] & (self.is_village_cadre if level == "village" else ~self.is_village_cadre)
        return np.flatnonzero(mask)


def build_structure(cfg, rng: np.random.Generator) -> Structure:
    sc = cfg.scenario
    n_dep = len(cfg.departments)
    T, Vt = sc.townships, sc.villages_per_township
    V = T * Vt
    village_township = np.repeat(np.arange(T), Vt)

    # ---- cadres and their department lines ------------------------------------------------------------------
    cadre_township, cadre_village, liaison_village = [], [], []
    covers_rows = []
    L = cfg.hierarchy.township_liaisons_per_department
    for t in range(T):
        nt = sc.township_cadres
        # township cadres: each department gets L liaisons, dealt round-robin over a shuffled cadre order so the
        # lines spread evenly (every cadre covers ~ D*L/nt departments)
        cov = np.zeros((nt, n_dep), dtype=bool)
        order = rng.permutation(nt)
        slot = 0
        for d in range(n_dep):
            for _ in range(L):
                cov[order[slot % nt], d] = True
                slot += 1
        for i in range(nt):
            cadre_township.append(t)
            cadre_village.append(-1)
            liaison_village.append(t * Vt + (i % Vt))  # 包村: each township cadre is attached to one village
            covers_rows.append(cov[i])
        for vi in range(Vt):
            v = t * Vt + vi
            nv = sc.village_cadres_per_village
            # village cadres: each department has exactly one line cadre per village (one committee member
            # receives everything from that department)
            cov = np.zeros((nv, n_dep), dtype=bool)
            dept_order = rng.permutation(n_dep)
            for k, d in enumerate(dept_order):
                cov[k % nv, d] = True
            for i in range(nv):
                cadre_township.append(t)
                cadre_village.append(v)
                liaison_village.append(v)
                covers_rows.append(cov[i])
    cadre_township = np.asarray(cadre_township, dtype=np.int32)
    cadre_village = np.asarray(cadre_village, dtype=np.int32)
    liaison_village = np.asarray(liaison_village, dtype=np.int32)
    covers = np.vstack(covers_rows)
    C = len(cadre_township)

    hierarchy = nx.DiGraph()
    for d, dep in enumerate(cfg.departments):
        hierarchy.add_node(("department", d), kind="department", name=dep.name, zh=dep.zh)
    for t in range(T):
        hierarchy.add_node(("township", t), kind="township")
        for d in range(n_dep):
            hierarchy.add_edge(("department", d), ("township", t), kind="command")
    for v in range(V):
        hierarchy.add_node(("village", v), kind="village")
        hierarchy.add_edge(("township", int(village_township[v])), ("village", v), kind="command")
    for c in range(C):
        hierarchy.add_node(("cadre", c), kind="cadre", village_cadre=bool(cadre_village[c] >= 0))
        parent = ("village", int(cadre_village[c])) if cadre_village[c] >= 0 else ("township", int(cadre_township[c]))
        hierarchy.add_edge(parent, ("cadre", c), kind="member")
        for d in np.flatnonzero(covers[c]):
            hierarchy.add_edge(("department", int(d)), ("cadre", c), kind="line")
    # the daily loop reads the line edges back from the graph, so the graph is the single source of who covers what
    covers_from_graph = np.zeros_like(covers)
    for (src, dst, kind) in hierarchy.edges(data="kind"):
        if kind == "line":
            covers_from_graph[dst[1], src[1]] = True
    covers = covers_from_graph

    # ---- households and the service grid --------------------------------------------------------------------
    H_t = sc.households_per_township
    # split a township's households over its villages as evenly as possible
    base, extra = divmod(H_t, Vt)
    per_village = np.array([base + (1 if i < extra else 0) for i in range(Vt)] * T, dtype=np.int64)
    household_village = np.repeat(np.arange(V), per_village).astype(np.int32)
    H = len(household_village)
    household_township = village_township[household_village].astype(np.int32)
    # each village's households are split into grids (网格), one per cadre serving the village: its village
    # cadres and the township cadres attached to it
    household_cadre = np.empty(H, dtype=np.int32)
    starts = np.concatenate([[0], np.cumsum(per_village)])
    servers_by_village = [np.flatnonzero(liaison_village == v) for v in range(V)]
    for v in range(V):
        servers = servers_by_village[v]
        n = per_village[v]
        grid = rng.permutation(np.arange(n) % len(servers))
        household_cadre[starts[v]:starts[v + 1]] = servers[grid]

    # ---- data systems ---------------------------------------------------------------------------------------
    dr = cfg.data_reports
    F = dr.fields
    field_weight = 1.0 / np.arange(1, F + 1) ** dr.field_popularity_exponent
    field_weight /= field_weight.sum()
    system_department = np.concatenate(
        [np.full(dep.systems, d, dtype=np.int32) for d, dep in enumerate(cfg.departments)]
    ) if sum(dep.systems for dep in cfg.departments) else np.zeros(0, dtype=np.int32)
    S = len(system_department)
    system_fields = np.zeros((S, dr.fields_per_system), dtype=np.int32)
    for s in range(S):
        system_fields[s] = rng.choice(F, size=dr.fields_per_system, replace=False, p=field_weight)
    system_has_memory = rng.random(S) < dr.systems_with_memory_share
    field_momentary = rng.random(F) < dr.momentary_field_share
    data_systems = nx.DiGraph()
    for s in range(S):
        data_systems.add_edge(("department", int(system_department[s])), ("system", s))
        for f in system_fields[s]:
            data_systems.add_edge(("system", s), ("field", int(f)))

    # ---- resident ties: a small world within each village (or, to test what the structure does, a random
    # regular graph of the same degree: no clustering, short paths) ---------------------------------------------
    k = cfg.residents.ties_per_household
    small_world = cfg.residents.ties_structure == "small_world"
    rows, cols = [], []
    for v in range(V):
        n = int(per_village[v])
        if k >= 2 and n > k:
            seed = int(rng.integers(2**31 - 1))  # one draw per village either way: the other streams stay put
            if small_world:
                e = watts_strogatz_edges(n, k, cfg.residents.ties_rewire, seed)
            else:  # WS's degree: k//2 neighbours a side
                e = np.asarray(nx.random_regular_graph(k - k % 2, n, seed=seed).edges(), dtype=np.int64)
            e = e.reshape(-1, 2) + starts[v]
            rows.append(e[:, 0])
            cols.append(e[:, 1])
    if rows:
        r = np.concatenate(rows)
        c_ = np.concatenate(cols)
        adj = sp.coo_matrix((np.ones(len(r) * 2, dtype=np.int8), (np.r_[r, c_], np.r_[c_, r])), shape=(H, H)).tocsr()
    else:
        adj = sp.csr_matrix((H, H), dtype=np.int8)

    return Structure(
        n_townships=T, n_villages=V, n_cadres=C, n_households=H, n_departments=n_dep,
        village_township=village_township.astype(np.int32), cadre_township=cadre_township,
        cadre_village=cadre_village, cadre_liaison_village=liaison_village, covers=covers,
        household_village=household_village, household_township=household_township,
        household_cadre=household_cadre, village_households=per_village,
        system_department=system_department, system_fields=system_fields, system_has_memory=system_has_memory,
        field_rank=np.arange(F), field_momentary=field_momentary, tie_indptr=adj.indptr, tie_indices=adj.indices,
        hierarchy=hierarchy, data_systems=data_systems,
    )


def watts_strogatz_edges(n: int, k: int, p: float, seed: int) -> np.ndarray:
    """The edges of ``networkx.watts_strogatz_graph(n, k, p, seed=seed)`` (for n > k) as an [E, 2] array: the same
    graph, drawn from the same stream of random numbers, in array code (networkx builds a graph of dicts edge by
    edge: 1.2 s of a county's build for 200,000 households; this takes about an eighth of that).

    networkx visits the ring lattice's edges (u, u + j) for j = 1..k//2 and u = 0..n-1, draws ``random() < p`` for
    each and, for the few that rewire, draws new ends with ``choice`` until one is neither u nor a neighbour. Here
    every ``random()`` of the stream is computed at once from the Mersenne Twister's 32-bit words (two words each,
    CPython's formula), so only the rewired edges are visited one by one. ``tests/test_networks.py`` checks the
    edge sets are identical to networkx's."""
    if not n > k >= 2:
        raise ValueError(f"watts_strogatz_edges needs n > k >= 2 (got n={n}, k={k})")
    half = k // 2
    n_edges = n * half                       # the lattice's edges, in networkx's visiting order e = (j - 1) n + u
    rand = random.Random(seed)               # what networkx makes of an integer seed
    shift = 32 - n.bit_length()              # choice(range(n)): getrandbits(bit_length) = word >> shift, below n
    words = np.zeros(0, dtype=np.uint64)
    picks: list[int] = []                    # each word as choice would read it
    hits: tuple[list, list] = ([], [])      # word offsets (even, odd) where a random() below p would start

    def supply(upto: int) -> None:
        nonlocal words, picks, hits
        more = max(upto - len(words), len(words)) + 256
        new = np.frombuffer(rand.getrandbits(32 * more).to_bytes(4 * more, "little"), dtype="<u4")
        words = np.concatenate([words, new.astype(np.uint64)])
        picks = (words >> np.uint64(shift)).tolist()
        x = ((words[:-1] >> 5) * 67108864.0 + (words[1:] >> 6)) * (1.0 / 9007199254740992.0)  # random()
        at = np.flatnonzero(x < p)
        hits = (at[at % 2 == 0].tolist(), at[at % 2 == 1].tolist())

    def choose() -> int:
        """random.choice(range(n)): getrandbits(bit_length), drawn again until it is below n."""
        nonlocal offset
        while True:
            if offset >= len(picks):
                supply(offset + 1)
            w = picks[offset]
            offset += 1
            if w < n:
                return w

    removed: dict[int, int] = {}             # lattice edges rewired away (low * n + high -> visiting order)
    added: set[int] = set()                  # edges rewired to

    def has_edge(a: int, b: int) -> bool:
        key = a * n + b if a < b else b * n + a
        d = (b - a) % n
        return ((0 < d <= half or n - d <= half) and key not in removed) or key in added

    degree = [2 * half] * n
    offset, e = 0, 0
    supply(2 * n_edges + 4 * int(n_edges * p) + 2)
    while e < n_edges:
        if offset + 2 * (n_edges - e) + 2 > len(picks):
            supply(offset + 2 * (n_edges - e) + 2)   # every random() still to come
        found = hits[offset % 2]
        i = bisect_left(found, offset)
        if i == len(found):
            break
        e += (found[i] - offset) // 2            # the edges between are kept, two words each
        if e >= n_edges:
            break
        offset = found[i] + 2
        u = e % n
        v = (u + e // n + 1) % n
        w = choose()                             # from here on, networkx's own loop
        while w == u or has_edge(u, w):
            w = choose()
            if degree[u] >= n - 1:
                break                            # u already knows everyone: this edge is not rewired
        else:
            removed[u * n + v if u < v else v * n + u] = e
            key = u * n + w if u < w else w * n + u
            if key in removed:
                del removed[key]                 # a lattice edge rewired away earlier, rewired back
            else:
                added.add(key)
            degree[v] -= 1
            degree[w] += 1
        e += 1
    first = np.tile(np.arange(n), half)
    second = (first + np.repeat(np.arange(1, half + 1), n)) % n
    kept = np.ones(n_edges, dtype=bool)
    kept[np.fromiter(removed.values(), dtype=np.int64, count=len(removed))] = False
    extra = np.fromiter(added, dtype=np.int64, count=len(added))
    return np.concatenate([np.column_stack([first, second])[kept], np.column_stack([extra // n, extra % n])])


@dataclass
class WorkGroups:
    """The bipartite cadre--chat-group network. A group has an owner (who posts notices in it), a level (county,
    township, village) and children one level down: the groups a notice seen in it is forwarded into."""

    membership: sp.csr_matrix            # [C, G] 1 if the cadre is in the group
    group_owner: np.ndarray               # [G] owner id (index into owner tables)
    group_start: np.ndarray               # [G] first day the group is active
    group_end: np.ndarray                 # [G] last day (exclusive)
    owner_groups: np.ndarray              # [O, max_groups] group ids per owner, -1 padded
    owner_n_groups: np.ndarray            # [O]
    owner_township: np.ndarray            # [O]
    owner_kind: np.ndarray                # [O] 0 department, 1 township, 2 village, 3 campaign
    owner_village: np.ndarray             # [O] the village of a village owner; -1 for the others
    group_level: np.ndarray               # [G] LEVEL_COUNTY, LEVEL_TOWNSHIP or LEVEL_VILLAGE
    group_village: np.ndarray             # [G] the village of a village group; -1 for the others
    children: sp.csr_matrix               # [G, G] 1 if the second group sits one level below the first

    @property
    def graph(self) -> nx.Graph:
        """The cadre--group network as a bipartite networkx graph, built on request (for drawing and inspection;
        the daily loop reads `membership`, the same edges)."""
        graph = nx.Graph()
        C, G = self.membership.shape
        coo = self.membership.tocoo()
        graph.add_nodes_from((("cadre", c) for c in range(C)), bipartite=0)
        graph.add_nodes_from(((("group", g), {"level": int(self.group_level[g])}) for g in range(G)), bipartite=1)
        graph.add_edges_from(zip((("cadre", int(c)) for c in coo.row), (("group", int(g)) for g in coo.col)))
        return graph

    def groups_per_cadre(self, day: int) -> np.ndarray:
        active = (self.group_start <= day) & (day < self.group_end)
        return np.asarray(self.membership[:, active].sum(axis=1)).ravel()


OWNER_DEPARTMENT, OWNER_TOWNSHIP, OWNER_VILLAGE, OWNER_CAMPAIGN = 0, 1, 2, 3
LEVEL_COUNTY, LEVEL_TOWNSHIP, LEVEL_VILLAGE = 0, 1, 2
OWNER_LEVEL = {OWNER_DEPARTMENT: LEVEL_COUNTY, OWNER_CAMPAIGN: LEVEL_COUNTY, OWNER_TOWNSHIP: LEVEL_TOWNSHIP,
               OWNER_VILLAGE: LEVEL_VILLAGE}


def build_workgroups(cfg, st: Structure, rng: np.random.Generator, campaigns, merged, fold_campaigns):
    """Chat groups per township: each department's (or, merged, each remit's), the township's, each village's,
    and one per special campaign (unless folded into the departments' groups).

    `campaigns` is a list of (township, start_day, owner_department); `merged` and `fold_campaigns` are a bool or
    one per township (the townships that apply merge_workgroups). Membership draws are made for every
    department group even when groups are merged, so the draws are the same with and without the reform.
    The hierarchy the notices are forwarded down (county group -> township groups -> village groups): a county-level
    group's children are its township's groups; a township group's children are the groups of its villages.
    """
    ch = cfg.chat
    days = int(cfg.scenario.warmup_days) + cfg.scenario.days  # simulated in all
    remits = sorted({d.remit for d in cfg.departments})
    dep_remit = np.array([remits.index(d.remit) for d in cfg.departments])
    rows, cols = [], []
    owner_kind, owner_township, owner_village, group_owner, group_start, group_end = [], [], [], [], [], []
    owner_groups: list[list[int]] = []

    def new_owner(kind, t, v=-1):
        owner_kind.append(kind)
        owner_township.append(t)
        owner_village.append(v)
        owner_groups.append([])
        return len(owner_kind) - 1

    def new_group(owner, members, start=0, end=days + 1):
        g = len(group_owner)
        group_owner.append(owner)
        group_start.append(start)
        group_end.append(end)
        owner_groups[owner].append(g)
        rows.extend(members)
        cols.extend([g] * len(members))
        return g

    dept_owner = np.zeros((st.n_townships, st.n_departments), dtype=np.int64)
    for t in range(st.n_townships):
        in_t = np.flatnonzero(st.cadre_township == t)
        # membership of each department's groups (drawn for all departments whether merged or not)
        dep_members = []
        # township and village cadres are pulled in at their own rates: the published counts differ by role
        # (a township welfare post 60+ groups, a village cadre 40-50)
        beyond_line = np.where(st.cadre_village[in_t] < 0, ch.other_department_membership_township,
                               ch.other_department_membership_village)
        for d in range(st.n_departments):
            per_group = []
            for _ in range(ch.groups_per_department):
                pulled = in_t[rng.random(len(in_t)) < beyond_line]
                line = in_t[st.covers[in_t, d]]
                per_group.append(np.union1d(line, pulled))
            dep_members.append(per_group)
        if np.broadcast_to(merged, st.n_townships)[t]:  # merged in this township (a bool, or one per township)
            for r in range(len(remits)):
                deps = np.flatnonzero(dep_remit == r)
                o = new_owner(OWNER_DEPARTMENT, t)
                dept_owner[t, deps] = o
                if ch.groups_per_department > 0:  # no department groups to merge: none after merging either
                    members = np.unique(np.concatenate([m for d in deps for m in dep_members[d]]))
                    new_group(o, members.tolist())
        else:
            for d in range(st.n_departments):
                o = new_owner(OWNER_DEPARTMENT, t)
                dept_owner[t, d] = o
                for members in dep_members[d]:
                    new_group(o, members.tolist())
        o = new_owner(OWNER_TOWNSHIP, t)
        for _ in range(ch.township_groups):
            new_group(o, in_t.tolist())
        for v in np.flatnonzero(st.village_township == t):
            o = new_owner(OWNER_VILLAGE, t, int(v))
            members = np.flatnonzero(st.cadre_liaison_village == v)
            for _ in range(ch.village_groups):
                new_group(o, members.tolist())
    campaign_owner = []
    for (t, start, dep) in campaigns:
        in_t = np.flatnonzero(st.cadre_township == t)
        members = in_t[rng.random(len(in_t)) < 0.5]
        if np.broadcast_to(fold_campaigns, st.n_townships)[t]:
            campaign_owner.append(-1)  # its notices go to the department's own groups
            continue
        o = new_owner(OWNER_CAMPAIGN, t)
        campaign_owner.append(o)
        new_group(o, members.tolist(), start, min(days + 1, start + ch.campaign_days))

    G = len(group_owner)
    group_owner_a = np.asarray(group_owner, dtype=np.int64)
    owner_kind_a, owner_township_a = np.asarray(owner_kind), np.asarray(owner_township)
    owner_village_a = np.asarray(owner_village, dtype=np.int64)
    group_level = np.array([OWNER_LEVEL[k] for k in owner_kind_a[group_owner_a]], dtype=np.int64).reshape(G)
    group_village = owner_village_a[group_owner_a] if G else np.zeros(0, dtype=np.int64)
    group_township = owner_township_a[group_owner_a] if G else np.zeros(0, dtype=np.int64)
    # parent -> child edges: same township, one level down
    parents, kids = [], []
    for lvl in (LEVEL_COUNTY, LEVEL_TOWNSHIP):
        for t in range(st.n_townships):
            up = np.flatnonzero((group_level == lvl) & (group_township == t))
            down = np.flatnonzero((group_level == lvl + 1) & (group_township == t))
            parents.append(np.repeat(up, len(down)))
            kids.append(np.tile(down, len(up)))
    pe = np.concatenate(parents) if parents else np.zeros(0, dtype=np.int64)
    ke = np.concatenate(kids) if kids else np.zeros(0, dtype=np.int64)
    children = sp.csr_matrix((np.ones(len(pe)), (pe, ke)), shape=(G, G))
    membership = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float64), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
        shape=(st.n_cadres, G),
    )
    membership.sum_duplicates()
    membership.data[:] = 1.0
    max_g = max((len(x) for x in owner_groups), default=1)
    og = np.full((len(owner_groups), max_g), -1, dtype=np.int64)
    for o, gs in enumerate(owner_groups):
        og[o, :len(gs)] = gs
    wg = WorkGroups(
        membership=membership, group_owner=group_owner_a, group_start=np.asarray(group_start),
        group_end=np.asarray(group_end), owner_groups=og, owner_n_groups=np.array([len(x) for x in owner_groups]),
        owner_township=owner_township_a, owner_kind=owner_kind_a, owner_village=owner_village_a,
        group_level=group_level, group_village=group_village, children=children,
    )
    return wg, dept_owner, campaign_owner
