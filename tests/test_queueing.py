"""The resident-service machinery against queueing theory: M/M/c in continuous time vs the Erlang C formula.

sim/checks/mmc.py runs the model's own RequestBook (serve, queue_hours, conservation) with c servers and one shared FCFS
line. Tolerance: 5% relative. With 400 independent replications of 2,000 days (200 of warm-up) the standard error of
the mean wait is at most ~1.4% of its value (measured: printed below), so 5% is more than 3 standard errors: a
correct queue passes, while a wrong discipline or a lost request (a few percent of bias) fails.
"""

from __future__ import annotations

import math

import pytest

from sim.config import ConfigError, load_config
from sim.experiments.run import run_simulation


def erlang_c(c: int, lam: float, mu: float) -> tuple[float, float]:
    """(mean wait in queue, mean time in system) of M/M/c, written out from the textbook formula."""
    a = lam / mu
    rho = a / c
    tail = a**c / math.factorial(c) / (1.0 - rho)
    p_wait = tail / (sum(a**k / math.factorial(k) for k in range(c)) + tail)
    wq = p_wait / (c * mu - lam)
    return wq, wq + 1.0 / mu


CASES = [  # (c, lambda per day, mu per day per server): utilisation 0.5, 0.7, 0.8, 0.9, 0.9
    (1, 0.5, 1.0),
    (2, 1.4, 1.0),
    (3, 4.8, 2.0),
    (5, 4.5, 1.0),
    (10, 9.0, 1.0),
]


@pytest.mark.parametrize("c, lam, mu", CASES)
def test_mmc_matches_erlang_c(c, lam, mu):
    summary, _, _ = run_simulation(load_config([
        "scenario=mmc", f"scenario.servers={c}", f"scenario.arrival_rate={lam}", f"scenario.service_rate={mu}",
        "scenario.days=2000", "scenario.warmup_days=200", "scenario.replications=400",
    ]))
    wq, w = erlang_c(c, lam, mu)
    err_wait = summary["wait_time_mean_days"] / wq - 1
    err_system = summary["service_time_mean_days"] / w - 1
    print(f"\nM/M/{c} lambda={lam} mu={mu} rho={lam / (c * mu):.2f}: wait {summary['wait_time_mean_days']:.4f} vs "
          f"{wq:.4f} ({err_wait:+.2%}, se {summary['wait_time_sem_days'] / wq:.2%}); in system "
          f"{summary['service_time_mean_days']:.4f} vs {w:.4f} ({err_system:+.2%})")
    assert summary["utilisation"] == pytest.approx(lam / (c * mu), rel=0.02)
    assert summary["requests_arrived_total"] == summary["requests_resolved_total"] + summary["requests_open_at_end"]
    assert abs(err_wait) < 0.05
    assert abs(err_system) < 0.05
    assert summary["wait_time_sem_days"] / wq < 0.05 / 3  # the tolerance really is > 3 standard errors


def test_mmc_rejects_an_unstable_queue_and_foreign_keys():
    with pytest.raises(ConfigError, match="scenario.arrival_rate"):
        load_config(["scenario=mmc", "scenario.servers=2", "scenario.arrival_rate=2.0", "scenario.service_rate=1.0"])
    with pytest.raises(ConfigError, match="scenario.townships"):
        load_config(["scenario=mmc", "+scenario.townships=3"])
    with pytest.raises(ConfigError, match="scenario.servers"):
        load_config(["scenario=township", "+scenario.servers=3"])
