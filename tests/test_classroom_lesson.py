"""docs/classroom.md, the 45-minute lesson, against the model: every finding the guide promises a class is re-run.

The guide keeps its numbers in one block (```yaml headed ``# expected findings``); its prose may quote them, in
bold, and only them. Each exercise is re-run the way the classroom page runs it: ``scenario=classroom``, the
township with the reforms and its twin without them on the same seed, stepped from day 0 (the warm-up included,
as the page shows it), and read on the page's measures over days 1-N (the last test holds them to the page's own
code). A run is stepped once per (reforms, seed) and read at every day a claim asks for: the model never looks
ahead, so the first N days of a longer run are the run of N days.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.config import REFORM_NAMES, load_config, with_seed, with_values
from sim.experiments.decompose import parts
from sim.model.model import GrassrootsModel
from sim.model.workload import ADMIN, A

DOC = Path(__file__).resolve().parent.parent / "docs" / "classroom.md"
MARK = "# expected findings"
_ADMIN = [A[a] for a in ADMIN]


# ---- the guide ---------------------------------------------------------------------------------------------------

def _blocks(text: str) -> list[tuple[int, int, str]]:
    """The ```yaml blocks of the guide: (start, end, body)."""
    return [(m.start(), m.end(), m.group(1)) for m in re.finditer(r"^```yaml\n(.*?)^```", text, re.S | re.M)]


@functools.lru_cache(maxsize=1)
def guide() -> tuple[dict, str]:
    """The findings block, and the prose around it (the block cut out)."""
    text = DOC.read_text(encoding="utf-8")
    found = [(a, b, body) for a, b, body in _blocks(text) if body.startswith(MARK)]
    assert len(found) == 1, f"{DOC.name}: expected one ```yaml block starting {MARK!r}, found {len(found)}"
    a, b, body = found[0]
    return yaml.safe_load(body), text[:a] + text[b:]


def ex(n: int) -> dict:
    return guide()[0][f"exercise_{n}"]


def seeds() -> list[int]:
    return guide()[0]["seeds"]


def within(value: float, bounds, what: str) -> None:
    lo, hi = bounds
    assert lo <= value <= hi, f"the guide says {what} is {lo}-{hi}; the model gives {value:.3f}"


def at_least(value: float, bound: float, what: str) -> None:
    assert value >= bound, f"the guide says {what} is at least {bound}; the model gives {value:.3f}"


def at_most(value: float, bound: float, what: str) -> None:
    assert value <= bound, f"the guide says {what} is at most {bound}; the model gives {value:.3f}"


def agree(found, said, what: str) -> None:
    assert found == said, f"the guide says {what} is {said}; the model gives {found}"


def rounded(by_seed: dict) -> dict:
    return {s: round(float(v), 3) for s, v in by_seed.items()}


# ---- the classroom township, run as the page runs it ------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _config(reforms: tuple[str, ...], rebound: bool):
    """Composed once per set of reforms (Hydra takes ~0.2 s); seeds and the elasticity are set on it."""
    cfg = load_config(["scenario=classroom", *([f"reform=[{','.join(reforms)}]"] if reforms else [])])
    return cfg if rebound else with_values(cfg, {"rebound.elasticity": 0.0})


_RUNS: dict[tuple, GrassrootsModel] = {}


def township(reforms, seed: int, day: int, rebound: bool = True) -> GrassrootsModel:
    """The township with `reforms` on `seed`, stepped from day 0 to at least `day` (a run is continued, never
    repeated, when a later claim asks for more days)."""
    reforms = tuple(r for r in REFORM_NAMES if r in set(reforms))
    key = (reforms, seed, rebound if reforms else True)  # without reforms nothing rebounds
    m = _RUNS.get(key)
    if m is None:
        m = _RUNS[key] = GrassrootsModel(with_seed(_config(key[0], key[2]), seed))
    if m.day < day:
        m.run_for(day - m.day)
    return m


# the page's measures over days 1..day (sim/views/classroom/figures.py reads the same records at the current day)
def admin_hours(m: GrassrootsModel, day: int) -> float:
    """Admin hours per cadre-week (the what-changed table's first row)."""
    return float(m.tally.by_day("hours")[:day, _ADMIN].sum() / m.structure.n_cadres / (day / 7.0))


def service_days(m: GrassrootsModel, day: int) -> float:
    """Mean days from arrival to resolution of the requests resolved by the end of `day` (the table's service
    time)."""
    book = m.service.book
    res, arr = book.resolved[: book.n], book.arrival[: book.n]
    done = (res >= 0) & (res <= day - 1)
    return float((res[done] - arr[done]).mean())


