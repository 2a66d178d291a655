"""Hostile input, property-based: random valid configs keep the invariants; random invalid ones stop cleanly.

Valid configs are drawn from the schema itself (sim/config/schema.py: each field's metadata ``lo``/``hi``), on the
classroom scenario with a short run and a random subset of reforms, so every property exercises the same model a
sweep runs. Keys without an upper bound get a practical one (three times the default) so that a case stays a few
hundred milliseconds; the lower bound is always the schema's own, including its edge.

Invalid configs are one bad override on top of a valid base: a wrong type, a number outside its range, NaN or
infinity, an unknown key (also ``+unknown=...``), an unknown reform or scenario, an empty or zero scenario.
``load_config`` must raise ConfigError naming the key; ``python -m sim`` must exit non-zero with one line and write
nothing into ``out_dir``.

How many cases ran is printed (``pytest -s``) and summed into a line at the end of the pytest output (see the
hooks in tests/conftest.py).
"""

from __future__ import annotations

import dataclasses
import math
import typing

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from sim.config import schema
from sim.config import REFORM_NAMES, ConfigError, load_config
from sim.model.model import GrassrootsModel
from sim.model.request_book import KINDS

from .conftest import CASE_COUNTS, run_cli

BASE = ("scenario=classroom",)
EXAMPLES_VALID = 30
EXAMPLES_VALID_SLOW = 120
EXAMPLES_INVALID = 120


# ---- the schema, read once ---------------------------------------------------------------------------------------

