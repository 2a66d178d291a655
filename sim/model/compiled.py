"""The model's compiled parts (Cython, built by the install: scripts/bootstrap, `pip install -e .`), checked against
their sources.

- ``day_rule``: the cadres' day rule (``workday.py`` describes it);
- ``small_world``: the residents' Watts-Strogatz ties, networkx's edges for the same seed (``networks.py``);
- ``word_of_mouth``: the residents' weekly talk (``agents.Households.talk``).

Each gives the figures its pure-Python or numpy form gives, to the last bit; the tests hold them to that.
"""

from __future__ import annotations

from pathlib import Path

from . import day_rule, small_world, word_of_mouth


def _check_built(module) -> None:
    """In a checkout, a source edited since it was compiled would run the old code: stop and say so. (An installed
    wheel's files are written in no particular order, and its modules were compiled from its own sources.)"""
    source = Path(module.__file__).with_name(module.__name__.rsplit(".", 1)[-1] + ".pyx")
    checkout = (Path(__file__).parents[2] / "pyproject.toml").is_file()
    if checkout and source.exists() and source.stat().st_mtime > Path(module.__file__).stat().st_mtime:
        raise ImportError(f"{source} changed after it was compiled: run scripts/bootstrap (or "
                          "`pip install --no-deps -e .`) to build it again")


for _module in (day_rule, small_world, word_of_mouth):
    _check_built(_module)

__all__ = ["day_rule", "small_world", "word_of_mouth"]
