"""calibrate: the model against the published figures it can be held to (``experiments/calibrate.yaml``).

Each of the spec's `targets` names a published figure and its source, a model quantity (a summary key, role figures
included, or ``a / b``, a ratio of two), the interval the model must land in (and why that width), and its use:
``calibration`` (the unpublished defaults are to be fitted to it), ``held_out`` (a reform's effect the model must
predict: `variant` names the reform, compared with the baseline of the same seed, as a `change` that is
``relative``, ``absolute``, or none: the level under the reform) or ``structure`` (an input or structure, reported so
that a drift shows). The kind runs the baseline (the config with the spec's overrides) and each held-out target's
reform, paired by seed, and writes ``calibration.csv``: per target, the model's median and 90% interval over the
seeds, and whether the median is inside the interval.

With `uncertainties` (unpublished defaults, each over its documented range) and `design: N`, it is also one wave of
history matching (``sim.experiments.history_matching``): N Latin-hypercube points of the uncertainties, each run for
the seeds, emulated per calibration target, and the candidates the targets do not rule out written as
``posterior.parquet`` (the accepted parameter sets) and ``history_matching.csv`` (per uncertainty the range still
not ruled out and the calibrated value; per target the emulated value there). With `refocus: <folder>` (an earlier
wave's results), the wave designs over what that wave did not rule out, and its candidates must pass the earlier
waves' emulators too.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import yaml

from ...config import REFORM_NAMES
from ...model.outputs import SUMMARY_KEYS
from ..history_matching import design, history_match, nroy_box, whole_range
from .base import KindBase, SweepError, check_ranges, check_whole, expand_variants

USES = ("calibration", "held_out", "structure")
CHANGES = ("relative", "absolute")
TEXT = ("name", "figure", "source", "quantity", "why", "use")
OPTIONAL = ("zh", "interval", "variant", "change")  # zh: the figure in Chinese (the report shows it)


def quantity_keys(quantity: str) -> list[str]:
    """The summary keys a quantity reads: one key, or the two of a ratio ``a / b``."""
    return [part.strip() for part in quantity.split(" / ")]


def check_targets(targets) -> None:
    """SweepError naming the first bad target and what is allowed."""
    if not isinstance(targets, list) or not targets:
        raise SweepError(f"targets: expected a list of targets (name, figure, source, quantity, interval, why, use), "
                         f"got {targets!r}")
    seen = set()
    for i, t in enumerate(targets):
        where = f"targets[{i}]"
        if not isinstance(t, dict):
            raise SweepError(f"{where}: expected a mapping, got {t!r}")
        where = f"targets[{i}] ({t.get('name', '?')})"
        for key in TEXT:
            if not isinstance(t.get(key), str) or not t[key].strip():
                raise SweepError(f"{where}.{key}: expected a non-empty text")
        if t["name"] in seen:
            raise SweepError(f"{where}.name: '{t['name']}' is given twice")
        seen.add(t["name"])
        unknown = [k for k in t if k not in (*TEXT, *OPTIONAL)]
        if unknown:
            allowed = ", ".join((*TEXT, *OPTIONAL))
            raise SweepError(f"{where}.{unknown[0]}: unknown key; allowed: {allowed}")
        if t["use"] not in USES:
            raise SweepError(f"{where}.use: '{t['use']}'; allowed: {', '.join(USES)}")
        keys = quantity_keys(t["quantity"])
        bad = [k for k in keys if k not in SUMMARY_KEYS]
        if len(keys) > 2 or bad:
            raise SweepError(f"{where}.quantity: '{bad[0] if bad else t['quantity']}' is not a summary key (see the "
                             "codebook), nor a ratio 'a / b' of two")
        interval = t.get("interval")
        if (not isinstance(interval, list) or len(interval) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in interval)
                or interval[0] > interval[1]):
            raise SweepError(f"{where}.interval: expected [low, high] with low <= high, got {interval!r}")
        if "zh" in t and (not isinstance(t["zh"], str) or not t["zh"].strip()):
            raise SweepError(f"{where}.zh: expected the figure in Chinese, a non-empty text")
        variant, change = t.get("variant"), t.get("change")
        if (t["use"] == "held_out") != (variant is not None):
            raise SweepError(f"{where}.variant: a held_out target names the reform it predicts (and only it does)")
        if variant is not None and variant not in REFORM_NAMES:
            raise SweepError(f"{where}.variant: '{variant}' is not a reform; allowed: {', '.join(REFORM_NAMES)}")
        if change is not None and (variant is None or change not in CHANGES):
            raise SweepError(f"{where}.change: '{change}'; allowed with a variant: {', '.join(CHANGES)}")


def check_uncertainties(spec: dict) -> None:
    """`uncertainties`: config key -> [low, high]; `design`: design points of the wave (0: none); `candidates`: the
    points the emulators judge; `design_seed`: the Latin hypercube's seed."""
    check_whole(spec, "design", least=0)
    for key, least in (("candidates", 100), ("design_seed", 0)):
        if key in spec:
            check_whole(spec, key, least=least)
    uncertainties = spec.get("uncertainties") or {}
    if spec["design"] and not uncertainties:
        raise SweepError("design: a wave needs uncertainties (config key -> [low, high]) to design over")
    if not isinstance(uncertainties, dict):
        raise SweepError(f"uncertainties: expected a mapping of config key -> [low, high], got {uncertainties!r}")
    check_ranges(uncertainties, "uncertainties")
    if spec["design"] and not any(t["use"] == "calibration" for t in spec["targets"]):
        raise SweepError("design: a wave needs at least one target with use: calibration")


