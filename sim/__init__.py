"""Agent-based simulation of grassroots workload and the burden-reduction (基层减负) reforms."""

__version__ = "0.1.0"

from .config import REFORM_NAMES, ConfigError, load_config, validate  # noqa: E402
from .experiments.run import run_simulation  # noqa: E402

__all__ = ["REFORM_NAMES", "ConfigError", "load_config", "validate", "run_simulation", "__version__"]
