"""Paired comparisons: a reform against the baseline under common random numbers."""

from __future__ import annotations

import numpy as np
from scipy.special import stdtrit  # the t quantile (what scipy.stats.t.ppf calls), without importing scipy.stats


def paired_difference(baseline, variant, confidence: float = 0.95) -> dict:
    """Mean of (variant - baseline) over paired seeds, with a t confidence interval.

    `baseline` and `variant` are equal-length sequences aligned by seed. Returns mean, ci_low, ci_high, sd, n.
    With n < 2 the interval is undefined (NaN).
    """
    b = np.asarray(baseline, dtype=float)
    v = np.asarray(variant, dtype=float)
    if b.shape != v.shape:
        raise ValueError(f"paired samples differ in length: {b.shape} vs {v.shape}")
    d = v - b
    n = int(np.isfinite(d).sum())
    d = d[np.isfinite(d)]
    mean = float(d.mean()) if n else float("nan")
    if n < 2:
        return {"mean": mean, "ci_low": float("nan"), "ci_high": float("nan"), "sd": float("nan"), "n": n}
    sd = float(d.std(ddof=1))
    half = float(stdtrit(n - 1, 0.5 + confidence / 2.0) * sd / np.sqrt(n))
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "sd": sd, "n": n}
