"""The policymaker report: headline numbers against comparison.parquet, the page's contents, bad input."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from sim.views import report
from sim.config import CONFIG_DIR, REFORM_NAMES, package_reforms
from sim.experiments.decompose import BESIDE, PARTS
from sim.views.labels import (DECOMPOSITION_LABELS, REFORM_LABELS, SECTION_NAMES, SECTIONS, SERVICE_MEASURE_LABELS,
                              VARIANT_LABELS, WARMUP_LABEL)
from sim.views.palette import SECTION_COLOURS
from sim.views.report import ReportError, build_report, headline_table, load_experiment
from sim.experiments.stats import paired_difference
from tests.report_fixture import experiment_copy, fixture_experiment  # noqa: F401  (pytest fixtures)


def _comp(exp_dir, variant, metric):
    c = pd.read_parquet(exp_dir / "comparison.parquet")
    return c[(c.variant == variant) & (c.metric == metric)].iloc[0]


def test_labels_cover_the_twenty_reforms_in_six_sections():
    names = [n for _, _, ns in SECTIONS for n in ns]
    assert len(SECTIONS) == 6 and sorted(names) == sorted(REFORM_NAMES) and len(names) == 20
    bundles = {p.stem for p in (CONFIG_DIR / "package").glob("*.yaml")}
    assert set(VARIANT_LABELS) == set(REFORM_NAMES) | {"baseline"} | bundles  # all_reforms is a bundle too
    assert set(REFORM_LABELS) == set(REFORM_NAMES)
    assert all(len(v) == 2 and all(v) for v in VARIANT_LABELS.values())


def test_sections_are_the_six_packages_and_all_reforms_is_their_union():
    members = {name: package_reforms(name) for name in SECTION_NAMES}
    assert [ns for _, _, ns in SECTIONS] == list(members.values())
    section_of = {}
    for name, reforms in members.items():
        for r in reforms:
            assert r not in section_of, f"{r} is in both {section_of[r]} and {name}"
            section_of[r] = name
    assert set(section_of) == set(REFORM_NAMES)  # every reform in exactly one section
    union = [r for reforms in members.values() for r in reforms]
    assert sorted(package_reforms("all_reforms")) == sorted(union)
    assert len(package_reforms("all_reforms")) == len(set(package_reforms("all_reforms")))
    sections_on_disk = {p.stem for p in (CONFIG_DIR / "package").glob("*.yaml")} - {"all_reforms"}
    assert sections_on_disk == set(SECTION_NAMES)


def test_each_section_has_its_own_colour():
    assert list(SECTION_COLOURS) == list(SECTION_NAMES)
    variants = ["baseline", "all_reforms"] + [n for _, _, ns in SECTIONS for n in ns]
    colours = {report.colour(v) for v in variants}
    assert len(colours) == len(SECTION_NAMES) + 2


def test_headline_numbers_match_comparison(fixture_experiment):
    table = headline_table(load_experiment(fixture_experiment)).set_index("variant")
    assert set(table.index) == {"one_form", "rest_rights", "all_reforms"}
    for v, r in table.iterrows():
        a = _comp(fixture_experiment, v, "admin_hours_per_cadre_week")
        assert r.hours_saved == pytest.approx(-a.diff_mean)
        assert r.hours_saved_ci_low == pytest.approx(-a.diff_ci_high)
        assert r.hours_saved_ci_high == pytest.approx(-a.diff_ci_low)
        assert r.n == a.n == 3
        for key, metric in (("service_time_mean", "service_time_mean_days"),
                            ("service_time_p90", "service_time_p90_days"),
                            ("department_hours", "department_hours_per_county_week")):
            c = _comp(fixture_experiment, v, metric)
            assert r[f"{key}_change"] == pytest.approx(c.diff_mean)
            assert r[f"{key}_ci_low"] == pytest.approx(c.diff_ci_low)


def test_hours_saved_is_baseline_minus_reform_from_the_runs(fixture_experiment):
    """Independent of comparison.parquet: recompute from runs.parquet, paired by seed."""
    runs = pd.read_parquet(fixture_experiment / "runs.parquet")
    table = headline_table(load_experiment(fixture_experiment)).set_index("variant")
    base = runs[runs.variant == "baseline"].set_index("seed").sort_index()
    ref = runs[runs.variant == "one_form"].set_index("seed").sort_index()
    manual = float((base.admin_hours_per_cadre_week - ref.admin_hours_per_cadre_week).mean())
    assert table.loc["one_form", "hours_saved"] == pytest.approx(manual)
    d = paired_difference(base.admin_hours_per_cadre_week, ref.admin_hours_per_cadre_week)
    assert table.loc["one_form", "hours_saved_ci_low"] == pytest.approx(-d["ci_high"])
    # one_form removes duplicate form-filling: it must save something in this model
    assert manual > 0


def test_table_is_ranked_by_hours_saved(fixture_experiment):
    t = headline_table(load_experiment(fixture_experiment))
    assert list(t.hours_saved) == sorted(t.hours_saved, reverse=True)


def test_tradeoff_flag_names_work_moved_up_and_longer_waits():
    row = pd.Series(dict(hours_saved=2.0, hours_saved_ci_low=1.0, hours_saved_ci_high=3.0,
                         department_hours_change=5.0, department_hours_ci_low=1.0,
                         service_time_mean_change=0.5, service_time_mean_ci_low=0.1,
                         service_time_p90_change=0.0, service_time_p90_ci_low=-1.0))
    zh, en = report.tradeoff_flag(row)
    assert "moved up" in en and "wait longer" in en and "上移" in zh
    calm = row.copy()
    calm[["department_hours_change", "department_hours_ci_low", "service_time_mean_change",
          "service_time_mean_ci_low"]] = [-1.0, -2.0, -0.1, -0.3]
    assert report.tradeoff_flag(calm)[1] == "no clear trade-off"
    unsure = calm.copy()
    unsure["hours_saved_ci_low"] = -0.5
    assert "uncertain" in report.tradeoff_flag(unsure)[1]


def test_report_html_is_offline_bilingual_and_complete(experiment_copy):
    res = build_report(experiment_copy, png=False)
    page = res["html"].read_text(encoding="utf-8")
    assert res["figures"] == ["hours_saved", "where_hours_went", "cadre_week", "service_time", "service_outcomes",
                              "timeseries", "network"]
    # offline: plotly.js inline, nothing fetched from the network
    assert "Plotly" in page and len(page) > 3_000_000
    assert not re.search(r'<script[^>]+src=', page)
    from plotly.offline import get_plotlyjs
    own = page.replace(get_plotlyjs(), "")  # the bundle itself mentions URLs it only uses for maps/MathJax
    assert len(own) < len(page) - 3_000_000 and "http" not in own
    for fid in res["figures"]:
        assert f'id="{fid}"' in page
    # both languages present for the text and the figures
    assert "基层一张表" in page and "one form" in page and "保障休息权" in page
    assert "节省" in page and "Hours saved" in page
    # method notes: model version, config hash and the command from experiment.yaml / manifest.json
    manifest = json.loads((experiment_copy / "manifest.json").read_text())
    assert manifest["model_version"] in page and manifest["config_hash"] in page
    assert "python -m sim.sweep compare_reforms" in page
    assert 'id="partial-warning"' not in page


def test_headline_numbers_appear_in_the_page(experiment_copy):
    res = build_report(experiment_copy, png=False, network=False)
    page = res["html"].read_text(encoding="utf-8")
    for r in res["table"].itertuples():
        row = re.search(rf'<tr data-variant="{r.variant}">(.*?)</tr>', page).group(1)
        assert f"{r.hours_saved:+.2f}" in row


def test_missing_folder(tmp_path):
    with pytest.raises(ReportError, match="results folder not found"):
        load_experiment(tmp_path / "nope")


def test_folder_with_no_runs(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match=r"no runs in .*runs\.parquet is missing"):
        load_experiment(tmp_path / "empty")


def test_runs_parquet_with_no_rows(experiment_copy):
    runs = pd.read_parquet(experiment_copy / "runs.parquet")
    runs.iloc[0:0].to_parquet(experiment_copy / "runs.parquet")
    with pytest.raises(ReportError, match="no rows"):
        load_experiment(experiment_copy)


def test_missing_baseline_names_it_and_lists_variants(experiment_copy):
    runs = pd.read_parquet(experiment_copy / "runs.parquet")
    runs[runs.variant != "baseline"].to_parquet(experiment_copy / "runs.parquet")
    with pytest.raises(ReportError, match="missing baseline") as e:
        load_experiment(experiment_copy)
    assert "all_reforms, one_form, rest_rights" in str(e.value)


def test_partial_sweep_warns_and_still_reports(experiment_copy):
    import shutil

    from sim.experiments.aggregate import aggregate

    shutil.rmtree(experiment_copy / "runs" / "variant=rest_rights" / "seed=2")  # as a killed sweep would leave it
    aggregate(experiment_copy)
    assert json.loads((experiment_copy / "manifest.json").read_text())["missing_runs"] == ["runs/variant=rest_rights/seed=2"]
    res = build_report(experiment_copy, png=False, network=False)
    assert any("rest_rights/seed=2" in w for w in res["warnings"])
    assert any("variant rest_rights has 2 of 3 seeds (missing seed 2)" in w for w in res["warnings"])
    page = res["html"].read_text(encoding="utf-8")
    banner = re.search(r'<div class="banner" id="partial-warning">(.*?)</div>', page).group(1)
    assert "rest_rights/seed=2" in banner and "partial sweep" in banner


def test_fewer_seeds_alone_is_a_partial_sweep(experiment_copy):
    """Even when the manifest lists nothing missing, a variant with fewer seeds is flagged."""
    runs = pd.read_parquet(experiment_copy / "runs.parquet")
    runs[~((runs.variant == "one_form") & (runs.seed == 0))].to_parquet(experiment_copy / "runs.parquet")
    exp = load_experiment(experiment_copy)
    assert exp.warnings == ["variant one_form has 2 of 3 seeds (missing seed 0)"]


def test_comparison_rebuilt_when_absent(experiment_copy, fixture_experiment):
    (experiment_copy / "comparison.parquet").unlink()
    t = headline_table(load_experiment(experiment_copy)).set_index("variant")
    a = _comp(fixture_experiment, "all_reforms", "admin_hours_per_cadre_week")
    assert t.loc["all_reforms", "hours_saved"] == pytest.approx(-a.diff_mean)


def test_cli_bad_input_exit_code_and_message(tmp_path, capsys):
    (tmp_path / "exp").mkdir()
    assert report.main([str(tmp_path / "exp"), "png=false"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no runs in") and err.count("\n") == 1


def test_png_skipped_with_clear_message_without_browser(experiment_copy, monkeypatch):
    monkeypatch.setattr(report, "chrome_available", lambda: None)
    res = build_report(experiment_copy, png=True, network=False)
    assert res["pngs"] == [] and "PNG export skipped" in res["png_message"] and "chromium" in res["png_message"]
    assert res["html"].exists()


def test_timeseries_are_means_over_seeds(fixture_experiment):
    exp = load_experiment(fixture_experiment)
    ts = report.load_timeseries(exp)
    one = []
    for k in (0, 1, 2):
        s = pd.read_parquet(fixture_experiment / "runs" / "variant=baseline" / f"seed={k}" / "timeseries.parquet")
        one.append(s.groupby("day").requests_open.sum().to_numpy())
    got = ts[ts.variant == "baseline"].sort_values("day").requests_open.to_numpy()
    np.testing.assert_allclose(got, np.mean(one, axis=0))
    assert len(got) == 91 + 28 and not math.isnan(got.sum())  # the warm-up's days and the measured ones


def test_backlog_chart_marks_the_warmup(fixture_experiment):
    exp = load_experiment(fixture_experiment)
    ts = report.load_timeseries(exp)
    assert ts.day.min() == -91
    for lang, text in zip(("zh", "en"), WARMUP_LABEL):
        fig = report.fig_timeseries(exp, ts, lang)
        shaded = [(s.x0, s.x1) for s in fig.layout.shapes]
        assert shaded and all(x == (-91, 0) for x in shaded)  # the warm-up, on both panels
        assert text in [a.text for a in fig.layout.annotations]


# residents' outcomes made to differ by variant and seed (the classroom fixture resolves everything within a week):
# rest_rights worse on every count (fewer resolved in time, more abandoned and escalated), the others better
SERVICE_SHIFTS = {"baseline": 0.0, "one_form": 0.1, "rest_rights": -0.3, "all_reforms": 0.2}
SERVICE_LEVELS = {"resolved_within_7d_share": (0.7, 1), "resolved_within_15d_share": (0.8, 1),
                  "abandoned_share": (0.04, -1), "escalations_per_1000_households": (12.0, -1)}


def test_service_outcomes_appear_in_both_languages_with_their_numbers(experiment_copy):
    runs = pd.read_parquet(experiment_copy / "runs.parquet")
    reform = runs.variant != "baseline"
    for metric, (level, better) in SERVICE_LEVELS.items():
        runs[metric] = level * (1 + better * runs.variant.map(SERVICE_SHIFTS) + 0.01 * runs.seed ** 2 * reform)
    runs.to_parquet(experiment_copy / "runs.parquet")
    (experiment_copy / "comparison.parquet").unlink()  # rebuilt from runs.parquet
    res = build_report(experiment_copy, png=False, network=False)
    assert "service_outcomes" in res["figures"]
    page = res["html"].read_text(encoding="utf-8")
    table = re.search(r'<table class="service">(.*?)</table>', page, flags=re.S).group(1)
    for zh, en in SERVICE_MEASURE_LABELS.values():
        assert zh in table and en in table
    base = runs[runs.variant == "baseline"].set_index("seed").sort_index()
    for variant in ("one_form", "rest_rights", "all_reforms"):
        row = re.search(rf'<tr data-variant="{variant}">(.*?)</tr>', table).group(1)
        cells = re.findall(r"<td>(.*?)</td>", row)[1:5]
        other = runs[runs.variant == variant].set_index("seed").sort_index()
        for cell, (metric, scale) in zip(cells, zip(SERVICE_LEVELS, (100, 100, 100, 1))):
            d = paired_difference(base[metric], other[metric])
            assert d["n"] == 3 and abs(d["mean"]) * scale > 0.1
            want = f"{d['mean'] * scale:+.1f} <small>[{d['ci_low'] * scale:+.1f}, {d['ci_high'] * scale:+.1f}]</small>"
            assert cell == want, (variant, metric)
    # rest_rights got worse on every count: the headline says so
    flags = re.search(r'<tr data-variant="rest_rights">(.*?)</tr>', page.split('<table class="service">')[0]).group(1)
    assert "more residents give up or call 12345" in flags and "更多群众放弃或拨打 12345" in flags


def _set_spec(exp_dir, **fields):
    import yaml

    spec = yaml.safe_load((exp_dir / "experiment.yaml").read_text())
    spec.update(fields)
    (exp_dir / "experiment.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True))


def test_dose_response_kind_adds_a_curve(experiment_copy):
    _set_spec(experiment_copy, kind="dose_response", parameter="reform strength",
              values={"baseline": 0.0, "rest_rights": 0.5, "one_form": 1.0, "all_reforms": 2.0})
    res = build_report(experiment_copy, png=False, network=False)
    assert res["figures"][-1] == "dose_response"
    assert "Dose-response" in res["html"].read_text(encoding="utf-8")


def test_a_swept_setting_is_named_in_each_language_and_its_chart_is_explained(experiment_copy):
    _set_spec(experiment_copy, kind="dose_response", parameter="reform.single_assessor.max_per_year",
              values={"baseline": 0.0, "rest_rights": 5.0, "one_form": 12.0, "all_reforms": 20.0})
    exp = load_experiment(experiment_copy)
    zh, en = (report.fig_dose_response(exp, lang).layout.xaxis.title.text for lang in ("zh", "en"))
    assert zh == "每个乡镇每年最多接受的考核次数" and en == "assessments a township may receive a year"
    res = build_report(experiment_copy, png=False, network=False)
    section = res["html"].read_text(encoding="utf-8").split('<div class="chart" id="dose_response">')[0]
    caption = section.rsplit("<section>", 1)[1]
    assert "横轴是被调节的改革设置" in caption and "The x-axis is the reform setting swept" in caption
    # a reform's compliance is named after the reform; a key with no name is shown as it is
    assert report.parameter_label("reform.one_form.compliance", "en") == "share of departments applying one form"
    assert report.parameter_label("scenario.days", "zh") == "scenario.days"


def test_the_page_fits_a_phone_and_says_what_the_runs_simulated(experiment_copy):
    page = build_report(experiment_copy, png=False, network=False)["html"].read_text(encoding="utf-8")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    runs = pd.read_parquet(experiment_copy / "runs.parquet")
    simulated = int((runs.warmup_days + runs.measured_days).iloc[0])
    row = page.split("days simulated", 1)[1].split("</tr>", 1)[0]
    assert f"{simulated} days" in row


def test_runs_too_short_to_quote_are_flagged_and_long_ones_are_not(experiment_copy):
    """The fixture's runs measure 28 days, fewer than the 182 the service figures are checked to settle over."""
    page = build_report(experiment_copy, png=False, network=False)["html"].read_text(encoding="utf-8")
    banner = re.search(r'<div class="banner" id="short-run-warning">(.*?)</div>', page).group(1)
    assert "28" in banner and "days=182" in banner
    assert report.short_run_note(pd.DataFrame({"measured_days": [182, 364]})) == ""