def check_refocus(spec: dict) -> None:
    """`refocus`: an earlier wave's results folder (its history_matching table, runs and experiment.yaml)."""
    folder = spec.get("refocus")
    if folder is None:
        return
    if not isinstance(folder, str) or not folder:
        raise SweepError(f"refocus: expected the results folder of an earlier wave, got {folder!r}")
    out = Path(spec.get("out") or Path("results") / str(spec.get("name", "")))
    if out.resolve() == Path(folder).resolve():
        raise SweepError(f"refocus: '{folder}' is also where this wave would write (out=): give the next wave a "
                         "folder of its own")
    needed = ("history_matching.parquet", "runs.parquet", "experiment.yaml")
    missing = [f for f in needed if not (Path(folder) / f).exists()]
    if missing:
        raise SweepError(f"refocus: '{folder}' is not an earlier wave's results (no {missing[0]}); run "
                         "`python -m sim.sweep calibrate out=<folder>` first")
    try:
        nroy_box(pd.read_parquet(Path(folder) / "history_matching.parquet"), spec["uncertainties"])
    except (ValueError, KeyError) as e:
        raise SweepError(f"refocus: the wave in '{folder}' cannot be refocused on: {e}") from None


def earlier_waves(spec: dict) -> list[tuple]:
    """The waves before this one (oldest first), each (points, values, seed_variance, ranges), read back from their
    results folders along the chain of `refocus`."""
    waves, folder, seen = [], spec.get("refocus"), set()
    while folder and Path(folder).resolve() not in seen:
        seen.add(Path(folder).resolve())
        earlier = yaml.safe_load((Path(folder) / "experiment.yaml").read_text(encoding="utf-8"))
        data = wave_data(earlier, pd.read_parquet(Path(folder) / "runs.parquet"))
        if data is not None:
            waves.insert(0, (*data, earlier.get("ranges") or earlier["uncertainties"]))
        folder = earlier.get("refocus")
    return waves


def point_name(i: int) -> str:
    return f"point_{i:03d}"


def quantity(frame: pd.DataFrame, q: str) -> pd.Series:
    keys = quantity_keys(q)
    values = frame[keys[0]].astype(float)
    return values / frame[keys[1]].astype(float) if len(keys) == 2 else values


def target_values(target: dict, runs: pd.DataFrame) -> pd.Series:
    """The model's value of one target, per seed (a held-out one against the baseline of the same seed)."""
    base = runs[runs.variant == "baseline"].set_index("seed")
    if target.get("variant") is None:
        return quantity(base, target["quantity"]).dropna()
    own = runs[runs.variant == target["variant"]].set_index("seed")
    seeds = own.index.intersection(base.index)
    level, before = quantity(own.loc[seeds], target["quantity"]), quantity(base.loc[seeds], target["quantity"])
    change = target.get("change")
    values = level - before if change == "absolute" else level / before - 1.0 if change == "relative" else level
    return values.dropna()