def so_far(m: GrassrootsModel, day: int) -> dict:
    """The summary figures the decomposition reads (``decompose.NEEDED``), over days 1..day."""
    weeks, C = day / 7.0, m.structure.n_cadres
    h = m.tally.by_day("hours")[:day].sum(axis=0) / C / weeks
    out = {f"{k}_per_cadre_week": float(m.tally.by_day(k)[:day].sum() / C / weeks)
           for k in ("hours_removed_by_reforms", "service_hours_removed_by_reforms", "rebound_hours",
                     "shadow_ledger_hours", "fatigue_hours")}
    out.update(defensive_paperwork_hours_per_cadre_week=float(h[A["defensive_paperwork"]]),
               service_hours_per_cadre_week=float(h[A["service"]]), working_hours_per_cadre_week=float(h.sum()),
               admin_hours_per_cadre_week=float(h[_ADMIN].sum()),
               department_hours_per_county_week=float(m.department_hours[:day].sum() / weeks), n_cadres=C)
    return out


def change(measure, reforms, seed: int, day: int, rebound: bool = True) -> float:
    """With the reforms minus without them: the page's "what changed" column."""
    return measure(township(reforms, seed, day, rebound), day) - measure(township((), seed, day), day)


def where_hours_went(reforms, seed: int, day: int) -> pd.Series:
    """The page's "where the hours went" panel: the decomposition's parts, per cadre-week, over days 1..day."""
    base = pd.DataFrame([so_far(township((), seed, day), day)])
    variant = pd.DataFrame([so_far(township(reforms, seed, day), day)])
    return parts(base, variant).iloc[0]


def campaigns(seed: int, day: int, emergency_only: bool = False) -> int:
    """Checkpoint campaigns begun in days 1..day (the same draws with or without reforms)."""
    return sum(1 for (_t, start, _dept, emergency) in township((), seed, day).township.campaigns
               if start < day and (emergency or not emergency_only))


# ---- the guide itself --------------------------------------------------------------------------------------------

def _numbers(node) -> tuple[set[float], set[tuple[float, float]]]:
    """The block's [lo, hi] pairs, and its other numbers (a bound of a pair is not one: "at least 0.8" in the prose
    must be a figure of its own, not the end of some range)."""
    singles, pairs = set(), set()

    def is_number(v):
        return isinstance(v, int | float) and not isinstance(v, bool)

    def walk(x):
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list) and len(x) == 2 and all(is_number(v) for v in x):
            pairs.add((float(x[0]), float(x[1])))
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif is_number(x):
            singles.add(float(x))

    walk(node)
    return singles, pairs


def _strings(node) -> set[str]:
    """Every string in the block, keys included (the reforms it names)."""
    if isinstance(node, dict):
        return set().union(*(_strings(k) | _strings(v) for k, v in node.items()))
    if isinstance(node, list):
        return set().union(*(_strings(v) for v in node))
    return {node} if isinstance(node, str) else set()


BOLD_NUMBER = re.compile(r"\*\*([+-]?\d+(?:\.\d+)?)(?:\s*[–-]\s*([+-]?\d+(?:\.\d+)?))?\s*(%?)\*\*")


def test_the_prose_quotes_only_the_block():
    """Every number the prose sets in bold is in the findings block (a % is a share of one), and every range of the
    block is quoted somewhere: a figure cannot change in one place and not the other."""
    block, prose = guide()
    singles, pairs = _numbers(block)
    quoted_pairs, stray = set(), []
    for m in BOLD_NUMBER.finditer(prose):
        scale = 100.0 if m.group(3) else 1.0
        lo = float(m.group(1)) / scale
        if m.group(2) is None:
            if not any(np.isclose(lo, s) for s in singles):
                stray.append(m.group(0))
            continue
        pair = (lo, float(m.group(2)) / scale)
        match = [p for p in pairs if np.allclose(p, pair)]
        quoted_pairs.update(match)
        if not match:
            stray.append(m.group(0))
    assert not stray, f"{DOC.name} quotes figures that are not in its findings block: {stray}"
    unquoted = sorted(pairs - quoted_pairs)
    assert not unquoted, f"{DOC.name}: ranges of the findings block the prose never quotes: {unquoted}"


def test_the_guide_names_what_the_page_shows():
    """The rows, panels' parts and switches the guide sends a class to, in the page's own words (both languages)."""
    from sim.views.classroom.texts import TEXTS
    from sim.views.labels import DECOMPOSITION_LABELS, REFORM_LABELS

    block, prose = guide()
    names = {s for s in _strings(block) if s in REFORM_NAMES}
    words = [*(TEXTS[k] for k in ("admin_hours", "service_days")), *(REFORM_LABELS[r] for r in sorted(names)),
             *(DECOMPOSITION_LABELS[k] for k in ("gross_removed", "absorbed_by_rebound", "given_back_as_rest",
                                                 "reinvested_in_residents", "moved_up_to_county"))]
    missing = [w for pair in words for w in pair if w not in prose]
    assert not missing, f"{DOC.name} does not use the page's words: {missing}"