def test_interactions_kind_adds_a_heatmap(experiment_copy):
    _set_spec(experiment_copy, kind="interactions")
    for name in ("runs.parquet", "comparison.parquet"):
        df = pd.read_parquet(experiment_copy / name)
        df["variant"] = df["variant"].replace({"all_reforms": "one_form+rest_rights"})
        df.to_parquet(experiment_copy / name)
    exp = load_experiment(experiment_copy)
    table = headline_table(exp)
    fig = report.fig_interactions(exp, table, "en")
    s = dict(zip(table.variant, table.hours_saved))
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.nanmax(np.abs(z)) == pytest.approx(abs(s["one_form+rest_rights"] - s["one_form"] - s["rest_rights"]))


def test_sensitivity_kind_reads_sobol_csv(experiment_copy):
    _set_spec(experiment_copy, kind="sensitivity")
    pd.DataFrame({"parameter": ["a", "b"], "S1": [0.1, 0.5], "ST": [0.2, 0.7]}).to_csv(
        experiment_copy / "sobol.csv", index=False)
    res = build_report(experiment_copy, png=False, network=False)
    assert res["figures"][-1] == "sensitivity"


def test_cadre_week_bars_are_the_activity_means(fixture_experiment):
    exp = load_experiment(fixture_experiment)
    fig = report.fig_week(exp, "en")
    runs = exp.runs
    for trace, a in zip(fig.data, report.ACTIVITIES):
        for v, y in zip(exp.variants, trace.y):
            assert y == pytest.approx(runs.loc[runs.variant == v, f"{a}_hours_per_cadre_week"].mean())
    # stacked activities add up to the working hours
    total = np.sum([t.y for t in fig.data], axis=0)
    want = [runs.loc[runs.variant == v, "working_hours_per_cadre_week"].mean() for v in exp.variants]
    np.testing.assert_allclose(total, want, rtol=1e-9)


