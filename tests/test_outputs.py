"""The output contract: every summary key and time-series column is declared once in the codebook, with one unit
per name, and the county figures live in their own table."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.outputs import (CODEBOOK, PER_CADRE_KEYS, ROLES, SUMMARY_KEYS, TABLES, codebook, columns,
                               county_timeseries)
from sim.model.reporters import COUNTY_REPORTERS, TOWNSHIP_REPORTERS

RUN = ("scenario=classroom", "scenario.days=28")


def test_codebook_is_a_table_of_every_output():
    book = codebook()
    assert list(book.columns) == ["table", "column", "unit", "meaning"]
    assert set(book.table) == set(TABLES)
    assert not book.duplicated(["table", "column"]).any()
    assert (book.unit.str.len() > 0).all() and (book.meaning.str.len() > 0).all()
    plain = book.column.str.fullmatch(r"[a-z0-9_]+")
    # the one dot a name may hold: a role's namespace before one of the per-cadre figures (township.<key>)
    by_role = {f"{role}.{key}" for role in ROLES for key in PER_CADRE_KEYS}
    assert (plain | book.column.isin(by_role)).all(), "plain snake_case names, or <role>.<per-cadre key>"
    assert by_role <= set(book.column[book.table == "summary"])
    assert SUMMARY_KEYS == {o.column: o.meaning for o in CODEBOOK if o.table == "summary"}


def test_no_name_has_two_units():
    units = codebook().groupby("column").unit.nunique()
    assert not (units > 1).any(), f"names with two units: {sorted(units[units > 1].index)}"


def test_every_summary_key_a_run_writes_is_in_the_codebook_and_back(run):
    summary, _, _ = run(*RUN)
    assert set(summary) == set(columns("summary"))
    for key, value in summary.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            assert np.isfinite(value), key


def test_timeseries_is_township_level_and_holds_no_county_column(run):
    _, series, model = run(*RUN)
    assert list(series.columns) == columns("timeseries")
    assert list(series.columns)[4:] == list(TOWNSHIP_REPORTERS)
    assert not set(series.columns) & set(COUNTY_REPORTERS)
    assert not any("county" in c for c in series.columns)
    assert len(series) == model.days * model.structure.n_townships


def test_county_timeseries_is_one_row_per_day(run):
    summary, series, model = run(*RUN)
    county = county_timeseries(model)
    assert list(county.columns) == columns("county_timeseries")
    assert list(county.columns)[3:] == list(COUNTY_REPORTERS)
    # one row per simulated day: the warm-up's days are negative, day 0 is calendar.start_date
    assert list(county.day) == list(range(-model.warmup_days, model.days - model.warmup_days))
    assert str(county.date[county.day == 0].iloc[0].date()) == model.cfg.calendar.start_date
    assert (county.date.to_numpy() == series.date.to_numpy()[:: model.structure.n_townships]).all()
    weeks = summary["measured_days"] / 7
    assert county.department_hours_per_county_day[county.day >= 0].sum() / weeks == pytest.approx(
        summary["department_hours_per_county_week"], rel=1e-12)
    measured = county[county.day >= 0]
    assert measured.satisfaction_county_mean.mean() == pytest.approx(summary["satisfaction_mean"], rel=1e-12)
    assert series[series.day >= 0].groupby("day").requests_open.sum().mean() == pytest.approx(
        summary["requests_open_county_mean"], rel=1e-12)


def test_each_role_s_figures_add_up_to_the_county_s(run):
    """A per-cadre figure of the county is its roles' figures weighted by their cadres (township and village cadres
    are every cadre); the welfare post is among the township cadres."""
    summary, _, model = run("scenario=classroom", "scenario.days=56", "package=all_reforms")
    st = model.structure
    n_t, n_v = int((st.cadre_village < 0).sum()), int((st.cadre_village >= 0).sum())
    additive = [k for k in PER_CADRE_KEYS if k not in ("service_share", "meetings_max_per_cadre_day")]
    for key in additive:
        both = (summary[f"township.{key}"] * n_t + summary[f"village.{key}"] * n_v) / (n_t + n_v)
        assert np.isclose(both, summary[key], rtol=1e-9, atol=1e-9), key
    assert max(summary["township.meetings_max_per_cadre_day"], summary["village.meetings_max_per_cadre_day"]) == \
        summary["meetings_max_per_cadre_day"]
    assert summary["township.civil_affairs.meetings_max_per_cadre_day"] <= \
        summary["township.meetings_max_per_cadre_day"]
    # the roles differ where the published figures say they do: village cadres fill the forms
    assert summary["village.data_reports_hours_per_cadre_week"] > summary["township.data_reports_hours_per_cadre_week"]


def test_a_reporter_s_series_is_numpy_s_array_of_its_daily_values():
    """``GrassrootsModel.series`` joins a township reporter's daily arrays end to end: the array ``np.asarray``
    makes of the DataCollector's list, to the byte, of the same dtype and shape, for every reporter (county figures,
    numbers a day, included) of a county with every reform; and refuses what np.asarray refuses."""
    from types import SimpleNamespace

    from sim.config import load_config
    from sim.model.model import GrassrootsModel

    model = GrassrootsModel(load_config(["scenario=county", "scenario.days=20", "scenario.warmup_days=2",
                                         "package=all_reforms"]))
    model.run()
    for name, values in model.datacollector.model_vars.items():
        want, got = np.asarray(values), model.series(name)
        assert (got.dtype, got.shape) == (want.dtype, want.shape) and got.tobytes() == want.tobytes(), name
    assert model.series("admin_hours_per_cadre_day").shape == (22, model.structure.n_townships)
    # a record that is not one array of one length a day is refused, as np.asarray refuses it
    odd = SimpleNamespace(datacollector=SimpleNamespace(model_vars={
        "ragged": [np.zeros(2), np.zeros(3)], "two_dimensional": [np.zeros(2), np.zeros((2, 1))]}))
    for name, values in odd.datacollector.model_vars.items():
        for make in (np.asarray, lambda _values, name=name: GrassrootsModel.series(odd, name)):
            with pytest.raises(ValueError):
                make(values)


def test_the_tally_adds_numbers_as_numpy_adds_them_into_a_float64_record():
    """``Tally.add`` keeps a record of one number a day as a list of floats: every day's figure is the double
    numpy's ``record[day] += value`` made, whatever the type of the numbers added (Python's floats, ints and bools,
    numpy's float64, float32, int64 and 0-d arrays), in the order added; a day outside the run adds nothing,
    ``Tally.on`` reads one day, and records of arrays are kept as before."""
    from sim.model.tally import Tally

    rng = np.random.default_rng(5)
    kinds = (float, int, bool, np.float64, np.float32, np.int64, np.array)
    for first in kinds:    # a record's first two numbers, of every two kinds (Python's 1.1 + numpy's float32 0.3 is
        for second in kinds:   # a float32 1.4 unless the number is taken as a double)
            tally, want = Tally(days=1, warmup_days=0), np.zeros(1)
            for value in (first(1.1), second(0.3)):
                tally.add("figure", value)
                want[0] += value
            assert tally.by_day("figure").tobytes() == want.tobytes(), (first, second)
    tally, want = Tally(days=6, warmup_days=2), np.zeros(6)
    for day in (*range(6), -1, 6, 7):
        for _ in range(20):   # each day, every kind after every other, in shuffled orders
            for kind in rng.permutation(len(kinds)):
                value = kinds[kind](rng.normal() * 10 ** int(rng.integers(-8, 9)))
                tally.add("figure", value, day=day)
                if 0 <= day < 6:
                    want[day] += value
    got = tally.by_day("figure")
    assert got.dtype == np.float64 and got.tobytes() == want.tobytes()
    assert [tally.on("figure", d) for d in range(6)] == want.tolist()
    assert tally.total("figure") == want[2:].sum()
    assert tally.on("never_added", 3) == 0.0 and tally.by_day("never_added").tolist() == [0.0] * 6
    tally.today = 1
    tally.add("by_activity", np.array([1.0, 2.0]))
    tally.add("by_activity", np.array([0.5, 0.25]))
    assert tally.by_day("by_activity")[1].tolist() == [1.5, 2.25] and tally.by_day("by_activity").shape == (6, 2)


def test_the_tally_counts_kinds_by_day_and_leaves_out_days_outside_the_run():
    """``Tally.count``: one more of a kind on the day it happens, in a record by day and kind; a day outside the run
    adds nothing (as ``Tally.add`` leaves it)."""
    from sim.model.tally import Tally

    tally = Tally(days=4, warmup_days=1)
    for day, kind in ((0, 1), (1, 2), (1, 2), (1, 0), (3, 1), (4, 1), (-1, 0)):
        tally.today = day
        tally.count("report_types", kind, 3)
    assert tally.by_day("report_types").tolist() == [[0, 1, 0], [1, 0, 2], [0, 0, 0], [0, 1, 0]]
    assert tally.total("report_types").tolist() == [1, 1, 2]   # the measured days: the warm-up day left out
