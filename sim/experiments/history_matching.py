"""History matching: which values of the unpublished defaults the published figures rule out.

One wave (Craig et al. 1997; Vernon, Goldstein and Bower 2010; Andrianakis et al. 2015) runs the model at a Latin
hypercube over the uncertainties' ranges, fits a Gaussian-process emulator of each calibration target to what the
runs gave (scikit-learn; the seeds' spread is its noise), and asks, at many candidate points, how implausible each
target finds them. A target is an interval [low, high] the model must land in (its width already holds what is
uncertain about the published figure), so the implausibility is how far outside it the emulated value is, in
standard deviations of what is uncertain about the model's value there (the emulator's and the seeds'):

    I_j(x) = max(0, low_j - E[f_j(x)], E[f_j(x)] - high_j) / sqrt(Var_emulator_j(x) + Var_seeds_j)

It is 0 inside the interval. A candidate is not ruled out yet (NROY) while its largest implausibility is at most
``CUTOFF``: only points the emulators are sure miss a target are ruled out. The accepted parameter sets are the
NROY candidates; the calibrated point is the candidate whose largest implausibility is smallest, and of those inside
every interval the one furthest inside them in standard deviations (``calibrated_point``; when every candidate is
ruled out, it is the nearest miss, and the table says by how much each target misses there).

A later wave refocuses (Vernon et al. 2010, section 3): it designs over the box of what the earlier wave did not rule
out (``nroy_box``), where its emulators are fitted closely, and a candidate must pass the earlier waves' emulators
too.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.stats import qmc

CUTOFF = 3.0  # Pukelsheim's three-sigma rule, the usual cut-off of history matching


def whole_range(bounds) -> bool:
    """A range of whole numbers (a count, such as groups per department): its points are whole numbers too."""
    return all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)


def design(uncertainties: dict[str, list], n: int, seed: int = 0) -> pd.DataFrame:
    """n points of a Latin hypercube over the uncertainties' [low, high] ranges (whole-number ranges give whole
    numbers), one column per config key."""
    names = list(uncertainties)
    unit = qmc.LatinHypercube(d=len(names), seed=seed).random(n)
    points = {}
    for i, name in enumerate(names):
        low, high = uncertainties[name]
        values = low + unit[:, i] * (high - low)
        points[name] = np.rint(values).astype(int) if whole_range((low, high)) else values
    return pd.DataFrame(points)


def scaled(points: pd.DataFrame, uncertainties: dict[str, list]) -> np.ndarray:
    """The points on the unit cube of the ranges (what the emulators take)."""
    lows = np.array([uncertainties[k][0] for k in uncertainties], dtype=float)
    highs = np.array([uncertainties[k][1] for k in uncertainties], dtype=float)
    return (points[list(uncertainties)].to_numpy(dtype=float) - lows) / np.where(highs > lows, highs - lows, 1.0)


def fit_emulator(x: np.ndarray, y: np.ndarray, noise: float):
    """A Gaussian process of one target over the unit cube: a constant times a squared-exponential kernel with one
    length scale per uncertainty, plus the seeds' variance (and a little more, fitted) as noise."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    spread = float(np.var(y)) or 1.0
    kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(x.shape[1], 0.5), (0.05, 20.0))
              + WhiteKernel(max(noise, 1e-6 * spread) / spread, (1e-8, 1.0)))
    gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=2, random_state=0)
    with warnings.catch_warnings():  # a length scale at its bound is an answer here (that input does not matter)
        warnings.simplefilter("ignore", ConvergenceWarning)
        return gp.fit(x, y)


def emulate(points: pd.DataFrame, values: pd.DataFrame, seed_variance: pd.Series, targets: list[dict],
            ranges: dict[str, list]) -> dict:
    """One emulator per target, fitted to a wave's design points on the unit cube of the wave's `ranges`."""
    x = scaled(points, ranges)
    gps = {}
    for t in targets:
        y = values[t["name"]].to_numpy(dtype=float)
        ok = np.isfinite(y)
        gps[t["name"]] = fit_emulator(x[ok], y[ok], float(seed_variance.get(t["name"], 0.0)))
    return gps


def implausibility(gps: dict, candidates: pd.DataFrame, seed_variance: pd.Series, targets: list[dict],
                   ranges: dict[str, list]) -> tuple[pd.DataFrame, dict]:
    """Each target's implausibility at each candidate (see the module's description), and its emulated mean and
    standard deviation there."""
    cx = scaled(candidates, ranges)
    out, emulated = {}, {}
    for t in targets:
        name = t["name"]
        low, high = t["interval"]
        mean, sd = gps[name].predict(cx, return_std=True)
        outside = np.maximum(0.0, np.maximum(low - mean, mean - high))
        uncertain = sd ** 2 + float(seed_variance.get(name, 0.0)) + 1e-12 * max(high - low, 1e-12) ** 2
        out[name] = outside / np.sqrt(uncertain)
        emulated[name] = (mean, sd)
    return pd.DataFrame(out), emulated