def test_variant_listed_in_experiment_but_without_runs_is_reported(experiment_copy):
    _set_spec(experiment_copy, variants={"baseline": [], "one_form": [], "rest_rights": [], "all_reforms": [],
                                         "meeting_list": ["reform=[meeting_list]"]}, seeds=3)
    exp = load_experiment(experiment_copy)
    assert exp.warnings == ["variant meeting_list has no runs"]


def test_report_is_deterministic(experiment_copy):
    first = build_report(experiment_copy, png=False)["html"].read_bytes()
    second = build_report(experiment_copy, png=False)["html"].read_bytes()
    assert first == second


@pytest.mark.parametrize("seeds,want", [([0, 2], {0, 2}), (3, {0, 1, 2}), ({"start": 5, "n": 2}, {5, 6}),
                                        ("junk", set())])
def test_spec_seeds_forms(seeds, want):
    assert report.spec_seeds({"seeds": seeds}) == want


def test_hours_saved_chart_matches_the_table(fixture_experiment):
    exp = load_experiment(fixture_experiment)
    table = headline_table(exp)
    fig = report.fig_hours_saved(exp, table, "zh")
    bars = {y: x for tr in fig.data for x, y in zip(tr.x, tr.y)}
    assert bars == pytest.approx({VARIANT_LABELS[v][0]: h for v, h in zip(table.variant, table.hours_saved)})
    assert list(fig.layout.yaxis.categoryarray)[-1] == VARIANT_LABELS[table.variant[0]][0]  # biggest on top


