"""Command: ``python -m sim.aggregate results/<experiment>`` (see :mod:`sim.experiments.aggregate`)."""

import sys

from sim.experiments.aggregate import main

if __name__ == "__main__":
    sys.exit(main())
