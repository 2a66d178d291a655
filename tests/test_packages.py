"""The package search (sim.experiments.packages) on constructed problems whose answers are known without it."""

from __future__ import annotations

import itertools
import random

import pandas as pd
import pytest

from sim.experiments.packages import cheapest_reaching, pareto_front, search

# Eight levers with additive (saving, cost): three efficient ones (r0, r6, r2: cost 3 each), costly ones (r5, r4)
# that save more per lever than the rest, and dominated fillers. Over (max saving, min cost, min n_reforms) the
# brute-force front has 12 packages, two of them at 3, 4 and 5 reforms each.
LEVERS = [f"r{i}" for i in range(8)]
SAVING_COST = {"r0": (8, 3), "r1": (3, 9), "r2": (5, 3), "r3": (4, 9), "r4": (6, 9), "r5": (7, 8), "r6": (7, 3),
               "r7": (4, 8)}
OBJECTIVES = {"saving": "max", "cost": "min"}
WITH_COUNT = {**OBJECTIVES, "n_reforms": "min"}


def _outcomes(package: frozenset[str]) -> dict[str, float]:
    return {"saving": float(sum(SAVING_COST[lever][0] for lever in package)),
            "cost": float(sum(SAVING_COST[lever][1] for lever in package))}


class Recorder:
    """The additive evaluator, recording every batch it is sent."""

    def __init__(self):
        self.calls: list[list[frozenset[str]]] = []

    def __call__(self, batch):
        self.calls.append(list(batch))
        return [_outcomes(package) for package in batch]


def _brute_force_front() -> pd.DataFrame:
    rows = [{"package": ",".join(sorted(c)), "n_reforms": len(c), **_outcomes(frozenset(c))}
            for k in range(len(LEVERS) + 1) for c in itertools.combinations(LEVERS, k)]
    return pareto_front(pd.DataFrame(rows), WITH_COUNT)


def _dominates(a, b, objectives) -> bool:
    better = [(a[k] - b[k]) * (1 if s == "max" else -1) for k, s in objectives.items()]
    return all(d >= 0 for d in better) and any(d > 0 for d in better)


@pytest.fixture(scope="module")
def found():
    evaluate = Recorder()
    # 30 generations of 24: with seed 0 it finds the whole front having evaluated 154 of the 256 packages (over
    # seeds 0-199 every run found it, evaluating at most 186)
    table = search(LEVERS, evaluate, objectives=OBJECTIVES, population=24, generations=30, seed=0)
    return table, evaluate


def test_the_search_finds_the_brute_force_front(found):
    table, _ = found
    front = _brute_force_front()
    assert len(front) == 12
    assert set(front.package) <= set(table.package)
    best = table[table.pareto]
    for _, row in best.iterrows():
        assert not any(_dominates(point, row, WITH_COUNT) for _, point in front.iterrows()), row.package
    assert set(best.package) == set(front.package)
    assert len(table) < 200  # clearly fewer than all 256


def test_the_table_lists_each_package_once_with_its_outcomes(found):
    table, _ = found
    assert list(table.columns) == ["package", "n_reforms", "saving", "cost", "pareto", "generation"]
    assert table.package.is_unique
    for _, row in table.iterrows():
        package = frozenset(row.package.split(",")) if row.package else frozenset()
        assert row.n_reforms == len(package)
        assert (row.saving, row.cost) == tuple(_outcomes(package).values())
    # the pareto column is the front of everything evaluated, under the objectives and the count
    assert set(table[table.pareto].package) == set(pareto_front(table, WITH_COUNT).package)


def test_batches_never_repeat_a_package_and_come_one_per_generation(found):
    table, evaluate = found
    sent = [package for batch in evaluate.calls for package in batch]
    assert len(sent) == len(set(sent)) == len(table)
    assert len(evaluate.calls) <= 31
    for batch in evaluate.calls:
        assert batch == sorted(batch, key=lambda p: (len(p), sorted(p)))
    # each generation's packages came in one batch, in the order of the table
    assert [g for g, _ in itertools.groupby(table.generation)] == sorted(set(table.generation))
    assert [len(b) for b in evaluate.calls] == table.groupby("generation").size().tolist()
    first = table.set_index("package").generation
    assert first[""] == 0 and first[",".join(LEVERS)] == 0  # the baseline and the full package


def test_the_same_seed_gives_the_same_table_and_leaves_the_callers_random_state():
    random.seed(12345)
    before = random.getstate()
    a = search(LEVERS, Recorder(), objectives=OBJECTIVES, population=24, generations=5, seed=7)
    assert random.getstate() == before
    b = search(LEVERS, Recorder(), objectives=OBJECTIVES, population=24, generations=5, seed=7)
    pd.testing.assert_frame_equal(a, b)

    # an evaluator drawing from the global random gets the caller's stream and does not move the search's
    draws = []

    def drawing(batch):
        draws.append(random.random())
        return [_outcomes(p) for p in batch]

    random.seed(99)
    c = search(LEVERS, drawing, objectives=OBJECTIVES, population=24, generations=5, seed=7)
    pd.testing.assert_frame_equal(a, c)
    caller = random.Random(99)
    assert draws == [caller.random() for _ in draws]
    assert random.random() == caller.random()


