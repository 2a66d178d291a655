"""Experiments: one run (run.py), the kinds of experiment (kinds/), sweeps of many runs with their launching and
resuming (sweep.py, job.py), and their aggregation into tables (aggregate.py, stats.py). Imports only the config,
model and checks layers; the report is built by the command ``python -m sim.sweep``."""