# ---- where the hours removed went (decomposition.parquet) -----------------------------------------------------

_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_where_hours_went_stacks_the_six_parts_up_to_the_gross(fixture_experiment):
    exp = load_experiment(fixture_experiment)
    d = pd.read_parquet(fixture_experiment / "decomposition.parquet").set_index(["variant", "part"])
    table = headline_table(exp)
    for lang in ("zh", "en"):
        fig = report.fig_where_hours_went(exp, lang, table)
        assert fig.layout.barmode == "relative"  # negative parts stack left of zero
        parts = [t for t in fig.data if t.type == "bar" and t.legendgroup in PARTS]
        assert sorted(t.legendgroup for t in parts) == sorted(PARTS)  # one trace per part
        gross = next(t for t in fig.data if t.legendgroup == "gross_removed")
        names = list(gross.y)
        # the order of the hours-saved chart: largest saving on top
        assert names == list(report.fig_hours_saved(exp, table, lang).layout.yaxis.categoryarray)
        to_variant = {report.label(v, lang): v for v in table.variant}
        for i, name in enumerate(names):
            stacked = sum(t.x[i] for t in parts)
            assert abs(stacked - gross.x[i]) < 1e-9, (lang, name)
            assert gross.x[i] == pytest.approx(d.loc[(to_variant[name], "gross_removed"), "hours_per_cadre_week"])
        for t in parts:  # each bar is the table's part, in the variant's row
            for i, name in enumerate(names):
                assert t.x[i] == d.loc[(to_variant[name], t.legendgroup), "hours_per_cadre_week"]
    # and the table itself: the parts add up to the gross, the net is rest + residents less the service hours
    # residents' organisations took over (sim.experiments.decompose)
    freed = exp.runs.pivot_table(index="seed", columns="variant", values="service_hours_removed_by_reforms_per_cadre_week")
    for v in table.variant:
        paired = freed[[v, "baseline"]].dropna()
        assert abs(sum(d.loc[(v, p), "hours_per_cadre_week"] for p in PARTS)
                   - d.loc[(v, "gross_removed"), "hours_per_cadre_week"]) < 1e-9
        assert d.loc[(v, "net_saved"), "hours_per_cadre_week"] == pytest.approx(
            d.loc[(v, "reinvested_in_residents"), "hours_per_cadre_week"]
            + d.loc[(v, "given_back_as_rest"), "hours_per_cadre_week"] - (paired[v] - paired["baseline"]).mean(),
            abs=1e-9)


