"""The model: one county's departments, townships, villages, cadres and households, one day per step."""
