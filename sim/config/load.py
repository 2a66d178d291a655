"""Composing a config: Hydra's compose API over ``configs/``, with one-line errors that name the key.

Everything that loads a config by overrides (``python -m sim``, sweeps, tests, notebooks, the classroom app) comes
through :func:`load_config`, which returns the checked, typed :class:`~sim.config.schema.Config`.
"""

from __future__ import annotations

import re
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig

from .schema import REFORM_NAMES, Config, ConfigError, validate

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"


def load_config(overrides: list[str] | tuple[str, ...] = (), config_name: str = "config") -> Config:
    """Compose ``configs/<config_name>.yaml`` with Hydra overrides and validate it."""
    return validate(compose_config(overrides, config_name))


def compose_config(overrides: list[str] | tuple[str, ...] = (), config_name: str = "config") -> DictConfig:
    """Compose without validating (a refused override still gives one line naming it)."""
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    overrides = list(overrides)
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        try:
            cfg = compose(config_name, overrides=overrides)
        except Exception as exc:
            raise ConfigError(_explain_compose_error(config_name, overrides, exc)) from None
    return cfg


def _explain_compose_error(config_name: str, overrides: list[str], exc: Exception) -> str:
    """One line that names the override Hydra refused (Hydra's own message does not always say which)."""
    for ov in overrides:
        try:
            compose(config_name, overrides=[ov])
        except Exception as single:
            key = ov.lstrip("+~").split("=", 1)[0]
            parts = key.split(".")
            if parts[0] == "reform" and len(parts) > 2 and parts[1] in REFORM_NAMES:
                return (f"{key}: reform '{parts[1]}' is not switched on; switch it on first with "
                        f"'reform=[{parts[1]}]' or '+reform={parts[1]}'")
            return f"{ov}: " + _clean_hydra_message(single)
    return _clean_hydra_message(exc)


def _clean_hydra_message(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    cause = exc.__cause__ or exc.__context__
    if "Error merging override" in text and cause is not None:
        text = " ".join(str(cause).split()).split(" full_key:")[0]
    m = re.search(r"Could not (?:load|find) '([\w/]+)/([^']+)'", text)
    if m:
        group, name = m.group(1), m.group(2)
        options = sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))
        return f"{group}: unknown option '{name}'; allowed: {', '.join(options)}"
    return text.split(" Config search path:")[0]
