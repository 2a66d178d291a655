"""The classroom's model: one small township with the chosen reforms and its twin without them, in lockstep.

:class:`ClassroomModel` is a thin mesa.Model around two ``GrassrootsModel`` runs built from ``scenario=classroom``
with the page's settings: the township *with* the switched-on reforms, and the same township and seed *without*
them. Both share their random draws (common random numbers), so what the page compares is the reforms' effect, not
noise. Bad input never raises out of ``ClassroomModel``: a config the model refuses leaves ``error`` set (the key
and what is allowed) and the page shows it instead of a traceback.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable, Mapping

import mesa

from sim.config import REFORM_NAMES, ConfigError, load_config
from sim.model.model import GrassrootsModel

log = logging.getLogger(__name__)

# The page's township settings: keyword argument -> config key it overrides.
SCENARIO_KEYS: dict[str, str] = {
    "villages": "scenario.villages_per_township",
    "cadres_per_village": "scenario.village_cadres_per_village",
    "township_cadres": "scenario.township_cadres",
    "households": "scenario.households_per_township",
    "messages_per_group_per_day": "chat.messages_per_group_per_day",
    "inspections_per_department_per_year": "inspections.per_department_per_year",
}

# Hydra's compose API keeps one global state; two sessions pressing Reset at once must not interleave in it.
_CONFIG_LOCK = threading.Lock()


def load(overrides: list[str]):
    with _CONFIG_LOCK:
        return load_config(overrides)


def _value(cfg, key: str):
    node = cfg
    for part in key.split("."):
        node = getattr(node, part)
    return node


@functools.lru_cache(maxsize=1)
def classroom_defaults() -> dict[str, float]:
    """The classroom scenario's own values of the page's settings (the sliders start there)."""
    cfg = load(["scenario=classroom"])
    out = {arg: _value(cfg, key) for arg, key in SCENARIO_KEYS.items()}
    out["seed"] = int(cfg.seed)
    return out


@functools.lru_cache(maxsize=1)
def slider_ranges() -> dict[str, tuple[float, float, float]]:
    """Each setting's (lowest, highest, step) on the page: every value in range builds a township (a test builds
    the corners). The lowest values are what the config allows (a township needs as many cadres as a department
    has liaisons there); the highest keep a day's step quick on a classroom machine."""
    liaisons = int(load(["scenario=classroom"]).hierarchy.township_liaisons_per_department)
    return {
        "seed": (0, 99, 1),
        "villages": (1, 12, 1),
        "cadres_per_village": (1, 8, 1),
        "township_cadres": (liaisons, 30, 1),
        "households": (100, 4000, 100),
        "messages_per_group_per_day": (0.0, 5.0, 0.01),         # fine steps: the calibrated defaults sit on them
        "inspections_per_department_per_year": (0.0, 12.0, 0.01),
    }


def chosen_reforms(reforms) -> tuple[str, ...]:
    """Reforms from a list of names or a {name: on} mapping (the switches' state), in canonical order."""
    if reforms is None:
        return ()
    if isinstance(reforms, str):
        reforms = [r for r in reforms.replace(" ", "").split(",") if r]
    on = {k for k, v in reforms.items() if v} if isinstance(reforms, Mapping) else set(reforms)
    unknown = sorted(on - set(REFORM_NAMES))
    if unknown:
        raise ConfigError(f"reforms: unknown reform {unknown[0]!r}; allowed: {', '.join(REFORM_NAMES)}")
    return tuple(name for name in REFORM_NAMES if name in on)


class ClassroomModel(mesa.Model):
    """One classroom township with the chosen reforms, and its twin without them (same seed), in lockstep."""

    def __init__(
        self,
        seed: int = 0,
        villages: int | None = None,
        cadres_per_village: int | None = None,
        township_cadres: int | None = None,
        households: int | None = None,
        messages_per_group_per_day: float | None = None,
        inspections_per_department_per_year: float | None = None,
        reforms: Mapping[str, bool] | Iterable[str] | None = None,
    ):
        self.error: str | None = None       # why the township could not be built or stopped (key and allowed values)
        self.failed_on_day: int | None = None  # the day a step failed, if one did
        self.township: GrassrootsModel | None = None
        self.baseline: GrassrootsModel | None = None
        self.reforms: tuple[str, ...] = ()
        values = dict(villages=villages, cadres_per_village=cadres_per_village, township_cadres=township_cadres,
                      households=households, messages_per_group_per_day=messages_per_group_per_day,
                      inspections_per_department_per_year=inspections_per_department_per_year)
        # what the township was built from: the page compares it with its controls to tell what waits for Reset
        self.settings = {"seed": seed, **{k: v for k, v in values.items() if v is not None}}
        try:
            seed = int(str(seed).strip())  # a seed typed into a text box arrives as a string
            if seed < 0:
                raise ConfigError(f"seed = {seed}: out of range, expected a whole number >= 0")
        except ValueError as exc:
            super().__init__(rng=0)
            self._fail(exc if isinstance(exc, ConfigError) else ConfigError(f"seed = {seed!r}: expected a whole "
                                                                            "number >= 0"))
            return
        super().__init__(rng=seed)
        self.seed = seed
        try:
            self.reforms = chosen_reforms(reforms)
            overrides = ["scenario=classroom", f"seed={seed}"]
            overrides += [f"{SCENARIO_KEYS[k]}={v}" for k, v in values.items() if v is not None]
            with_reforms = overrides + ([f"reform=[{','.join(self.reforms)}]"] if self.reforms else [])
            self.township = GrassrootsModel(load(with_reforms))
            # the twin without the reforms; with none chosen the township is its own baseline
            self.baseline = GrassrootsModel(load(overrides)) if self.reforms else None
        except ValueError as exc:  # ConfigError is a ValueError; the model raises ValueError on impossible shapes
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        self.error = str(exc)
        self.township = self.baseline = None
        self.running = False

    @property
    def without(self) -> GrassrootsModel | None:
        """The run without the chosen reforms (the township itself when none is chosen)."""
        return self.baseline if self.baseline is not None else self.township

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return 0 if self.township is None else self.township.calendar.day

    def step(self) -> None:
        if self.township is None or not self.township.running:
            self.running = False
            return
        try:
            self.township.step()
            if self.baseline is not None:
                self.baseline.step()
        except Exception as exc:  # keep the classroom page alive: the message goes on the page, the trace to the log
            log.exception("the simulation failed on day %s", self.day)
            self.error, self.failed_on_day = f"{type(exc).__name__}: {exc}", self.day
            self.running = False
            return
        self.running = self.township.running
