"""docs/ODD.md and the configuration agree key for key.

The ODD's "Parameters" section lists every config key as a backticked dotted path in the first column of its
tables (and each top-level group in backticks in a heading). Every key listed must exist in the composed config
(with every reform on, so reform settings exist), and every key of the config must be listed: each top-level key, and each leaf under each top-level group (the items of
the `departments` list and the `hydra` node excepted). Elsewhere in the document, any backticked dotted path that
starts with a top-level config key must also exist, so the prose cannot describe a parameter that is not there;
module paths it names (`sim/...py`) must exist too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from omegaconf import DictConfig, OmegaConf

from sim.config import REFORM_NAMES, load_config

ROOT = Path(__file__).resolve().parent.parent
ODD = ROOT / "docs" / "ODD.md"
KEY = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")


@pytest.fixture(scope="module")
def composed():
    # every reform on, so that reform.<name>.<setting> keys exist; the township scenario is the default
    return OmegaConf.structured(load_config([f"reform=[{','.join(REFORM_NAMES)}]"]))  # walkable keys


def _parameters_section(text: str) -> str:
    m = re.search(r"^## \d*\.?\s*Parameters\s*$(.*?)(?=^## )", text, flags=re.M | re.S)
    assert m, "docs/ODD.md has no '## Parameters' section"
    return m.group(1)


def documented_groups() -> set[str]:
    """Top-level groups named in backticks in the Parameters section's headings."""
    groups = set()
    for line in _parameters_section(ODD.read_text(encoding="utf-8")).splitlines():
        if line.startswith("#"):
            groups.update(g for g in re.findall(r"`([^`]+)`", line) if KEY.match(g) and "." not in g)
    return groups


def documented_keys() -> list[str]:
    """The keys in the first column of the Parameters section's tables."""
    keys = []
    for line in _parameters_section(ODD.read_text(encoding="utf-8")).splitlines():
        if not line.startswith("|"):
            continue
        first = line.split("|")[1].strip()
        m = re.fullmatch(r"`([^`]+)`", first)
        if m and KEY.match(m.group(1)):
            keys.append(m.group(1))
    return keys


def config_keys(cfg) -> set[str]:
    """Top-level keys, and every leaf under each top-level group (departments' items and hydra excepted)."""
    out: set[str] = set()

    def walk(node, prefix):
        for k in node.keys():
            key = f"{prefix}.{k}" if prefix else str(k)
            value = node[k]
            if isinstance(value, DictConfig) and len(value) > 0:
                walk(value, key)
            else:
                out.add(key)

    for top in cfg.keys():
        if top == "hydra":
            continue
        out.add(str(top))
        value = cfg[top]
        if isinstance(value, DictConfig):
            walk(value, str(top))
    return out


def _exists(cfg, key: str) -> bool:
    return OmegaConf.select(cfg, key, default="__missing__") != "__missing__"


def test_the_parameters_section_lists_keys():
    keys = documented_keys()
    assert len(keys) > 100, f"only {len(keys)} keys found in the Parameters section"
    dupes = {k for k in keys if keys.count(k) > 1}
    assert not dupes, f"documented twice: {sorted(dupes)}"
    print(f"\n[odd] {len(keys)} config keys documented in docs/ODD.md")


def test_every_documented_key_exists(composed):
    missing = [k for k in documented_keys() + sorted(documented_groups()) if not _exists(composed, k)]
    assert not missing, f"docs/ODD.md documents keys the config does not have: {missing}"


def test_every_config_key_is_documented(composed):
    documented = set(documented_keys()) | documented_groups()
    undocumented = sorted(config_keys(composed) - documented)
    assert not undocumented, f"config keys missing from docs/ODD.md's Parameters section: {undocumented}"


def test_config_keys_walk_reaches_the_leaves(composed):
    """The check above is only as good as this walk: it must see nested leaves and every reform's settings."""
    keys = config_keys(composed)
    for k in ("seed", "departments", "chat.read_minutes", "service.kinds.certificate.share",
              "reform.one_form.form_overhead_hours", "reform.rest_rights.min_days_off_per_week"):
        assert k in keys, k
    assert not any(k.startswith(("departments.", "hydra")) for k in keys)


def test_config_paths_named_in_the_prose_exist(composed):
    text = ODD.read_text(encoding="utf-8")
    tops = {str(k) for k in composed.keys()}
    bad = []
    for token in set(re.findall(r"`([^`\s]+)`", text)):
        if KEY.match(token) and "." in token and token.split(".")[0] in tops and not _exists(composed, token):
            bad.append(token)
    assert not bad, f"docs/ODD.md names config paths that do not exist: {sorted(bad)}"


def test_modules_named_exist():
    text = ODD.read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:sim|configs|tests)/[\w/.]+(?:\.py|\.yaml|/))`", text))
    assert paths
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert not missing, f"docs/ODD.md names files that do not exist: {missing}"
