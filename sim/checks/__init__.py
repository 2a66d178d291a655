"""Checks of the model's machinery against theory (the queueing check against Erlang C)."""