def _leaves(cls, prefix: str = ""):
    """(dotted key, python type, metadata) for every scalar field of a schema dataclass, recursively."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        t = hints[f.name]
        if typing.get_origin(t) is typing.Union:
            t = [a for a in typing.get_args(t) if a is not type(None)][0]
        key = prefix + f.name
        if dataclasses.is_dataclass(t):
            yield from _leaves(t, key + ".")
        else:
            yield key, t, f.metadata


_DEFAULT = load_config(list(BASE))


def _default(key: str):
    node = _DEFAULT
    for part in key.split("."):
        node = getattr(node, part)
    return node


# the model's parameters with a numeric range (seed, scenario and the request kinds are drawn on their own)
SPECIAL = {"seed", "hierarchy.township_liaisons_per_department"}
NUMERIC = [
    (k, t, m) for k, t, m in _leaves(schema.Config)
    if t in (int, float) and (m.get("lo") is not None or m.get("hi") is not None)
    and not k.startswith(("scenario.", "reform.")) and k not in SPECIAL
]
REFORM_FIELDS = {
    name: list(_leaves(typing.get_type_hints(schema.ReformsConfig)[name].__args__[0]))
    for name in REFORM_NAMES
}
DEPARTMENTS = [d.name for d in _DEFAULT.departments]
FIELDS = sorted({d.field for d in _DEFAULT.departments})


def _number(t, meta, default):
    """A value inside the key's allowed range: the schema's bounds, or 3x the default where there is no upper one."""
    lo, hi, lo_open = meta.get("lo"), meta.get("hi"), meta.get("lo_open")
    if hi is None:
        hi = max(3 * float(default), (lo or 0) + 1)
    if t is int:
        lo_i = int(math.floor(lo)) + (1 if lo_open else 0) if lo is not None else 0
        return st.integers(lo_i, int(hi))
    return st.floats(min_value=lo, max_value=hi, exclude_min=bool(lo_open), allow_nan=False, allow_infinity=False)


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(str(x) for x in v) + "]"
    return str(v)


@st.composite
def valid_overrides(draw, max_days: int = 21):
    values: dict[str, object] = {}
    # a small scenario: the schema's lower bounds (1 township, 1 village, 1 cadre) are part of the space
    values["scenario.days"] = draw(st.integers(7, max_days))
    values["scenario.warmup_days"] = draw(st.integers(0, 28))
    values["scenario.townships"] = draw(st.integers(1, 2))
    values["scenario.villages_per_township"] = draw(st.integers(1, 5))
    values["scenario.township_cadres"] = draw(st.integers(1, 8))
    values["scenario.village_cadres_per_village"] = draw(st.integers(1, 4))
    values["scenario.households_per_township"] = draw(st.integers(1, 1200))
    values["seed"] = draw(st.integers(0, 2**32))
    # any subset of the other numeric keys, each inside its range
    for key, t, meta in NUMERIC:
        if key.startswith("service.kinds."):
            continue
        if draw(st.booleans()):
            values[key] = draw(_number(t, meta, _default(key)))
    # request kinds: shares that add up to 1, positive hours
    if draw(st.booleans()):
        w = [draw(st.integers(0, 100)) for _ in KINDS]
        if sum(w) == 0:
            w[0] = 1
        for k, wi in zip(KINDS, w):
            values[f"service.kinds.{k}.share"] = wi / sum(w)
        values[f"service.kinds.{KINDS[-1]}.share"] = 1.0 - sum(wi / sum(w) for wi in w[:-1])
        for k in KINDS:
            values[f"service.kinds.{k}.hours"] = draw(st.floats(0.01, 5.0))
            values[f"service.kinds.{k}.walk_in"] = draw(st.booleans())
            values[f"service.kinds.{k}.limit_days"] = draw(st.integers(1, 30))
            values[f"service.kinds.{k}.urgent_share"] = draw(st.floats(0.0, 1.0))
    # cross-field rules (Config.__post_init__): repair, never discard, so every drawn case runs
    get = lambda key: values.get(key, _default(key))  # noqa: E731
    values["hierarchy.township_liaisons_per_department"] = draw(st.integers(1, get("scenario.township_cadres")))
    if get("service.certificate_kinds_required_by_law") > get("service.certificate_kinds"):
        values["service.certificate_kinds_required_by_law"] = get("service.certificate_kinds")
    if get("pushed_down.core_share") + get("pushed_down.shared_share") > 1.0:
        values["pushed_down.shared_share"] = 1.0 - get("pushed_down.core_share")
    if get("chat.evening_share") + get("chat.late_share") > 1.0:
        values["chat.late_share"] = 1.0 - get("chat.evening_share")
    if get("data_reports.scope_share") > get("data_reports.client_share"):
        values["data_reports.scope_share"] = get("data_reports.client_share")
    if get("data_reports.fields_per_system") > get("data_reports.fields"):
        values["data_reports.fields_per_system"] = get("data_reports.fields")
    if get("data_reports.fields_per_request") > get("data_reports.fields_per_system"):
        values["data_reports.fields_per_request"] = get("data_reports.fields_per_system")
    if "service.kinds.certificate.share" in values:
        # the last share absorbs the rounding; keep it inside [0, 1]
        values[f"service.kinds.{KINDS[-1]}.share"] = max(0.0, values[f"service.kinds.{KINDS[-1]}.share"])
    # a random subset of reforms, each with its settings drawn inside their ranges
    reforms = draw(st.lists(st.sampled_from(REFORM_NAMES), unique=True, max_size=len(REFORM_NAMES)))
    overrides = list(BASE) + [f"reform=[{','.join(reforms)}]"]
    for name in reforms:
        for key, t, meta in REFORM_FIELDS[name]:
            if not draw(st.booleans()):
                continue
            full = f"reform.{name}.{key}"
            if t is bool:
                values[full] = draw(st.booleans())
            elif full == "reform.no_ledger_assessment.fields":
                values[full] = draw(st.lists(st.sampled_from(FIELDS), unique=True))
            elif full == "reform.shared_data_pool.departments":
                values[full] = draw(st.lists(st.sampled_from(DEPARTMENTS), unique=True))
            else:
                values[full] = draw(_number(t, meta, getattr(getattr(_DEFAULT_REFORMS, name), key)))
    overrides += [f"{k}={_fmt(v)}" for k, v in values.items()]
    return overrides


_DEFAULT_REFORMS = load_config(list(BASE) + [f"reform=[{','.join(REFORM_NAMES)}]"]).reform


def _check_invariants(overrides) -> int:
    """Step the model day by day; every cadre-day's hours add up and stay within the day's cap; no request is lost.

    Returns the number of cadre-days checked."""
    cfg = load_config(overrides)
    cal = cfg.calendar
    model = GrassrootsModel(cfg)
    cadres = model.cadres
    total = np.zeros_like(cadres.hours_total)
    checked = 0
    for day in range(model.days):  # the warm-up's days and the measured ones
        model.step()
        assert model.day == day + 1 == model.steps, "model.day counts the days done"
        h = cadres.hours_today
        worked = h.sum(axis=1)
        workday = model.calendar.is_work(day)
        cap = cal.workday_hours + cal.weekday_overtime_cap_hours if workday else cal.weekend_overtime_cap_hours
        assert np.isfinite(h).all(), f"day {day}: non-finite hours"
        assert (h >= -1e-9).all(), f"day {day}: negative hours {h.min()}"
        assert (worked <= cap + 1e-6).all(), (
            f"day {day} ({'workday' if workday else 'weekend'}): a cadre worked {worked.max():.4f} h, more "
            f"than the day's {cap} h"
        )
        # what was worked = the regular part + overtime, and overtime is exactly what exceeds the regular day
        regular = cal.workday_hours if workday else 0.0
        assert (cadres.overtime_today >= -1e-12).all()
        assert (cadres.overtime_today <= np.maximum(worked - 0.0, 0.0) + 1e-9).all()
        np.testing.assert_allclose(np.minimum(worked, cadres.regular_today) + cadres.overtime_today, worked,
                                   atol=1e-9)
        assert (cadres.regular_today <= regular + 1e-12).all()
        total += h
        counts = model.service.book.check_conservation(day)
        assert counts["requests_arrived"] == (counts["requests_resolved"] + counts["requests_abandoned"]
                                              + counts["requests_open_end"])
        assert counts["requests_open_end"] >= 0
        checked += len(worked)
    np.testing.assert_allclose(cadres.hours_total, total, rtol=1e-9, atol=1e-9)
    return checked


def _count(name: str, n: int = 1) -> None:
    CASE_COUNTS[name] = CASE_COUNTS.get(name, 0) + n


_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# a subnormal but valid patience or validity period (e.g. 5e-324 days) overflows exp(-t/tiny) to exp(-inf) = 0,
# which is the right limit: numpy's warning about it is noise here
_QUIET_OVERFLOW = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")


@_QUIET_OVERFLOW
@settings(max_examples=EXAMPLES_VALID, **_SETTINGS)
@given(valid_overrides())
def test_random_valid_configs_keep_the_invariants(overrides):
    note(" ".join(overrides))
    _count("valid configs run", 1)
    _count("cadre-days checked", _check_invariants(overrides))


@pytest.mark.slow
@_QUIET_OVERFLOW
@settings(max_examples=EXAMPLES_VALID_SLOW, **_SETTINGS)
@given(valid_overrides(max_days=63))
def test_random_valid_configs_keep_the_invariants_longer(overrides):
    note(" ".join(overrides))
    _count("valid configs run (slow, up to 63 days)", 1)
    _count("cadre-days checked", _check_invariants(overrides))


# ---- invalid input -----------------------------------------------------------------------------------------------

ALL_KEYS = [k for k, _, _ in _leaves(schema.Config) if not k.startswith("reform.")]
TOP_LEVEL = {f.name for f in dataclasses.fields(schema.Config)}
GROUPS = sorted({k.split(".")[0] for k in ALL_KEYS if "." in k})
IDENT = st.from_regex(r"\A[a-z][a-z0-9_]{0,11}\Z", fullmatch=True)


@st.composite
def invalid_override(draw):
    """(overrides, the text the error must name)."""
    kind = draw(st.sampled_from(
        ["wrong_type", "below", "above", "non_finite", "unknown_top", "unknown_nested", "unknown_reform",
         "unknown_scenario", "zero_scenario", "unknown_reform_setting", "reform_out_of_range"]))
    key, t, meta = draw(st.sampled_from([x for x in _leaves(schema.Config)
                                         if x[1] in (int, float) and x[2].get("lo") is not None
                                         and not x[0].startswith("reform.")]))
    if kind == "wrong_type":
        optional = _default(key) is None  # null is a valid value of an optional key (scenario.servers, ...)
        bad = draw(st.sampled_from(["abc", "'x1'", "[1,2]", "{a:1}", "true"] + ([] if optional else ["null"])
                                   + (["1.5", "2.25"] if t is int else [])))
        return [f"{key}={bad}"], key
    if kind == "below":
        lo = meta["lo"]
        if meta.get("lo_open"):
            v = draw(st.sampled_from([lo, lo - 1]))
        else:
            v = draw(st.floats(max_value=lo, exclude_max=True, allow_nan=False, allow_infinity=False,
                               min_value=-1e12)) if t is float else draw(st.integers(-10**6, int(lo) - 1))
        return [f"{key}={_fmt(v)}"], key
    if kind == "above":
        hi = meta.get("hi")
        if hi is None:
            return [f"{key}=-1"], key
        v = draw(st.floats(min_value=hi, exclude_min=True, allow_nan=False, allow_infinity=False, max_value=1e12)) \
            if t is float else draw(st.integers(int(hi) + 1, int(hi) + 10**6))
        return [f"{key}={_fmt(v)}"], key
    if kind == "non_finite":
        return [f"{key}={draw(st.sampled_from(['nan', 'inf', '-inf', 'NaN', '+inf']))}"], key
    if kind == "unknown_top":
        name = draw(IDENT.filter(lambda s: s not in TOP_LEVEL and s != "hydra"))
        value = draw(st.sampled_from(["1", "0.5", "abc", "[1]", "{a:1}", "true"]))
        return [f"+{name}={value}"], name
    if kind == "unknown_nested":
        group = draw(st.sampled_from(GROUPS))
        known = {k.split(".", 1)[1].split(".")[0] for k in ALL_KEYS if k.startswith(group + ".")}
        name = draw(IDENT.filter(lambda s: s not in known))
        return [f"+{group}.{name}=1"], f"{group}.{name}"
    if kind == "unknown_reform":
        name = draw(IDENT.filter(lambda s: s not in REFORM_NAMES))
        form = draw(st.sampled_from(["reform=[{n}]", "+reform={n}", "reform=[one_form,{n}]"]))
        return [form.format(n=name)], name
    if kind == "unknown_scenario":
        name = draw(IDENT.filter(lambda s: s not in ("classroom", "township", "county")))
        return [f"scenario={name}"], name
    if kind == "zero_scenario":
        empty = draw(st.integers(0, 7))
        if empty == 0:
            return ["scenario=null"], "scenario"   # no scenario at all
        if empty == 1:
            return ["scenario.name="], "scenario.name"   # an empty name
        skey = draw(st.sampled_from(["days", "townships", "villages_per_township", "township_cadres",
                                     "village_cadres_per_village", "households_per_township"]))
        v = draw(st.sampled_from(["0", "-1", "-7"]))
        return [f"scenario.{skey}={v}"], f"scenario.{skey}"
    reform = draw(st.sampled_from(REFORM_NAMES))
    if kind == "unknown_reform_setting":
        known = {k for k, _, _ in REFORM_FIELDS[reform]}
        name = draw(IDENT.filter(lambda s: s not in known))
        return [f"reform=[{reform}]", f"+reform.{reform}.{name}=1"], f"reform.{reform}.{name}"
    numeric = [(k, t, m) for k, t, m in REFORM_FIELDS[reform] if t in (int, float) and m.get("lo") is not None]
    if not numeric:
        return [f"reform=[{reform}]", f"+reform.{reform}.zz_not_a_setting=1"], f"reform.{reform}.zz_not_a_setting"
    rkey, _, rmeta = draw(st.sampled_from(numeric))
    v = draw(st.sampled_from(["nan", "-inf", str(rmeta["lo"] - 1)] + ([str(rmeta["hi"] + 1)] if rmeta["hi"] else [])))
    return [f"reform=[{reform}]", f"reform.{reform}.{rkey}={v}"], f"reform.{reform}.{rkey}"


@pytest.mark.slow  # a separate CI step runs it (README's test command)
@settings(max_examples=EXAMPLES_INVALID, **_SETTINGS)
@given(invalid_override())
def test_random_invalid_configs_raise_config_error_naming_the_key(case):
    overrides, key = case
    note(" ".join(overrides))
    _count("invalid configs refused", 1)
    with pytest.raises(ConfigError) as err:
        load_config(list(BASE) + overrides)
    msg = str(err.value)
    assert key in msg, f"the message does not name {key!r}: {msg}"
    assert "\n" not in msg.strip(), f"not one line: {msg!r}"


CLI_CASES = [
    ("+unknown=1", "unknown"),
    ("chat.read_minutes=nan", "chat.read_minutes"),
    ("calendar.workday_hours=abc", "calendar.workday_hours"),
    ("reform=[no_such_reform]", "no_such_reform"),
    ("scenario.days=0", "scenario.days"),
]


@pytest.mark.parametrize("override,key", CLI_CASES)
def test_cli_refuses_bad_input_with_one_line_and_writes_nothing(tmp_path, override, key):
    out = tmp_path / "out"
    res = run_cli("scenario=classroom", "scenario.days=7", override, f"out_dir={out}", timeout=120)
    _count("CLI invalid runs", 1)
    print(f"[properties] python -m sim {override}: exit {res.returncode}: {res.stderr.strip()}")
    assert res.returncode != 0
    lines = [ln for ln in res.stderr.splitlines() if ln.strip() and "Warning" not in ln]
    assert len(lines) == 1, f"expected one line on stderr, got: {res.stderr!r}"
    assert key in lines[0]
    assert "Traceback" not in res.stderr + res.stdout
    assert not out.exists() or not any(out.iterdir()), f"files written to out_dir: {list(out.iterdir())}"


def test_print_case_counts():
    """Runs last in this module (pytest keeps file order): print what was tried so far in this process."""
    settings_line = (f"hypothesis max_examples: valid {EXAMPLES_VALID} (slow: {EXAMPLES_VALID_SLOW}), "
                     f"invalid {EXAMPLES_INVALID}; CLI cases {len(CLI_CASES)}")
    print(f"\n[properties] {settings_line}")
    for name, n in sorted(CASE_COUNTS.items()):
        print(f"[properties] {name}: {n}")
