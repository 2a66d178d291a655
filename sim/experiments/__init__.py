"""Experiments: one run, sweeps of many runs, their launching, resuming and aggregation into tables."""