# ---- exercise 1: which single reform frees the most hours? --------------------------------------------------------

def test_exercise_1_the_ranking_on_the_class_township():
    e = ex(1)
    seed, day = e["seed"], e["days"]
    freed = pd.Series({r: -change(admin_hours, [r], seed, day) for r in REFORM_NAMES}).sort_values(ascending=False)
    print(f"\n[lesson] exercise 1, seed {seed}, days 1-{day}: hours freed per cadre-week\n{freed.round(3).to_string()}")
    agree(freed.index[0], e["most"], "the reform that frees the most")
    within(freed[e["most"]], e["most_frees_hours"], f"what {e['most']} frees")
    agree(freed.index[1], e["runner_up"], "the runner-up")
    at_least(freed.iloc[0] - freed.iloc[1], e["lead_at_least"], "the winner's lead")
    agree(freed.abs().idxmin(), e["least"], "the reform that changes admin hours least")
    at_most(abs(freed[e["least"]]), e["least_changes_at_most"], f"how much {e['least']} changes them")
    at_most(-freed.min(), e["none_adds_more_than"], f"the most any reform adds ({freed.idxmin()})")


def test_exercise_1_by_the_end_of_the_year():
    """The teacher's demonstration: the winner of the first quarter, played on to the year's end."""
    e = ex(1)["by_the_end"]
    within(-change(admin_hours, [e["reform"]], ex(1)["seed"], e["days"]), e["frees_hours"],
           f"what {e['reform']} frees over days 1-{e['days']}")


def test_exercise_1_on_every_seed():
    e, day = ex(1), ex(1)["days"]
    steady = {s: -change(admin_hours, [e["most"]], s, day) for s in seeds()}
    swings = {s: -change(admin_hours, [e["swings"]], s, day) for s in seeds()}
    print(f"\n[lesson] exercise 1, days 1-{day}, hours freed by seed: {e['most']} {rounded(steady)}, "
          f"{e['swings']} {rounded(swings)}")
    for s, v in steady.items():
        within(v, e["every_seed_most_frees_hours"], f"what {e['most']} frees on seed {s}")
    at_least(max(swings.values()) - min(swings.values()), e["swings_by_at_least"],
             f"how much {e['swings']}'s saving differs between seeds")
    # nothing to staff: no checkpoint campaign begins in the first days of this seed's year
    agree(min(swings, key=swings.get), e["no_campaign_seed"], f"the seed where {e['swings']} frees least")
    agree(campaigns(e["no_campaign_seed"], day), 0, f"campaigns begun in days 1-{day} of seed {e['no_campaign_seed']}")
    tie, rival = e["ties_on_seed"], e["ties_with"]
    on_that_seed = pd.Series({r: -change(admin_hours, [r], tie, day) for r in REFORM_NAMES})
    agree(on_that_seed.sort_values(ascending=False).index[1], rival, f"the runner-up on seed {tie}")
    at_most(abs(swings[tie] + change(admin_hours, [rival], tie, day)), e["ties_within"],
            f"{e['swings']} against {rival} on seed {tie}")


def test_exercise_1_a_reform_may_have_lapsed_in_a_one_township_class():
    """A reform with backsliding starts lapsed in a fifth of townships (the steady state of lapses and reviews); in a
    class of one township that is all or nothing: nothing applies it, nothing changes."""
    e, day = ex(1)["lapsed"], ex(1)["days"]
    m = township([e["reform"]], e["seed"], day)
    assert m.tally.by_day(f"applying/{e['reform']}")[:day].max() == 0.0, f"{e['reform']} applied on seed {e['seed']}"
    assert change(admin_hours, [e["reform"]], e["seed"], day) == 0.0


# ---- exercise 2: rest rights and service time ---------------------------------------------------------------------

def test_exercise_2_rest_rights_cost_service_time():
    e, day = ex(2), ex(2)["days"]
    cost = {s: change(service_days, ["rest_rights"], s, day) for s in seeds()}
    print(f"\n[lesson] exercise 2, days 1-{day}: service days added by rest rights {rounded(cost)}")
    for s, v in cost.items():
        within(v, e["rest_rights_adds_days"], f"what rest rights add to service time on seed {s}")
    mean_cost = float(np.mean(list(cost.values())))
    within(mean_cost, e["rest_rights_adds_days_mean"], "what rest rights add on the mean")
    without = np.mean([service_days(township((), s, day), day) for s in seeds()])
    within(mean_cost / without, e["rest_rights_adds_share_mean"], "the mean rise as a share of service time")
    # it grows with the emergency checkpoint shifts that rest rights cannot stop: the extremes agree
    counts = {s: campaigns(s, day, emergency_only=True) for s in seeds()}
    agree(counts, e["emergency_campaigns"], f"the emergency campaigns begun in days 1-{day}, by seed")
    agree(max(cost, key=cost.get), e["largest_cost_on_seed"], "the seed where rest rights cost most")
    agree(max(counts, key=counts.get), e["largest_cost_on_seed"], "the seed with the most emergency campaigns")
    agree(min(cost, key=cost.get), e["smallest_cost_on_seed"], "the seed where rest rights cost least")
    agree(min(counts, key=counts.get), e["smallest_cost_on_seed"], "the seed with the fewest emergency campaigns")