def calibration_table(targets: list[dict], runs: pd.DataFrame) -> pd.DataFrame:
    """One row per target: what was published, what the model gives (median and 90% interval over the seeds)."""
    rows = []
    for t in targets:
        v = target_values(t, runs)
        median = float(v.median()) if len(v) else math.nan
        low, high = t["interval"]
        rows.append({
            "target": t["name"], "use": t["use"], "figure": t["figure"], "zh": t.get("zh", ""), "source": t["source"],
            "quantity": t["quantity"], "variant": t.get("variant") or "baseline", "change": t.get("change") or "level",
            "interval_low": float(low), "interval_high": float(high),
            "model_median": median,
            "model_p05": float(v.quantile(0.05)) if len(v) else math.nan,
            "model_p95": float(v.quantile(0.95)) if len(v) else math.nan,
            "n_seeds": int(len(v)),
            "within": bool(low <= median <= high) if len(v) else False,
            "why": t["why"],
        })
    return pd.DataFrame(rows)


def wave_data(spec: dict, runs: pd.DataFrame) -> tuple | None:
    """A wave's design points that ran, each calibration target's value there (the mean over the seeds), and per
    target the variance of such a mean over seeds; None with fewer than 3 points."""
    targets = [t for t in spec["targets"] if t["use"] == "calibration"]
    points = spec.get("points") or {}
    done = [name for name in points if (runs.variant == name).any()]
    if len(done) < 3:
        return None
    rows, spread = [], {t["name"]: [] for t in targets}
    for name in done:
        frame = runs[runs.variant == name]
        row = {}
        for t in targets:
            v = quantity(frame, t["quantity"]).dropna()
            row[t["name"]] = float(v.mean()) if len(v) else float("nan")
            if len(v) > 1:  # a point's value is the mean of its seeds: its noise is their variance over their number
                spread[t["name"]].append(float(v.var(ddof=1)) / len(v))
        rows.append(row)
    design_points = pd.DataFrame([points[name] for name in done])
    noise = pd.Series({k: (sum(v) / len(v) if v else 0.0) for k, v in spread.items()})
    return design_points, pd.DataFrame(rows), noise


def wave_tables(spec: dict, runs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The history-matching wave over the design points that ran (see sim.experiments.history_matching)."""
    data = wave_data(spec, runs)
    if data is None:
        return {}
    targets = [t for t in spec["targets"] if t["use"] == "calibration"]
    return history_match(*data, targets, spec.get("ranges") or spec["uncertainties"],
                         candidates=int(spec.get("candidates", 20_000)), seed=int(spec.get("design_seed", 0)) + 1,
                         earlier=tuple(earlier_waves(spec)))


class Calibrate(KindBase):
    name = "calibrate"

    def check(self, spec: dict) -> None:
        super().check(spec)
        check_targets(spec.get("targets"))
        check_uncertainties({"design": 0, **spec})
        check_refocus(spec)

    def resolve(self, spec: dict) -> dict:
        held_out = sorted({t["variant"] for t in spec["targets"] if t.get("variant")})
        variants = {"baseline": [], **{v: [f"reform=[{v}]"] for v in held_out}}
        points, ranges = {}, spec["uncertainties"]
        if spec.get("refocus"):  # a later wave: design over what the earlier one did not rule out
            ranges = nroy_box(pd.read_parquet(Path(spec["refocus"]) / "history_matching.parquet"), ranges)
        if spec.get("design", 0):
            frame = design(ranges, int(spec["design"]), int(spec.get("design_seed", 0)))
            for i, row in enumerate(frame.to_dict("records")):
                points[point_name(i)] = {k: int(v) if whole_range(ranges[k]) else float(v) for k, v in row.items()}
        variants.update({name: [f"{k}={v}" for k, v in values.items()] for name, values in points.items()})
        return {**spec, "variants": variants, "points": points, "ranges": ranges}

    def expand(self, spec: dict) -> list[dict]:
        return expand_variants(spec, spec["variants"], spec["scenario"], inputs=spec.get("points"))

    def tables(self, spec: dict, runs: pd.DataFrame, comparison: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """calibration: every target against the model (see the module's description); with a design, the wave's
        posterior and history_matching tables."""
        base = runs[~runs.variant.isin(list(spec.get("points") or {}))]
        return {"calibration": calibration_table(spec["targets"], base), **wave_tables(spec, runs)}


KIND = Calibrate()
