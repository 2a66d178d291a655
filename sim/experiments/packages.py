"""Which reform packages to recommend: a multi-objective search over subsets of the reforms.

    from sim.experiments.packages import search, pareto_front, cheapest_reaching

    table = search(levers, evaluate, objectives={"admin_saved": "max", "service_time_mean_days": "min"})
    table[table.pareto]                                    # the packages nothing evaluated beats on every objective
    cheapest_reaching(table, "admin_saved", 5.0)           # the fewest reforms that save 5 hours a cadre-week

A package is a subset of ``levers``, encoded as one binary string (bit i on: ``levers[i]`` is in the package). The
search is NSGA-II (Deb, Pratap, Agarwal & Meyarivan 2002, "A fast and elitist multiobjective genetic algorithm:
NSGA-II", IEEE Trans. Evol. Comput. 6(2)) as Platypus implements it (``platypus.NSGAII`` with half-uniform
crossover and bit-flip mutation, its default variation for binary strings); EMA Workbench's optimisation
(``ema_workbench.em_framework.optimization``) runs the same Platypus algorithms the same way, through an evaluator
whose ``evaluate_all`` takes a whole generation.

The search knows nothing of the simulation: the caller's ``evaluate`` maps a batch of packages to their outcomes.
Each generation's packages not seen before go to it in ONE call (so a batch can be one resumable sweep), and no
package is sent twice. Besides the caller's outcomes the search minimises the number of reforms (``n_reforms``,
counted here), so the front says what each extra reform buys. The empty package (the baseline) and the full
package are always in the first generation.

The result lists every package evaluated, not only the final population: the front is recomputed over all of
them, so a good package the population later lost is still reported.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import platypus

SENSES = ("max", "min")
COUNT = "n_reforms"
RESERVED = ("package", COUNT, "pareto", "generation")  # columns the search writes itself
MIN_POPULATION = 4  # the empty and full packages and at least two others to vary

Package = frozenset[str]
Evaluate = Callable[[list[Package]], Sequence[Mapping[str, float]]]


def package_name(package: Package) -> str:
    """A package as the table names it: its lever names sorted and comma-joined ("" for no reform)."""
    return ",".join(sorted(package))


def _batch_order(package: Package) -> tuple:
    # smaller packages first, then by name: the batch (and so a sweep's run ids) is the same on every run
    return len(package), tuple(sorted(package))


class _PackageProblem(platypus.Problem):
    """One binary variable of len(levers) bits; the objectives are read from the evaluator's records, which the
    batch call has filled before Platypus asks for them."""

    def __init__(self, levers: list[str], names: list[str], senses: list[str], records: dict):
        super().__init__(1, len(names))
        self.types[0] = platypus.Binary(len(levers))
        direction = {"max": platypus.Direction.MAXIMIZE, "min": platypus.Direction.MINIMIZE}
        self.directions[:] = [direction[sense] for sense in senses]
        self.levers = levers
        self.names = names
        self.records = records

    def package(self, bits) -> Package:
        return frozenset(lever for lever, on in zip(self.levers, bits) if on)

    def evaluate(self, solution: platypus.Solution) -> None:
        record = self.records[self.package(solution.variables[0])]
        solution.objectives[:] = [record[name] for name in self.names]


class _BatchEvaluator(platypus.Evaluator):
    """Platypus evaluator that sends a generation's new packages to ``evaluate`` in one call and caches them.

    Platypus's ``Algorithm.evaluate_all`` passes the generation's unevaluated solutions as jobs in one call to
    ``evaluator.evaluate_all`` and reads the objectives back from each job's solution.
    """

    def __init__(self, problem: _PackageProblem, evaluate: Evaluate, objectives: Mapping[str, str],
                 outside_state: tuple):
        super().__init__()
        self.problem = problem
        self.evaluate = evaluate
        self.objectives = objectives
        self.outside_state = outside_state  # the caller's global random state, resumed around each batch call
        self.generation = 0

    def evaluate_all(self, jobs, **kwargs):
        seen = self.problem.records
        new = sorted({p for p in (self.problem.package(job.solution.variables[0]) for job in jobs) if p not in seen},
                     key=_batch_order)
        if new:
            for package, outcomes in zip(new, self._call(new)):
                seen[package] = {**outcomes, COUNT: float(len(package)), "generation": self.generation}
        for job in jobs:
            job.run()  # Problem.__call__: reads the record, marks the solution evaluated
        return jobs

    def _call(self, batch: list[Package]) -> list[dict]:
        # The caller's evaluator may draw from the global `random` too: it gets the caller's own stream, and the
        # search's stream (Platypus draws from the global `random`) is not moved by it, so a seed gives one search.
        search_state = random.getstate()
        random.setstate(self.outside_state)
        try:
            results = list(self.evaluate(list(batch)))
        finally:
            self.outside_state = random.getstate()
            random.setstate(search_state)
        if len(results) != len(batch):
            raise ValueError(f"evaluate: returned {len(results)} results for a batch of {len(batch)} packages; "
                             "one mapping of outcome name -> value per package, in order")
        return [_checked_outcomes(package, result, self.objectives) for package, result in zip(batch, results)]


def _checked_outcomes(package: Package, result, objectives: Mapping[str, str]) -> dict:
    name = package_name(package)
    if not isinstance(result, Mapping):
        raise ValueError(f"evaluate: the result for package {name!r} is a {type(result).__name__}; "
                         "allowed: a mapping of outcome name -> value")
    clash = sorted(set(result) & set(RESERVED))
    if clash:
        raise ValueError(f"evaluate: outcome {clash[0]!r} of package {name!r} is a column the search writes; "
                         f"allowed: any name but {', '.join(RESERVED)}")
    outcomes = dict(result)
    for outcome in objectives:
        if outcome not in outcomes:
            raise ValueError(f"evaluate: the result for package {name!r} lacks outcome {outcome!r}; "
                             f"it has {sorted(outcomes)}")
        try:
            value = float(outcomes[outcome])
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value):
            raise ValueError(f"evaluate: outcome {outcome!r} of package {name!r} is {outcomes[outcome]!r}; "
                             "allowed: a finite number")
        outcomes[outcome] = value
    return outcomes


def _check_objectives(objectives, argument: str = "objectives", reserved: Sequence[str] = RESERVED) -> None:
    if not isinstance(objectives, Mapping) or not objectives:
        raise ValueError(f"{argument}: a non-empty mapping of outcome name -> 'max' or 'min'; got {objectives!r}")
    for name, sense in objectives.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"{argument}: outcome names are non-empty strings; got {name!r}")
        if name in reserved:
            raise ValueError(f"{argument}: {name!r} is a column the search writes itself ({', '.join(reserved)}); "
                             f"{COUNT} is minimised with fixed_count_objective=True")
        if sense not in SENSES:
            raise ValueError(f"{argument}: the sense of {name!r} must be 'max' or 'min'; got {sense!r}")


def _check_search_input(levers, evaluate, objectives, population, generations, seed, fixed_count_objective) -> None:
    if isinstance(levers, str) or not isinstance(levers, Sequence):
        raise ValueError(f"levers: a list of lever names; got {levers!r}")
    if not levers:
        raise ValueError("levers: at least one lever name; got an empty list")
    for lever in levers:
        if not isinstance(lever, str) or not lever or "," in lever:
            raise ValueError(f"levers: names are non-empty strings without commas (the package column joins them "
                             f"with commas); got {lever!r}")
    repeated = sorted({lever for lever in levers if levers.count(lever) > 1})
    if repeated:
        raise ValueError(f"levers: each name once; {repeated[0]!r} is repeated")
    if not callable(evaluate):
        raise ValueError(f"evaluate: a function of a list of packages (frozensets of lever names) returning one "
                         f"mapping of outcomes per package; got {evaluate!r}")
    _check_objectives(objectives)
    if isinstance(population, bool) or not isinstance(population, int) or population < MIN_POPULATION:
        raise ValueError(f"population: an integer >= {MIN_POPULATION} (the empty and full packages and at least "
                         f"two more); got {population!r}")
    if isinstance(generations, bool) or not isinstance(generations, int) or generations < 0:
        raise ValueError(f"generations: an integer >= 0 (the generations bred after the first); got {generations!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: an integer; got {seed!r}")
    if not isinstance(fixed_count_objective, bool):
        raise ValueError(f"fixed_count_objective: True or False; got {fixed_count_objective!r}")


def search(levers: list[str], evaluate: Evaluate, *, objectives: dict[str, str], population: int = 24,
           generations: int = 10, seed: int = 0, fixed_count_objective: bool = True) -> pd.DataFrame:
    """Search the packages of ``levers`` for the best trade-offs between the ``objectives``.

    ``evaluate(packages)`` gets a list of distinct packages (frozensets of lever names) never sent before, sorted
    by size and then by name, and returns one mapping of outcome name -> value per package, in the same order; it
    is called at most once per generation (``generations + 1`` of them: the first population, then each bred one)
    and not at all when a generation brings no new package. ``objectives`` maps the outcomes to optimise to "max"
    or "min"; further outcomes the evaluator returns are kept as columns. With ``fixed_count_objective`` the number
    of reforms is minimised too. ``population`` is NSGA-II's population size (Platypus accepts odd sizes).

    The same ``seed`` gives the same search and table (for a deterministic evaluator); the caller's global
    ``random`` state is left as it was, except for what ``evaluate`` itself draws from it.

    Returns one row per package evaluated, in the order evaluated: ``package`` (sorted lever names,
    comma-joined, "" for none), ``n_reforms``, the outcomes, ``pareto`` (not dominated by any package evaluated,
    under the objectives and, with fixed_count_objective, n_reforms) and ``generation`` (0: the first population).
    """
    _check_search_input(levers, evaluate, objectives, population, generations, seed, fixed_count_objective)
    levers = list(levers)
    senses = {**objectives, **({COUNT: "min"} if fixed_count_objective else {})}

    records: dict[Package, dict] = {}  # insertion order: the order evaluated
    problem = _PackageProblem(levers, list(senses), list(senses.values()), records)
    outside_state = random.getstate()
    # Platypus draws from the global `random` (types.Binary.rand, operators.HUX/BitFlip/TournamentSelector):
    # seed it from a local generator for the run and give the caller back its own state afterwards
    random.setstate(random.Random(seed).getstate())
    evaluator = _BatchEvaluator(problem, evaluate, objectives, outside_state)
    try:
        first = []
        for bits in ([False] * len(levers), [True] * len(levers)):  # the baseline and the all-levers package
            solution = platypus.Solution(problem)
            solution.variables[0] = bits
            first.append(solution)
        # HUX + BitFlip (1/len(levers) a bit) is Platypus's default variation for binary strings, named here so
        # that a change of default does not change the search
        variator = platypus.GAOperator(platypus.HUX(), platypus.BitFlip())
        algorithm = platypus.NSGAII(problem, population_size=population, evaluator=evaluator, variator=variator,
                                    generator=platypus.InjectedPopulation(first))
        # one step is one generation (the first initialises the population), and each step evaluates its
        # offspring in one evaluate_all call
        for generation in range(generations + 1):
            evaluator.generation = generation
            algorithm.step()
    finally:
        random.setstate(evaluator.outside_state)

    outcome_names = list(objectives) + [k for r in records.values() for k in r
                                        if k not in objectives and k not in RESERVED]
    outcome_names = list(dict.fromkeys(outcome_names))
    table = pd.DataFrame({
        "package": [package_name(p) for p in records],
        COUNT: [len(p) for p in records],
        **{name: [r.get(name, np.nan) for r in records.values()] for name in outcome_names},
        "generation": [r["generation"] for r in records.values()],
    })
    table.insert(len(table.columns) - 1, "pareto", _nondominated(table, senses))
    return table


def _oriented(table: pd.DataFrame, objectives: Mapping[str, str], argument: str = "table") -> np.ndarray:
    """The objective columns as floats, negated where smaller is better, so larger is better everywhere."""
    missing = [name for name in objectives if name not in table.columns]
    if missing:
        raise ValueError(f"{argument}: no column {missing[0]!r}; the objectives must name columns of the table")
    try:
        values = table[list(objectives)].to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{argument}: the objective columns {list(objectives)} must hold numbers") from None
    if np.isnan(values).any():
        raise ValueError(f"{argument}: the objective columns hold NaN; allowed: numbers only")
    signs = np.array([1.0 if sense == "max" else -1.0 for sense in objectives.values()])
    return values * signs


def _nondominated(table: pd.DataFrame, objectives: Mapping[str, str]) -> np.ndarray:
    values = _oriented(table, objectives)
    # row j dominates row i when it is no worse in every objective and strictly better in one; a loop over rows
    # keeps memory linear in the number of packages
    dominated = np.zeros(len(values), dtype=bool)
    for i, row in enumerate(values):
        dominated[i] = ((values >= row).all(axis=1) & (values > row).any(axis=1)).any()
    return ~dominated


def pareto_front(table: pd.DataFrame, objectives: Mapping[str, str]) -> pd.DataFrame:
    """The rows of ``table`` no other row dominates (no worse in every objective, strictly better in one).

    ``objectives`` maps column names to "max" or "min"; to reproduce ``search``'s ``pareto`` column include
    ``"n_reforms": "min"``. Rows with equal objectives do not dominate each other, so both stay.
    """
    _check_objectives(objectives, reserved=())
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table: a DataFrame; got {type(table).__name__}")
    return table[_nondominated(table, objectives)]


def cheapest_reaching(table: pd.DataFrame, outcome: str, target: float, sense: str = "max") -> pd.DataFrame:
    """The packages with the fewest reforms whose ``outcome`` reaches ``target`` (>= for "max", <= for "min").

    All packages with that smallest count that reach it, best outcome first (ties by package name); an empty
    table when none does.
    """
    if sense not in SENSES:
        raise ValueError(f"sense: 'max' or 'min'; got {sense!r}")
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table: a DataFrame; got {type(table).__name__}")
    if outcome not in table.columns:
        raise ValueError(f"outcome: a column of the table; got {outcome!r}, the table has {list(table.columns)}")
    if COUNT not in table.columns:
        raise ValueError(f"table: no column {COUNT!r}; allowed: a table from search()")
    if isinstance(target, bool) or not isinstance(target, numbers.Real) or not math.isfinite(target):
        raise ValueError(f"target: a finite number; got {target!r}")
    values = table[outcome].astype(float)
    reached = table[values >= target] if sense == "max" else table[values <= target]
    if reached.empty:
        return reached
    cheapest = reached[reached[COUNT] == reached[COUNT].min()]
    by = [outcome] + (["package"] if "package" in cheapest.columns else [])
    return cheapest.sort_values(by, ascending=[sense == "min"] + [True] * (len(by) - 1), kind="mergesort")
