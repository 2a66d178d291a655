"""Command: ``python -m sim.report folder=results/<experiment> [png=false] [lang=en]`` (or the folder bare, first;
installed, also ``grassroots-report``); see :mod:`sim.views.report`."""

import sys

from sim.views.report import main

if __name__ == "__main__":
    sys.exit(main())
