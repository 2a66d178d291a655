"""Command: ``python -m sim.report results/<experiment>`` (see :mod:`sim.views.report`)."""

import sys

from sim.views.report import main

if __name__ == "__main__":
    sys.exit(main())
