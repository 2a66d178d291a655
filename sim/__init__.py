"""Agent-based simulation of grassroots workload and the burden-reduction (基层减负) reforms.

The Python API (:mod:`sim.api`): ``sim.run(...)`` for one run, ``sim.run_experiment(spec)`` for a sweep,
``sim.load_results(folder)`` for a results folder's tables.
"""

from importlib.metadata import version

from .config import REFORM_NAMES, ConfigError, load_config, validate
from .experiments.run import run_simulation
from .api import RunResult, load_results, run, run_experiment

__version__ = version("grassroots-sim")  # one version, from the package metadata (pyproject.toml)

__all__ = ["REFORM_NAMES", "ConfigError", "RunResult", "load_config", "load_results", "run", "run_experiment",
           "run_simulation", "validate", "__version__"]