def test_where_hours_went_is_translated_in_both_languages(fixture_experiment):
    assert set(DECOMPOSITION_LABELS) == {*PARTS, *BESIDE}
    exp = load_experiment(fixture_experiment)
    seen = {}
    for lang in ("zh", "en"):
        fig = report.fig_where_hours_went(exp, lang)
        names = [t.name for t in fig.data]
        assert len(names) == len(PARTS) + len(BESIDE)  # the parts, the gross and net markers, the county panel
        for t in fig.data:
            assert "_" not in t.name and t.name != t.legendgroup, t.name  # no raw snake_case key
            assert t.name == DECOMPOSITION_LABELS[t.legendgroup][0 if lang == "zh" else 1]
            assert bool(_CJK.search(t.name)) == (lang == "zh"), t.name
            # hover: the value with its 95% interval, in the chosen language
            ci = "95% 置信区间" if lang == "zh" else "95% CI"
            assert all(ci in h and h.startswith(t.name) for h in t.hovertext), t.hovertext[0]
        text = " ".join([fig.layout.title.text, *(a.text for a in fig.layout.annotations),
                         fig.layout.xaxis.title.text])
        assert bool(_CJK.search(text)) == (lang == "zh") and "_" not in text
        seen[lang] = names
    assert not set(seen["zh"]) & set(seen["en"])


