"""The reforms a package bundles, read from its Hydra file, so that the bundles in configs/package/ are the one
declaration of which reforms go together."""

from __future__ import annotations

import yaml

from .load import CONFIG_DIR

_REFORM_GROUP = "/reform"


def package_reforms(name: str) -> list[str]:
    """The reforms of ``configs/package/<name>.yaml``, in the order its defaults line lists them."""
    path = CONFIG_DIR / "package" / f"{name}.yaml"
    if not path.is_file():
        raise ValueError(f"package {name!r}: no file {path}")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    reforms: list[str] = []
    for entry in doc.get("defaults") or []:
        if not isinstance(entry, dict):
            continue
        for key, value in entry.items():
            # '/reform@_global_.reform: [a, b]' (a list) or '/reform@_global_.reform: a' (one reform)
            if str(key).split("@", 1)[0] == _REFORM_GROUP:
                reforms += [value] if isinstance(value, str) else list(value)
    if not reforms:
        raise ValueError(f"package {name!r}: {path} lists no reforms in its defaults")
    return reforms
