"""Configuration: the typed schema with its checks, and the one way to compose and validate a config."""

from .packages import package_reforms as package_reforms
from .schema import CONFIG_DIR, REFORM_NAMES, ConfigError, enabled_reforms, load_config, validate

__all__ = ["CONFIG_DIR", "REFORM_NAMES", "ConfigError", "enabled_reforms", "load_config", "validate"]