def calibrated_point(worst: np.ndarray, emulated: dict, targets: list[dict], seed_variance=None) -> int:
    """The candidate whose largest implausibility is smallest; of several (all those inside every interval), the
    one furthest inside them: whose nearest interval edge is the most standard deviations away (the emulator's and
    the seeds'), so that the seeds' noise and small later changes leave a shipped default inside its targets."""
    ties = np.flatnonzero(worst <= worst.min() + 1e-12)
    margin = np.full(len(ties), np.inf)
    for t in targets:
        low, high = t["interval"]
        mean, sd = (np.asarray(a)[ties] for a in emulated[t["name"]])
        noise = 0.0 if seed_variance is None else float(seed_variance.get(t["name"], 0.0))
        margin = np.minimum(margin, np.minimum(mean - low, high - mean) / np.sqrt(sd ** 2 + noise + 1e-12))
    return int(ties[np.argmax(margin)])


def nroy_box(table: pd.DataFrame, uncertainties: dict[str, list]) -> dict[str, list]:
    """The ranges a wave's `history_matching` table says are not ruled out yet: where the next wave designs
    (whole-number ranges widened to whole numbers). Raises ValueError when the wave ruled out every candidate."""
    kept = table[table.kind == "uncertainty"].set_index("name")
    if kept.empty or not np.isfinite(kept.nroy_low.to_numpy(dtype=float)).all():
        raise ValueError("it ruled out every candidate: no region is left to refocus on")
    box = {}
    for k, bounds in uncertainties.items():
        low, high = float(kept.loc[k, "nroy_low"]), float(kept.loc[k, "nroy_high"])
        box[k] = [int(np.floor(low)), int(np.ceil(high))] if whole_range(bounds) else [low, high]
    return box


def history_match(points: pd.DataFrame, values: pd.DataFrame, seed_variance: pd.Series, targets: list[dict],
                  uncertainties: dict[str, list], candidates: int = 20_000, seed: int = 1,
                  earlier: tuple = ()) -> dict[str, pd.DataFrame]:
    """One wave. `points`: the design (one row per point, one column per uncertainty); `values`: each target's
    value at each point (rows aligned with `points`, one column per target name, the mean over its seeds);
    `seed_variance`: per target, the variance of a point's value over seeds (the model's own uncertainty);
    `uncertainties`: the ranges this wave designed over. `earlier`: the waves before it, each (points, values,
    seed_variance, ranges): a candidate must also pass their emulators (a refocused wave judges only what they did
    not rule out, with emulators fitted where it matters).

    Returns {"posterior": the accepted parameter sets (NROY candidates) with their largest implausibility,
    "history_matching": per uncertainty its range, the range still not ruled out and the calibrated value; per
    target its interval and the emulated value and implausibility at the calibrated point}."""
    cand = design(uncertainties, candidates, seed)
    imp, emulated = implausibility(emulate(points, values, seed_variance, targets, uncertainties), cand,
                                   seed_variance, targets, uncertainties)
    worst = imp.max(axis=1).to_numpy()
    passed_before = np.ones(len(cand), dtype=bool)
    for wave in earlier:
        w_points, w_values, w_variance, w_ranges = wave
        held = [t for t in targets if t["name"] in w_values]  # a target added since is judged by this wave only
        if not held:
            continue
        w_imp, _ = implausibility(emulate(w_points, w_values, w_variance, held, w_ranges), cand, w_variance,
                                  held, w_ranges)
        passed_before &= w_imp.max(axis=1).to_numpy() <= CUTOFF
    nroy = (worst <= CUTOFF) & passed_before
    best = calibrated_point(np.where(passed_before, worst, np.inf) if passed_before.any() else worst,
                            emulated, targets, seed_variance)
    posterior = cand[nroy].assign(max_implausibility=worst[nroy]).reset_index(drop=True)
    rows = []
    for k, (low, high) in uncertainties.items():
        kept = cand.loc[nroy, k]
        rows.append({"kind": "uncertainty", "name": k, "low": float(low), "high": float(high),
                     "nroy_low": float(kept.min()) if nroy.any() else np.nan,
                     "nroy_high": float(kept.max()) if nroy.any() else np.nan,
                     "calibrated": float(cand.loc[best, k]), "emulated_sd": np.nan, "implausibility": np.nan,
                     "nroy_share": float(nroy.mean())})
    for t in targets:
        mean, sd = emulated[t["name"]]
        rows.append({"kind": "target", "name": t["name"], "low": float(t["interval"][0]),
                     "high": float(t["interval"][1]), "nroy_low": np.nan, "nroy_high": np.nan,
                     "calibrated": float(mean[best]), "emulated_sd": float(sd[best]),
                     "implausibility": float(imp[t["name"]].iloc[best]), "nroy_share": float(nroy.mean())})
    return {"posterior": posterior, "history_matching": pd.DataFrame(rows)}
