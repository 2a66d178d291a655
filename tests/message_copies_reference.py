"""The copies a day's notices make in the work groups, written over whole arrays: the version the compiled cascade
(``sim/model/message_copies.pyx``) replaced.

Kept as the oracle the compiled cascade is held to, bit for bit (``tests/test_speed.py``): the same cascade, numpy
call by numpy call, as ``ChatOffice`` ran it until it was compiled. ``copies_seen`` takes the arguments of
``ChatOffice._copies_seen``.
"""

from __future__ import annotations

import numpy as np

from sim.model.networks import LEVEL_COUNTY, LEVEL_TOWNSHIP


def copies_seen(office, net, src, cell, u) -> np.ndarray:
    """[C, 12] copies each cadre sees, by cell: the copies, then each cadre's count of them."""
    notes, groups = copies(office, net, src, u)
    return per_cadre(net, notes, groups, cell)


def copies(office, net, src, u) -> tuple[np.ndarray, np.ndarray]:
    """The copies today's notices make in one network: (notice index, group) per copy, down the cascade
    ``ChatOffice._copies_seen`` describes."""
    u_primary, u_t, u_tchild, u_v, u_vchild = u
    if len(net.groups.group_owner) == 0:  # no groups at all: no copies
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    n_land = net.src_n[src]
    landed = n_land > 0
    col = np.minimum((u_primary * n_land).astype(np.int64), np.maximum(n_land - 1, 0))
    land = np.where(landed, net.src_groups[src, col], -1)
    notes, groups = [np.flatnonzero(landed)], [land[landed]]
    land0 = np.maximum(land, 0)
    level = np.where(landed, net.groups.group_level[land0], -1)

    # county -> township
    fw = office.fwd_town[src]                                            # [N, L]
    saw = (fw >= 0) & (level == LEVEL_COUNTY)[:, None] & net.member[np.maximum(fw, 0), land0[:, None]]
    forwarded = (saw & (u_t < office.model.cfg.chat.forward_to_township_share)).any(axis=1)
    kids = np.where((level == LEVEL_COUNTY)[:, None], net.town_children[land0], -1)  # [N, k]
    reached = (kids >= 0) & forwarded[:, None]
    once = net.dedupe[office.src_township[src]]                         # [N] forwarded once, not into all
    if once.any():
        n_k = (kids >= 0).sum(axis=1)
        pick = np.minimum((u_tchild * n_k).astype(np.int64), np.maximum(n_k - 1, 0))
        reached &= ~once[:, None] | (np.arange(kids.shape[1])[None, :] == pick[:, None])
    r_note, r_col = np.nonzero(reached)
    notes.append(r_note)
    groups.append(kids[r_note, r_col])
    # township groups holding the notice: those it was forwarded into, or the one it landed in
    held = np.where(reached, kids, -1)
    held = np.concatenate([held, np.where(level == LEVEL_TOWNSHIP, land, -1)[:, None]], axis=1)  # [N, k+1]

    # township -> village
    live = np.flatnonzero((held >= 0).any(axis=1))
    if len(live):
        fv = office.fwd_village[src[live]]                                 # [n, Vmax]
        h = held[live]
        saw_v = ((h[:, None, :] >= 0) & net.member[np.maximum(fv, 0)[:, :, None], np.maximum(h, 0)[:, None, :]]
                 ).any(axis=2) & (fv >= 0)
        fwd = saw_v & (u_v[live] < office.model.cfg.chat.forward_to_village_share)  # [n, Vmax]
        tg = net.village_targets[np.maximum(office.fwd_village_of[src[live]], 0)]    # [n, Vmax, k]
        into = (tg >= 0) & fwd[:, :, None]
        if once[live].any():
            n_k = (tg >= 0).sum(axis=2)
            pick = np.minimum((u_vchild[live] * n_k).astype(np.int64), np.maximum(n_k - 1, 0))
            into &= ~once[live][:, None, None] | (np.arange(tg.shape[2])[None, None, :] == pick[:, :, None])
        i, j, k = np.nonzero(into)
        notes.append(live[i])
        groups.append(tg[i, j, k])
    return np.concatenate(notes), np.concatenate(groups)


def per_cadre(net, notes, groups, cell) -> np.ndarray:
    """[C, 12] copies each cadre sees, by cell."""
    G = len(net.groups.group_owner)
    counts = np.bincount(groups * 12 + cell[notes], minlength=G * 12).reshape(G, 12).astype(float)
    return np.asarray(net.groups.membership @ counts)