def test_exercise_2_what_offsets_it():
    e, day = ex(2), ex(2)["days"]
    cost = np.array([change(service_days, ["rest_rights"], s, day) for s in seeds()])
    for name in ("fix", "free_hours"):
        both = "+".join(e[name]["reforms"])
        with_partner = np.array([change(service_days, e[name]["reforms"], s, day) for s in seeds()])
        print(f"\n[lesson] exercise 2, {both}: service days added {np.round(with_partner, 3)}")
        if "adds_days_at_most" in e[name]:
            at_most(with_partner.max(), e[name]["adds_days_at_most"], f"what {both} adds on any seed")
        within(1.0 - with_partner.mean() / cost.mean(), e[name]["cuts_mean_cost_by"],
               f"the share of rest rights' mean cost that {both} takes away")


# ---- exercise 3: how much of a saving does rebound eat? ------------------------------------------------------------

def test_exercise_3_where_the_hours_went():
    e = ex(3)
    reform, seed, day = e["reform"], e["seed"], e["days"]
    w = where_hours_went([reform], seed, day)
    print(f"\n[lesson] exercise 3, {reform}, seed {seed}, days 1-{day}:\n{w.round(3).to_string()}")
    within(w["gross_removed"], e["gross_removed_hours"], f"the hours {reform} removes")
    within(w["absorbed_by_rebound"] / w["gross_removed"], e["rebound_share"], "rebound's share of them")
    within(w["given_back_as_rest"] / w["gross_removed"], e["rest_share"], "the share given back as rest")
    within(w["moved_up_to_county"], e["moved_up_to_county_hours"], "the county's hours per cadre-week")
    at_most(w["reinvested_in_residents"], e["residents_at_most"], "the hours reinvested in residents")
    for s in seeds():
        ws = where_hours_went([reform], s, day)
        within(ws["absorbed_by_rebound"] / ws["gross_removed"], e["every_seed_rebound_share"],
               f"rebound's share on seed {s}")
    for other, bounds in e["other_reforms_rebound_share"].items():
        wo = where_hours_went([other], seed, day)
        within(wo["absorbed_by_rebound"] / wo["gross_removed"], bounds, f"rebound's share of what {other} removes")


def test_exercise_3_with_rebound_switched_off():
    """What the page cannot switch: the same reform with departments that never respond (rebound.elasticity=0)."""
    e = ex(3)
    reform, seed, day = e["reform"], e["seed"], e["days"]
    on = -change(admin_hours, [reform], seed, day)
    off = -change(admin_hours, [reform], seed, day, rebound=False)
    print(f"\n[lesson] exercise 3, {reform}, seed {seed}, days 1-{day}: frees {on:.3f} h, {off:.3f} h without rebound")
    within(off, e["without_rebound_frees_hours"], f"what {reform} frees without rebound")
    within(1.0 - on / off, e["rebound_eats_share"], "the share of the saving rebound eats")


# ---- the lesson reads what the page shows --------------------------------------------------------------------------

def test_the_lesson_reads_what_the_page_shows():
    """The measures above are the page's own: the classroom model, stepped day by day as the page steps it, shows in
    its what-changed table and where-the-hours-went panel what this file reads from its longer runs."""
    from sim.views.classroom.figures import what_changed
    from sim.views.classroom.figures import where_hours_went as page_where
    from sim.views.classroom.model import ClassroomModel

    e, day = ex(3), 30
    for reforms in ([e["reform"]], []):
        township(reforms, e["seed"], e["days"])  # past day 30, so that the first 30 days are read from a longer run
    page = ClassroomModel(seed=e["seed"], reforms=[e["reform"]])
    for _ in range(day):
        page.step()
    rows = {r["metric"]: r["difference"] for r in what_changed(page)}
    for key, measure in (("admin_hours", admin_hours), ("service_days", service_days)):
        assert rows[key] == pytest.approx(change(measure, [e["reform"]], e["seed"], day), abs=1e-9), key
    theirs, ours = page_where(page), where_hours_went([e["reform"]], e["seed"], day)
    for key in ("gross_removed", "absorbed_by_rebound", "given_back_as_rest", "reinvested_in_residents",
                "moved_up_to_county"):
        assert theirs[key] == pytest.approx(ours[key], abs=1e-9), key
