"""Composing a config: Hydra's compose API over ``configs/``, with one-line errors that name the key.

Everything that loads a config by overrides (``python -m sim``, sweeps, tests, notebooks, the classroom app) comes
through :func:`load_config`, which returns the checked, typed :class:`~sim.config.schema.Config`; it also takes a
nested dict of values (the Python API's ``sim.run({...})``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig, OmegaConf

from .paths import CONFIG_DIR
from .schema import REFORM_NAMES, Config, ConfigError, validate
from .suggest import did_you_mean, unknown


def load_config(overrides: list[str] | tuple[str, ...] | Mapping = (), config_name: str = "config") -> Config:
    """Compose ``configs/<config_name>.yaml`` with Hydra overrides and validate it.

    `overrides` may also be a nested dict of config values, merged over the composed defaults (see
    :func:`config_from_values`).
    """
    if isinstance(overrides, Mapping):
        return config_from_values(overrides, config_name)
    return validate(compose_config(overrides, config_name))


def config_from_values(values: Mapping, config_name: str = "config") -> Config:
    """A checked config from a nested dict of values merged over the composed defaults.

    A config group takes its choice as a name (``{"scenario": "classroom", "package": "all_reforms"}``) or, for
    reforms, a list (``{"reform": ["one_form"]}``); a dict under ``reform`` switches those reforms on and sets their
    values (``{"reform": {"one_form": {"form_overhead_hours": 0.2}}}``). Dotted keys are read as nesting
    (``{"scenario.days": 14}``). Everything else is merged value by value and checked like any override.
    """
    groups = {p.name for p in CONFIG_DIR.iterdir() if p.is_dir()}
    choices, values = [], dict(values)
    for key in [k for k in values if k in groups]:
        value = values[key]
        if value is None or isinstance(value, str):
            choices.append(f"{key}={'null' if value is None else value}")
        elif isinstance(value, (list, tuple)):
            choices.append(f"{key}=[{','.join(map(str, value))}]")
        elif key == "reform" and isinstance(value, Mapping):
            choices.append(f"reform=[{','.join(map(str, value))}]")
            values["reform"] = {k: v for k, v in value.items() if v}
            continue
        else:
            continue
        del values[key]
    rest = _nest(values)
    base = OmegaConf.to_container(compose_config(choices, config_name), resolve=True)
    return validate(_merge(base, rest))


def _nest(values: Mapping) -> dict:
    out: dict = {}
    for key, value in values.items():
        *parents, last = str(key).split(".")
        node = out
        for p in parents:
            node = node.setdefault(p, {})
        if isinstance(value, Mapping) and isinstance(node.get(last), dict):
            node[last] = _merge(node[last], _nest(value))
        else:
            node[last] = _nest(value) if isinstance(value, Mapping) else value
    return out


def _merge(base: dict, values: dict) -> dict:
    out = dict(base)
    for key, value in values.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


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


def _key(override: str) -> str:
    return override.lstrip("+~").split("=", 1)[0]


def _explain_compose_error(config_name: str, overrides: list[str], exc: Exception) -> str:
    """One line that names the override Hydra refused (Hydra's own message does not always say which).

    Choices of a group or top-level value (``scenario=...``, ``reform=[...]``, ``seed=...``) are tried first, in
    order; then each dotted override on top of all the choices, so that a value under a reform is judged with that
    reform switched on, wherever it stands on the command line.
    """
    choices = [ov for ov in overrides if "." not in _key(ov)]
    for i, ov in enumerate(choices):
        try:
            compose(config_name, overrides=choices[: i + 1])
        except Exception as single:
            return f"{ov}: " + _clean_hydra_message(single)
    try:
        context = compose(config_name, overrides=choices)
    except Exception:
        return _clean_hydra_message(exc)
    for ov in overrides:
        if ov in choices:
            continue
        try:
            compose(config_name, overrides=[*choices, ov])
        except Exception as single:
            key = _key(ov)
            parts = key.split(".")
            if parts[0] == "reform" and len(parts) > 2 and parts[1] in REFORM_NAMES \
                    and OmegaConf.select(context, f"reform.{parts[1]}") is None:
                return (f"{key}: reform '{parts[1]}' is not switched on; switch it on first with "
                        f"'reform=[{parts[1]}]' or '+reform={parts[1]}'")
            return f"{ov}: " + _clean_hydra_message(single, context)
    return _clean_hydra_message(exc)


def _clean_hydra_message(exc: Exception, context: DictConfig | None = None) -> str:
    text = " ".join(str(exc).split())
    cause = exc.__cause__ or exc.__context__
    if "Error merging override" in text and cause is not None:
        text = " ".join(str(cause).split()).split(" full_key:")[0]
    m = re.search(r"Could not (?:load|find) '([\w/]+)/([^']+)'", text)
    if m:
        group, name = m.group(1), m.group(2)
        options = sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))
        return unknown(group, name, options)
    m = re.search(r"Could not override '([\w.]+)'", text)
    if m and context is not None:
        parent, _, name = m.group(1).rpartition(".")
        node = OmegaConf.select(context, parent) if parent else context
        if isinstance(node, DictConfig):
            hint = did_you_mean(name, node.keys())
            return (f"{m.group(1)}: unknown key;{hint} allowed keys under '{parent or 'the top level'}': "
                    f"{', '.join(sorted(str(k) for k in node.keys()))}")
    m = re.search(r"Value '(.*)' of type '(\w+)' could not be converted to (\w+)", text)
    if m:
        return f"wrong type: '{m.group(1)}' is {m.group(2)}, expected {m.group(3).lower()}"
    return text.split(" Config search path:")[0]