def test_headline_table_shows_gross_and_net_hours(experiment_copy):
    res = build_report(experiment_copy, png=False, network=False)
    assert "where_hours_went" in res["figures"]
    d = pd.read_parquet(experiment_copy / "decomposition.parquet").set_index(["variant", "part"])
    table = res["table"]
    page = res["html"].read_text(encoding="utf-8")
    head = re.search(r'<table class="headline"><thead>(.*?)</thead>', page).group(1)
    for zh, en in (("净节省的事务小时", "net admin hours saved"), ("改革减掉的小时（毛）", "gross hours removed"),
                   ("被部门反弹吸收", "absorbed by departments' rebound")):
        assert zh in head and en in head
    for r in table.itertuples():
        # the hours saved are the decomposition's net saving: one figure, shown once, headed as net
        assert r.net_saved == pytest.approx(r.hours_saved, abs=1e-9)
        assert r.net_saved_ci_low == pytest.approx(r.hours_saved_ci_low, abs=1e-9)
        row = re.search(rf'<tr data-variant="{r.variant}">(.*?)</tr>', page).group(1)
        cells = re.findall(r'<td class="num">(.*?)</td>', row)
        for cell, part in zip(cells, ("net_saved", "gross_removed", "absorbed_by_rebound")):
            m, lo, hi = d.loc[(r.variant, part), ["hours_per_cadre_week", "ci_low", "ci_high"]]
            assert cell == f"{m:+.2f} <small>[{lo:+.2f}, {hi:+.2f}]</small>", (r.variant, part)
    section = re.search(r'<h2><span lang="zh">减掉的小时去了哪里</span><span lang="en">Where the removed hours went'
                        r'</span></h2><p>(.*?)</p>', page).group(1)
    assert "add up to the gross" in section and "各部分加起来正好等于毛小时" in section
    assert "county" in section and "县级部门" in section


def test_folder_without_decomposition_skips_the_figure(experiment_copy):
    """Older folders and other kinds have no decomposition.parquet: no figure, no gross column, still a report."""
    (experiment_copy / "decomposition.parquet").unlink()
    (experiment_copy / "decomposition.csv").unlink()
    exp = load_experiment(experiment_copy)
    assert exp.decomposition.empty and report.fig_where_hours_went(exp, "en") is None
    res = build_report(experiment_copy, png=False, network=False)
    assert "where_hours_went" not in res["figures"] and "hours_saved" in res["figures"]
    assert res["table"].gross_removed.isna().all()
    page = res["html"].read_text(encoding="utf-8")
    assert "gross hours removed" not in page and 'id="where_hours_went"' not in page
    assert "net admin hours saved" in page
