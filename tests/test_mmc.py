"""The queueing check: resident service reduced to M/M/c (scenario=mmc) agrees with the Erlang C formula.

The runner (sim/mmc.py) serves requests held in the model's RequestBook (its shared-queue, continuous-time mode);
the formula below is written out here, independently of the code under test. Time is scaled (mu = 1000 a day)
so that a run of a few hundred days holds one to four million requests: with fewer, the sampling error of the
mean wait at high utilisation is itself a few percent (measured: 3.6% SD over seeds with 350,000 requests at
c=2, rho=0.9), and a 5% tolerance would test luck, not the model.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sim.config import load_config
from sim.mmc import run_mmc

from .conftest import run_cli


def erlang_c(c: int, lam: float, mu: float) -> tuple[float, float]:
    """(mean wait in queue Wq, mean time in system W) of an M/M/c FCFS queue."""
    a = lam / mu                      # offered load in servers
    rho = a / c
    assert rho < 1
    tail = a**c / math.factorial(c) / (1.0 - rho)
    p_wait = tail / (sum(a**k / math.factorial(k) for k in range(c)) + tail)   # Erlang C: P(an arrival waits)
    wq = p_wait / (c * mu - lam)
    return wq, wq + 1.0 / mu


def test_erlang_c_formula_itself():
    # M/M/1: Wq = rho / (mu - lam); M/M/2 with a = 1: P(wait) = 1/3, Wq = (1/3) / (2 - 1)
    assert erlang_c(1, 0.5, 1.0)[0] == pytest.approx(0.5 / 0.5)
    assert erlang_c(2, 1.0, 1.0)[0] == pytest.approx(1.0 / 3.0)


MU = 1000.0
CASES = [
    # (c, utilisation, days): lam = utilisation * c * MU requests a day
    pytest.param(1, 0.5, 2000, id="c1-rho0.5"),
    pytest.param(3, 0.7, 500, id="c3-rho0.7"),
    pytest.param(4, 0.8, 700, id="c4-rho0.8", marks=pytest.mark.slow),
    pytest.param(8, 0.9, 400, id="c8-rho0.9", marks=pytest.mark.slow),
    pytest.param(2, 0.9, 2200, id="c2-rho0.9", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("c,rho,days", CASES)
def test_mmc_matches_erlang_c_within_5_percent(c, rho, days):
    lam = rho * c * MU
    cfg = load_config(["scenario=mmc", "seed=1", f"scenario.servers={c}", f"scenario.arrival_rate={lam}",
                       f"scenario.service_rate={MU}", f"scenario.days={days}", "scenario.warmup_days=5"])
    summary, series, book = run_mmc(cfg)
    wq, w = erlang_c(c, lam, MU)
    print(f"\n[mmc] c={c} rho={rho}: {summary['requests_measured']} requests; wait {summary['wait_time_mean_days']:.3e} "
          f"vs Erlang C {wq:.3e} ({summary['wait_time_mean_days'] / wq - 1:+.2%}); time in system "
          f"{summary['service_time_mean_days']:.3e} vs {w:.3e} ({summary['service_time_mean_days'] / w - 1:+.2%})")
    assert summary["requests_arrived"] == summary["requests_resolved"] + summary["requests_open_end"]
    assert summary["requests_measured"] > 900_000
    assert summary["wait_time_mean_days"] == pytest.approx(wq, rel=0.05)
    assert summary["service_time_mean_days"] == pytest.approx(w, rel=0.05)


def test_mmc_is_deterministic_and_conserves_requests():
    cfg = ["scenario=mmc", "scenario.days=60", "scenario.warmup_days=5", "seed=4"]
    a, series, book = run_mmc(load_config(cfg))
    b, _, _ = run_mmc(load_config(cfg))
    assert a == b
    # every day: arrived so far = resolved so far + open (waiting or in service)
    assert (series["requests_arrived"].cumsum() - series["requests_resolved"].cumsum()
            == series["backlog_open"]).all()
    # FCFS on one queue: requests start service in arrival order, never before they arrive
    n = book.n
    started = book.start_time[:n][book.resolved[:n] >= 0]
    assert (started[1:] >= started[:-1]).all()
    begun = ~np.isnan(book.start_time[:n])
    assert (book.start_time[:n][begun] >= book.arrival_time[:n][begun]).all()


def test_cli_runs_the_mmc_scenario(tmp_path):
    res = run_cli("scenario=mmc", "scenario.days=30", "scenario.warmup_days=2", f"out_dir={tmp_path}")
    assert res.returncode == 0, res.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["scenario"] == "mmc" and summary["wait_time_mean_days"] > 0


def test_mmc_refuses_an_unstable_queue():
    from sim.config import ConfigError

    with pytest.raises(ConfigError, match="scenario.arrival_rate"):
        load_config(["scenario=mmc", "scenario.servers=2", "scenario.arrival_rate=200", "scenario.service_rate=100"])
