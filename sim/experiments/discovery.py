"""Scenario discovery: the boxes of uncertain conditions in which a reform backfires.

PRIM, the patient rule induction method (Friedman & Fisher 1999), peels a box of the uncertainty space a little at a
time until most of the cases left inside it are cases of interest; scenario discovery uses it to name the conditions
under which a policy fails. The peeling is EMA Workbench's (``ema_workbench.analysis.prim``, Kwakkel 2017); this module
runs it without its log and warnings, picks one point on each box's peeling trajectory, and writes the boxes as a tidy
table and as a sentence a policymaker reads (English or Chinese).

    boxes = find_boxes(experiments[uncertainties], backfired, threshold=0.8)
    boxes_table({"one_form": boxes}, outcome="service_time_mean_days")
    describe_box("one_form", boxes[0], "service time gets worse", label=str)

Each box is a dict: ``box`` (1-based), ``coverage`` (the share of all backfiring cases that fall in the box),
``density`` (the share of the cases in the box that backfire), ``mass`` (the box's share of all cases), ``n_cases``
(the cases in the box), ``limits`` ({uncertainty: (low, high)}, inclusive, only the uncertainties the box restricts;
a side it leaves open is at the data's min or max) and ``ranges`` (the data's (min, max) of those uncertainties, so
that a sentence mentions only the sides restricted).
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import warnings
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

TABLE_COLUMNS = ("variant", "outcome", "box", "uncertainty", "low", "high", "qp", "coverage", "density", "mass",
                 "n_cases")
# the loggers EMA's PRIM writes to (ema_workbench.util.ema_logging names them "EMA.<module>"); it logs at INFO
_EMA_LOGGERS = ("EMA", "EMA.ema_workbench.analysis.prim", "EMA.ema_workbench.analysis.prim_util")


@contextlib.contextmanager
def _quiet_ema() -> Iterator[None]:
    """EMA without its noise: its INFO log (box stats, "points remaining") and its warnings (ipyparallel missing on
    import, pandas deprecations inside Prim)."""
    loggers = [logging.getLogger(name) for name in _EMA_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _check_inputs(x: pd.DataFrame, y, threshold: float, mass_min: float, max_boxes: int) -> np.ndarray:
    """The cases of interest as a boolean array, or a ValueError that says in one line what is wrong."""
    if not isinstance(x, pd.DataFrame):
        raise ValueError(f"x must be a pandas DataFrame of the uncertainties, not {type(x).__name__}")
    if x.shape[1] == 0:
        raise ValueError("x has no columns: no uncertainties to discover boxes in")
    if x.columns.duplicated().any():
        raise ValueError(f"x has duplicate columns: {', '.join(map(str, x.columns[x.columns.duplicated()]))}")
    not_numeric = [str(c) for c in x.columns if not (pd.api.types.is_numeric_dtype(x[c]) or
                                                      pd.api.types.is_bool_dtype(x[c]))]
    if not_numeric:
        raise ValueError(f"x's columns must be numbers (a box here is a range of each); not numeric: "
                         f"{', '.join(not_numeric)}")
    if x.isna().to_numpy().any():
        raise ValueError(f"x has missing values in {', '.join(str(c) for c in x.columns[x.isna().any()])}")
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"y must be one-dimensional (one flag a case), not of shape {arr.shape}")
    if len(arr) != len(x):
        raise ValueError(f"x and y differ in length: {len(x)} cases in x, {len(arr)} in y")
    if arr.dtype != bool:
        numeric = np.issubdtype(arr.dtype, np.number) or arr.dtype == object
        try:
            flags = numeric and bool(np.isin(arr, [0, 1]).all())
        except TypeError:
            flags = False
        if not flags:
            raise ValueError(f"y must be boolean (True where the reform backfires) or 0/1, not {arr.dtype} "
                             f"with values such as {arr[:3].tolist()}")
        arr = arr.astype(bool)
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold is the density a box must reach, in (0, 1]; got {threshold}")
    if not 0 < mass_min < 1:
        raise ValueError(f"mass_min is the smallest share of the cases a box may hold, in (0, 1); got {mass_min}")
    if max_boxes < 1:
        raise ValueError(f"max_boxes must be at least 1; got {max_boxes}")
    return arr


def _pick(trajectory: pd.DataFrame, threshold: float, mass_min: float) -> int | None:
    """The point of a peeling trajectory to report, or None if no point will do."""
    # The rule: of the boxes on the trajectory dense enough to count (density >= threshold, so most cases in it
    # backfire), the one that covers the most backfiring cases; ties go to the denser, then to the one restricting
    # fewer uncertainties. Peeling only ever raises the density, so this is the widest box that is dense enough.
    # The mass floor matters only for the starting box of a second search (the peels themselves respect mass_min).
    ok = trajectory[(trajectory["density"] >= threshold) & (trajectory["mass"] >= mass_min)]
    if ok.empty:
        return None
    ranked = ok.sort_values(["coverage", "density", "res_dim"], ascending=[False, False, True], kind="stable")
    return int(ranked.index[0])


def _significant(box, i: int, threshold: float, max_qp: float) -> int | None:
    """The point `i` with the restrictions that do not matter dropped (Bryant & Lempert 2010): while a restricted
    uncertainty's quasi-p value (a one-sided binomial test: could the box be this dense without that restriction?)
    exceeds `max_qp`, the least significant restriction is dropped (EMA's drop_restriction adds the wider box to the
    trajectory). A box that falls below the density threshold before every restriction left is significant is no
    finding (None): it was dense only by the chance of a few cases."""
    while True:
        qps = {dim: max(q for q in sides if q >= 0) for dim, sides in box.p_values[i].items()
               if any(q >= 0 for q in sides)}
        worst = max(qps, key=qps.get, default=None)
        if worst is None or qps[worst] <= max_qp:
            return i
        box.drop_restriction(worst, i)
        i = len(box.peeling_trajectory) - 1
        if box.peeling_trajectory.loc[i, "density"] < threshold:
            return None


def find_boxes(x: pd.DataFrame, y: np.ndarray, *, threshold: float = 0.8, mass_min: float = 0.05,
               max_boxes: int = 2, max_qp: float = 0.05) -> list[dict]:
    """Up to `max_boxes` PRIM boxes of the uncertainties `x` in which `y` (True: the reform backfires) is mostly
    True. A box is reported at the point of its peeling trajectory with the highest coverage among those with
    density >= `threshold`; the search stops at the first box with no such point. [] if `y` is all False or all
    True (then there is nothing to tell apart). A second box is sought among the cases outside the first, as PRIM
    does: its coverage is a share of all backfiring cases, its density and n_cases count the cases left. Every
    restriction a box reports is significant (quasi-p value <= `max_qp`, Bryant & Lempert 2010): the others are
    dropped, and a box that cannot keep its density without them is not reported."""
    flags = _check_inputs(x, y, threshold, mass_min, max_boxes)
    if not flags.any() or flags.all():
        return []

    # EMA's Prim peels float64 columns by quantile and int columns by whole values, but in EMA 3.0.0 pasting writes
    # a fractional quantile into an int64 box limit, which pandas 3 refuses (prim.py _real_paste), and it ignores
    # columns of any other numeric dtype (float32, uint8: prim.py BasePrim.__init__ selects only float64 and
    # int32/int64). So every column goes in as float64, and the limits of a column of whole numbers (of any dtype:
    # a count may arrive as floats) are rounded inward after: for whole numbers low <= v <= high is the same
    # condition as ceil(low) <= v <= floor(high).
    # Columns are renamed positionally because Prim silently drops a column named "scenario".
    columns = list(x.columns)
    data = x.astype("float64").reset_index(drop=True)
    integer = {c for c, (_, values) in zip(columns, data.items()) if bool((values % 1 == 0).all())}
    data.columns = [f"u{i}" for i in range(len(columns))]
    lows, highs = data.min(), data.max()

    with _quiet_ema():
        from ema_workbench.analysis import prim  # 1-3 s to import (matplotlib, seaborn): only when needed

        # EMA 3.0.0's Prim takes no threshold (x, y, obj_function, peel_alpha, paste_alpha, mass_min,
        # update_function): the threshold is applied here, in _pick
        alg = prim.Prim(data, flags, mass_min=mass_min)
        boxes = []
        for k in range(1, max_boxes + 1):
            box = alg.find_box()   # None once no cases are left outside the earlier boxes
            if box is None:
                break
            i = _pick(box.peeling_trajectory, threshold, mass_min)
            if i is not None:
                i = _significant(box, i, threshold, max_qp)
            if i is None:
                break
            # the next find_box removes the cases of the box as selected, so select the point reported
            box.select(i)
            stats = box.peeling_trajectory.loc[i]
            limits, ranges, qp = {}, {}, {}
            for name, column in zip(data.columns, columns):
                # box_lims[i]: row 0 the lower, row 1 the upper limit; an open side sits at the data's min/max
                low, high = (float(v) for v in box.box_lims[i][name])
                if column in integer:
                    low, high = float(math.ceil(low - 1e-9)), float(math.floor(high + 1e-9))
                if low > lows[name] or high < highs[name]:
                    whole = column in integer
                    limits[column] = (int(low), int(high)) if whole else (low, high)
                    ranges[column] = tuple(int(v) if whole else float(v) for v in (lows[name], highs[name]))
                    sides = [q for q in box.p_values[i].get(name, [-1, -1]) if q >= 0]
                    qp[column] = float(max(sides)) if sides else float("nan")
            boxes.append({"box": k, "coverage": float(stats["coverage"]), "density": float(stats["density"]),
                          "mass": float(stats["mass"]), "n_cases": int(stats["n"]), "limits": limits,
                          "ranges": ranges, "qp": qp})
    return boxes


def boxes_table(variant_boxes: dict[str, list[dict]], outcome: str) -> pd.DataFrame:
    """The boxes of each variant as tidy rows, one a (variant, box, uncertainty the box restricts), a side the box
    leaves open written as NaN (no limit), with the restriction's quasi-p value (qp). A variant with no box has no
    rows; a box that restricts nothing (the reform backfires nearly everywhere) has one row with no uncertainty and
    no limits, so it is not mistaken for a variant without a box."""
    rows = []
    for variant, boxes in variant_boxes.items():
        for b in boxes:
            stats = {"coverage": b["coverage"], "density": b["density"], "mass": b["mass"], "n_cases": b["n_cases"]}
            limits = b["limits"] or {None: (np.nan, np.nan)}
            ranges = b.get("ranges", {})
            for uncertainty, (low, high) in limits.items():
                least, most = ranges.get(uncertainty, (None, None))
                # a side the box leaves open (at the data's min or max) is written as no limit (NaN)
                low = np.nan if low is None or (least is not None and low <= least) else low
                high = np.nan if high is None or (most is not None and high >= most) else high
                rows.append({"variant": variant, "outcome": outcome, "box": b["box"], "uncertainty": uncertainty,
                             "low": low, "high": high, "qp": b.get("qp", {}).get(uncertainty, np.nan), **stats})
    # numeric columns typed even when empty, so tables of several outcomes concatenate without object columns
    types = {"box": "int64", "low": "float64", "high": "float64", "qp": "float64", "coverage": "float64",
             "density": "float64", "mass": "float64", "n_cases": "int64"}
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS)).astype(types)


def _number(v: float) -> str:
    """3 significant digits, whole numbers without a decimal point, never scientific notation."""
    v = float(v)
    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    digits = 2 - math.floor(math.log10(abs(v)))
    v = round(v, digits)
    if v.is_integer():
        return str(int(v))
    return f"{v:.{max(digits, 0)}f}".rstrip("0").rstrip(".")


def _percent(share: float) -> str:
    """A share as a whole percentage; a share short of all (or above none) never reads as 100% (0%)."""
    p = round(100 * share)
    if share < 1:
        p = min(p, 99)
    if share > 0:
        p = max(p, 1)
    return f"{p}%"


# Whole-number limits read as inclusive ("at least 5": a count of 5 is in the box); a fractional limit is a cut
# PRIM put between two observed values (prim_util.get_quantile takes the midpoint), where "above"/"below" reads
# naturally and inclusive or strict makes no difference.
_WORDS = {
    "en": {"low_whole": "{u} is at least {a}", "low": "{u} is above {a}",
           "high_whole": "{u} is at most {b}", "high": "{u} is below {b}",
           "between": "{u} is between {a} and {b}"},
    "zh": {"low_whole": "{u}不少于{a}", "low": "{u}高于{a}",
           "high_whole": "{u}不超过{b}", "high": "{u}低于{b}",
           "between": "{u}介于{a}与{b}之间"},
}


def _condition(u: str, low: float, high: float, lang: str) -> str:
    words = _WORDS[lang]
    a, b = _number(low), _number(high)
    if np.isfinite(low) and np.isfinite(high):
        return words["between"].format(u=u, a=a, b=b)
    if np.isfinite(low):
        return words["low_whole" if float(low).is_integer() else "low"].format(u=u, a=a)
    return words["high_whole" if float(high).is_integer() else "high"].format(u=u, b=b)


# Chinese text sets Latin words and numbers off from the characters around them by a space ("不少于 5 且")
_LATIN_THEN_HAN = re.compile(r"([A-Za-z0-9_.%])(?=[\u4e00-\u9fff])")
_HAN_THEN_LATIN = re.compile(r"([\u4e00-\u9fff])(?=[A-Za-z0-9_])")


def _spaced(text: str) -> str:
    return _HAN_THEN_LATIN.sub(r"\1 ", _LATIN_THEN_HAN.sub(r"\1 ", text))


def _open(limit) -> bool:
    """No limit on this side: None, or NaN as boxes_table writes it."""
    return limit is None or (isinstance(limit, float) and math.isnan(limit))


def describe_box(variant: str, box: dict, outcome_words: str, label: Callable[[str], str], lang: str = "en") -> str:
    """One sentence on a box: when `variant` backfires (`outcome_words`, e.g. "service time gets worse"), and how
    sure and how complete that is (density, coverage). `label` maps an uncertainty's key to its display name.

    A side of a limit at the data's min or max (``box["ranges"]``, as find_boxes writes it; or None, or -inf/inf,
    for boxes built by hand) is open and not mentioned."""
    if lang not in _WORDS:
        raise ValueError(f"lang must be one of {', '.join(_WORDS)}, not {lang!r}")
    conditions = []
    ranges = box.get("ranges", {})
    for key, (low, high) in box["limits"].items():
        least, most = ranges.get(key, (None, None))
        low = -math.inf if _open(low) or (least is not None and low <= least) else float(low)
        high = math.inf if _open(high) or (most is not None and high >= most) else float(high)
        if math.isinf(low) and math.isinf(high):
            continue   # open on both sides: not a condition
        conditions.append(_condition(label(key), low, high, lang))
    density, coverage = _percent(box["density"]), _percent(box["coverage"])
    if lang == "zh":
        when = f"当{'且'.join(conditions)}时，" if conditions else "在所探索的所有条件下，"
        return _spaced(f"{when}{variant}适得其反（{outcome_words}）：这些条件下{density}的情形如此，"
                       f"占所有此类情形的{coverage}。")
    if not conditions:
        when = "under all the conditions explored"
    elif len(conditions) == 1:
        when = f"when {conditions[0]}"
    else:
        when = f"when {', '.join(conditions[:-1])} and {conditions[-1]}"
    return (f"{variant} backfires ({outcome_words}) {when}: {density} of the cases in these conditions, "
            f"{coverage} of all such cases.")
