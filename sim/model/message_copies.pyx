# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The copies a day's notices make in the work groups (``offices/chat.py``), compiled: one pass over the notices.

Written over whole arrays the cascade took some thirty numpy calls a day and a sparse product over every membership
(a county: about 1,200 copies of 600 notices a day, seen 34,000 times, against a product over 56,000 memberships x
12 cells). Here each notice walks its cascade and each copy is counted at once for every member of its group. The
copies are whole numbers, so the counts are the array version's whatever the order they are added in
(``tests/message_copies_reference.py`` keeps that version; ``tests/test_speed.py`` holds this one to it).
"""

import cython
import numpy as np

from libc.stdint cimport int32_t, int64_t

# a copy's cells (time x action x urgency), and the levels of networks.py (LEVEL_COUNTY, LEVEL_TOWNSHIP): the
# bit-for-bit test runs the array version on networks.py's own constants, so a change there shows
cdef enum:
    CELLS = 12
    LEVEL_COUNTY = 0
    LEVEL_TOWNSHIP = 1


cdef inline int64_t _pick(double u, int64_t n) noexcept nogil:
    """The column a uniform picks among n (numpy: ``min((u * n).astype(int64), max(n - 1, 0))``)."""
    cdef int64_t col = <int64_t>(u * n)
    cdef int64_t last = n - 1 if n > 1 else 0
    return col if col < last else last


cdef inline bint _seen(double[:, ::1] per_cadre, const int32_t[::1] group_ptr, const int32_t[::1] group_cadres,
                       int64_t group, int64_t cell) noexcept nogil:
    """One copy in `group`: each of its members sees it in `cell`. False if a member is not one of the cadres."""
    cdef int32_t j, c
    cdef int32_t n_cadres = <int32_t>per_cadre.shape[0]
    cdef bint ok = True
    for j in range(group_ptr[group], group_ptr[group + 1]):
        c = group_cadres[j]
        if 0 <= c < n_cadres:
            per_cadre[c, cell] += 1.0
        else:
            ok = False
    return ok


@cython.boundscheck(True)   # the networks' tables index one another: a bad index stops with an IndexError
cpdef object copies_seen(const int64_t[::1] src, const int64_t[::1] cell,
                         const double[::1] u_primary, const double[:, ::1] u_t, const double[::1] u_tchild,
                         const double[:, ::1] u_v, const double[:, ::1] u_vchild,
                         const int64_t[::1] src_n, const int64_t[:, ::1] src_groups, const int64_t[::1] group_level,
                         const int64_t[:, ::1] fwd_town, const int64_t[:, ::1] town_children,
                         const int64_t[:, ::1] fwd_village, const int64_t[:, ::1] fwd_village_of,
                         const int64_t[:, ::1] village_targets, const unsigned char[:, ::1] member,
                         const unsigned char[::1] once, const int32_t[::1] group_ptr, const int32_t[::1] group_cadres,
                         double forward_to_township, double forward_to_village, Py_ssize_t n_cadres):
    """[n_cadres, 12] copies each cadre sees today, by cell (`cell[i]`: notice i's time x action x urgency).

    Notice i (source `src[i]`) lands in one of its owner's groups (`u_primary`). From a county-level group each of
    the source's township line cadres (`fwd_town`) in that group forwards it with probability
    `forward_to_township` (`u_t`) into the group's township-level children (`town_children`): every one, or one
    (`u_tchild`) where `once` (deduplicated crossposts). From the township groups holding it (those it was forwarded
    into, or the one it landed in), the village cadre on its line in each village (`fwd_village`), if in one of
    them, forwards it with probability `forward_to_village` (`u_v`) into the village's groups below them
    (`village_targets`): every one, or one (`u_vchild`)."""
    cdef Py_ssize_t N = src.shape[0], n_town = fwd_town.shape[1], n_vill = fwd_village.shape[1]
    cdef Py_ssize_t k_town = town_children.shape[1], k_vill = village_targets.shape[1]
    if not (cell.shape[0] == N and u_primary.shape[0] == N and u_t.shape[0] == N and u_tchild.shape[0] == N
            and u_v.shape[0] == N and u_vchild.shape[0] == N and u_t.shape[1] == n_town
            and u_v.shape[1] == n_vill and u_vchild.shape[1] == n_vill and fwd_village_of.shape[1] == n_vill
            and group_ptr.shape[0] == group_level.shape[0] + 1):
        raise ValueError("the notices' draws and the network's tables do not match in length")
    out = np.zeros((n_cadres, CELLS), dtype=np.float64)
    cdef double[:, ::1] per_cadre = out
    cdef Py_ssize_t i, j, k, n_held
    cdef int64_t s, n, land, level, g, c, kid, n_kids, pick, v, forwarder
    cdef bint forwarded, sees, ok = True
    held = np.empty(k_town + 1, dtype=np.int64)
    cdef int64_t[::1] held_groups = held
    if group_level.shape[0] == 0:   # no groups at all: no copies
        return out
    for i in range(N):
        s = src[i]
        c = cell[i]
        if c < 0 or c >= CELLS:
            raise IndexError(f"notice {i}'s cell {c} is not one of the {CELLS}")
        n = src_n[s]
        if n <= 0:
            continue
        land = src_groups[s, _pick(u_primary[i], n)]
        level = group_level[land]    # (checked: a group the network does not have stops here)
        ok &= _seen(per_cadre, group_ptr, group_cadres, land, c)
        n_held = 0
        if level == LEVEL_COUNTY:
            # county -> township: does any of the source's township line cadres in this group forward it?
            forwarded = False
            for j in range(n_town):
                forwarder = fwd_town[s, j]
                if forwarder >= 0 and member[forwarder, land] and u_t[i, j] < forward_to_township:
                    forwarded = True
            if forwarded:
                n_kids = 0
                for k in range(k_town):
                    if town_children[land, k] >= 0:
                        n_kids += 1
                pick = _pick(u_tchild[i], n_kids) if once[i] else -1
                for k in range(k_town):
                    kid = town_children[land, k]
                    # (group_level is read to check the index, as for `land`)
                    if kid >= 0 and (pick < 0 or k == pick) and group_level[kid] >= 0:
                        ok &= _seen(per_cadre, group_ptr, group_cadres, kid, c)
                        held_groups[n_held] = kid
                        n_held += 1
        elif level == LEVEL_TOWNSHIP:
            held_groups[0] = land
            n_held = 1
        if n_held == 0:
            continue
        # township -> village: in each village, its cadre on the line forwards it if in a group holding it
        for j in range(n_vill):
            forwarder = fwd_village[s, j]
            if forwarder < 0:
                continue
            sees = False
            for k in range(n_held):
                if member[forwarder, held_groups[k]]:
                    sees = True
                    break
            if not (sees and u_v[i, j] < forward_to_village):
                continue
            v = fwd_village_of[s, j]
            if v < 0:
                v = 0
            n_kids = 0
            for k in range(k_vill):
                if village_targets[v, k] >= 0:
                    n_kids += 1
            pick = _pick(u_vchild[i, j], n_kids) if once[i] else -1
            for k in range(k_vill):
                g = village_targets[v, k]
                if g >= 0 and (pick < 0 or k == pick) and group_level[g] >= 0:
                    ok &= _seen(per_cadre, group_ptr, group_cadres, g, c)
    if not ok:
        raise IndexError(f"a work group's member is not one of the {n_cadres} cadres")
    return out


cdef class Cascade:
    """One work-group network's tables as ``copies_seen`` walks them (``offices/chat.py``), held once: a day's
    delivery then passes only its notices and their draws (taking a typed view of each of some twenty arrays a day
    cost more than many a day's cascade). `dedupe[t]`: notices of township t's sources are forwarded once, into one
    group at each level (`src_township[s]`: source s's township)."""

    cdef const int64_t[::1] src_n, group_level, src_township
    cdef const int64_t[:, ::1] src_groups, fwd_town, town_children, fwd_village, fwd_village_of, village_targets
    cdef const unsigned char[:, ::1] member
    cdef const unsigned char[::1] dedupe
    cdef const int32_t[::1] group_ptr, group_cadres
    cdef double forward_to_township, forward_to_village
    cdef Py_ssize_t n_cadres
    cdef readonly tuple arrays   # the arrays themselves, kept while the views are

    def __init__(self, src_n, src_groups, group_level, fwd_town, town_children, fwd_village, fwd_village_of,
                 village_targets, member, dedupe, src_township, group_ptr, group_cadres, double forward_to_township,
                 double forward_to_village, Py_ssize_t n_cadres):
        self.arrays = (src_n, src_groups, group_level, fwd_town, town_children, fwd_village, fwd_village_of,
                       village_targets, member, dedupe, src_township, group_ptr, group_cadres)
        self.src_n, self.src_groups, self.group_level = src_n, src_groups, group_level
        self.fwd_town, self.town_children, self.fwd_village = fwd_town, town_children, fwd_village
        self.fwd_village_of, self.village_targets, self.member = fwd_village_of, village_targets, member
        self.dedupe, self.src_township, self.group_ptr, self.group_cadres = dedupe, src_township, group_ptr, \
            group_cadres
        self.forward_to_township, self.forward_to_village, self.n_cadres = forward_to_township, forward_to_village, \
            n_cadres
        cdef Py_ssize_t s
        if self.src_township.shape[0] != self.src_n.shape[0]:
            raise ValueError("a cascade: one township per source")
        for s in range(self.src_township.shape[0]):
            if not 0 <= self.src_township[s] < self.dedupe.shape[0]:
                raise IndexError(f"a cascade: source {s}'s township {self.src_township[s]} is not one of the "
                                 f"{self.dedupe.shape[0]}")

    def copies_seen(self, const int64_t[::1] src, const int64_t[::1] cell, const double[::1] u_primary,
                    const double[:, ::1] u_t, const double[::1] u_tchild, const double[:, ::1] u_v,
                    const double[:, ::1] u_vchild):
        """The module's ``copies_seen`` on this network, each notice forwarded once where its source's township
        deduplicates."""
        cdef Py_ssize_t i, N = src.shape[0]
        once_arr = np.empty(N, dtype=np.uint8)
        cdef unsigned char[::1] once = once_arr
        for i in range(N):
            if not 0 <= src[i] < self.src_township.shape[0]:
                raise IndexError(f"notice {i}'s source {src[i]} is not one of the {self.src_township.shape[0]}")
            once[i] = self.dedupe[self.src_township[src[i]]]
        return copies_seen(src, cell, u_primary, u_t, u_tchild, u_v, u_vchild, self.src_n, self.src_groups,
                            self.group_level, self.fwd_town, self.town_children, self.fwd_village,
                            self.fwd_village_of, self.village_targets, self.member, once, self.group_ptr,
                            self.group_cadres, self.forward_to_township, self.forward_to_village, self.n_cadres)
