"""Every modelling default carries its reason or source in a comment beside it (or just above a list of them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CONFIGS = Path(__file__).resolve().parent.parent / "configs"
VALUE_LINE = re.compile(r"^\s+[A-Za-z_]+:\s*[^\s#][^#]*$")  # an indented `key: value` line with no comment


def undocumented(path: Path) -> list[str]:
    out, in_hydra, prev_comment = [], False, False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("hydra:"):
            in_hydra = True
        elif line and not line.startswith((" ", "#")):
            in_hydra = False
        if not in_hydra and VALUE_LINE.match(line) and not prev_comment:
            out.append(f"{path.relative_to(CONFIGS)}:{n}: {line.strip()}")
        # a continuation comment line (indented) documents the value line it follows
        prev_comment = line.strip().startswith("#") and line.startswith("   ")
    return out


# experiment/ files list what a sweep runs (variants, seeds): definitions, not modelling defaults
MODEL_CONFIGS = sorted(p for p in CONFIGS.rglob("*.yaml") if p.parent.name != "experiment")


@pytest.mark.parametrize("path", MODEL_CONFIGS, ids=lambda p: str(p.relative_to(CONFIGS)))
def test_every_default_has_its_reason_beside_it(path):
    assert undocumented(path) == []
