"""Agent-based simulation of grassroots workload and the burden-reduction (基层减负) reforms.

The Python API (:mod:`sim.api`): ``sim.run(...)`` for one run, ``sim.run_experiment(spec)`` for a sweep,
``sim.load_results(folder)`` for a results folder's tables. They are imported on first use, so that ``import
sim.config`` or a sweep's worker does not pay for the experiment machinery's imports.
"""

from importlib import import_module
from importlib.metadata import version

__version__ = version("grassroots-sim")  # one version, from the package metadata (pyproject.toml)

_API = {"REFORM_NAMES": "sim.config", "ConfigError": "sim.config", "load_config": "sim.config",
        "validate": "sim.config", "run_simulation": "sim.experiments.run", "RunResult": "sim.api",
        "load_results": "sim.api", "run": "sim.api", "run_experiment": "sim.api"}

__all__ = [*_API, "__version__"]


def __getattr__(name: str):
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
