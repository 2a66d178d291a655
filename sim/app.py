"""Command: ``solara run sim/app.py`` serves the classroom app (see :mod:`sim.views.classroom.app`).

Installed, ``grassroots-app [solara options]`` does the same for this file wherever the package is, on
127.0.0.1 unless ``--host`` is given (e.g. ``grassroots-app --port 8765``).
"""

import os
import sys
from pathlib import Path

from sim.views.classroom.app import Page  # noqa: F401  (solara serves the module's Page)


def command(args: list[str]) -> list[str]:
    """The ``solara run`` command line for this file, with --host 127.0.0.1 unless a host is given."""
    host = [] if any(a == "--host" or a.startswith("--host=") for a in args) else ["--host", "127.0.0.1"]
    return [sys.executable, "-m", "solara", "run", str(Path(__file__).resolve()), *host, *args]


def main(argv=None) -> None:
    """``grassroots-app``: this process becomes ``solara run`` (so Ctrl-C and signals reach the server itself)."""
    cmd = command(list(sys.argv[1:] if argv is None else argv))
    os.execv(cmd[0], cmd)
