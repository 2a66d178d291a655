"""The classroom app (Solara / Mesa SolaraViz)."""
