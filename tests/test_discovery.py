"""Scenario discovery (PRIM through EMA Workbench): boxes found where the answer is known, the tidy table, and the
sentence a policymaker reads."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from sim.experiments.discovery import TABLE_COLUMNS, boxes_table, describe_box, find_boxes


@pytest.fixture(scope="module")
def uniform_case():
    """1000 cases of four uniform uncertainties; the reform backfires exactly where a > 0.7 and b < 0.4."""
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.uniform(size=(1000, 4)), columns=list("abcd"))
    y = ((x.a > 0.7) & (x.b < 0.4)).to_numpy()
    return x, y


@pytest.fixture(scope="module")
def uniform_boxes(uniform_case):
    x, y = uniform_case
    return find_boxes(x, y, threshold=0.9)


def test_prim_recovers_a_known_box(uniform_case, uniform_boxes):
    x, y = uniform_case
    boxes = uniform_boxes
    assert boxes, "no box found"
    first = boxes[0]
    assert first["box"] == 1
    assert first["density"] >= 0.9 and first["coverage"] >= 0.8
    assert set(first["limits"]) == {"a", "b"}   # c and d are noise: not restricted
    a_low, a_high = first["limits"]["a"]
    b_low, b_high = first["limits"]["b"]
    assert abs(a_low - 0.7) <= 0.05 and a_high == x.a.max()   # only a's lower side is restricted
    assert abs(b_high - 0.4) <= 0.05 and b_low == x.b.min()
    assert first["ranges"]["a"] == (x.a.min(), x.a.max())
    inside = (x.a >= a_low) & (x.a <= a_high) & (x.b >= b_low) & (x.b <= b_high)
    assert first["n_cases"] == inside.sum()
    assert first["mass"] == pytest.approx(inside.mean())
    assert first["density"] == pytest.approx(y[inside].mean())
    assert first["coverage"] == pytest.approx(y[inside].sum() / y.sum())
    # whatever else is found is dense enough too (the search stops at the first box that is not)
    assert all(b["density"] >= 0.9 for b in boxes) and len(boxes) <= 2
    # and both restrictions matter (quasi-p values far below 0.05)
    assert max(first["qp"].values()) < 1e-6


def test_a_box_dense_only_by_chance_is_not_reported():
    """64 scenarios of twelve uncertainties and backfires that depend on none of them (a third of the cases, at
    random), as in a robustness experiment: PRIM peels boxes that are dense by chance in many uncertainties; none
    of those restrictions is significant, so nothing is reported."""
    chance = 0
    for seed in range(8):
        rng = np.random.default_rng(seed)
        x = pd.DataFrame(rng.uniform(size=(64, 12)), columns=[f"u{i}" for i in range(12)])
        y = rng.uniform(size=64) < 1 / 3
        assert find_boxes(x, y) == [], seed
        # without the significance test the same search reports such boxes (so the test above bites)
        chance += any(q > 0.05 for b in find_boxes(x, y, max_qp=1.0) for q in b["qp"].values())
    assert chance >= 4


@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_an_integer_uncertainty_gets_whole_limits(dtype):
    """A count 1..5 (as EMA's IntegerParameter samples it; or the same counts as floats), backfiring from 4 up, with
    3% of the flags flipped."""
    rng = np.random.default_rng(1)
    groups = rng.integers(1, 6, size=1000)
    x = pd.DataFrame({"chat.groups_per_department": groups.astype(dtype),
                      "rebound.elasticity": rng.uniform(0, 0.6, size=1000)})
    y = (groups >= 4) ^ (rng.uniform(size=1000) < 0.03)
    boxes = find_boxes(x, y)
    assert boxes
    limits = boxes[0]["limits"]
    assert list(limits) == ["chat.groups_per_department"]
    assert limits["chat.groups_per_department"] == (4, 5)
    assert all(isinstance(v, int) for v in limits["chat.groups_per_department"])
    assert boxes[0]["density"] >= 0.8 and boxes[0]["coverage"] >= 0.9


def test_nothing_to_discover_and_bad_input(uniform_case):
    x, _ = uniform_case
    assert find_boxes(x, np.zeros(len(x), dtype=bool)) == []
    assert find_boxes(x, np.ones(len(x), dtype=bool)) == []
    with pytest.raises(ValueError, match="differ in length"):
        find_boxes(x, np.zeros(len(x) - 1, dtype=bool))
    with pytest.raises(ValueError, match="boolean"):
        find_boxes(x, np.linspace(0, 1, len(x)))
    with pytest.raises(ValueError, match="numbers"):
        find_boxes(x.assign(kind="township"), np.zeros(len(x), dtype=bool))


def test_a_reform_that_backfires_nearly_everywhere_has_one_box_restricting_nothing(uniform_case):
    x, _ = uniform_case
    y = np.random.default_rng(2).uniform(size=len(x)) < 0.9
    boxes = find_boxes(x, y)
    assert [(b["coverage"], b["limits"]) for b in boxes] == [(1.0, {})]
    assert boxes[0]["density"] == pytest.approx(y.mean())
    table = boxes_table({"one_form": boxes}, outcome="service_time_mean_days")
    assert len(table) == 1 and table.uncertainty.isna().all()   # a row, so it is not read as "never backfires"
    assert "under all the conditions explored" in describe_box("one_form", boxes[0], "worse", str)


def test_ema_log_is_silenced(uniform_case, caplog):
    x, y = uniform_case
    with caplog.at_level(logging.DEBUG):
        find_boxes(x, y, max_boxes=1)
    assert not [r for r in caplog.records if r.name.startswith("EMA") and r.levelno < logging.WARNING]


ONE_SIDED = {"box": 1, "coverage": 0.64, "density": 0.87, "mass": 0.1, "n_cases": 100,
             "limits": {"chat.groups_per_department": (5, 8), "rebound.elasticity": (0.4213, 0.6)},
             "ranges": {"chat.groups_per_department": (1, 8), "rebound.elasticity": (0.0, 0.6)}}
TWO_SIDED = {"box": 2, "coverage": 0.2, "density": 0.81, "mass": 0.06, "n_cases": 60,
             "limits": {"rebound.elasticity": (0.1234, 0.35)}, "ranges": {"rebound.elasticity": (0.0, 0.6)}}
NAMES = {"chat.groups_per_department": "chat groups a department", "rebound.elasticity": "rebound elasticity"}


def test_boxes_table_is_one_row_per_restricted_uncertainty():
    table = boxes_table({"one_form": [ONE_SIDED, TWO_SIDED], "no_meetings": []}, outcome="service_time_mean_days")
    assert list(table.columns) == list(TABLE_COLUMNS)
    assert table.shape == (3, len(TABLE_COLUMNS))
    assert set(table.variant) == {"one_form"} and set(table.outcome) == {"service_time_mean_days"}
    assert table.groupby("box").size().to_dict() == {1: 2, 2: 1}
    row = table[(table.box == 2)].iloc[0]
    assert (row.uncertainty, row.low, row.high, row.n_cases) == ("rebound.elasticity", 0.1234, 0.35, 60)
    assert boxes_table({"no_meetings": []}, outcome="x").empty


def test_describe_box_in_english():
    text = describe_box("one_form", ONE_SIDED, "service time gets worse", NAMES.get)
    assert text == ("one_form backfires (service time gets worse) when chat groups a department is at least 5 and "
                    "rebound elasticity is above 0.421: 87% of the cases in these conditions, 64% of all such cases.")
    text = describe_box("one_form", TWO_SIDED, "service time gets worse", NAMES.get)
    assert "rebound elasticity is between 0.123 and 0.35:" in text
    assert "at least" not in text and "at most" not in text
    upper = {**TWO_SIDED, "limits": {"chat.groups_per_department": (1, 3)},
             "ranges": {"chat.groups_per_department": (1, 8)}}
    assert "chat groups a department is at most 3:" in describe_box("one_form", upper, "worse", NAMES.get)


def test_describe_box_in_chinese():
    zh = {"chat.groups_per_department": "每个部门的工作群数", "rebound.elasticity": "反弹弹性"}
    text = describe_box("one_form", ONE_SIDED, "服务时间变差", zh.get, lang="zh")
    assert text == ("当每个部门的工作群数不少于 5 且反弹弹性高于 0.421 时，one_form 适得其反（服务时间变差）："
                    "这些条件下 87% 的情形如此，占所有此类情形的 64%。")
    text = describe_box("one_form", TWO_SIDED, "服务时间变差", zh.get, lang="zh")
    assert "反弹弹性介于 0.123 与 0.35 之间" in text
    with pytest.raises(ValueError, match="lang"):
        describe_box("one_form", TWO_SIDED, "x", zh.get, lang="fr")


def test_found_boxes_read_as_sentences(uniform_boxes):
    box = uniform_boxes[0]
    text = describe_box("one_form", box, "service time gets worse", str)
    assert "a is above 0.6" in text and "b is below 0.4" in text and " c " not in text
