"""Configuration: the typed schema with its checks (``schema``), and composing a config from ``configs/`` (``load``).

A :class:`Config` is only made by :func:`validate` (which :func:`load_config` calls), so code that holds one can
trust it: the config is checked once per run.
"""

from .load import load_config
from .packages import package_reforms
from .paths import CONFIG_DIR, EXPERIMENT_DIR
from .schema import (
    REFORM_NAMES,
    Config,
    ConfigError,
    enabled_reforms,
    seeded_yaml,
    to_yaml,
    validate,
    with_seed,
    with_values,
)

__all__ = ["CONFIG_DIR", "EXPERIMENT_DIR", "REFORM_NAMES", "Config", "ConfigError", "enabled_reforms", "load_config",
           "package_reforms", "seeded_yaml", "to_yaml", "validate", "with_seed", "with_values"]
