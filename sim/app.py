"""Command: ``solara run sim/app.py`` serves the classroom app (see :mod:`sim.views.classroom.app`)."""

from sim.views.classroom.app import Page  # noqa: F401  (solara serves the module's Page)
