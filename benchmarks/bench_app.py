"""How long one simulated day takes in the classroom app (goal: <= 200 ms at classroom scale).

Two figures per day, averaged over `--days` days after a warm-up:
  model + figures   ClassroomModel.step() (the township and its twin without reforms) plus building every panel's
                    plotly figure and the what-changed numbers - the work Python does per day;
  page (headless)   pressing Step on the whole page rendered by solara.render: the above plus solara/reacton
                    re-rendering and pushing the figures into the plotly widgets (everything but the browser's
                    own drawing, which happens on the viewer's machine).

    PYTHONPATH=$PWD python benchmarks/bench_app.py [--days 60] [--reforms all|none]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import time

from sim.config import REFORM_NAMES


def bench_model(reforms, days: int, warmup: int = 20) -> dict[str, float]:
    from sim.views.classroom import figures
    from sim.views.classroom.model import ClassroomModel

    t0 = time.perf_counter()
    m = ClassroomModel(seed=0, reforms=reforms)
    figures.layout_of(m.township)
    build = time.perf_counter() - t0
    for _ in range(warmup):
        m.step()
    step_t, fig_t = [], []
    for _ in range(days):
        t0 = time.perf_counter()
        m.step()
        t1 = time.perf_counter()
        figures.network_figure(m, "hours")
        figures.week_figure(m)
        figures.service_figure(m)
        figures.changes_figure(m)
        figures.changes_table(m)
        figures.where_table(m)
        t2 = time.perf_counter()
        step_t.append(t1 - t0)
        fig_t.append(t2 - t1)
    total = [a + b for a, b in zip(step_t, fig_t, strict=True)]
    return dict(build_s=build, step_ms=1e3 * statistics.mean(step_t), figures_ms=1e3 * statistics.mean(fig_t),
                day_ms=1e3 * statistics.mean(total), day_p95_ms=1e3 * sorted(total)[int(0.95 * len(total)) - 1])


def bench_page(reforms, days: int, warmup: int = 5) -> dict[str, float]:
    import solara

    from sim.views.classroom import app

    @solara.component
    def InAppLayout():
        with solara.AppLayout():
            app.Page()

    # solara.render (outside a server) prints the app bar's elements on every render: keep them off the report
    with contextlib.redirect_stdout(io.StringIO()):
        return _bench_page(InAppLayout, reforms, days, warmup)


def _bench_page(InAppLayout, reforms, days: int, warmup: int) -> dict[str, float]:
    import ipyvuetify as vw
    import solara

    from sim.views.classroom.texts import tr
    from sim.views.labels import REFORM_LABELS

    _box, rc = solara.render(InAppLayout(), handle_error=False)
    for name in reforms:
        rc.find(vw.Checkbox, label=REFORM_LABELS[name][0]).widget.v_model = True
    rc.find(vw.Btn, children=[tr("reset", "zh")]).widget.click()
    step = rc.find(vw.Btn, children=[tr("step", "zh")]).widget
    for _ in range(warmup):
        step.click()
    times = []
    for _ in range(days):
        t0 = time.perf_counter()
        step.click()
        times.append(time.perf_counter() - t0)
    rc.close()
    return dict(click_ms=1e3 * statistics.mean(times), click_p95_ms=1e3 * sorted(times)[int(0.95 * len(times)) - 1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--reforms", choices=["all", "none", "some"], default="all")
    args = ap.parse_args()
    reforms = {"all": list(REFORM_NAMES), "none": [], "some": ["no_ledger_assessment", "one_form", "rest_rights"]}[
        args.reforms]
    m = bench_model(reforms, args.days)
    print(f"classroom scale, reforms={args.reforms} ({len(reforms)}), {args.days} days after warm-up")
    print(f"  build (2 models + layout)   {m['build_s'] * 1e3:7.1f} ms (on Reset)")
    print(f"  step (township + twin)      {m['step_ms']:7.1f} ms/day")
    print(f"  figures + numbers           {m['figures_ms']:7.1f} ms/day")
    print(f"  model + figures             {m['day_ms']:7.1f} ms/day (p95 {m['day_p95_ms']:.1f})")
    p = bench_page(reforms, args.days)
    print(f"  page Step click (headless)  {p['click_ms']:7.1f} ms/day (p95 {p['click_p95_ms']:.1f})")
    worst = max(m["day_p95_ms"], p["click_p95_ms"])
    print(f"  goal <= 200 ms/day: {'met' if worst <= 200 else 'NOT met'} (worst p95 {worst:.1f} ms)")


if __name__ == "__main__":
    main()
