"""Agent-based simulation of grassroots workload and the burden-reduction (基层减负) reforms."""

from importlib.metadata import version

from .config import REFORM_NAMES, ConfigError, load_config, validate
from .experiments.run import run_simulation

__version__ = version("grassroots-sim")  # one version, from the package metadata (pyproject.toml)

__all__ = ["REFORM_NAMES", "ConfigError", "load_config", "validate", "run_simulation", "__version__"]
