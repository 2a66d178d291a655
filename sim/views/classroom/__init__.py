"""The classroom app: a Solara page around a Mesa model (`model.py`), its figures and its words in two languages."""
