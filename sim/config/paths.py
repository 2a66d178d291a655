"""Where the YAML the package reads lives: the model's config groups and the experiment specs.

In the repository they are the top-level folders ``configs/`` and ``experiments/``; a built wheel ships them inside
the package as ``sim/configs`` and ``sim/experiment_specs`` (see ``[tool.setuptools]`` in pyproject.toml). The
installed copy is used when there is one; a checkout, or an editable install of it, reads the repository's folders.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE_DIR = Path(str(files("sim")))
REPO_DIR = PACKAGE_DIR.parent


def data_dir(in_package: str, in_repo: str) -> Path:
    """``sim/<in_package>`` when the package was installed with it, else ``<repository>/<in_repo>``."""
    installed = PACKAGE_DIR / in_package
    return installed if installed.is_dir() else REPO_DIR / in_repo


CONFIG_DIR = data_dir("configs", "configs")
EXPERIMENT_DIR = data_dir("experiment_specs", "experiments")
