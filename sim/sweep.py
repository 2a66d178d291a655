"""Command: ``python -m sim.sweep <experiment> [key=value ...]`` (see :mod:`sim.experiments.sweep`)."""

import sys

from sim.experiments.sweep import main

if __name__ == "__main__":
    sys.exit(main())