def test_count_objective_off_odd_population_extra_outcomes_and_a_single_lever():
    def evaluate(batch):
        return [{**_outcomes(p), "note": 1.0} for p in batch]

    table = search(LEVERS, evaluate, objectives={"saving": "max"}, population=5, generations=3,
                   fixed_count_objective=False)
    assert table.loc[table.pareto, "package"].tolist() == [",".join(LEVERS)]  # only the most saving, count ignored
    assert "note" in table.columns and "n_reforms" in table.columns
    one = search(["a"], lambda batch: [{"x": float(len(p))} for p in batch], objectives={"x": "max"})
    assert sorted(one.package) == ["", "a"] and one.generation.tolist() == [0, 0]


def test_cheapest_reaching_on_a_hand_made_table():
    table = pd.DataFrame({"package": ["", "a", "b", "c", "a,b", "a,c", "a,b,c"],
                          "n_reforms": [0, 1, 1, 1, 2, 2, 3],
                          "saving": [0.0, 3.0, 5.0, 5.0, 8.0, 9.0, 12.0],
                          "cost": [0.0, 1.0, 4.0, 2.0, 5.0, 3.0, 7.0]})
    assert cheapest_reaching(table, "saving", 4).package.tolist() == ["b", "c"]  # one reform; a tie by name
    assert cheapest_reaching(table, "saving", 5.0).package.tolist() == ["b", "c"]  # reaching includes equal
    assert cheapest_reaching(table, "saving", 6).package.tolist() == ["a,c", "a,b"]  # best first
    assert cheapest_reaching(table, "saving", 100).empty
    assert cheapest_reaching(table, "cost", 3, sense="min").package.tolist() == [""]
    assert cheapest_reaching(table[table.n_reforms > 0], "cost", 3, sense="min").package.tolist() == ["a", "c"]
    assert pareto_front(table, {"saving": "max", "cost": "min", "n_reforms": "min"}).package.tolist() == \
        ["", "a", "c", "a,c", "a,b,c"]


def _ok(batch):
    return [_outcomes(p) for p in batch]


@pytest.mark.parametrize("argument, kwargs", [
    ("levers", {"levers": []}),
    ("levers", {"levers": ["r0", "r1", "r0"]}),
    ("levers", {"levers": "r0"}),
    ("levers", {"levers": ["r0,r1"]}),
    ("levers", {"levers": ["r0", ""]}),
    ("evaluate", {"evaluate": "not a function"}),
    ("objectives", {"objectives": {}}),
    ("objectives", {"objectives": {"saving": "maximise"}}),
    ("objectives", {"objectives": {"saving": "max", "n_reforms": "min"}}),
    ("population", {"population": 3}),
    ("population", {"population": 24.0}),
    ("generations", {"generations": -1}),
    ("seed", {"seed": "zero"}),
    ("fixed_count_objective", {"fixed_count_objective": "yes"}),
])
def test_bad_input_is_refused_naming_the_argument(argument, kwargs):
    args = {"levers": LEVERS, "evaluate": _ok, "objectives": OBJECTIVES, **kwargs}
    with pytest.raises(ValueError, match=rf"^{argument}: ") as info:
        search(args.pop("levers"), args.pop("evaluate"), **args)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("evaluate, message", [
    (lambda batch: _ok(batch)[1:], "returned"),
    (lambda batch: [{"saving": 1.0} for _ in batch], "lacks outcome 'cost'"),
    (lambda batch: [{"saving": float("nan"), "cost": 0.0} for _ in batch], "finite number"),
    (lambda batch: [{**_outcomes(p), "pareto": 1.0} for p in batch], "column the search writes"),
    (lambda batch: [None for _ in batch], "mapping"),
])
def test_a_broken_evaluator_is_reported(evaluate, message):
    with pytest.raises(ValueError, match=rf"^evaluate: .*{message}"):
        search(LEVERS, evaluate, objectives=OBJECTIVES, population=4, generations=1)


def test_bad_arguments_of_the_table_functions():
    table = pd.DataFrame({"package": ["", "a"], "n_reforms": [0, 1], "saving": [0.0, 1.0]})
    with pytest.raises(ValueError, match=r"^sense: "):
        cheapest_reaching(table, "saving", 1.0, sense="maximise")
    with pytest.raises(ValueError, match=r"^outcome: "):
        cheapest_reaching(table, "cost", 1.0)
    with pytest.raises(ValueError, match=r"^target: "):
        cheapest_reaching(table, "saving", float("nan"))
    with pytest.raises(ValueError, match=r"^objectives: "):
        pareto_front(table, {"saving": "up"})
    with pytest.raises(ValueError, match=r"^table: "):
        pareto_front(table, {"cost": "min"})
