"""The commands' one convention: settings are ``key=value``, with the same names for the same things everywhere.

    python -m sim.report folder=results/x png=false lang=en     (or: python -m sim.report results/x png=false)
    python -m sim.aggregate folder=results/x
    python -m sim.sweep compare_reforms seeds=2                 (or: experiment=compare_reforms)

A command may take its main setting (``folder``, ``experiment``) as the first bare argument. An unknown key stops
the command with one line naming it, the closest allowed key and the allowed keys (exit status 2).
"""

from __future__ import annotations

import yaml

from .suggest import did_you_mean


class SettingsError(ValueError):
    """A command-line setting is wrong; the message is one line naming it and what is allowed."""


def parse_value(text: str):
    """YAML's reading of a value: 20 -> int, 0.5 -> float, false -> bool, [a, b] -> list, anything else -> str."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def parse_key_values(argv: list[str], allowed, first: str | None = None) -> dict:
    """``key=value`` arguments as a dict of YAML-read values; `first` names the setting a leading bare argument
    gives (e.g. ``folder``). Raises SettingsError for an unknown key, a repeated key or another bare argument."""
    allowed = list(allowed)
    settings: dict = {}
    for i, arg in enumerate(argv):
        if "=" not in arg:
            if i == 0 and first is not None:
                settings[first] = arg
                continue
            example = f"{first}={arg}" if first else f"{allowed[0]}=..." if allowed else "key=value"
            raise SettingsError(f"'{arg}': settings are key=value (e.g. {example})")
        key, value = arg.split("=", 1)
        if key not in allowed:
            raise SettingsError(unknown_setting(key, allowed))
        if key in settings:
            raise SettingsError(f"{key}: given twice")
        settings[key] = value if key == first else parse_value(value)
    return settings


def unknown_setting(key: str, allowed) -> str:
    allowed = sorted(allowed)
    return f"{key}: unknown setting;{did_you_mean(key, allowed)} allowed: {', '.join(allowed)}"


def parse_bool(key: str, value) -> bool:
    if isinstance(value, bool):
        return value
    raise SettingsError(f"{key} = {value!r}: expected true or false")
